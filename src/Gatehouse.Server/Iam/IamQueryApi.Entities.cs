using Gatehouse.Protocol;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;

namespace Gatehouse.Server.Iam;

internal sealed partial class IamQueryApi
{
    private void RegisterUsers()
    {
        On("CreateUser", async (call, r) =>
        {
            var name = Required(r, "UserName", "userName");
            var path = r.GetString("Path") ?? "/";
            await AuthorizeAsync(call, "CreateUser", $"arn:aws:iam::{Account(call)}:user{path}{name}");
            var user = _registry.CreateUser(Account(call), name, path, IamWire.ReadTags(r), r.GetString("PermissionsBoundary"));
            return w => w.Structure("User", u => IamWire.User(u, user));
        });
        On("GetUser", async (call, r) =>
        {
            var name = r.GetString("UserName");
            if (name is null && call.Caller.Kind != PrincipalKind.User)
            {
                await AuthorizeAsync(call, "GetUser", call.Caller.Arn);
                if (call.Caller.Kind == PrincipalKind.Root)
                {
                    // Root's own GetUser: its id and ARN, no name or path.
                    return w => w.Structure("User", u =>
                    {
                        u.String("UserId", call.Caller.AccountId);
                        u.String("Arn", call.Caller.Arn);
                        u.String("CreateDate", IamWire.Date(DateTimeOffset.UnixEpoch));
                    });
                }

                throw new AwsErrorException(IamErrors.ValidationError("Must specify userName when calling with non-User credentials"));
            }

            name ??= call.Caller.Name!;
            await AuthorizeAsync(call, "GetUser", EntityArn(call, IamEntityKind.User, name));
            var user = _registry.GetUser(Account(call), name);
            return w => w.Structure("User", u => IamWire.User(u, user));
        });
        On("ListUsers", async (call, r) =>
        {
            await AuthorizeAsync(call, "ListUsers", $"arn:aws:iam::{Account(call)}:user/");
            var (page, trailer) = IamWire.Page(_registry.ListUsers(Account(call), r.GetString("PathPrefix")), r);
            return w =>
            {
                w.MemberList("Users", page, (m, u) => IamWire.User(m, u, withTags: false));
                trailer(w);
            };
        });
        On("UpdateUser", async (call, r) =>
        {
            var name = Required(r, "UserName", "userName");
            await AuthorizeAsync(call, "UpdateUser", EntityArn(call, IamEntityKind.User, name));
            _registry.UpdateUser(Account(call), name, r.GetString("NewUserName"), r.GetString("NewPath"));
            return null;
        });
        On("DeleteUser", async (call, r) =>
        {
            var name = Required(r, "UserName", "userName");
            await AuthorizeAsync(call, "DeleteUser", EntityArn(call, IamEntityKind.User, name));
            _registry.DeleteUser(Account(call), name);
            return null;
        });

        On("CreateAccessKey", async (call, r) =>
        {
            var name = KeyUser(call, r);
            await AuthorizeAsync(call, "CreateAccessKey", EntityArn(call, IamEntityKind.User, name));
            var key = _registry.CreateAccessKey(Account(call), name);
            return w => w.Structure("AccessKey", k =>
            {
                k.String("UserName", key.UserName);
                k.String("AccessKeyId", key.AccessKeyId);
                k.String("Status", key.Status);
                k.String("SecretAccessKey", key.SecretAccessKey);
                k.String("CreateDate", IamWire.Date(key.CreateDate));
            });
        });
        On("ListAccessKeys", async (call, r) =>
        {
            var name = KeyUser(call, r);
            await AuthorizeAsync(call, "ListAccessKeys", EntityArn(call, IamEntityKind.User, name));
            var (page, trailer) = IamWire.Page(_registry.ListAccessKeys(Account(call), name), r);
            return w =>
            {
                w.MemberList("AccessKeyMetadata", page, (m, k) =>
                {
                    m.String("UserName", k.UserName);
                    m.String("AccessKeyId", k.AccessKeyId);
                    m.String("Status", k.Status);
                    m.String("CreateDate", IamWire.Date(k.CreateDate));
                });
                trailer(w);
            };
        });
        On("UpdateAccessKey", async (call, r) =>
        {
            var id = Required(r, "AccessKeyId", "accessKeyId");
            var name = r.GetString("UserName") ?? _registry.AccessKeyOwner(id) ?? KeyUser(call, r);
            await AuthorizeAsync(call, "UpdateAccessKey", EntityArn(call, IamEntityKind.User, name));
            _registry.UpdateAccessKey(Account(call), r.GetString("UserName"), id, Required(r, "Status", "status"));
            return null;
        });
        On("DeleteAccessKey", async (call, r) =>
        {
            var id = Required(r, "AccessKeyId", "accessKeyId");
            var name = r.GetString("UserName") ?? _registry.AccessKeyOwner(id) ?? KeyUser(call, r);
            await AuthorizeAsync(call, "DeleteAccessKey", EntityArn(call, IamEntityKind.User, name));
            _registry.DeleteAccessKey(Account(call), r.GetString("UserName"), id);
            return null;
        });
        RegisterEntityPolicies(IamEntityKind.User);
    }

