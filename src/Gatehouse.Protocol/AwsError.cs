namespace Gatehouse.Protocol;

/// <summary>
/// One AWS error as it goes on the wire: the JSON <c>__type</c> (fully qualified), the Query-protocol code
/// (also sent in <c>x-amzn-query-error</c>), the HTTP status and whether the client is at fault.
/// </summary>
public sealed record AwsError(string JsonType, string QueryCode, int HttpStatus, string Message, bool SenderFault = true)
{
    /// <summary>The same error with another message.</summary>
    public AwsError WithMessage(string message) => this with { Message = message };

    /// <summary>The short JSON type name (the part after <c>#</c>).</summary>
    public string ShortType => JsonType[(JsonType.IndexOf('#', StringComparison.Ordinal) + 1)..];
}

/// <summary>
/// The one exception type for client faults (design rule 6, docs/architecture.md): thrown where a request cannot go on and caught
/// in one place, the pipeline, which renders <see cref="Error"/> in the request's protocol.
/// </summary>
public sealed class AwsErrorException(AwsError error) : Exception(error.Message)
{
    public AwsError Error { get; } = error;
}
