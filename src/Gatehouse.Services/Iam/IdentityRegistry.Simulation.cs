using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Iam;

public sealed partial class IdentityRegistry
{
    /// <summary>The session name a role is simulated with when no real session exists.</summary>
    public const string SimulatedSessionName = "gatehouse-simulation";

    /// <summary>
    /// The principal an ARN names, as a request would carry it, for what-if evaluation (the IAM policy simulator and
    /// <c>gatehouse troubleshoot</c>): a user, a role (as a session of it, without session policies), or an account's
    /// root user. Null when no such entity exists.
    /// </summary>
    public Principal? PrincipalForArn(string arn)
    {
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[2] is not ("iam" or "sts"))
        {
            return null;
        }

        var account = parts[4];
        var resource = parts[5];
        lock (_gate)
        {
            if (resource == "root")
            {
                return _accounts.ContainsKey(account) ? Principal.RootOf(account) : null;
            }

            if (resource.StartsWith("user/", StringComparison.Ordinal))
            {
                var name = resource[(resource.LastIndexOf('/') + 1)..];
                return _users.TryGetValue(Key(account, name), out var user) && user.Arn == arn ? UserPrincipal(user) : null;
            }

            if (resource.StartsWith("role/", StringComparison.Ordinal) || resource.StartsWith("assumed-role/", StringComparison.Ordinal))
            {
                var name = resource.StartsWith("role/", StringComparison.Ordinal) ? resource[(resource.LastIndexOf('/') + 1)..] : resource.Split('/')[1];
                if (!_roles.TryGetValue(Key(account, name), out var role))
                {
                    return null;
                }

                var session = resource.StartsWith("assumed-role/", StringComparison.Ordinal) ? resource.Split('/')[^1] : SimulatedSessionName;
                return new Principal
                {
                    Kind = PrincipalKind.AssumedRole,
                    AccountId = account,
                    Arn = $"arn:aws:sts::{account}:assumed-role/{role.Name}/{session}",
                    UserId = $"{role.Id}:{session}",
                    Name = session,
                    PrincipalArn = role.Arn,
                    EntityId = role.Id,
                    Tags = ToTags(role.Tags),
                };
            }
        }

        return null;
    }
}
