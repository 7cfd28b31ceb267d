using System.Text.Json;
using System.Text.RegularExpressions;
using Gatehouse.Policy;

namespace Gatehouse.Server.World;

internal sealed partial class WorldParser
{
    [GeneratedRegex(@"^\d{12}$")]
    private static partial Regex AccountIdRegex();

    [GeneratedRegex(@"^[\w]{16,128}$")]
    private static partial Regex AccessKeyIdRegex();

    private WorldSpec Root(JsonElement root)
    {
        var accounts = new List<WorldAccount>();
        if (!Object(root, "$", "$schema", "accounts", "organization", "vpcs"))
        {
            return new WorldSpec(accounts);
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (e, path) in Array(root, "accounts", "$"))
        {
            if (!Object(e, path, "id", "rootAccessKey", "policies", "groups", "users", "roles", "queues"))
            {
                continue;
            }

            var id = String(e, "id", path, required: true) ?? "";
            if (id.Length > 0 && !AccountIdRegex().IsMatch(id))
            {
                Problem($"{path}.id", "must be a 12-digit account id");
            }
            else if (id.Length > 0 && !ids.Add(id))
            {
                Problem($"{path}.id", $"account {id} is declared twice");
            }

            WorldKey? root2 = null;
            if (e.TryGetProperty("rootAccessKey", out var rk) && rk.ValueKind != JsonValueKind.Null)
            {
                root2 = Key(rk, $"{path}.rootAccessKey", keys);
            }

            var policies = Array(e, "policies", path).Select(x => Policy(x.Item, x.Path)).OfType<WorldPolicy>().ToList();
            var groups = Array(e, "groups", path).Select(x => Group(x.Item, x.Path)).OfType<WorldGroup>().ToList();
            var users = Array(e, "users", path).Select(x => User(x.Item, x.Path, keys)).OfType<WorldUser>().ToList();
            var roles = Array(e, "roles", path).Select(x => Role(x.Item, x.Path)).OfType<WorldRole>().ToList();
            var queues = Array(e, "queues", path).Select(x => Queue(x.Item, x.Path)).OfType<WorldQueue>().ToList();
            Unique(policies.Select(p => (p.Name, p.Path)), "policy");
            Unique(groups.Select(p => (p.Name, p.Path)), "group");
            Unique(users.Select(p => (p.Name, p.Path)), "user");
            Unique(roles.Select(p => (p.Name, p.Path)), "role");
            foreach (var user in users)
            {
                foreach (var g in user.Groups.Where(g => !groups.Any(x => string.Equals(x.Name, g, StringComparison.OrdinalIgnoreCase))))
                {
                    Problem($"{user.Path}.groups", $"group {g} is not declared in this account");
                }
            }

            accounts.Add(new WorldAccount(path, id, root2, policies, groups, users, roles, queues));
        }

        var organization = root.TryGetProperty("organization", out var o) && o.ValueKind != JsonValueKind.Null ? Organization(o, "$.organization") : null;
        return new WorldSpec(accounts) { Organization = organization };
    }

