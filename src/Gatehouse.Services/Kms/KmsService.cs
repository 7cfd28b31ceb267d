using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Gatehouse.Protocol;
using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Kms;

/// <summary>
/// KMS's keys, aliases and grants, and the cryptography done with them. Nothing here authorizes: the KMS module
/// asks the one authorizer first (and SQS asks it for the KMS calls it makes on a caller's behalf). State lives in
/// memory and is written through to the <see cref="IKmsStore"/> on every change; key material is kept encrypted
/// under the server key in the store.
/// </summary>
public sealed partial class KmsService : IDisposable
{
    private const string KeyKind = "key", AliasKind = "alias", GrantKind = "grant";
    private static readonly JsonSerializerOptions Json = new();

    private readonly IKmsStore _store;
    private readonly SecretProtector _protector;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, KmsKey> _keys = new(StringComparer.Ordinal); // by ARN
    private readonly Dictionary<string, KmsAlias> _aliases = new(StringComparer.Ordinal); // by alias ARN
    private readonly Dictionary<string, KmsGrant> _grants = new(StringComparer.Ordinal); // by grant id
    private readonly Dictionary<string, byte[]> _material = new(StringComparer.Ordinal); // by key ARN, unprotected
    private long _generateDataKeyCalls, _decryptCalls;

    public KmsService(IKmsStore store, SecretProtector protector, TimeProvider time)
    {
        _store = store;
        _protector = protector;
        _time = time;
        foreach (var row in store.LoadAll())
        {
            Apply(row.Kind, row.Json);
        }

        store.ChangedElsewhere += OnChangedElsewhere;
    }

    private void Apply(string kind, string json)
    {
        switch (kind)
        {
            case KeyKind when JsonSerializer.Deserialize<KmsKey>(json, Json) is { } key:
                _keys[key.Arn] = key;
                _material.Remove(key.Arn);
                break;
            case AliasKind when JsonSerializer.Deserialize<KmsAlias>(json, Json) is { } alias:
                _aliases[alias.Arn] = alias;
                break;
            case GrantKind when JsonSerializer.Deserialize<KmsGrant>(json, Json) is { } grant:
                _grants[grant.GrantId] = grant;
                break;
        }
    }

    /// <summary>Another node changed a key, alias or grant in the shared store: the next request here sees it (a key
    /// policy or grant is an authorization input, so a revocation must not linger).</summary>
    private void OnChangedElsewhere(KmsChange change)
    {
        lock (_gate)
        {
            if (change.Json is { } json)
            {
                Apply(change.Kind, json);
                return;
            }

            _ = change.Kind switch
            {
                KeyKind => _keys.Remove(change.Key) | _material.Remove(change.Key),
                AliasKind => _aliases.Remove(change.Key),
                GrantKind => _grants.Remove(change.Key),
                _ => false,
            };
        }
    }

    public string StoreDescription => _store.Description;

    /// <summary>How many data keys were generated and how many ciphertexts decrypted, by any caller: what a KMS bill
    /// would count (SQS data-key reuse keeps these low).</summary>
    public (long GenerateDataKey, long Decrypt) CallCounts => (Interlocked.Read(ref _generateDataKeyCalls), Interlocked.Read(ref _decryptCalls));

    public DateTimeOffset Now => _time.GetUtcNow();

    private long NowSeconds => _time.GetUtcNow().ToUnixTimeSeconds();

    // ---- Keys -----------------------------------------------------------------------------------------------

    public KmsKey CreateKey(string account, string region, string? description, string policy, IReadOnlyList<KeyValuePair<string, string>>? tags, string keyManager = "CUSTOMER")
    {
        var material = RandomNumberGenerator.GetBytes(32);
        var key = new KmsKey
        {
            KeyId = Uuids.NewV4(),
            Account = account,
            Region = region,
            CreationDate = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds()),
            Description = description ?? "",
            Policy = policy,
            KeyManager = keyManager,
            Tags = (tags ?? []).ToImmutableSortedDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
            ProtectedMaterial = _protector.Protect(Convert.ToBase64String(material)),
        };
        lock (_gate)
        {
            _keys[key.Arn] = key;
            _material[key.Arn] = material;
            Save(key);
        }

