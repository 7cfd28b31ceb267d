namespace Gatehouse.Services.Identity;

/// <summary>
/// Looks up an access key when a request is authenticated. Implementations answer null for an unknown or
/// inactive key (the caller then gets <c>InvalidClientTokenId</c>).
/// </summary>
public interface ICredentialDirectory
{
    ValueTask<AccessKeyCredential?> FindAccessKeyAsync(string accessKeyId, CancellationToken ct = default);
}

/// <summary>A usable access key: its secret, who it belongs to and, for temporary keys, the session token and
/// expiry.</summary>
public sealed record AccessKeyCredential(string AccessKeyId, string SecretAccessKey, Principal Principal, string? SessionToken = null, DateTimeOffset? Expiration = null);

/// <summary>The credentials configured at start-up: the management account's root user.</summary>
public sealed class StaticCredentialDirectory(IReadOnlyList<AccessKeyCredential> keys) : ICredentialDirectory
{
    private readonly Dictionary<string, AccessKeyCredential> _keys = keys.ToDictionary(k => k.AccessKeyId, StringComparer.Ordinal);

    public ValueTask<AccessKeyCredential?> FindAccessKeyAsync(string accessKeyId, CancellationToken ct = default) =>
        ValueTask.FromResult(_keys.GetValueOrDefault(accessKeyId));
}