    /// <summary>The user whose keys an access-key action manages: <c>UserName</c>, or the calling user.</summary>
    private static string KeyUser(ControlPlaneCall call, IRequestReader r) =>
        r.GetString("UserName")
        ?? (call.Caller.Kind == PrincipalKind.User ? call.Caller.Name! : throw new AwsErrorException(
            IamErrors.ValidationError("Must specify userName when calling with non-User credentials")));

    private void RegisterGroups()
    {
        On("CreateGroup", async (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            var path = r.GetString("Path") ?? "/";
            await AuthorizeAsync(call, "CreateGroup", $"arn:aws:iam::{Account(call)}:group{path}{name}");
            var group = _registry.CreateGroup(Account(call), name, path);
            return w => w.Structure("Group", g => IamWire.Group(g, group));
        });
        On("GetGroup", async (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            await AuthorizeAsync(call, "GetGroup", EntityArn(call, IamEntityKind.Group, name));
            var (group, users) = _registry.GetGroup(Account(call), name);
            var (page, trailer) = IamWire.Page(users, r);
            return w =>
            {
                w.Structure("Group", g => IamWire.Group(g, group));
                w.MemberList("Users", page, (m, u) => IamWire.User(m, u, withTags: false));
                trailer(w);
            };
        });
        On("ListGroups", async (call, r) =>
        {
            await AuthorizeAsync(call, "ListGroups", $"arn:aws:iam::{Account(call)}:group/");
            var (page, trailer) = IamWire.Page(_registry.ListGroups(Account(call), r.GetString("PathPrefix")), r);
            return w =>
            {
                w.MemberList("Groups", page, IamWire.Group);
                trailer(w);
            };
        });
        On("ListGroupsForUser", async (call, r) =>
        {
            var name = Required(r, "UserName", "userName");
            await AuthorizeAsync(call, "ListGroupsForUser", EntityArn(call, IamEntityKind.User, name));
            var (page, trailer) = IamWire.Page(_registry.ListGroupsForUser(Account(call), name), r);
            return w =>
            {
                w.MemberList("Groups", page, IamWire.Group);
                trailer(w);
            };
        });
        On("DeleteGroup", async (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            await AuthorizeAsync(call, "DeleteGroup", EntityArn(call, IamEntityKind.Group, name));
            _registry.DeleteGroup(Account(call), name);
            return null;
        });
        On("AddUserToGroup", async (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            await AuthorizeAsync(call, "AddUserToGroup", EntityArn(call, IamEntityKind.Group, name));
            _registry.AddUserToGroup(Account(call), name, Required(r, "UserName", "userName"));
            return null;
        });
        On("RemoveUserFromGroup", async (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            await AuthorizeAsync(call, "RemoveUserFromGroup", EntityArn(call, IamEntityKind.Group, name));
            _registry.RemoveUserFromGroup(Account(call), name, Required(r, "UserName", "userName"));
            return null;
        });
        RegisterEntityPolicies(IamEntityKind.Group);
    }

    private void RegisterRoles()
    {
        On("CreateRole", async (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            var path = r.GetString("Path") ?? "/";
            await AuthorizeAsync(call, "CreateRole", $"arn:aws:iam::{Account(call)}:role{path}{name}");
            var role = _registry.CreateRole(Account(call), name, path, r.GetString("AssumeRolePolicyDocument"), r.GetString("Description"),
                r.GetInt("MaxSessionDuration"), IamWire.ReadTags(r), r.GetString("PermissionsBoundary"));
            return w => w.Structure("Role", x => IamWire.Role(x, role));
        });
        On("GetRole", async (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            await AuthorizeAsync(call, "GetRole", EntityArn(call, IamEntityKind.Role, name));
            var role = _registry.GetRole(Account(call), name);
            return w => w.Structure("Role", x => IamWire.Role(x, role));
        });
        On("ListRoles", async (call, r) =>
        {
            await AuthorizeAsync(call, "ListRoles", $"arn:aws:iam::{Account(call)}:role/");
            var (page, trailer) = IamWire.Page(_registry.ListRoles(Account(call), r.GetString("PathPrefix")), r);
            return w =>
            {
                w.MemberList("Roles", page, (m, x) => IamWire.Role(m, x, withTags: false));
                trailer(w);
            };
        });
        On("UpdateRole", async (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            await AuthorizeAsync(call, "UpdateRole", EntityArn(call, IamEntityKind.Role, name));
            _registry.UpdateRole(Account(call), name, r.GetString("Description"), r.GetInt("MaxSessionDuration"));
            return _ => { };
        });
        On("UpdateAssumeRolePolicy", async (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            await AuthorizeAsync(call, "UpdateAssumeRolePolicy", EntityArn(call, IamEntityKind.Role, name));
            _registry.UpdateAssumeRolePolicy(Account(call), name, r.GetString("PolicyDocument"));
            return null;
        });
        On("DeleteRole", async (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            await AuthorizeAsync(call, "DeleteRole", EntityArn(call, IamEntityKind.Role, name));
            _registry.DeleteRole(Account(call), name);
            return null;
        });
        RegisterEntityPolicies(IamEntityKind.Role);
    }
}