        return key;
    }

    /// <summary>
    /// The AWS managed key for a service (<c>alias/aws/sqs</c>) in an account and region, created on first use with
    /// its fixed key policy (Amazon SQS developer guide, "Key management").
    /// </summary>
    public KmsKey AwsManagedKey(string account, string region, string service)
    {
        var aliasName = "alias/aws/" + service;
        lock (_gate)
        {
            if (_aliases.TryGetValue($"arn:aws:kms:{region}:{account}:{aliasName}", out var alias)
                && _keys.TryGetValue($"arn:aws:kms:{region}:{account}:key/{alias.TargetKeyId}", out var existing))
            {
                return existing;
            }
        }

        var policy = service == "sqs" ? KmsPolicies.AwsManagedSqs(account, region) : KmsPolicies.Default(account);
        var key = CreateKey(account, region, $"Default key that protects my {service.ToUpperInvariant()} data when no other key is defined", policy, null, "AWS");
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var created = new KmsAlias(aliasName, account, region, key.KeyId, now, now);
            _aliases[created.Arn] = created;
            _store.Put(AliasKind, created.Arn, JsonSerializer.Serialize(created, Json));
        }

        return key;
    }

    /// <summary>
    /// The key a <c>KeyId</c> parameter names: a key id or alias name in the caller's account and region, or a key
    /// ARN or alias ARN (possibly of another account). <paramref name="allowAlias"/> is false for the operations
    /// that accept only a key id or key ARN. A key whose deletion date passed is gone.
    /// </summary>
    public KmsKey Resolve(string? keyRef, string account, string region, bool allowAlias = true)
    {
        if (string.IsNullOrEmpty(keyRef))
        {
            throw new AwsErrorException(KmsErrors.Validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"));
        }

        var isAlias = keyRef.StartsWith("alias/", StringComparison.Ordinal) || (keyRef.StartsWith("arn:", StringComparison.Ordinal) && keyRef.Contains(":alias/", StringComparison.Ordinal));
        if (isAlias)
        {
            if (!allowAlias)
            {
                throw new AwsErrorException(KmsErrors.InvalidKeyId(keyRef));
            }

            var aliasArn = keyRef.StartsWith("arn:", StringComparison.Ordinal) ? keyRef : $"arn:aws:kms:{region}:{account}:{keyRef}";
            if (keyRef == "alias/aws/sqs")
            {
                return AwsManagedKey(account, region, "sqs");
            }

            lock (_gate)
            {
                if (_aliases.TryGetValue(aliasArn, out var alias))
                {
                    var target = $"arn:aws:kms:{alias.Region}:{alias.Account}:key/{alias.TargetKeyId}";
                    if (Live(target) is { } aliased)
                    {
                        return aliased;
                    }
                }
            }

            throw new AwsErrorException(KmsErrors.AliasNotFound(aliasArn));
        }

        string arn;
        if (keyRef.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = keyRef.Split(':', 6);
            if (parts.Length != 6 || parts[2] != "kms" || !parts[5].StartsWith("key/", StringComparison.Ordinal))
            {
                throw new AwsErrorException(KmsErrors.InvalidKeyId(keyRef));
            }

            arn = keyRef;
        }
        else if (Guid.TryParse(keyRef, out _))
        {
            arn = $"arn:aws:kms:{region}:{account}:key/{keyRef}";
        }
        else
        {
            throw new AwsErrorException(KmsErrors.InvalidKeyId(keyRef));
        }

        lock (_gate)
        {
            return Live(arn) ?? throw new AwsErrorException(KmsErrors.KeyNotFound(arn));
        }
    }

    /// <summary>The key by ARN unless its scheduled deletion has come (then it and its aliases and grants go).</summary>
    private KmsKey? Live(string arn)
    {
        if (!_keys.TryGetValue(arn, out var key))
        {
            return null;
        }

        if (key.State == KmsKeyState.PendingDeletion && key.DeletionDate is { } at && at <= _time.GetUtcNow())
        {
            _keys.Remove(arn);
            _material.Remove(arn);
            _store.Delete(KeyKind, arn);
            foreach (var alias in _aliases.Values.Where(a => a.Account == key.Account && a.Region == key.Region && a.TargetKeyId == key.KeyId).ToList())
            {
                _aliases.Remove(alias.Arn);
                _store.Delete(AliasKind, alias.Arn);
            }

            foreach (var grant in _grants.Values.Where(g => g.KeyArn == arn).ToList())
            {
                _grants.Remove(grant.GrantId);
                _store.Delete(GrantKind, grant.GrantId);
            }

            return null;
        }

        return key;
    }

    public IReadOnlyList<KmsKey> ListKeys(string account, string region)
    {
        lock (_gate)
        {
            return [.. _keys.Keys.ToList().Select(Live).OfType<KmsKey>().Where(k => k.Account == account && k.Region == region).OrderBy(k => k.CreationDate).ThenBy(k => k.KeyId, StringComparer.Ordinal)];
        }
    }

    private KmsKey Update(KmsKey key, Func<KmsKey, KmsKey> change)
    {
        lock (_gate)
        {
            var current = Live(key.Arn) ?? throw new AwsErrorException(KmsErrors.KeyNotFound(key.Arn));
            var updated = change(current);
            _keys[key.Arn] = updated;
            Save(updated);
            return updated;
        }
    }

    private void Save(KmsKey key) => _store.Put(KeyKind, key.Arn, JsonSerializer.Serialize(key, Json));

    public KmsKey Enable(KmsKey key) => Update(key, k => k.State == KmsKeyState.PendingDeletion
        ? throw new AwsErrorException(KmsErrors.PendingDeletion(k.Arn))
        : k with { State = KmsKeyState.Enabled });

    public KmsKey Disable(KmsKey key) => Update(key, k => k.State == KmsKeyState.PendingDeletion
        ? throw new AwsErrorException(KmsErrors.PendingDeletion(k.Arn))
        : k with { State = KmsKeyState.Disabled });

    /// <summary>Schedules deletion after 7–30 days (default 30); the key is unusable meanwhile (AWS KMS API
    /// reference, ScheduleKeyDeletion).</summary>
    public KmsKey ScheduleDeletion(KmsKey key, int? days)
    {
        var window = days ?? 30;
        if (window is < 7 or > 30)
        {
            throw new AwsErrorException(KmsErrors.Validation(
                $"1 validation error detected: Value '{window}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30 and greater than or equal to 7"));
        }

        return Update(key, k => k.State == KmsKeyState.PendingDeletion
            ? throw new AwsErrorException(KmsErrors.PendingDeletion(k.Arn))
            : k with
            {
                State = KmsKeyState.PendingDeletion,
                PendingDeletionWindowInDays = window,
                DeletionDate = DateTimeOffset.FromUnixTimeSeconds(NowSeconds).AddDays(window),
            });
    }

    /// <summary>Cancelling leaves the key disabled (AWS KMS API reference, CancelKeyDeletion).</summary>
    public KmsKey CancelDeletion(KmsKey key) => Update(key, k => k.State != KmsKeyState.PendingDeletion
        ? throw new AwsErrorException(KmsErrors.NotPendingDeletion(k.Arn))
        : k with { State = KmsKeyState.Disabled, DeletionDate = null, PendingDeletionWindowInDays = null });

    public KmsKey PutPolicy(KmsKey key, string policy) => Update(key, k => k with { Policy = policy });

    public KmsKey Tag(KmsKey key, IReadOnlyList<KeyValuePair<string, string>> tags) =>
        Update(key, k => k with { Tags = k.Tags.SetItems(tags) });

    public KmsKey Untag(KmsKey key, IReadOnlyList<string> tagKeys) => Update(key, k => k with { Tags = k.Tags.RemoveRange(tagKeys) });

    /// <summary>Management operations other than Describe/List are refused on a key pending deletion.</summary>
    public static void RequireNotPendingDeletion(KmsKey key)
    {
        if (key.State == KmsKeyState.PendingDeletion)
        {
            throw new AwsErrorException(KmsErrors.PendingDeletion(key.Arn));
        }
    }

    /// <summary>Cryptographic operations need an enabled key (AWS KMS developer guide, "Key states").</summary>
    public static void RequireUsable(KmsKey key)
    {
        switch (key.State)
        {
            case KmsKeyState.Disabled:
                throw new AwsErrorException(KmsErrors.Disabled(key.Arn));
            case KmsKeyState.PendingDeletion:
                throw new AwsErrorException(KmsErrors.PendingDeletion(key.Arn));
        }
    }

    /// <summary>The key policy with the key's grants as Allow statements: what authorization evaluates.</summary>
    public string EffectivePolicy(KmsKey key)
    {
        lock (_gate)
        {
            var grants = _grants.Values.Where(g => g.KeyArn == key.Arn).OrderBy(g => g.CreationDate).ThenBy(g => g.GrantId, StringComparer.Ordinal).ToList();
            return KmsPolicies.WithGrants(_keys.TryGetValue(key.Arn, out var current) ? current.Policy : key.Policy, grants);
        }
    }

    /// <summary>The aliases pointing at a key (<c>kms:ResourceAliases</c>).</summary>
    public IReadOnlyList<string> AliasesOf(KmsKey key)
    {
        lock (_gate)
        {
            return [.. _aliases.Values.Where(a => a.Account == key.Account && a.Region == key.Region && a.TargetKeyId == key.KeyId).Select(a => a.Name).Order(StringComparer.Ordinal)];
        }
    }

    private byte[] Material(KmsKey key)
    {
        lock (_gate)
        {
            if (!_material.TryGetValue(key.Arn, out var material))
            {
                material = Convert.FromBase64String(_protector.Unprotect(key.ProtectedMaterial));
                _material[key.Arn] = material;
            }

            return material;
        }
    }
}
