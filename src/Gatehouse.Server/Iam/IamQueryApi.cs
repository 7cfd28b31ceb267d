using Gatehouse.Protocol;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;

namespace Gatehouse.Server.Iam;

/// <summary>
/// The IAM API over the Query protocol (<c>Version=2010-05-08</c>). Every action first asks the authorizer
/// (<c>iam:&lt;Action&gt;</c> on the entity's ARN), then changes the registry and writes IAM's XML shapes.
/// </summary>
internal sealed partial class IamQueryApi : IQueryApi
{
    private readonly IdentityRegistry _registry;
    private readonly IAuthorizer? _authorizer;
    private readonly Dictionary<string, Func<ControlPlaneCall, IRequestReader, Task<Action<IResponseWriter>?>>> _actions;

    public IamQueryApi(IdentityRegistry registry, IEnumerable<IAuthorizer> authorizers)
    {
        _registry = registry;
        _authorizer = authorizers.FirstOrDefault();
        _actions = new(StringComparer.Ordinal);
        RegisterUsers();
        RegisterGroups();
        RegisterRoles();
        RegisterPolicies();
    }

    public string SigningName => "iam";

    public string Version => "2010-05-08";

    public string XmlNamespace => "https://iam.amazonaws.com/doc/2010-05-08/";

    public Task<Action<IResponseWriter>?> HandleAsync(ControlPlaneCall call, string action, IRequestReader request) =>
        _actions.TryGetValue(action, out var handler)
            ? handler(call, request)
            : throw new AwsErrorException(CommonErrors.InvalidAction(action));

    private void On(string action, Func<ControlPlaneCall, IRequestReader, Task<Action<IResponseWriter>?>> handler) => _actions[action] = handler;

    private async Task AuthorizeAsync(ControlPlaneCall call, string action, string resourceArn)
    {
        if (_authorizer is { } authorizer)
        {
            await authorizer.AuthorizeAsync(new AuthorizationQuery("iam", call.Caller, "iam:" + action, resourceArn, call.Caller.AccountId), call.Aborted);
        }
    }

    private static string Required(IRequestReader r, string name, string member) =>
        r.GetString(name) ?? throw new AwsErrorException(IamErrors.MissingParameter(member));

    private static string Account(ControlPlaneCall call) => call.Caller.AccountId;

    /// <summary>An entity's ARN for authorization: with its real path when it exists, else the root path.</summary>
    private string EntityArn(ControlPlaneCall call, IamEntityKind kind, string name)
    {
        try
        {
            return kind switch
            {
                IamEntityKind.User => _registry.GetUser(Account(call), name).Arn,
                IamEntityKind.Group => _registry.GetGroup(Account(call), name).Group.Arn,
                _ => _registry.GetRole(Account(call), name).Arn,
            };
        }
        catch (AwsErrorException)
        {
            return $"arn:aws:iam::{Account(call)}:{kind.ToString().ToLowerInvariant()}/{name}";
        }
    }

    private static string NameMember(IamEntityKind kind) => kind switch
    {
        IamEntityKind.User => "UserName",
        IamEntityKind.Group => "GroupName",
        _ => "RoleName",
    };

    private static string CamelMember(IamEntityKind kind) => kind switch
    {
        IamEntityKind.User => "userName",
        IamEntityKind.Group => "groupName",
        _ => "roleName",
    };

    /// <summary>Put/Get/List/Delete{User,Group,Role}Policy, Attach/Detach/ListAttached{…}Policies, and the
    /// boundaries of users and roles: the same code for each kind of entity.</summary>
    private void RegisterEntityPolicies(IamEntityKind kind)
    {
        var k = kind.ToString();
        var nameMember = NameMember(kind);
        On($"Put{k}Policy", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"Put{k}Policy", EntityArn(call, kind, name));
            _registry.PutInlinePolicy(kind, Account(call), name, Required(r, "PolicyName", "policyName"), r.GetString("PolicyDocument"));
            return null;
        });
        On($"Get{k}Policy", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            var policyName = Required(r, "PolicyName", "policyName");
            await AuthorizeAsync(call, $"Get{k}Policy", EntityArn(call, kind, name));
            var document = _registry.GetInlinePolicy(kind, Account(call), name, policyName);
            return w =>
            {
                w.String(nameMember, name);
                w.String("PolicyName", policyName);
                w.String("PolicyDocument", IamWire.Document(document));
            };
        });
        On($"List{k}Policies", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"List{k}Policies", EntityArn(call, kind, name));
            var (page, trailer) = IamWire.Page(_registry.ListInlinePolicies(kind, Account(call), name), r);
            return w =>
            {
                w.MemberStringList("PolicyNames", page);
                trailer(w);
            };
        });
        On($"Delete{k}Policy", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"Delete{k}Policy", EntityArn(call, kind, name));
            _registry.DeleteInlinePolicy(kind, Account(call), name, Required(r, "PolicyName", "policyName"));
            return null;
        });
        On($"Attach{k}Policy", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"Attach{k}Policy", EntityArn(call, kind, name));
            _registry.AttachPolicy(kind, Account(call), name, Required(r, "PolicyArn", "policyArn"));
            return null;
        });
        On($"Detach{k}Policy", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"Detach{k}Policy", EntityArn(call, kind, name));
            _registry.DetachPolicy(kind, Account(call), name, Required(r, "PolicyArn", "policyArn"));
            return null;
        });
        On($"ListAttached{k}Policies", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"ListAttached{k}Policies", EntityArn(call, kind, name));
            var (page, trailer) = IamWire.Page(_registry.ListAttachedPolicies(kind, Account(call), name), r);
            return w =>
            {
                w.MemberList("AttachedPolicies", page, (m, p) =>
                {
                    m.String("PolicyName", p.PolicyName);
                    m.String("PolicyArn", p.PolicyArn);
                });
                trailer(w);
            };
        });
        if (kind == IamEntityKind.Group)
        {
            return;
        }

        On($"Put{k}PermissionsBoundary", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"Put{k}PermissionsBoundary", EntityArn(call, kind, name));
            _registry.PutPermissionsBoundary(kind, Account(call), name, Required(r, "PermissionsBoundary", "permissionsBoundary"));
            return null;
        });
        On($"Delete{k}PermissionsBoundary", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"Delete{k}PermissionsBoundary", EntityArn(call, kind, name));
            _registry.DeletePermissionsBoundary(kind, Account(call), name);
            return null;
        });
        On($"Tag{k}", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"Tag{k}", EntityArn(call, kind, name));
            _registry.Tag(kind, Account(call), name, IamWire.ReadTags(r));
            return null;
        });
        On($"Untag{k}", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"Untag{k}", EntityArn(call, kind, name));
            _registry.Untag(kind, Account(call), name, r.GetStringList("TagKeys", "TagKeys.member") ?? []);
            return null;
        });
        On($"List{k}Tags", async (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            await AuthorizeAsync(call, $"List{k}Tags", EntityArn(call, kind, name));
            var (page, trailer) = IamWire.Page(_registry.ListTags(kind, Account(call), name), r);
            return w =>
            {
                IamWire.Tags(w, page, always: true);
                trailer(w);
            };
        });
    }
}
