using Gatehouse.Protocol;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Organizations;

namespace Gatehouse.Server.Organizations;

/// <summary>
/// AWS Organizations as a service module: AWS JSON 1.1, <c>X-Amz-Target: AWSOrganizationsV20161128.&lt;Op&gt;</c>,
/// signing name <c>organizations</c>. Every action is authorized as <c>organizations:&lt;Op&gt;</c> on the resource
/// the Service Authorization Reference names for it (the root, OU, account or policy ARN; <c>*</c> for actions without
/// a resource type), with <c>organizations:PolicyType</c>, <c>organizations:ServicePrincipal</c> and the request's
/// tags as condition keys. Before that, Organizations' own rule: only the management account may call, except
/// DescribeOrganization (any member) and CreateOrganization (an account in no organization). A refusal is
/// Organizations' <c>AccessDeniedException</c> ("You don't have permissions to access this resource."); the decision
/// log keeps the full reason.
/// </summary>
internal static class OrganizationsModule
{
    public const string TargetPrefix = "AWSOrganizationsV20161128.";

    private delegate Action<JsonResponseWriter>? Handler(string caller, IRequestReader r);

    public static ServiceModule Create(OrganizationService orgs)
    {
        var actions = new Dictionary<string, ActionSpec>(StringComparer.Ordinal);
        string Arn(ActionContext c, string? id) => orgs.ResourceArn(c.Caller.AccountId, id);

        void On(string name, Func<ActionContext, IRequestReader, IEnumerable<string>> resources, Handler handle,
            bool managementOnly = true, bool needsOrganization = true, Func<ActionContext, IRequestReader, Dictionary<string, IReadOnlyList<string>>>? context = null) =>
            actions[name] = new ActionSpec
            {
                Name = name,
                IamActions = ["organizations:" + name],
                Decode = r => r,
                Authorize = (c, request) =>
                {
                    var r = (IRequestReader)request;
                    if (needsOrganization)
                    {
                        orgs.CheckCaller(c.Caller.AccountId, managementOnly);
                    }

                    var keys = context?.Invoke(c, r);
                    return [.. resources(c, r).Select(arn => c.Query("organizations:" + name, arn, c.Caller.AccountId, context: keys is { Count: > 0 } ? keys : null))];
                },
                Handle = (c, request) =>
                {
                    var write = handle(c.Caller.AccountId, (IRequestReader)request);
                    return Task.FromResult<Action<IResponseWriter>?>(write is null ? null : w => write((JsonResponseWriter)w));
                },
                Denied = (_, _, _, _) => OrganizationErrors.AccessDenied(),
            };

        IEnumerable<string> Any(ActionContext c, IRequestReader r) => ["*"];
        Func<ActionContext, IRequestReader, IEnumerable<string>> ById(string member) => (c, r) => [Arn(c, r.GetString(member))];

        Dictionary<string, IReadOnlyList<string>> PolicyType(string? type) =>
            type is null ? [] : new(StringComparer.Ordinal) { ["organizations:PolicyType"] = [type] };

        // ---- Organization ----
        On("CreateOrganization", Any, (caller, r) =>
        {
            var org = orgs.CreateOrganization(caller, r.GetString("FeatureSet"));
            return w => w.Object("Organization", o => Organization(o, org));
        }, needsOrganization: false);
        On("DescribeOrganization", Any, (caller, _) =>
        {
            var org = orgs.DescribeOrganization(caller);
            return w => w.Object("Organization", o => Organization(o, org));
        }, managementOnly: false);
        On("DeleteOrganization", Any, (caller, _) =>
        {
            orgs.DeleteOrganization(caller);
            return null;
        });
        On("ListRoots", Any, (caller, r) =>
        {
            var roots = orgs.ListRoots(caller);
            return Paged(r, "ListRoots", "Roots", roots, Root);
        });

        // ---- Accounts ----
        On("CreateAccount", Any, (caller, r) =>
        {
            var status = orgs.CreateAccount(caller, r.GetString("Email"), r.GetString("AccountName"), r.GetString("RoleName"), Tags(r));
            return w => w.Object("CreateAccountStatus", s => CreateStatus(s, status));
        }, context: (_, r) => TagContext(Tags(r)));
        On("DescribeCreateAccountStatus", Any, (caller, r) =>
        {
            var status = orgs.DescribeCreateAccountStatus(caller, r.GetString("CreateAccountRequestId"));
            return w => w.Object("CreateAccountStatus", s => CreateStatus(s, status));
        });
        On("ListCreateAccountStatus", Any, (caller, r) =>
        {
            var statuses = orgs.ListCreateAccountStatus(caller, r.GetStringList("States", ""));
            return Paged(r, "ListCreateAccountStatus", "CreateAccountStatuses", statuses, CreateStatus);
        });
        On("DescribeAccount", ById("AccountId"), (caller, r) =>
        {
            var account = orgs.DescribeAccount(caller, r.GetString("AccountId"));
            return w => w.Object("Account", a => Account(a, account));
        });
        On("ListAccounts", Any, (caller, r) =>
        {
            var accounts = orgs.ListAccounts(caller);
            return Paged(r, "ListAccounts", "Accounts", accounts, Account);
        });
        On("ListAccountsForParent", ById("ParentId"), (caller, r) =>
        {
            var accounts = orgs.ListAccountsForParent(caller, r.GetString("ParentId"));
            return Paged(r, "ListAccountsForParent", "Accounts", accounts, Account);
        });
        On("RemoveAccountFromOrganization", ById("AccountId"), (caller, r) =>
        {
            orgs.RemoveAccount(caller, r.GetString("AccountId"));
            return null;
        });
        On("MoveAccount", (c, r) => [Arn(c, r.GetString("AccountId")), Arn(c, r.GetString("SourceParentId")), Arn(c, r.GetString("DestinationParentId"))], (caller, r) =>
        {
            orgs.MoveAccount(caller, r.GetString("AccountId"), r.GetString("SourceParentId"), r.GetString("DestinationParentId"));
            return null;
        });

        // ---- Organizational units ----
        On("CreateOrganizationalUnit", ById("ParentId"), (caller, r) =>
        {
            var unit = orgs.CreateUnit(caller, r.GetString("ParentId"), r.GetString("Name"), Tags(r));
            return w => w.Object("OrganizationalUnit", u => Unit(u, unit));
        }, context: (_, r) => TagContext(Tags(r)));
        On("DescribeOrganizationalUnit", ById("OrganizationalUnitId"), (caller, r) =>
        {
            var unit = orgs.DescribeUnit(caller, r.GetString("OrganizationalUnitId"));
            return w => w.Object("OrganizationalUnit", u => Unit(u, unit));
        });
        On("UpdateOrganizationalUnit", ById("OrganizationalUnitId"), (caller, r) =>
        {
            var unit = orgs.UpdateUnit(caller, r.GetString("OrganizationalUnitId"), r.GetString("Name"));
            return w => w.Object("OrganizationalUnit", u => Unit(u, unit));
        });
        On("DeleteOrganizationalUnit", ById("OrganizationalUnitId"), (caller, r) =>
        {
            orgs.DeleteUnit(caller, r.GetString("OrganizationalUnitId"));
            return null;
        });
        On("ListOrganizationalUnitsForParent", ById("ParentId"), (caller, r) =>
        {
            var units = orgs.ListUnitsForParent(caller, r.GetString("ParentId"));
            return Paged(r, "ListOrganizationalUnitsForParent", "OrganizationalUnits", units, Unit);
        });
        On("ListParents", ById("ChildId"), (caller, r) =>
        {
            var parents = orgs.ListParents(caller, r.GetString("ChildId"));
            return Paged(r, "ListParents", "Parents", parents, Child);
        });
        On("ListChildren", ById("ParentId"), (caller, r) =>
        {
            var children = orgs.ListChildren(caller, r.GetString("ParentId"), r.GetString("ChildType"));
            return Paged(r, "ListChildren", "Children", children, Child);
        });

        // ---- Policy types and trusted access ----
        On("EnablePolicyType", ById("RootId"), (caller, r) =>
        {
            var root = orgs.EnablePolicyType(caller, r.GetString("RootId"), r.GetString("PolicyType"));
            return w => w.Object("Root", x => Root(x, root));
        }, context: (_, r) => PolicyType(r.GetString("PolicyType")));
        On("DisablePolicyType", ById("RootId"), (caller, r) =>
        {
            var root = orgs.DisablePolicyType(caller, r.GetString("RootId"), r.GetString("PolicyType"));
            return w => w.Object("Root", x => Root(x, root));
        }, context: (_, r) => PolicyType(r.GetString("PolicyType")));
        Dictionary<string, IReadOnlyList<string>> Principal(IRequestReader r) =>
            r.GetString("ServicePrincipal") is { } p ? new(StringComparer.Ordinal) { ["organizations:ServicePrincipal"] = [p] } : [];
        On("EnableAWSServiceAccess", Any, (caller, r) =>
        {
            orgs.SetServiceAccess(caller, r.GetString("ServicePrincipal"), enable: true);
            return null;
        }, context: (_, r) => Principal(r));
        On("DisableAWSServiceAccess", Any, (caller, r) =>
        {
            orgs.SetServiceAccess(caller, r.GetString("ServicePrincipal"), enable: false);
            return null;
        }, context: (_, r) => Principal(r));
        On("ListAWSServiceAccessForOrganization", Any, (caller, r) =>
        {
            var enabled = orgs.ListServiceAccess(caller);
            return Paged(r, "ListAWSServiceAccessForOrganization", "EnabledServicePrincipals", enabled, (x, s) =>
            {
                x.String("ServicePrincipal", s.ServicePrincipal);
                x.Timestamp("DateEnabled", s.Enabled);
            });
        });

        // ---- Policies ----
        On("CreatePolicy", Any, (caller, r) =>
        {
            var policy = orgs.CreatePolicy(caller, r.GetString("Name"), r.GetString("Description"), r.GetString("Content"), r.GetString("Type"), Tags(r));
            return w => w.Object("Policy", p => Policy(p, policy));
        }, context: (_, r) => Merge(PolicyType(r.GetString("Type")), TagContext(Tags(r))));
        On("UpdatePolicy", ById("PolicyId"), (caller, r) =>
        {
            var policy = orgs.UpdatePolicy(caller, r.GetString("PolicyId"), r.GetString("Name"), r.GetString("Description"), r.GetString("Content"));
            return w => w.Object("Policy", p => Policy(p, policy));
        }, context: (c, r) => PolicyType(orgs.PolicyTypeOf(c.Caller.AccountId, r.GetString("PolicyId"))));
        On("DeletePolicy", ById("PolicyId"), (caller, r) =>
        {
            orgs.DeletePolicy(caller, r.GetString("PolicyId"));
            return null;
        }, context: (c, r) => PolicyType(orgs.PolicyTypeOf(c.Caller.AccountId, r.GetString("PolicyId"))));
        On("DescribePolicy", ById("PolicyId"), (caller, r) =>
        {
            var policy = orgs.DescribePolicy(caller, r.GetString("PolicyId"));
            return w => w.Object("Policy", p => Policy(p, policy));
        }, context: (c, r) => PolicyType(orgs.PolicyTypeOf(c.Caller.AccountId, r.GetString("PolicyId"))));
        On("ListPolicies", Any, (caller, r) =>
        {
            var policies = orgs.ListPolicies(caller, r.GetString("Filter"));
            return Paged(r, "ListPolicies", "Policies", policies, Summary);
        }, context: (_, r) => PolicyType(r.GetString("Filter")));
        On("AttachPolicy", (c, r) => [Arn(c, r.GetString("PolicyId")), Arn(c, r.GetString("TargetId"))], (caller, r) =>
        {
            orgs.AttachPolicy(caller, r.GetString("PolicyId"), r.GetString("TargetId"));
            return null;
        }, context: (c, r) => PolicyType(orgs.PolicyTypeOf(c.Caller.AccountId, r.GetString("PolicyId"))));
        On("DetachPolicy", (c, r) => [Arn(c, r.GetString("PolicyId")), Arn(c, r.GetString("TargetId"))], (caller, r) =>
        {
            orgs.DetachPolicy(caller, r.GetString("PolicyId"), r.GetString("TargetId"));
            return null;
        }, context: (c, r) => PolicyType(orgs.PolicyTypeOf(c.Caller.AccountId, r.GetString("PolicyId"))));
        On("ListPoliciesForTarget", ById("TargetId"), (caller, r) =>
        {
            var policies = orgs.ListPoliciesForTarget(caller, r.GetString("TargetId"), r.GetString("Filter"));
            return Paged(r, "ListPoliciesForTarget", "Policies", policies, Summary);
        }, context: (_, r) => PolicyType(r.GetString("Filter")));
        On("ListTargetsForPolicy", ById("PolicyId"), (caller, r) =>
        {
            var targets = orgs.ListTargetsForPolicy(caller, r.GetString("PolicyId"));
            return Paged(r, "ListTargetsForPolicy", "Targets", targets, (x, t) =>
            {
                x.String("TargetId", t.TargetId);
                x.String("Arn", t.Arn);
                x.String("Name", t.Name);
                x.String("Type", t.Type);
            });
        }, context: (c, r) => PolicyType(orgs.PolicyTypeOf(c.Caller.AccountId, r.GetString("PolicyId"))));

        // ---- Tags ----
        On("TagResource", ById("ResourceId"), (caller, r) =>
        {
            orgs.TagResource(caller, r.GetString("ResourceId"), Tags(r) ?? []);
            return null;
        }, context: (_, r) => TagContext(Tags(r)));
        On("UntagResource", ById("ResourceId"), (caller, r) =>
        {
            orgs.UntagResource(caller, r.GetString("ResourceId"), r.GetStringList("TagKeys", "") ?? []);
            return null;
        }, context: (_, r) => r.GetStringList("TagKeys", "") is { Count: > 0 } keys ? new(StringComparer.Ordinal) { ["aws:TagKeys"] = keys } : []);
        On("ListTagsForResource", ById("ResourceId"), (caller, r) =>
        {
            var tags = orgs.ListTags(caller, r.GetString("ResourceId"));
            return Paged(r, "ListTagsForResource", "Tags", tags, (x, t) =>
            {
                x.String("Key", t.Key);
                x.String("Value", t.Value);
            });
        });

        return new ServiceModule
        {
            Name = "organizations",
            SigningName = "organizations",
            JsonTargetPrefix = TargetPrefix,
            JsonProtocol = OrganizationsWireProtocol.Instance,
            Actions = actions,
        };
    }

