using Gatehouse.Protocol.Wire;

namespace Gatehouse.Server.Pipeline;

/// <summary>
/// One AWS service as the request pipeline sees it (docs/architecture.md): how its requests are recognised, the
/// SigV4 signing name they are authenticated with, the wire protocol(s) it speaks, and its action catalogue as
/// data. The pipeline names no service; adding a service is adding a module.
/// </summary>
internal sealed class ServiceModule
{
    /// <summary>The service's short name (<c>sqs</c>, <c>iam</c>): the prefix of its IAM actions, and what shapes its
    /// access-denied text.</summary>
    public required string Name { get; init; }

    /// <summary>The SigV4 signing name of the credential scope (<c>sqs</c>, <c>iam</c>, <c>sts</c>).</summary>
    public required string SigningName { get; init; }

    /// <summary>The <c>X-Amz-Target</c> prefix of its JSON protocol (<c>AmazonSQS.</c>, <c>TrentService.</c>), if it
    /// speaks one.</summary>
    public string? JsonTargetPrefix { get; init; }

    /// <summary>AWS JSON 1.0 or 1.1, when <see cref="JsonTargetPrefix"/> is set.</summary>
    public IWireProtocol? JsonProtocol { get; init; }

    /// <summary>The <c>Version=</c> parameter of its Query protocol (<c>2012-11-05</c>, <c>2010-05-08</c>).</summary>
    public string? QueryVersion { get; init; }

    /// <summary>AWS Query or EC2 Query, when it speaks one.</summary>
    public IWireProtocol? QueryProtocol { get; init; }

    /// <summary>Answers the Query requests no other module claims: unsigned requests without <c>Version</c> and
    /// requests sent to a resource path (SQS's queue URLs). At most one module says so.</summary>
    public bool ClaimsUnmatchedQuery { get; init; }

    /// <summary>A URL path prefix it owns (<c>/_gatehouse/</c>); its actions are named by <see cref="PathActions"/>.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>For a <see cref="PathPrefix"/> module: the action for each path below the prefix.</summary>
    public IReadOnlyDictionary<string, string> PathActions { get; init; } = new Dictionary<string, string>();

    /// <summary>Unsigned requests go on as the anonymous principal (SQS: a queue policy may allow them); otherwise
    /// they are refused with <c>MissingAuthenticationToken</c>. An action may say otherwise.</summary>
    public bool AllowsAnonymous { get; init; }

    /// <summary>Service-specific shaping of a Query request's parameters before decoding (SQS: the queue URL
    /// the request was sent to). Throws an <see cref="Protocol.AwsErrorException"/> to refuse.</summary>
    public Action<HttpContext, string, Dictionary<string, string>>? PrepareQuery { get; init; }

    /// <summary>Every action, by its wire name.</summary>
    public required IReadOnlyDictionary<string, ActionSpec> Actions { get; init; }

    /// <summary>Every protocol it speaks.</summary>
    public IEnumerable<IWireProtocol> Protocols =>
        new[] { JsonProtocol, QueryProtocol }.OfType<IWireProtocol>();
}
