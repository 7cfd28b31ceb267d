namespace Gatehouse.SigV4.Internal;

/// <summary>The signature parts of one request, from the Authorization header or the presigned query.</summary>
internal sealed class AuthParameters
{
    public required bool IsPresigned { get; init; }
    public required string AccessKeyId { get; init; }
    public required string ScopeDate { get; init; }
    public required string Region { get; init; }
    public required string Service { get; init; }

    /// <summary>date/region/service/aws4_request, exactly as the client wrote it.</summary>
    public required string Scope { get; init; }

    public required string SignedHeaders { get; init; }
    public required string Signature { get; init; }
    public required string AmzDate { get; init; }
    public required DateTimeOffset SignedAt { get; init; }
    public required string? SecurityToken { get; init; }
    public required List<KeyValuePair<string, string>> Query { get; init; }

    /// <summary>A presigned request's <c>X-Amz-Expires</c> in seconds, when it has one.</summary>
    public int? ExpiresSeconds { get; init; }
}