    /// <summary>The largest page Organizations hands out, and the size of a page when MaxResults is not sent (the
    /// model's bound for MaxResults; the Organizations API Reference leaves the default to each operation).</summary>
    public const int MaxPageSize = 20;

    /// <summary>
    /// One page of a List* result: up to MaxResults (1–20) items from the position NextToken names, with a NextToken
    /// when more remain — as the Organizations API Reference describes paging ("The NextToken response parameter value
    /// is null only when there are no more results to display"). A token is opaque to callers, valid only for the
    /// operation that issued it; a foreign or altered one is InvalidInputException (INVALID_NEXT_TOKEN).
    /// </summary>
    private static Action<JsonResponseWriter> Paged<T>(IRequestReader r, string action, string key, IReadOnlyList<T> all,
        Action<JsonResponseWriter, T> write)
    {
        var size = MaxPageSize;
        if (action != "ListTagsForResource")
        {
            switch (r.GetInt("MaxResults"))
            {
                case < 1:
                    throw new AwsErrorException(OrganizationErrors.InvalidInput("MIN_VALUE_EXCEEDED",
                        "You provided a value that is less than the minimum allowed value."));
                case > MaxPageSize:
                    throw new AwsErrorException(OrganizationErrors.InvalidInput("MAX_VALUE_EXCEEDED",
                        "You provided a value that exceeds the maximum allowed value."));
                case { } max:
                    size = max;
                    break;
            }
        }
        else
        {
            // ListTagsForResource has a NextToken but no MaxResults: a resource's tags (at most 50) come whole.
            size = int.MaxValue;
        }

        var start = r.GetString("NextToken") is { } token ? ReadToken(token, action, all.Count) : 0;
        var end = (int)Math.Min((long)start + size, all.Count);
        var page = all.Skip(start).Take(end - start).ToList();
        string? next = end < all.Count ? MakeToken(action, end) : null;
        return w =>
        {
            w.Items(key, page, write);
            if (next is not null)
            {
                w.String("NextToken", next);
            }
        };
    }

