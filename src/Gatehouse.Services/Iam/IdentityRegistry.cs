using System.Collections.Immutable;
using System.Text.Json;
using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Iam;

/// <summary>Start-up settings of the identity layer.</summary>
/// <param name="ManagementAccountId">The account whose root user has the configured credentials.</param>
public sealed record IdentityOptions(string ManagementAccountId, string RootAccessKeyId, string RootSecretAccessKey);

/// <summary>
/// Every account, IAM entity, access key and STS session, held in memory behind one lock and written through to
/// an <see cref="IIdentityStore"/> on every change. It answers the authenticator (<see cref="ICredentialDirectory"/>)
/// and the authorizer (<see cref="IIdentityPolicySource"/>), and carries out IAM's and STS's state changes.
/// </summary>
public sealed partial class IdentityRegistry : ICredentialDirectory, IIdentityPolicySource, IDisposable
{
    public void Dispose() => _store.Dispose();

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private readonly Lock _gate = new();
    private readonly IIdentityStore _store;
    private readonly SecretProtector _protector;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, IamAccount> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IamUser> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IamGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IamRole> _roles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IamManagedPolicy> _policies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IamAccessKey> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StsSession> _sessions = new(StringComparer.Ordinal);

    public IdentityRegistry(IIdentityStore store, SecretProtector protector, TimeProvider time, IdentityOptions options)
    {
        _store = store;
        _protector = protector;
        _time = time;
        Options = options;
        Load();
        _store.ChangedElsewhere += OnChangedElsewhere;
        foreach (var policy in AwsManagedPolicies.Entities)
        {
            _policies[PolicyKey(policy.Account, policy.Name)] = policy;
        }

        // The configured root credentials win over what was stored by an earlier run.
        EnsureAccount(options.ManagementAccountId, options.RootAccessKeyId, options.RootSecretAccessKey);
    }

    public IdentityOptions Options { get; }

    public string StoreDescription => _store.Description;

    /// <summary>The store behind the registry; the organization service keeps its rows there too.</summary>
    public IIdentityStore Store => _store;

    public TimeProvider Time => _time;

    internal static string Key(string account, string name) => account + "/" + name.ToUpperInvariant();

    internal static string PolicyKey(string account, string name) => account + "/" + name.ToUpperInvariant();

    private void Load()
    {
        var now = _time.GetUtcNow();
        foreach (var row in _store.LoadAll())
        {
            if (row.Kind == "session" && JsonSerializer.Deserialize<StsSession>(row.Json, Json)!.Expiration < now - TimeSpan.FromDays(1))
            {
                _store.Delete("session", row.Key);
                continue;
            }

            Apply(row);
        }
    }

    /// <summary>Takes one stored row into memory (at start-up, and when another node changed it).</summary>
    private void Apply(IdentityRow row)
    {
        switch (row.Kind)
        {
            case "account":
                var account = JsonSerializer.Deserialize<IamAccount>(row.Json, Json)!;
                account.RootSecret = account.ProtectedRootSecret is { } s ? _protector.Unprotect(s) : null;
                _accounts[account.Id] = account;
                break;
            case "user":
                var user = JsonSerializer.Deserialize<IamUser>(row.Json, Json)!;
                _users[Key(user.Account, user.Name)] = user;
                break;
            case "group":
                var group = JsonSerializer.Deserialize<IamGroup>(row.Json, Json)!;
                _groups[Key(group.Account, group.Name)] = group;
                break;
            case "role":
                var role = JsonSerializer.Deserialize<IamRole>(row.Json, Json)!;
                _roles[Key(role.Account, role.Name)] = role;
                break;
            case "policy":
                var policy = JsonSerializer.Deserialize<IamManagedPolicy>(row.Json, Json)!;
                _policies[PolicyKey(policy.Account, policy.Name)] = policy;
                break;
            case "key":
                var key = JsonSerializer.Deserialize<IamAccessKey>(row.Json, Json)!;
                key.Secret = _protector.Unprotect(key.ProtectedSecret);
                _keys[key.AccessKeyId] = key;
                break;
            case "session":
                var session = JsonSerializer.Deserialize<StsSession>(row.Json, Json)!;
                session.Secret = _protector.Unprotect(session.ProtectedSecret);
                session.Token = _protector.Unprotect(session.ProtectedToken);
                _sessions[session.AccessKeyId] = session;
                break;
            default:
                break;
        }
    }

