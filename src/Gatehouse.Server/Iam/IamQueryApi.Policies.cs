using Gatehouse.Protocol;
using Gatehouse.Services.Iam;

namespace Gatehouse.Server.Iam;

internal sealed partial class IamQueryApi
{
    private void RegisterPolicies()
    {
        On("CreatePolicy", async (call, r) =>
        {
            var name = Required(r, "PolicyName", "policyName");
            var path = r.GetString("Path") ?? "/";
            await AuthorizeAsync(call, "CreatePolicy", $"arn:aws:iam::{Account(call)}:policy{path}{name}");
            var policy = _registry.CreatePolicy(Account(call), name, path, r.GetString("PolicyDocument"), r.GetString("Description"));
            return w => w.Structure("Policy", p => IamWire.Policy(p, policy));
        });
        On("GetPolicy", async (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            await AuthorizeAsync(call, "GetPolicy", arn);
            var policy = _registry.GetPolicy(arn);
            return w => w.Structure("Policy", p => IamWire.Policy(p, policy));
        });
        On("ListPolicies", async (call, r) =>
        {
            await AuthorizeAsync(call, "ListPolicies", $"arn:aws:iam::{Account(call)}:policy/");
            var scope = r.GetString("Scope") ?? "All";
            var all = _registry.ListPolicies(Account(call), scope, r.GetBool("OnlyAttached") ?? false, r.GetString("PathPrefix"));
            var (page, trailer) = IamWire.Page(all, r);
            return w =>
            {
                w.MemberList("Policies", page, IamWire.Policy);
                trailer(w);
            };
        });
        On("DeletePolicy", async (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            await AuthorizeAsync(call, "DeletePolicy", arn);
            _registry.DeletePolicy(Account(call), arn);
            return null;
        });
        On("CreatePolicyVersion", async (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            await AuthorizeAsync(call, "CreatePolicyVersion", arn);
            var version = _registry.CreatePolicyVersion(Account(call), arn, r.GetString("PolicyDocument"), r.GetBool("SetAsDefault") ?? false);
            return w => w.Structure("PolicyVersion", v => IamWire.Version(v, version, withDocument: false));
        });
        On("GetPolicyVersion", async (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            await AuthorizeAsync(call, "GetPolicyVersion", arn);
            var version = _registry.GetPolicyVersion(arn, Required(r, "VersionId", "versionId"));
            return w => w.Structure("PolicyVersion", v => IamWire.Version(v, version, withDocument: true));
        });
        On("ListPolicyVersions", async (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            await AuthorizeAsync(call, "ListPolicyVersions", arn);
            var (page, trailer) = IamWire.Page(_registry.ListPolicyVersions(arn), r);
            return w =>
            {
                w.MemberList("Versions", page, (m, v) => IamWire.Version(m, v, withDocument: false));
                trailer(w);
            };
        });
        On("SetDefaultPolicyVersion", async (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            await AuthorizeAsync(call, "SetDefaultPolicyVersion", arn);
            _registry.SetDefaultPolicyVersion(Account(call), arn, Required(r, "VersionId", "versionId"));
            return null;
        });
        On("DeletePolicyVersion", async (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            await AuthorizeAsync(call, "DeletePolicyVersion", arn);
            _registry.DeletePolicyVersion(Account(call), arn, Required(r, "VersionId", "versionId"));
            return null;
        });
        On("ListEntitiesForPolicy", async (call, r) =>
        {
            var arn = Required(r, "PolicyArn", "policyArn");
            await AuthorizeAsync(call, "ListEntitiesForPolicy", arn);
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
