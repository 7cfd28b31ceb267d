using System.Text.Json;
using Gatehouse.Policy;
using Gatehouse.Services.Organizations;

namespace Gatehouse.Server.World;

/// <summary>The <c>organization</c> section of a world file (docs/identity.md, "Organizations").</summary>
internal sealed partial class WorldParser
{
    private WorldOrganization? Organization(JsonElement e, string path)
    {
        if (!Object(e, path, "policyTypes", "policies", "rootPolicies", "units", "accounts"))
        {
            return null;
        }

        var types = Strings(e, "policyTypes", path);
        foreach (var t in types.Where(t => !OrgPolicyTypes.IsKnown(t)))
        {
            Problem($"{path}.policyTypes", $"{t} is not SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY");
        }

        var policies = new List<WorldOrgPolicy>();
        foreach (var (p, at) in Array(e, "policies", path))
        {
            if (!Object(p, at, "name", "type", "description", "document"))
            {
                continue;
            }

            var name = String(p, "name", at, required: true);
            var type = String(p, "type", at) ?? OrgPolicyTypes.ServiceControlPolicy;
            if (!OrgPolicyTypes.IsKnown(type))
            {
                Problem($"{at}.type", $"{type} is not SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY");
                continue;
            }

            var kind = type == OrgPolicyTypes.ServiceControlPolicy ? PolicyKind.ServiceControlPolicy : PolicyKind.ResourceControlPolicy;
            if (name is not null && Document(p, "document", at, kind, required: true) is { } document)
            {
                policies.Add(new WorldOrgPolicy(at, name, type, String(p, "description", at), document));
            }
        }

        Unique(policies.Select(p => (p.Name, p.Path)), "policy");
        var names = policies.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        void CheckPolicies(IEnumerable<string> refs, string at)
        {
            foreach (var r in refs.Where(r => !names.Contains(r) && r is not ("FullAWSAccess" or "RCPFullAWSAccess")))
            {
                Problem(at, $"policy {r} is not declared in the organization");
            }
        }

        var rootPolicies = Strings(e, "rootPolicies", path);
        CheckPolicies(rootPolicies, $"{path}.rootPolicies");
        var unitPaths = new HashSet<string>(StringComparer.Ordinal);
        List<WorldOrgUnit> Units(JsonElement parent, string at, string prefix)
        {
            var units = new List<WorldOrgUnit>();
            foreach (var (u, uat) in Array(parent, "units", at))
            {
                if (!Object(u, uat, "name", "policies", "units") || String(u, "name", uat, required: true) is not { } name)
                {
                    continue;
                }

                var unitPolicies = Strings(u, "policies", uat);
                CheckPolicies(unitPolicies, $"{uat}.policies");
                unitPaths.Add(prefix + name);
                units.Add(new WorldOrgUnit(uat, name, unitPolicies, Units(u, uat, prefix + name + "/")));
            }

            return units;
        }

        var tree = Units(e, path, "");
        var accounts = new List<WorldOrgAccount>();
        foreach (var (a, at) in Array(e, "accounts", path))
        {
            if (!Object(a, at, "id", "name", "email", "unit", "policies"))
            {
                continue;
            }

            var id = String(a, "id", at, required: true);
            var name = String(a, "name", at, required: true);
            var email = String(a, "email", at, required: true);
            var unit = String(a, "unit", at);
            if (id is not null && !AccountIdRegex().IsMatch(id))
            {
                Problem($"{at}.id", "must be a 12-digit account id");
            }

            if (unit is not null && !unitPaths.Contains(unit))
            {
                Problem($"{at}.unit", $"OU {unit} is not declared (name OUs by their path of names, e.g. Workloads/Prod)");
            }

            var accountPolicies = Strings(a, "policies", at);
            CheckPolicies(accountPolicies, $"{at}.policies");
            if (id is not null && name is not null && email is not null)
            {
                accounts.Add(new WorldOrgAccount(at, id, name, email, unit, accountPolicies));
            }
        }

        return new WorldOrganization(path, types, policies, rootPolicies, tree, accounts);
    }

    private List<string> Strings(JsonElement parent, string name, string path)
    {
        var result = new List<string>();
        foreach (var (item, at) in Array(parent, name, path))
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                result.Add(item.GetString()!);
            }
            else
            {
                Problem(at, "must be a string");
            }
        }

        return result;
    }
}
