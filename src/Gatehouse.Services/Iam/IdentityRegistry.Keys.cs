using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Iam;

/// <summary>What an STS call asks the registry to issue.</summary>
public sealed record SessionGrant(
    string Account,
    string Kind,
    string? EntityName,
    string? EntityId,
    string? EntityArn,
    string? SessionName,
    TimeSpan Duration,
    IReadOnlyList<IamTag> SessionTags,
    IReadOnlyList<NamedDocument> SessionPolicies,
    bool Chained,
    string? SourceIdentity = null);

/// <summary>Issued temporary credentials.</summary>
public sealed record IssuedCredentials(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration);

public sealed partial class IdentityRegistry
{
    public const int MaxAccessKeysPerUser = 2;

    /// <summary>CreateAccessKey; <paramref name="given"/> lets the world file declare the key id and secret.</summary>
    public AccessKeyInfo CreateAccessKey(string account, string userName, (string Id, string Secret, string Status)? given = null)
    {
        using (Writing())
        {
            var user = User(account, userName);
            if (given is { } g && _keys.TryGetValue(g.Id, out var existing))
            {
                if (existing.Account != account || existing.UserName != user.Name)
                {
                    throw Error(IamErrors.EntityAlreadyExists($"Access key {g.Id} already belongs to another user."));
                }

                existing.Secret = g.Secret;
                existing.ProtectedSecret = _protector.Protect(g.Secret);
                existing.Status = g.Status;
                Save(existing);
                return new(user.Name, existing.AccessKeyId, existing.Status, existing.CreateDate, existing.Secret);
            }

            if (_keys.Values.Count(k => k.Account == account && k.UserName == user.Name) >= MaxAccessKeysPerUser)
            {
                throw Error(IamErrors.LimitExceeded($"Cannot exceed quota for AccessKeysPerUser: {MaxAccessKeysPerUser}"));
            }

            var secret = given?.Secret ?? IdentityIds.SecretAccessKey();
            var key = new IamAccessKey
            {
                AccessKeyId = given?.Id ?? IdentityIds.AccessKeyId(temporary: false),
                Account = account,
                UserName = user.Name,
                Secret = secret,
                ProtectedSecret = _protector.Protect(secret),
                Status = given?.Status ?? "Active",
                CreateDate = Now(),
            };
            _keys[key.AccessKeyId] = key;
            Save(key);
            return new(user.Name, key.AccessKeyId, key.Status, key.CreateDate, secret);
        }
    }

    public IReadOnlyList<AccessKeyInfo> ListAccessKeys(string account, string userName)
    {
        lock (_gate)
        {
            var user = User(account, userName);
            return [.. _keys.Values.Where(k => k.Account == account && k.UserName == user.Name)
                .OrderBy(k => k.CreateDate).Select(k => new AccessKeyInfo(user.Name, k.AccessKeyId, k.Status, k.CreateDate))];
        }
    }

    private IamAccessKey AccessKey(string account, string? userName, string accessKeyId)
    {
        if (userName is not null)
        {
            User(account, userName);
        }

        return _keys.TryGetValue(accessKeyId, out var key) && key.Account == account
            && (userName is null || string.Equals(key.UserName, userName, StringComparison.OrdinalIgnoreCase))
            ? key
            : throw Error(IamErrors.NoSuchEntity($"The Access Key with id {accessKeyId} cannot be found."));
    }

    public void UpdateAccessKey(string account, string? userName, string accessKeyId, string status)
    {
        if (status is not ("Active" or "Inactive"))
        {
            throw Error(IamErrors.Constraint(status, "status", "satisfy enum value set: [Active, Inactive, Expired]"));
        }

        using (Writing())
        {
            var key = AccessKey(account, userName, accessKeyId);
            key.Status = status;
            Save(key);
        }
    }

    public void DeleteAccessKey(string account, string? userName, string accessKeyId)
    {
        using (Writing())
        {
            var key = AccessKey(account, userName, accessKeyId);
            _keys.Remove(key.AccessKeyId);
            Delete("key", key.AccessKeyId);
        }
    }

    /// <summary>The user an access key belongs to (for calls that omit UserName: the caller's own keys).</summary>
    public string? AccessKeyOwner(string accessKeyId)
    {
        lock (_gate)
        {
            return _keys.GetValueOrDefault(accessKeyId)?.UserName;
        }
    }

    // ---- STS sessions ----

    public IssuedCredentials IssueSession(SessionGrant grant)
    {
        var issued = _time.GetUtcNow();
        var session = new StsSession
        {
            AccessKeyId = IdentityIds.AccessKeyId(temporary: true),
            Secret = IdentityIds.SecretAccessKey(),
            Token = IdentityIds.SessionToken(),
            Issued = issued,
            Expiration = issued + grant.Duration,
            Account = grant.Account,
            Kind = grant.Kind,
            EntityName = grant.EntityName,
            EntityId = grant.EntityId,
            EntityArn = grant.EntityArn,
            SessionName = grant.SessionName,
            SourceIdentity = grant.SourceIdentity,
            SessionTags = [.. grant.SessionTags],
            SessionPolicies = [.. grant.SessionPolicies],
            Chained = grant.Chained,
        };
        session.ProtectedSecret = _protector.Protect(session.Secret);
        session.ProtectedToken = _protector.Protect(session.Token);
        using (Writing())
        {
            foreach (var stale in _sessions.Values.Where(s => s.Expiration < issued - TimeSpan.FromDays(1)).ToList())
            {
                _sessions.Remove(stale.AccessKeyId);
                Delete("session", stale.AccessKeyId);
            }

            _sessions[session.AccessKeyId] = session;
            Save(session);
        }

        return new(session.AccessKeyId, session.Secret, session.Token, session.Expiration);
    }

    /// <summary>Whether the temporary key was made by GetSessionToken (false for role sessions and long-term keys).</summary>
    public bool IsSessionToken(string? accessKeyId)
    {
        if (accessKeyId is null)
        {
            return false;
        }

        lock (_gate)
        {
            return _sessions.TryGetValue(accessKeyId, out var s) && s.Kind != "AssumedRole";
        }
    }
}
