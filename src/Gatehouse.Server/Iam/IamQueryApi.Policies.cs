using Gatehouse.Protocol;
using Gatehouse.Services.Iam;

namespace Gatehouse.Server.Iam;

internal sealed partial class IamQueryApi
{
    private void RegisterPolicies()
    {
        On("CreatePolicy", NewEntity("policy", "PolicyName", "policyName"), (call, r) =>
        {
            var name = Required(r, "PolicyName", "policyName");
            var path = r.GetString("Path") ?? "/";
            var policy = _registry.CreatePolicy(Account(call), name, path, r.GetString("PolicyDocument"), r.GetString("Description"));
            return w => w.Structure("Policy", p => IamWire.Policy(p, policy));
        });
        On("GetPolicy", PolicyArnMember, (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            var policy = _registry.GetPolicy(arn);
            return w => w.Structure("Policy", p => IamWire.Policy(p, policy));
        });
        On("ListPolicies", AccountWide("policy"), (call, r) =>
        {
            var scope = r.GetString("Scope") ?? "All";
            var all = _registry.ListPolicies(Account(call), scope, r.GetBool("OnlyAttached") ?? false, r.GetString("PathPrefix"));
            var (page, trailer) = IamWire.Page(all, r);
            return w =>
            {
                w.MemberList("Policies", page, IamWire.Policy);
                trailer(w);
            };
        });
        On("DeletePolicy", PolicyArnMember, (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            _registry.DeletePolicy(Account(call), arn);
            return null;
        });
        On("CreatePolicyVersion", PolicyArnMember, (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            var version = _registry.CreatePolicyVersion(Account(call), arn, r.GetString("PolicyDocument"), r.GetBool("SetAsDefault") ?? false);
            return w => w.Structure("PolicyVersion", v => IamWire.Version(v, version, withDocument: false));
        });
        On("GetPolicyVersion", PolicyArnMember, (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            var version = _registry.GetPolicyVersion(arn, Required(r, "VersionId", "versionId"));
            return w => w.Structure("PolicyVersion", v => IamWire.Version(v, version, withDocument: true));
        });
        On("ListPolicyVersions", PolicyArnMember, (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            var (page, trailer) = IamWire.Page(_registry.ListPolicyVersions(arn), r);
            return w =>
            {
                w.MemberList("Versions", page, (m, v) => IamWire.Version(m, v, withDocument: false));
                trailer(w);
            };
        });
        On("SetDefaultPolicyVersion", PolicyArnMember, (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            _registry.SetDefaultPolicyVersion(Account(call), arn, Required(r, "VersionId", "versionId"));
            return null;
        });
        On("DeletePolicyVersion", PolicyArnMember, (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            _registry.DeletePolicyVersion(Account(call), arn, Required(r, "VersionId", "versionId"));
            return null;
        });
        On("ListEntitiesForPolicy", PolicyArnMember, (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            var entities = _registry.ListEntitiesForPolicy(arn);
            return w =>
            {
                w.MemberList("PolicyGroups", [.. entities.Where(e => e.Kind == IamEntityKind.Group)], (m, e) =>
                {
                    m.String("GroupName", e.Name);
                    m.String("GroupId", e.Id);
                });
                w.MemberList("PolicyUsers", [.. entities.Where(e => e.Kind == IamEntityKind.User)], (m, e) =>
                {
                    m.String("UserName", e.Name);
                    m.String("UserId", e.Id);
                });
                w.MemberList("PolicyRoles", [.. entities.Where(e => e.Kind == IamEntityKind.Role)], (m, e) =>
                {
                    m.String("RoleName", e.Name);
                    m.String("RoleId", e.Id);
                });
                w.Bool("IsTruncated", false);
            };
        });
    }
}
