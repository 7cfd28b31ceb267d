using Gatehouse.Protocol.Wire;

namespace Gatehouse.Server.Pipeline;

/// <summary>
/// Step 1 of the request path: which module a request is for. A JSON request names its operation in
/// <c>X-Amz-Target</c> (<c>AmazonSQS.SendMessage</c>); a Query request is matched by the service of its SigV4
/// credential scope, else by its <c>Version</c>, else it goes to the module that claims unmatched Query requests
/// (SQS, whose queue URLs carry no version); a path prefix (<c>/_gatehouse/</c>) names its module outright.
/// </summary>
internal sealed class ServiceRouter
{
    private readonly ServiceModule[] _modules;
    private readonly ServiceModule? _unmatchedQuery;

    public ServiceRouter(IEnumerable<ServiceModule> modules)
    {
        _modules = [.. modules];
        var claimants = _modules.Where(m => m.ClaimsUnmatchedQuery).ToList();
        if (claimants.Count > 1)
        {
            throw new InvalidOperationException("Only one module may claim unmatched Query requests: " + string.Join(", ", claimants.Select(m => m.Name)));
        }

        _unmatchedQuery = claimants.FirstOrDefault();
        foreach (var m in _modules)
        {
            if ((m.JsonTargetPrefix is null) != (m.JsonProtocol is null) || (m.QueryVersion is not null && m.QueryProtocol is null))
            {
                throw new InvalidOperationException($"Module {m.Name}: a JSON target prefix needs a JSON protocol, a Query version a Query protocol.");
            }
        }
    }

    public IReadOnlyList<ServiceModule> Modules => _modules;

    /// <summary>The protocol that renders errors found before a module is known: the unmatched-Query module's.</summary>
    public IWireProtocol FallbackProtocol(bool json) =>
        (json ? _unmatchedQuery?.JsonProtocol : _unmatchedQuery?.QueryProtocol) ?? AwsJsonProtocol.V10;

    /// <summary>Whether a module answers requests signed for this SigV4 service name.</summary>
    public bool Serves(string signingName) => _modules.Any(m => m.SigningName == signingName);

    public ServiceModule? ByPath(string path)
    {
        foreach (var m in _modules)
        {
            if (m.PathPrefix is { } prefix && path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return m;
            }
        }

        return null;
    }

    public ServiceModule? ByTarget(string target)
    {
        foreach (var m in _modules)
        {
            if (m.JsonTargetPrefix is { } prefix && target.StartsWith(prefix, StringComparison.Ordinal))
            {
                return m;
            }
        }

        return null;
    }

    /// <param name="signingName">The service of the request's credential scope; null when unsigned.</param>
    public ServiceModule? ForQuery(string? signingName, string? version)
    {
        foreach (var m in _modules)
        {
            if (m.QueryProtocol is null || m.PathPrefix is not null)
            {
                continue;
            }

            if (signingName is not null ? signingName == m.SigningName : version is not null && version == m.QueryVersion)
            {
                return m;
            }
        }

        return _unmatchedQuery;
    }
}