    /// <summary>A change another node made to the shared store (the store's change notice): the row is taken in,
    /// or forgotten when it was deleted, so the next signature check or policy lookup sees it.</summary>
    private void OnChangedElsewhere(IdentityChange change)
    {
        lock (_gate)
        {
            if (change.Json is { } json)
            {
                Apply(new IdentityRow(change.Kind, change.Key, json));
                return;
            }

            _ = change.Kind switch
            {
                "account" => _accounts.Remove(change.Key),
                "user" => _users.Remove(change.Key),
                "group" => _groups.Remove(change.Key),
                "role" => _roles.Remove(change.Key),
                "policy" => _policies.Remove(change.Key),
                "key" => _keys.Remove(change.Key),
                "session" => _sessions.Remove(change.Key),
                _ => false,
            };
        }
    }

    // Changes are made in memory under _gate and queued, in order, for the store; the queue is written after _gate is
    // released (WriteScope), so a slow store write (an fsync per IAM change) never holds up the signature checks and
    // policy lookups that take _gate. INVARIANT (identity write order): rows reach the store in the order the changes
    // were made, because only one writer drains the queue at a time (_storeGate) and it drains from the front.
    private readonly Lock _storeGate = new();
    private readonly Queue<(string Kind, string Key, string? Json)> _pending = new();

    /// <summary>Enters the registry for a change; leaving writes the queued rows to the store before the caller
    /// returns, so an acknowledged IAM or STS change is durable.</summary>
    private WriteScope Writing()
    {
        _gate.Enter();
        return new WriteScope(this);
    }

    private readonly ref struct WriteScope(IdentityRegistry registry)
    {
        public void Dispose()
        {
            registry._gate.Exit();
            if (!registry._gate.IsHeldByCurrentThread)
            {
                // Not nested in another change: write the queue now (a nested scope leaves it to the outer one).
                registry.FlushPending();
            }
        }
    }

    private void FlushPending()
    {
        lock (_storeGate)
        {
            while (true)
            {
                (string Kind, string Key, string? Json) row;
                lock (_gate)
                {
                    if (!_pending.TryDequeue(out row))
                    {
                        return;
                    }
                }

                if (row.Json is null)
                {
                    _store.Delete(row.Kind, row.Key);
                }
                else
                {
                    _store.Put(row.Kind, row.Key, row.Json);
                }
            }
        }
    }

    private void Put(string kind, string key, string json) => _pending.Enqueue((kind, key, json));

    private void Delete(string kind, string key) => _pending.Enqueue((kind, key, null));

    private void Save(IamAccount a) => Put("account", a.Id, JsonSerializer.Serialize(a, Json));

    private void Save(IamEntity e)
    {
        var kind = e.Kind.ToString().ToLowerInvariant();
        var json = e switch
        {
            IamUser u => JsonSerializer.Serialize(u, Json),
            IamGroup g => JsonSerializer.Serialize(g, Json),
            IamRole r => JsonSerializer.Serialize(r, Json),
            _ => throw new InvalidOperationException(),
        };
        Put(kind, Key(e.Account, e.Name), json);
    }

    private void Remove(IamEntity e) => Delete(e.Kind.ToString().ToLowerInvariant(), Key(e.Account, e.Name));

    private void Save(IamManagedPolicy p) => Put("policy", PolicyKey(p.Account, p.Name), JsonSerializer.Serialize(p, Json));

    private void Save(IamAccessKey k) => Put("key", k.AccessKeyId, JsonSerializer.Serialize(k, Json));

    private void Save(StsSession s) => Put("session", s.AccessKeyId, JsonSerializer.Serialize(s, Json));

    // ---- Accounts ----

    /// <summary>Creates the account if it is new; sets (or replaces) its root credentials when given.</summary>
    public void EnsureAccount(string accountId, string? rootAccessKeyId = null, string? rootSecret = null)
    {
        using (Writing())
        {
            if (!_accounts.TryGetValue(accountId, out var account))
            {
                account = new IamAccount { Id = accountId };
                _accounts[accountId] = account;
            }

            if (rootAccessKeyId is not null && rootSecret is not null
                && (account.RootAccessKeyId != rootAccessKeyId || account.RootSecret != rootSecret))
            {
                foreach (var other in _accounts.Values.Where(a => a != account && a.RootAccessKeyId == rootAccessKeyId))
                {
                    other.RootAccessKeyId = null;
                    other.ProtectedRootSecret = null;
                    other.RootSecret = null;
                    Save(other);
                }

                account.RootAccessKeyId = rootAccessKeyId;
                account.RootSecret = rootSecret;
                account.ProtectedRootSecret = _protector.Protect(rootSecret);
            }

            Save(account);
        }
    }

