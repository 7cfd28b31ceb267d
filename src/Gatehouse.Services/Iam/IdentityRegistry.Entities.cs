using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Iam;

public sealed partial class IdentityRegistry
{
    private static AwsErrorException Error(AwsError error) => new(error);

    private static string Noun(IamEntityKind kind) => kind.ToString().ToLowerInvariant();

    private IamEntity Entity(IamEntityKind kind, string account, string name)
    {
        IamEntity? found = kind switch
        {
            IamEntityKind.User => _users.GetValueOrDefault(Key(account, name)),
            IamEntityKind.Group => _groups.GetValueOrDefault(Key(account, name)),
            _ => _roles.GetValueOrDefault(Key(account, name)),
        };
        return found ?? throw Error(IamErrors.NoSuchEntity($"The {Noun(kind)} with name {name} cannot be found."));
    }

    private IamUser User(string account, string name) => (IamUser)Entity(IamEntityKind.User, account, name);

    private IamRole Role(string account, string name) => (IamRole)Entity(IamEntityKind.Role, account, name);

    private IamGroup Group(string account, string name) => (IamGroup)Entity(IamEntityKind.Group, account, name);

    private static UserInfo Info(IamUser u) => new(u.Path, u.Name, u.Id, u.Arn, u.CreateDate, [.. u.Tags], u.PermissionsBoundaryArn);

    private static GroupInfo Info(IamGroup g) => new(g.Path, g.Name, g.Id, g.Arn, g.CreateDate);

    private static RoleInfo Info(IamRole r) =>
        new(r.Path, r.Name, r.Id, r.Arn, r.CreateDate, r.AssumeRolePolicyDocument, r.Description, r.MaxSessionDuration, [.. r.Tags], r.PermissionsBoundaryArn);

    private static IEnumerable<T> UnderPath<T>(IEnumerable<T> items, Func<T, string> path, string? prefix) =>
        items.Where(i => prefix is null || path(i).StartsWith(prefix, StringComparison.Ordinal));

    // ---- Users ----

    public UserInfo CreateUser(string account, string name, string? path, IReadOnlyList<IamTag>? tags = null, string? boundaryArn = null)
    {
        IamValidation.Name(name, "userName", 64);
        path = IamValidation.Path(path);
        using (Writing())
        {
            if (_users.ContainsKey(Key(account, name)))
            {
                throw Error(IamErrors.EntityAlreadyExists($"User with name {name} already exists."));
            }

            var user = new IamUser
            {
                Account = account,
                Name = name,
                Path = path,
                Id = IdentityIds.UniqueId(IdentityIds.UserPrefix),
                CreateDate = Now(),
                Tags = IamValidation.Tags([], tags ?? []),
                PermissionsBoundaryArn = boundaryArn is null ? null : AttachablePolicy(account, boundaryArn).Arn,
            };
            _users[Key(account, name)] = user;
            Save(user);
            return Info(user);
        }
    }

    public UserInfo GetUser(string account, string name)
    {
        lock (_gate)
        {
            return Info(User(account, name));
        }
    }