    private const string TokenPrefix = "gh1:";

    private static string MakeToken(string action, int offset) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            TokenPrefix + action + ":" + offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static int ReadToken(string token, string action, int count)
    {
        try
        {
            var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var expected = TokenPrefix + action + ":";
            if (text.StartsWith(expected, StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(expected.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var offset)
                && offset <= count)
            {
                return offset;
            }
        }
        catch (FormatException)
        {
        }

        throw new AwsErrorException(OrganizationErrors.InvalidInput("INVALID_NEXT_TOKEN", "You specified an invalid value for nextToken."));
    }

    private static List<OrgTag>? Tags(IRequestReader r) =>
        r.GetList("Tags", "") is { } list ? [.. list.Select(t => new OrgTag(t.GetString("Key") ?? "", t.GetString("Value") ?? ""))] : null;

    private static Dictionary<string, IReadOnlyList<string>> TagContext(IReadOnlyList<OrgTag>? tags)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var tag in tags ?? [])
        {
            context["aws:RequestTag/" + tag.Key] = [tag.Value];
        }

        if (tags is { Count: > 0 })
        {
            context["aws:TagKeys"] = [.. tags.Select(t => t.Key)];
        }

        return context;
    }

    private static Dictionary<string, IReadOnlyList<string>> Merge(Dictionary<string, IReadOnlyList<string>> a, Dictionary<string, IReadOnlyList<string>> b)
    {
        foreach (var (k, v) in b)
        {
            a[k] = v;
        }

        return a;
    }

    private static void Organization(JsonResponseWriter w, OrganizationView org)
    {
        w.String("Id", org.Id);
        w.String("Arn", org.Arn);
        w.String("FeatureSet", org.FeatureSet);
        w.String("MasterAccountArn", org.ManagementAccountArn);
        w.String("MasterAccountId", org.ManagementAccountId);
        w.String("MasterAccountEmail", org.ManagementAccountEmail);
        w.Items("AvailablePolicyTypes", org.EnabledPolicyTypes, PolicyTypeSummary);
    }

    private static void PolicyTypeSummary(JsonResponseWriter w, string type)
    {
        w.String("Type", type);
        w.String("Status", "ENABLED");
    }

    private static void Root(JsonResponseWriter w, RootView root)
    {
        w.String("Id", root.Id);
        w.String("Arn", root.Arn);
        w.String("Name", root.Name);
        w.Items("PolicyTypes", root.EnabledPolicyTypes, PolicyTypeSummary);
    }

    private static void Account(JsonResponseWriter w, AccountView a)
    {
        w.String("Id", a.Id);
        w.String("Arn", a.Arn);
        w.String("Email", a.Email);
        w.String("Name", a.Name);
        w.String("Status", "ACTIVE");
        w.String("State", "ACTIVE");
        w.String("JoinedMethod", a.JoinedMethod);
        w.Timestamp("JoinedTimestamp", a.Joined);
    }

    private static void CreateStatus(JsonResponseWriter w, CreateAccountView s)
    {
        w.String("Id", s.Id);
        w.String("AccountName", s.AccountName);
        w.String("State", s.State);
        w.Timestamp("RequestedTimestamp", s.Requested);
        w.Timestamp("CompletedTimestamp", s.Completed);
        w.String("AccountId", s.AccountId);
        w.String("FailureReason", s.FailureReason);
    }

    private static void Unit(JsonResponseWriter w, UnitView u)
    {
        w.String("Id", u.Id);
        w.String("Arn", u.Arn);
        w.String("Name", u.Name);
    }

    private static void Child(JsonResponseWriter w, ChildView c)
    {
        w.String("Id", c.Id);
        w.String("Type", c.Type);
    }

    private static void Summary(JsonResponseWriter w, PolicyView p)
    {
        w.String("Id", p.Id);
        w.String("Arn", p.Arn);
        w.String("Name", p.Name);
        w.String("Description", p.Description);
        w.String("Type", p.Type);
        w.Bool("AwsManaged", p.AwsManaged);
    }

    private static void Policy(JsonResponseWriter w, PolicyView p)
    {
        w.Object("PolicySummary", s => Summary(s, p));
        w.String("Content", p.Content);
    }
}
