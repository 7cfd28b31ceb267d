namespace Gatehouse.SigV4;

/// <summary>What the caller's key store knows about one access key id.</summary>
/// <param name="SecretAccessKey">The secret the request must have been signed with.</param>
/// <param name="Principal">Opaque caller object returned on success (the account/user/role session).</param>
/// <param name="SessionToken">
/// Non-null for temporary (<c>ASIA…</c>) credentials: the request must carry exactly this
/// <c>X-Amz-Security-Token</c>. Null for long-term keys, which must not carry a token.
/// </param>
/// <param name="Expiration">When temporary credentials stop working (answered with <c>ExpiredToken</c>).</param>
public sealed record SigV4Credential(
    string SecretAccessKey,
    object? Principal = null,
    string? SessionToken = null,
    DateTimeOffset? Expiration = null);
