using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Organizations;

namespace Gatehouse.Server.Iam;

/// <summary>
/// The IAM API as a service module: AWS Query (<c>Version=2010-05-08</c>), signing name <c>iam</c>, no anonymous
/// callers. Each action is registered with the resource its <c>iam:&lt;Action&gt;</c> permission is checked on (the
/// entity's ARN); the pipeline authorizes, then the handler changes the registry and writes IAM's XML shapes.
/// Tags sent with a request are its <c>aws:RequestTag/*</c> and <c>aws:TagKeys</c> condition keys.
/// </summary>
internal sealed partial class IamQueryApi
{
    public const string XmlNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";

    private readonly IdentityRegistry _registry;
    private readonly Dictionary<string, ActionSpec> _actions = new(StringComparer.Ordinal);

    private IamQueryApi(IdentityRegistry registry, OrganizationService? organizations)
    {
        _registry = registry;
        RegisterUsers();
        RegisterGroups();
        RegisterRoles();
        RegisterPolicies();
        RegisterPasswords();
        if (organizations is not null)
        {
            RegisterRootAccess(organizations);
        }

        RegisterSimulator(organizations);
    }

    public static ServiceModule Create(IdentityRegistry registry, OrganizationService? organizations = null) => new()
    {
        Name = "iam",
        SigningName = "iam",
        QueryVersion = "2010-05-08",
        QueryProtocol = new AwsQueryProtocol(XmlNamespace),
        Actions = new IamQueryApi(registry, organizations)._actions,
    };

    /// <summary>Registers an action: <paramref name="resource"/> names the ARN <c>iam:{action}</c> is checked on.</summary>
    private void On(string action, Func<ActionContext, IRequestReader, string> resource, Func<ActionContext, IRequestReader, Action<IResponseWriter>?> handler) =>
        _actions[action] = new ActionSpec
        {
            Name = action,
            IamActions = ["iam:" + action],
            Decode = r => r,
            Authorize = (c, request) => [Query(c, action, resource(c, (IRequestReader)request), (IRequestReader)request)],
            Handle = (c, request) => Task.FromResult(handler(c, (IRequestReader)request)),
        };

    private static AuthorizationQuery Query(ActionContext c, string action, string resourceArn, IRequestReader r)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var tags = action.StartsWith("Untag", StringComparison.Ordinal) ? [] : IamWire.ReadTags(r);
        foreach (var tag in tags)
        {
            context["aws:RequestTag/" + tag.Key] = [tag.Value];
        }

        var keys = action.StartsWith("Untag", StringComparison.Ordinal)
            ? r.GetStringList("TagKeys", "TagKeys.member") ?? []
            : [.. tags.Select(t => t.Key)];
        if (keys.Count > 0)
        {
            context["aws:TagKeys"] = keys;
        }

        return c.Query("iam:" + action, resourceArn, c.Caller.AccountId, context: context.Count > 0 ? context : null);
    }

    /// <summary>An existing entity named by a request member.</summary>
    private Func<ActionContext, IRequestReader, string> Entity(IamEntityKind kind, string member, string camelMember) =>
        (c, r) => EntityArn(c, kind, Required(r, member, camelMember));

    /// <summary>The entity a Create action makes, with the request's path.</summary>
    private static Func<ActionContext, IRequestReader, string> NewEntity(string kind, string member, string camelMember) =>
        (c, r) => $"arn:aws:iam::{Account(c)}:{kind}{r.GetString("Path") ?? "/"}{Required(r, member, camelMember)}";

    /// <summary>A List action over every entity of a kind in the account.</summary>
    private static Func<ActionContext, IRequestReader, string> AccountWide(string kind) =>
        (c, _) => $"arn:aws:iam::{Account(c)}:{kind}/";

    /// <summary>A managed policy named by <c>PolicyArn</c>.</summary>
    private static readonly Func<ActionContext, IRequestReader, string> PolicyArnMember = (_, r) => Required(r, "PolicyArn", "policyArn");

    private static string Required(IRequestReader r, string name, string member) =>
        r.GetString(name) ?? throw new AwsErrorException(IamErrors.MissingParameter(member));

    private static string Account(ActionContext call) => call.Caller.AccountId;

    /// <summary>An entity's ARN for authorization: with its real path when it exists, else the root path.</summary>
    private string EntityArn(ActionContext call, IamEntityKind kind, string name)
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
        On($"Put{k}Policy", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            _registry.PutInlinePolicy(kind, Account(call), name, Required(r, "PolicyName", "policyName"), r.GetString("PolicyDocument"));
            return null;
        });
        On($"Get{k}Policy", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            var policyName = Required(r, "PolicyName", "policyName");
            var document = _registry.GetInlinePolicy(kind, Account(call), name, policyName);
            return w =>
            {
                w.String(nameMember, name);
                w.String("PolicyName", policyName);
                w.String("PolicyDocument", IamWire.Document(document));
            };
        });
        On($"List{k}Policies", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            var (page, trailer) = IamWire.Page(_registry.ListInlinePolicies(kind, Account(call), name), r);
            return w =>
            {
                w.MemberStringList("PolicyNames", page);
                trailer(w);
            };
        });
        On($"Delete{k}Policy", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            _registry.DeleteInlinePolicy(kind, Account(call), name, Required(r, "PolicyName", "policyName"));
            return null;
        });
        On($"Attach{k}Policy", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            _registry.AttachPolicy(kind, Account(call), name, Required(r, "PolicyArn", "policyArn"));
            return null;
        });
        On($"Detach{k}Policy", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            _registry.DetachPolicy(kind, Account(call), name, Required(r, "PolicyArn", "policyArn"));
            return null;
        });
        On($"ListAttached{k}Policies", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
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

        On($"Put{k}PermissionsBoundary", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            _registry.PutPermissionsBoundary(kind, Account(call), name, Required(r, "PermissionsBoundary", "permissionsBoundary"));
            return null;
        });
        On($"Delete{k}PermissionsBoundary", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            _registry.DeletePermissionsBoundary(kind, Account(call), name);
            return null;
        });
        On($"Tag{k}", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            _registry.Tag(kind, Account(call), name, IamWire.ReadTags(r));
            return null;
        });
        On($"Untag{k}", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            _registry.Untag(kind, Account(call), name, r.GetStringList("TagKeys", "TagKeys.member") ?? []);
            return null;
        });
        On($"List{k}Tags", Entity(kind, nameMember, CamelMember(kind)), (call, r) =>
        {
            var name = Required(r, nameMember, CamelMember(kind));
            var (page, trailer) = IamWire.Page(_registry.ListTags(kind, Account(call), name), r);
            return w =>
            {
                IamWire.Tags(w, page, always: true);
                trailer(w);
            };
        });
    }
}