    public IReadOnlyList<UserInfo> ListUsers(string account, string? pathPrefix = null)
    {
        lock (_gate)
        {
            return [.. UnderPath(_users.Values.Where(u => u.Account == account), u => u.Path, pathPrefix)
                .OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase).Select(Info)];
        }
    }

    public void UpdateUser(string account, string name, string? newName, string? newPath)
    {
        using (Writing())
        {
            var user = User(account, name);
            if (newName is not null && !string.Equals(newName, name, StringComparison.Ordinal))
            {
                IamValidation.Name(newName, "newUserName", 64);
                if (_users.TryGetValue(Key(account, newName), out var other) && other != user)
                {
                    throw Error(IamErrors.EntityAlreadyExists($"User with name {newName} already exists."));
                }

                Remove(user);
                _users.Remove(Key(account, user.Name));
                foreach (var key in _keys.Values.Where(k => k.Account == account && k.UserName == user.Name))
                {
                    key.UserName = newName;
                    Save(key);
                }

                user.Name = newName;
                _users[Key(account, newName)] = user;
            }

            if (newPath is not null)
            {
                user.Path = IamValidation.Path(newPath, "newPath");
            }

            Save(user);
        }
    }

    public void DeleteUser(string account, string name)
    {
        using (Writing())
        {
            var user = User(account, name);
            if (_keys.Values.Any(k => k.Account == account && k.UserName == user.Name))
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must delete access keys first."));
            }

            if (user.LoginProfile is not null)
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must delete login profile first."));
            }

            if (user.InlinePolicies.Count > 0)
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must delete policies first."));
            }

            if (user.AttachedPolicyArns.Count > 0)
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must detach all policies first."));
            }

            if (user.Groups.Count > 0)
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must remove users from group first."));
            }

            _users.Remove(Key(account, name));
            Remove(user);
        }
    }

    // ---- Groups ----

    public GroupInfo CreateGroup(string account, string name, string? path)
    {
        IamValidation.Name(name, "groupName", 128);
        path = IamValidation.Path(path);
        using (Writing())
        {
            if (_groups.ContainsKey(Key(account, name)))
            {
                throw Error(IamErrors.EntityAlreadyExists($"Group with name {name} already exists."));
            }

            var group = new IamGroup { Account = account, Name = name, Path = path, Id = IdentityIds.UniqueId(IdentityIds.GroupPrefix), CreateDate = Now() };
            _groups[Key(account, name)] = group;
            Save(group);
            return Info(group);
        }
    }

    public (GroupInfo Group, IReadOnlyList<UserInfo> Users) GetGroup(string account, string name)
    {
        lock (_gate)
        {
            var group = Group(account, name);
            return (Info(group), [.. GroupMembers(group).Select(Info)]);
        }
    }

    private IEnumerable<IamUser> GroupMembers(IamGroup group) =>
        _users.Values.Where(u => u.Account == group.Account && u.Groups.Contains(group.Name, StringComparer.OrdinalIgnoreCase))
            .OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<GroupInfo> ListGroups(string account, string? pathPrefix = null)
    {
        lock (_gate)
        {
            return [.. UnderPath(_groups.Values.Where(g => g.Account == account), g => g.Path, pathPrefix)
                .OrderBy(g => g.Name, StringComparer.OrdinalIgnoreCase).Select(Info)];
        }
    }

    public IReadOnlyList<GroupInfo> ListGroupsForUser(string account, string userName)
    {
        lock (_gate)
        {
            var user = User(account, userName);
            return [.. user.Groups.Select(g => _groups.GetValueOrDefault(Key(account, g))).OfType<IamGroup>().Select(Info)];
        }
    }

    public void DeleteGroup(string account, string name)
    {
        using (Writing())
        {
            var group = Group(account, name);
            if (GroupMembers(group).Any())
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must remove users from group first."));
            }

            if (group.InlinePolicies.Count > 0)
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must delete policies first."));
            }

            if (group.AttachedPolicyArns.Count > 0)
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must detach all policies first."));
            }

            _groups.Remove(Key(account, name));
            Remove(group);
        }
    }

    public void AddUserToGroup(string account, string groupName, string userName)
    {
        using (Writing())
        {
            var group = Group(account, groupName);
            var user = User(account, userName);
            if (!user.Groups.Contains(group.Name, StringComparer.OrdinalIgnoreCase))
            {
                if (user.Groups.Count >= 10)
                {
                    throw Error(IamErrors.LimitExceeded("Cannot exceed quota for GroupsPerUser: 10"));
                }

                user.Groups.Add(group.Name);
                Save(user);
            }
        }
    }

    public void RemoveUserFromGroup(string account, string groupName, string userName)
    {
        using (Writing())
        {
            var group = Group(account, groupName);
            var user = User(account, userName);
            if (user.Groups.RemoveAll(g => string.Equals(g, group.Name, StringComparison.OrdinalIgnoreCase)) == 0)
            {
                throw Error(IamErrors.NoSuchEntity($"The user with name {userName} cannot be found."));
            }

            Save(user);
        }
    }

    // ---- Roles ----

    public RoleInfo CreateRole(string account, string name, string? path, string? trustPolicy, string? description = null,
        int? maxSessionDuration = null, IReadOnlyList<IamTag>? tags = null, string? boundaryArn = null)
    {
        IamValidation.Name(name, "roleName", 64);
        path = IamValidation.Path(path);
        if (trustPolicy is null)
        {
            throw Error(IamErrors.MissingParameter("assumeRolePolicyDocument"));
        }

        ValidatePolicy(trustPolicy, PolicyKind.RoleTrustPolicy);
        var max = ValidateMaxSessionDuration(maxSessionDuration);
        if (description is { Length: > 1000 })
        {
            throw Error(IamErrors.Constraint(description, "description", "have length less than or equal to 1000"));
        }

        using (Writing())
        {
            if (_roles.ContainsKey(Key(account, name)))
            {
                throw Error(IamErrors.EntityAlreadyExists($"Role with name {name} already exists."));
            }

            var role = new IamRole
            {
                Account = account,
                Name = name,
                Path = path,
                Id = IdentityIds.UniqueId(IdentityIds.RolePrefix),
                CreateDate = Now(),
                AssumeRolePolicyDocument = trustPolicy,
                Description = description,
                MaxSessionDuration = max ?? 3600,
                Tags = IamValidation.Tags([], tags ?? []),
                PermissionsBoundaryArn = boundaryArn is null ? null : AttachablePolicy(account, boundaryArn).Arn,
            };
            _roles[Key(account, name)] = role;
            Save(role);
            return Info(role);
        }
    }

    private static int? ValidateMaxSessionDuration(int? value)
    {
        if (value is { } v && (v < 3600 || v > 43200))
        {
            throw Error(IamErrors.Constraint(v.ToString(System.Globalization.CultureInfo.InvariantCulture), "maxSessionDuration",
                v < 3600 ? "have value greater than or equal to 3600" : "have value less than or equal to 43200"));
        }

        return value;
    }

    public RoleInfo GetRole(string account, string name)
    {
        lock (_gate)
        {
            return Info(Role(account, name));
        }
    }

    /// <summary>The role named by an ARN, in whatever account, or null.</summary>
    public RoleInfo? FindRoleByArn(string roleArn)
    {
        var parts = roleArn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[5].StartsWith("role/", StringComparison.Ordinal))
        {
            return null;
        }

        var name = parts[5][(parts[5].LastIndexOf('/') + 1)..];
        lock (_gate)
        {
            return _roles.TryGetValue(Key(parts[4], name), out var role) && string.Equals(role.Arn, roleArn, StringComparison.Ordinal)
                ? Info(role)
                : null;
        }
    }

    public IReadOnlyList<RoleInfo> ListRoles(string account, string? pathPrefix = null)
    {
        lock (_gate)
        {
            return [.. UnderPath(_roles.Values.Where(r => r.Account == account), r => r.Path, pathPrefix)
                .OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).Select(Info)];
        }
    }

    public void UpdateRole(string account, string name, string? description, int? maxSessionDuration)
    {
        var max = ValidateMaxSessionDuration(maxSessionDuration);
        using (Writing())
        {
            var role = Role(account, name);
            role.Description = description ?? role.Description;
            role.MaxSessionDuration = max ?? role.MaxSessionDuration;
            Save(role);
        }
    }

    public void UpdateAssumeRolePolicy(string account, string name, string? document)
    {
        if (document is null)
        {
            throw Error(IamErrors.MissingParameter("policyDocument"));
        }

        ValidatePolicy(document, PolicyKind.RoleTrustPolicy);
        using (Writing())
        {
            var role = Role(account, name);
            role.AssumeRolePolicyDocument = document;
            Save(role);
        }
    }

    public void DeleteRole(string account, string name)
    {
        using (Writing())
        {
            var role = Role(account, name);
            if (role.InlinePolicies.Count > 0)
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must delete policies first."));
            }

            if (role.AttachedPolicyArns.Count > 0)
            {
                throw Error(IamErrors.DeleteConflict("Cannot delete entity, must detach all policies first."));
            }

            _roles.Remove(Key(account, name));
            Remove(role);
        }
    }

    // ---- Tags (users and roles) ----

    public void Tag(IamEntityKind kind, string account, string name, IReadOnlyList<IamTag> tags)
    {
        using (Writing())
        {
            switch (Entity(kind, account, name))
            {
                case IamUser u:
                    u.Tags = IamValidation.Tags(u.Tags, tags);
                    Save(u);
                    break;
                case IamRole r:
                    r.Tags = IamValidation.Tags(r.Tags, tags);
                    Save(r);
                    break;
                default:
                    break;
            }
        }
    }

    public void Untag(IamEntityKind kind, string account, string name, IReadOnlyList<string> keys)
    {
        using (Writing())
        {
            bool Drop(IamTag t) => keys.Contains(t.Key, StringComparer.OrdinalIgnoreCase);
            switch (Entity(kind, account, name))
            {
                case IamUser u:
                    u.Tags.RemoveAll(Drop);
                    Save(u);
                    break;
                case IamRole r:
                    r.Tags.RemoveAll(Drop);
                    Save(r);
                    break;
                default:
                    break;
            }
        }
    }

    public IReadOnlyList<IamTag> ListTags(IamEntityKind kind, string account, string name)
    {
        lock (_gate)
        {
            return Entity(kind, account, name) switch
            {
                IamUser u => [.. u.Tags],
                IamRole r => [.. r.Tags],
                _ => [],
            };
        }
    }

    private DateTimeOffset Now()
    {
        var now = _time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }
}
