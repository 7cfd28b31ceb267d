using Gatehouse.Protocol;
using Gatehouse.Services.Identity;

namespace Gatehouse.Server;

/// <summary>
/// A control-plane API spoken over the AWS Query protocol (IAM, STS): the pipeline routes a request to it by the
/// service of its SigV4 credential scope (or, unsigned, by its <c>Version</c>), authenticates it, and renders what
/// the handler writes as <c>&lt;{Action}Response xmlns="{XmlNamespace}"&gt;</c>.
/// </summary>
internal interface IQueryApi
{
    /// <summary>The SigV4 signing name: <c>iam</c>, <c>sts</c>.</summary>
    string SigningName { get; }

    /// <summary>The API version clients send as <c>Version=</c>: <c>2010-05-08</c>, <c>2011-06-15</c>.</summary>
    string Version { get; }

    string XmlNamespace { get; }

    /// <summary>Handles one action; returns the result writer, or null for actions without a result element.
    /// Unknown actions throw <see cref="CommonErrors.InvalidAction"/>.</summary>
    Task<Action<IResponseWriter>?> HandleAsync(ControlPlaneCall call, string action, IRequestReader request);
}

/// <summary>One control-plane request: the authenticated caller, the region of its credential scope.</summary>
internal sealed record ControlPlaneCall(Principal Caller, string Region, HttpContext Http)
{
    public CancellationToken Aborted => Http.RequestAborted;
}
