using Gatehouse.Services.Organizations;

namespace Gatehouse.Server.World;

/// <summary>
/// Applies a world file's organization through the organization service, the code the Organizations API runs,
/// idempotently: the organization of the management account, its policy types, SCPs/RCPs (created, or updated to the
/// declared document), OUs by their path of names, member accounts (created with their access role, or moved to the
/// declared OU), and the declared attachments. Nothing the file does not mention is removed.
/// </summary>
internal static class WorldOrganizationApplier
{
    public static void Apply(WorldOrganization spec, OrganizationService orgs, string management, ref string at)
    {
        if (orgs.OrganizationOf(management) is null)
        {
            orgs.CreateOrganization(management, "ALL");
        }

        var root = orgs.ListRoots(management)[0];
        foreach (var type in spec.PolicyTypes.Where(t => !root.EnabledPolicyTypes.Contains(t)))
        {
            root = orgs.EnablePolicyType(management, root.Id, type);
        }

        var policyIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var policy in spec.Policies)
        {
            at = policy.Path;
            var existing = orgs.ListPolicies(management, policy.Type).FirstOrDefault(p => p.Name == policy.Name && !p.AwsManaged);
            policyIds[policy.Name] = existing is null
                ? orgs.CreatePolicy(management, policy.Name, policy.Description, policy.Document.Json, policy.Type).Id
                : orgs.UpdatePolicy(management, existing.Id, null, policy.Description, policy.Document.Json).Id;
        }

        string PolicyId(string name) => name switch
        {
            "FullAWSAccess" => "p-FullAWSAccess",
            "RCPFullAWSAccess" => "p-RCPFullAWSAccess",
            _ => policyIds[name],
        };

        void Attach(IEnumerable<string> names, string target)
        {
            foreach (var name in names)
            {
                var id = PolicyId(name);
                var type = orgs.DescribePolicy(management, id).Type;
                if (!orgs.ListPoliciesForTarget(management, target, type).Any(p => p.Id == id))
                {
                    orgs.AttachPolicy(management, id, target);
                }
            }
        }

        at = spec.Path + ".rootPolicies";
        Attach(spec.RootPolicies, root.Id);
        var unitIds = new Dictionary<string, string>(StringComparer.Ordinal);
        void Units(IReadOnlyList<WorldOrgUnit> units, string parent, string prefix, ref string where)
        {
            foreach (var unit in units)
            {
                where = unit.Path;
                var id = orgs.ListUnitsForParent(management, parent).FirstOrDefault(u => u.Name == unit.Name)?.Id
                    ?? orgs.CreateUnit(management, parent, unit.Name).Id;
                unitIds[prefix + unit.Name] = id;
                Attach(unit.Policies, id);
                Units(unit.Units, id, prefix + unit.Name + "/", ref where);
            }
        }

        Units(spec.Units, root.Id, "", ref at);
        var members = orgs.ListAccounts(management).ToDictionary(a => a.Id, StringComparer.Ordinal);
        foreach (var account in spec.Accounts)
        {
            at = account.Path;
            var parent = account.Unit is null ? root.Id : unitIds[account.Unit];
            if (!members.ContainsKey(account.Id))
            {
                var status = orgs.CreateAccount(management, account.Email, account.Name, null, accountId: account.Id, parentId: parent, immediate: true);
                if (status.State == "FAILED")
                {
                    throw new Protocol.AwsErrorException(OrganizationErrors.Constraint(status.FailureReason!, $"CreateAccount failed: {status.FailureReason}"));
                }
            }
            else if (orgs.ListParents(management, account.Id)[0].Id is var current && current != parent)
            {
                orgs.MoveAccount(management, account.Id, current, parent);
            }

            Attach(account.Policies, account.Id);
        }
    }
}