    private void Unique(IEnumerable<(string Name, string Path)> items, string noun)
    {
        foreach (var dup in items.GroupBy(i => i.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            Problem(dup.Last().Path + ".name", $"{noun} {dup.Key} is declared twice");
        }
    }

    private WorldKey? Key(JsonElement e, string path, HashSet<string> seen)
    {
        if (!Object(e, path, "accessKeyId", "secretAccessKey", "status"))
        {
            return null;
        }

        var id = String(e, "accessKeyId", path, required: true);
        var secret = String(e, "secretAccessKey", path, required: true);
        var status = String(e, "status", path) ?? "Active";
        if (id is not null && !AccessKeyIdRegex().IsMatch(id))
        {
            Problem($"{path}.accessKeyId", "must be 16 to 128 letters, digits or underscores (AWS issues AKIA followed by 16 characters)");
        }
        else if (id is not null && !seen.Add(id))
        {
            Problem($"{path}.accessKeyId", $"access key {id} is declared twice");
        }

        if (secret is { Length: 0 })
        {
            Problem($"{path}.secretAccessKey", "must not be empty");
        }

        if (status is not ("Active" or "Inactive"))
        {
            Problem($"{path}.status", "must be Active or Inactive");
        }

        return id is null || secret is null ? null : new WorldKey(path, id, secret, status);
    }

    private WorldPolicy? Policy(JsonElement e, string path)
    {
        if (!Object(e, path, "name", "path", "description", "document"))
        {
            return null;
        }

        var name = Name(e, path, "policyName", 128);
        var iamPath = IamPath(e, path);
        var description = String(e, "description", path);
        var document = Document(e, "document", path, PolicyKind.Identity, required: true);
        return name is null || document is null ? null : new WorldPolicy(path, name, iamPath, description, document);
    }

    private WorldPolicies Policies(JsonElement e, string path)
    {
        var inline = new List<(string, WorldDocument)>();
        if (e.TryGetProperty("inlinePolicies", out var ip) && ip.ValueKind != JsonValueKind.Null)
        {
            if (ip.ValueKind != JsonValueKind.Object)
            {
                Problem($"{path}.inlinePolicies", "must be an object of policy name → document");
            }
            else
            {
                foreach (var p in ip.EnumerateObject())
                {
                    Check(() => Gatehouse.Services.Iam.IamValidation.Name(p.Name, "policyName", 128), $"{path}.inlinePolicies.{p.Name}");
                    if (Document(ip, p.Name, $"{path}.inlinePolicies", PolicyKind.Identity, required: true) is { } d)
                    {
                        inline.Add((p.Name, d));
                    }
                }
            }
        }

        var managed = new List<(string, string)>();
        foreach (var (m, at) in Array(e, "managedPolicies", path))
        {
            if (m.ValueKind != JsonValueKind.String || m.GetString() is not { Length: > 0 } reference)
            {
                Problem(at, "must be a policy name or ARN");
                continue;
            }

            managed.Add((at, reference));
        }

        return new WorldPolicies(inline, managed);
    }

    private (string, string)? Boundary(JsonElement e, string path) =>
        String(e, "permissionsBoundary", path) is { } b ? ($"{path}.permissionsBoundary", b) : null;

    private List<(string, string)> Tags(JsonElement e, string path) =>
        [.. StringMap(e, "tags", path).Select(kv => (kv.Key, kv.Value))];

    private WorldGroup? Group(JsonElement e, string path)
    {
        if (!Object(e, path, "name", "path", "inlinePolicies", "managedPolicies"))
        {
            return null;
        }

        var name = Name(e, path, "groupName", 128);
        var iamPath = IamPath(e, path);
        var policies = Policies(e, path);
        return name is null ? null : new WorldGroup(path, name, iamPath, policies);
    }

    private WorldUser? User(JsonElement e, string path, HashSet<string> keys)
    {
        if (!Object(e, path, "name", "path", "tags", "groups", "accessKeys", "permissionsBoundary", "inlinePolicies", "managedPolicies"))
        {
            return null;
        }

        var name = Name(e, path, "userName", 64);
        var iamPath = IamPath(e, path);
        var tags = Tags(e, path);
        var groups = new List<string>();
        foreach (var (g, at) in Array(e, "groups", path))
        {
            if (g.ValueKind == JsonValueKind.String && g.GetString() is { Length: > 0 } group)
            {
                groups.Add(group);
            }
            else
            {
                Problem(at, "must be a group name");
            }
        }

        var accessKeys = Array(e, "accessKeys", path).Select(x => Key(x.Item, x.Path, keys)).OfType<WorldKey>().ToList();
        if (accessKeys.Count > Gatehouse.Services.Iam.IdentityRegistry.MaxAccessKeysPerUser)
        {
            Problem($"{path}.accessKeys", $"a user can have at most {Gatehouse.Services.Iam.IdentityRegistry.MaxAccessKeysPerUser} access keys");
        }

        var boundary = Boundary(e, path);
        var policies = Policies(e, path);
        return name is null ? null : new WorldUser(path, name, iamPath, tags, groups, accessKeys, boundary, policies);
    }

    private WorldRole? Role(JsonElement e, string path)
    {
        if (!Object(e, path, "name", "path", "description", "maxSessionDuration", "trustPolicy", "tags", "permissionsBoundary", "inlinePolicies", "managedPolicies"))
        {
            return null;
        }

        var name = Name(e, path, "roleName", 64);
        var iamPath = IamPath(e, path);
        var description = String(e, "description", path);
        var max = Int(e, "maxSessionDuration", path);
        if (max is < 3600 or > 43200)
        {
            Problem($"{path}.maxSessionDuration", "must be between 3600 and 43200 seconds");
        }

        var trust = Document(e, "trustPolicy", path, PolicyKind.RoleTrustPolicy, required: true);
        var tags = Tags(e, path);
        var boundary = Boundary(e, path);
        var policies = Policies(e, path);
        return name is null || trust is null ? null : new WorldRole(path, name, iamPath, description, max, trust, tags, boundary, policies);
    }

    private WorldQueue? Queue(JsonElement e, string path)
    {
        if (!Object(e, path, "name", "region", "attributes", "policy", "tags"))
        {
            return null;
        }

        var name = String(e, "name", path, required: true);
        var region = String(e, "region", path);
        var attributes = StringMap(e, "attributes", path);
        if (attributes.Any(a => a.Key == "Policy"))
        {
            Problem($"{path}.attributes.Policy", "give the queue policy as \"policy\" (a document), not as an attribute");
        }

        var policy = Document(e, "policy", path, PolicyKind.QueuePolicy, required: false);
        var tags = StringMap(e, "tags", path);
        return name is null ? null : new WorldQueue(path, name, region, attributes, policy, tags);
    }
}