    public bool AccountExists(string accountId)
    {
        lock (_gate)
        {
            return _accounts.ContainsKey(accountId);
        }
    }

    public IReadOnlyList<(string Id, string? RootAccessKeyId)> Accounts()
    {
        lock (_gate)
        {
            return [.. _accounts.Values.OrderBy(a => a.Id, StringComparer.Ordinal).Select(a => (a.Id, a.RootAccessKeyId))];
        }
    }

    // ---- Authentication ----

    public ValueTask<AccessKeyCredential?> FindAccessKeyAsync(string accessKeyId, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(FindAccessKey(accessKeyId));
        }
    }

    private AccessKeyCredential? FindAccessKey(string accessKeyId)
    {
        foreach (var account in _accounts.Values)
        {
            if (account.RootAccessKeyId == accessKeyId && account.RootSecret is { } secret)
            {
                return new AccessKeyCredential(accessKeyId, secret, Principal.RootOf(account.Id) with { AccessKeyId = accessKeyId });
            }
        }

        if (_keys.TryGetValue(accessKeyId, out var key))
        {
            // INVARIANT (inactive keys): an Inactive key is unknown to authentication → InvalidClientTokenId.
            if (key.Status != "Active" || !_users.TryGetValue(Key(key.Account, key.UserName), out var user))
            {
                return null;
            }

            return new AccessKeyCredential(accessKeyId, key.Secret, UserPrincipal(user) with { AccessKeyId = accessKeyId });
        }

        if (_sessions.TryGetValue(accessKeyId, out var session))
        {
            return new AccessKeyCredential(accessKeyId, session.Secret, SessionPrincipal(session), session.Token, session.Expiration);
        }

        return null;
    }

    private static Principal UserPrincipal(IamUser user) => new()
    {
        Kind = PrincipalKind.User,
        AccountId = user.Account,
        Arn = user.Arn,
        UserId = user.Id,
        Name = user.Name,
        PrincipalArn = user.Arn,
        EntityId = user.Id,
        Tags = ToTags(user.Tags),
    };

    private Principal SessionPrincipal(StsSession s)
    {
        var principal = s.Kind switch
        {
            "Root" => Principal.RootOf(s.Account),
            "AssumedRoot" => Principal.RootOf(s.Account) with { IsAssumedRoot = true },
            "User" => _users.TryGetValue(Key(s.Account, s.EntityName ?? ""), out var u) ? UserPrincipal(u) : new Principal
            {
                Kind = PrincipalKind.User,
                AccountId = s.Account,
                Arn = s.EntityArn ?? "",
                UserId = s.EntityId ?? "",
                Name = s.EntityName,
                PrincipalArn = s.EntityArn,
                EntityId = s.EntityId,
            },
            _ => new Principal
            {
                Kind = PrincipalKind.AssumedRole,
                AccountId = s.Account,
                Arn = $"arn:aws:sts::{s.Account}:assumed-role/{s.EntityName}/{s.SessionName}",
                UserId = $"{s.EntityId}:{s.SessionName}",
                Name = s.SessionName,
                PrincipalArn = s.EntityArn,
                EntityId = s.EntityId,
                Tags = ToTags(RoleTags(s).Concat(s.SessionTags), overlay: true),
            },
        };
        return principal with { AccessKeyId = s.AccessKeyId, TokenIssueTime = s.Issued };
    }

    private List<IamTag> RoleTags(StsSession s) =>
        _roles.TryGetValue(Key(s.Account, s.EntityName ?? ""), out var role) && role.Id == s.EntityId ? role.Tags : [];

    /// <summary>Principal tags; later tags override earlier ones with the same key, ignoring case (session tags
    /// override role tags, STS AssumeRole reference).</summary>
    private static ImmutableSortedDictionary<string, string> ToTags(IEnumerable<IamTag> tags, bool overlay = false)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            if (overlay)
            {
                foreach (var existing in builder.Keys.Where(k => string.Equals(k, tag.Key, StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    builder.Remove(existing);
                }
            }

            builder[tag.Key] = tag.Value;
        }

        return builder.ToImmutable();
    }
}
