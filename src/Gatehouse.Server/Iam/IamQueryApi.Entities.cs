using Gatehouse.Protocol;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;

namespace Gatehouse.Server.Iam;

internal sealed partial class IamQueryApi
{
    private void RegisterUsers()
    {
        On("CreateUser", NewEntity("user", "UserName", "userName"), (call, r) =>
        {
            var name = Required(r, "UserName", "userName");
            var path = r.GetString("Path") ?? "/";
            var user = _registry.CreateUser(Account(call), name, path, IamWire.ReadTags(r), r.GetString("PermissionsBoundary"));
            return w => w.Structure("User", u => IamWire.User(u, user));
        });
        // Without UserName, GetUser describes the caller: checked on the caller's own ARN.
        On("GetUser", (c, r) => r.GetString("UserName") is null && c.Caller.Kind != PrincipalKind.User
            ? c.Caller.Arn
            : EntityArn(c, IamEntityKind.User, r.GetString("UserName") ?? c.Caller.Name!), (call, r) =>
        {
            var name = r.GetString("UserName");
            if (name is null && call.Caller.Kind != PrincipalKind.User)
            {
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
            var user = _registry.GetUser(Account(call), name);
            return w => w.Structure("User", u => IamWire.User(u, user));
        });
        On("ListUsers", AccountWide("user"), (call, r) =>
        {
            var (page, trailer) = IamWire.Page(_registry.ListUsers(Account(call), r.GetString("PathPrefix")), r);
            return w =>
            {
                w.MemberList("Users", page, (m, u) => IamWire.User(m, u, withTags: false));
                trailer(w);
            };
        });
        On("UpdateUser", Entity(IamEntityKind.User, "UserName", "userName"), (call, r) =>
        {
            var name = Required(r, "UserName", "userName");
            _registry.UpdateUser(Account(call), name, r.GetString("NewUserName"), r.GetString("NewPath"));
            return null;
        });
        On("DeleteUser", Entity(IamEntityKind.User, "UserName", "userName"), (call, r) =>
        {
            var name = Required(r, "UserName", "userName");
            _registry.DeleteUser(Account(call), name);
            return null;
        });

        On("CreateAccessKey", (c, r) => EntityArn(c, IamEntityKind.User, KeyUser(c, r)), (call, r) =>
        {
            var name = KeyUser(call, r);
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
        On("ListAccessKeys", (c, r) => EntityArn(c, IamEntityKind.User, KeyUser(c, r)), (call, r) =>
        {
            var name = KeyUser(call, r);
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
        On("UpdateAccessKey", (c, r) => EntityArn(c, IamEntityKind.User, r.GetString("UserName") ?? _registry.AccessKeyOwner(Required(r, "AccessKeyId", "accessKeyId")) ?? KeyUser(c, r)), (call, r) =>
        {
            var id = Required(r, "AccessKeyId", "accessKeyId");
            var name = r.GetString("UserName") ?? _registry.AccessKeyOwner(id) ?? KeyUser(call, r);
            _registry.UpdateAccessKey(Account(call), r.GetString("UserName"), id, Required(r, "Status", "status"));
            return null;
        });
        On("DeleteAccessKey", (c, r) => EntityArn(c, IamEntityKind.User, r.GetString("UserName") ?? _registry.AccessKeyOwner(Required(r, "AccessKeyId", "accessKeyId")) ?? KeyUser(c, r)), (call, r) =>
        {
            var id = Required(r, "AccessKeyId", "accessKeyId");
            var name = r.GetString("UserName") ?? _registry.AccessKeyOwner(id) ?? KeyUser(call, r);
            _registry.DeleteAccessKey(Account(call), r.GetString("UserName"), id);
            return null;
        });
        RegisterEntityPolicies(IamEntityKind.User);
    }

    /// <summary>The user whose keys an access-key action manages: <c>UserName</c>, or the calling user.</summary>
    private static string KeyUser(ActionContext call, IRequestReader r) =>
        r.GetString("UserName")
        ?? (call.Caller.Kind == PrincipalKind.User ? call.Caller.Name! : throw new AwsErrorException(
            IamErrors.ValidationError("Must specify userName when calling with non-User credentials")));

    private void RegisterGroups()
    {
        On("CreateGroup", NewEntity("group", "GroupName", "groupName"), (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            var path = r.GetString("Path") ?? "/";
            var group = _registry.CreateGroup(Account(call), name, path);
            return w => w.Structure("Group", g => IamWire.Group(g, group));
        });
        On("GetGroup", Entity(IamEntityKind.Group, "GroupName", "groupName"), (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            var (group, users) = _registry.GetGroup(Account(call), name);
            var (page, trailer) = IamWire.Page(users, r);
            return w =>
            {
                w.Structure("Group", g => IamWire.Group(g, group));
                w.MemberList("Users", page, (m, u) => IamWire.User(m, u, withTags: false));
                trailer(w);
            };
        });
        On("ListGroups", AccountWide("group"), (call, r) =>
        {
            var (page, trailer) = IamWire.Page(_registry.ListGroups(Account(call), r.GetString("PathPrefix")), r);
            return w =>
            {
                w.MemberList("Groups", page, IamWire.Group);
                trailer(w);
            };
        });
        On("ListGroupsForUser", Entity(IamEntityKind.User, "UserName", "userName"), (call, r) =>
        {
            var name = Required(r, "UserName", "userName");
            var (page, trailer) = IamWire.Page(_registry.ListGroupsForUser(Account(call), name), r);
            return w =>
            {
                w.MemberList("Groups", page, IamWire.Group);
                trailer(w);
            };
        });
        On("DeleteGroup", Entity(IamEntityKind.Group, "GroupName", "groupName"), (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            _registry.DeleteGroup(Account(call), name);
            return null;
        });
        On("AddUserToGroup", Entity(IamEntityKind.Group, "GroupName", "groupName"), (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            _registry.AddUserToGroup(Account(call), name, Required(r, "UserName", "userName"));
            return null;
        });
        On("RemoveUserFromGroup", Entity(IamEntityKind.Group, "GroupName", "groupName"), (call, r) =>
        {
            var name = Required(r, "GroupName", "groupName");
            _registry.RemoveUserFromGroup(Account(call), name, Required(r, "UserName", "userName"));
            return null;
        });
        RegisterEntityPolicies(IamEntityKind.Group);
    }

    private void RegisterRoles()
    {
        On("CreateRole", NewEntity("role", "RoleName", "roleName"), (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            var path = r.GetString("Path") ?? "/";
            var role = _registry.CreateRole(Account(call), name, path, r.GetString("AssumeRolePolicyDocument"), r.GetString("Description"),
                r.GetInt("MaxSessionDuration"), IamWire.ReadTags(r), r.GetString("PermissionsBoundary"));
            return w => w.Structure("Role", x => IamWire.Role(x, role));
        });
        On("GetRole", Entity(IamEntityKind.Role, "RoleName", "roleName"), (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            var role = _registry.GetRole(Account(call), name);
            return w => w.Structure("Role", x => IamWire.Role(x, role));
        });
        On("ListRoles", AccountWide("role"), (call, r) =>
        {
            var (page, trailer) = IamWire.Page(_registry.ListRoles(Account(call), r.GetString("PathPrefix")), r);
            return w =>
            {
                w.MemberList("Roles", page, (m, x) => IamWire.Role(m, x, withTags: false));
                trailer(w);
            };
        });
        On("UpdateRole", Entity(IamEntityKind.Role, "RoleName", "roleName"), (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            _registry.UpdateRole(Account(call), name, r.GetString("Description"), r.GetInt("MaxSessionDuration"));
            return _ => { };
        });
        On("UpdateAssumeRolePolicy", Entity(IamEntityKind.Role, "RoleName", "roleName"), (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            _registry.UpdateAssumeRolePolicy(Account(call), name, r.GetString("PolicyDocument"));
            return null;
        });
        On("DeleteRole", Entity(IamEntityKind.Role, "RoleName", "roleName"), (call, r) =>
        {
            var name = Required(r, "RoleName", "roleName");
            _registry.DeleteRole(Account(call), name);
            return null;
        });
        RegisterEntityPolicies(IamEntityKind.Role);
    }
}
