using System.Security.Cryptography;
using System.Text.Json;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Kms;

public sealed partial class KmsService
{
    /// <summary>
    /// Checks an alias name for CreateAlias (AWS KMS API reference, CreateAlias: <c>alias/</c> then letters,
    /// digits, <c>/_-</c>, at most 256 characters; <c>alias/aws/</c> is reserved for AWS managed keys).
    /// </summary>
    public static void ValidateAliasName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new AwsErrorException(KmsErrors.Validation("1 validation error detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null"));
        }

        if (!name.StartsWith("alias/", StringComparison.Ordinal) || name.Length is < 7 or > 256
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-'))
        {
            throw new AwsErrorException(KmsErrors.Validation(
                $"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"));
        }

        if (name.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new AwsErrorException(KmsErrors.InvalidAliasName("Alias must not begin with 'alias/aws/'"));
        }
    }

    public KmsAlias? FindAlias(string account, string region, string name)
    {
        lock (_gate)
        {
            var alias = _aliases.GetValueOrDefault($"arn:aws:kms:{region}:{account}:{name}");
            return alias is not null && Live($"arn:aws:kms:{region}:{account}:key/{alias.TargetKeyId}") is not null ? alias : null;
        }
    }

    public KmsAlias CreateAlias(string account, string region, string name, KmsKey target)
    {
        lock (_gate)
        {
            var arn = $"arn:aws:kms:{region}:{account}:{name}";
            if (FindAlias(account, region, name) is not null)
            {
                throw new AwsErrorException(KmsErrors.AlreadyExists($"An alias with the name {arn} already exists"));
            }

            var now = _time.GetUtcNow();
            var alias = new KmsAlias(name, account, region, target.KeyId, now, now);
            _aliases[arn] = alias;
            _store.Put(AliasKind, arn, JsonSerializer.Serialize(alias, Json));
            return alias;
        }
    }

    public void UpdateAlias(KmsAlias alias, KmsKey target)
    {
        lock (_gate)
        {
            var updated = alias with { TargetKeyId = target.KeyId, LastUpdatedDate = _time.GetUtcNow() };
            _aliases[alias.Arn] = updated;
            _store.Put(AliasKind, alias.Arn, JsonSerializer.Serialize(updated, Json));
        }
    }

    public void DeleteAlias(KmsAlias alias)
    {
        lock (_gate)
        {
            _aliases.Remove(alias.Arn);
            _store.Delete(AliasKind, alias.Arn);
        }
    }

    /// <summary>The account's aliases in a region, optionally only those of one key.</summary>
    public IReadOnlyList<KmsAlias> ListAliases(string account, string region, KmsKey? of = null)
    {
        lock (_gate)
        {
            return [.. _aliases.Values
                .Where(a => a.Account == account && a.Region == region && (of is null || a.TargetKeyId == of.KeyId))
                .Where(a => Live($"arn:aws:kms:{region}:{account}:key/{a.TargetKeyId}") is not null)
                .OrderBy(a => a.Name, StringComparer.Ordinal)];
        }
    }

    // ---- Grants ---------------------------------------------------------------------------------------------

    /// <summary>The operations a grant may allow (AWS KMS API reference, CreateGrant <c>Operations</c>).</summary>
    public static readonly IReadOnlySet<string> GrantOperations = new HashSet<string>(StringComparer.Ordinal)
    {
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
        "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    };

    public (KmsGrant Grant, string Token) CreateGrant(KmsGrant grant)
    {
        grant = grant with { Token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        lock (_gate)
        {
            _grants[grant.GrantId] = grant;
            _store.Put(GrantKind, grant.GrantId, JsonSerializer.Serialize(grant, Json));
        }

        return (grant, grant.Token);
    }

    public static string NewGrantId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public IReadOnlyList<KmsGrant> ListGrants(Func<KmsGrant, bool> where)
    {
        lock (_gate)
        {
            return [.. _grants.Values.Where(g => _keys.ContainsKey(g.KeyArn) && where(g)).OrderBy(g => g.CreationDate).ThenBy(g => g.GrantId, StringComparer.Ordinal)];
        }
    }

    public KmsGrant? FindGrant(string grantId)
    {
        lock (_gate)
        {
            return _grants.GetValueOrDefault(grantId);
        }
    }

    public void RemoveGrant(KmsGrant grant)
    {
        lock (_gate)
        {
            _grants.Remove(grant.GrantId);
            _store.Delete(GrantKind, grant.GrantId);
        }
    }

    // ---- Cryptography ---------------------------------------------------------------------------------------

    /// <summary>Encrypts up to 4096 bytes under the key (AWS KMS API reference, Encrypt).</summary>
    public byte[] Encrypt(KmsKey key, byte[] plaintext, IReadOnlyCollection<KeyValuePair<string, string>>? context)
    {
        RequireUsable(key);
        return KmsCrypto.Seal(Material(key), key.Arn, plaintext, context);
    }

    /// <summary>A fresh data key: its plaintext and its ciphertext under the key (AWS KMS API reference,
    /// GenerateDataKey).</summary>
    public (byte[] Plaintext, byte[] Ciphertext) GenerateDataKey(KmsKey key, int bytes, IReadOnlyCollection<KeyValuePair<string, string>>? context)
    {
        RequireUsable(key);
        Interlocked.Increment(ref _generateDataKeyCalls);
        var plaintext = RandomNumberGenerator.GetBytes(bytes);
        return (plaintext, KmsCrypto.Seal(Material(key), key.Arn, plaintext, context));
    }

    /// <summary>The key a ciphertext blob was made with, when it is one of ours and the key still exists.</summary>
    public KmsKey KeyOfCiphertext(ReadOnlySpan<byte> blob)
    {
        var arn = KmsCrypto.KeyArnOf(blob) ?? throw new AwsErrorException(KmsErrors.InvalidCiphertext());
        lock (_gate)
        {
            return Live(arn) ?? throw new AwsErrorException(KmsErrors.KeyNotFound(arn));
        }
    }

    /// <summary>Decrypts a blob with its key and the encryption context it was made with; anything else is
    /// <c>InvalidCiphertextException</c>.</summary>
    public byte[] Decrypt(KmsKey key, byte[] blob, IReadOnlyCollection<KeyValuePair<string, string>>? context)
    {
        RequireUsable(key);
        Interlocked.Increment(ref _decryptCalls);
        return KmsCrypto.Open(Material(key), key.Arn, blob, context) ?? throw new AwsErrorException(KmsErrors.InvalidCiphertext());
    }

    public void Dispose() => _store.Dispose();
}
