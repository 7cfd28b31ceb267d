using System.Globalization;
using System.Text;
using System.Text.Json;
using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Organizations;

namespace Gatehouse.Server.Iam;

/// <summary>
/// The IAM policy simulator API (IAM API reference: SimulateCustomPolicy, SimulatePrincipalPolicy,
/// GetContextKeysForCustomPolicy, GetContextKeysForPrincipalPolicy), evaluated by the same engine that authorizes
/// requests. As AWS's simulator does, it evaluates only the context entries given (no request facts are added),
/// reports a result per action and resource, the statements that decided with their positions in the policy text,
/// and the condition keys the deciding statements needed but the request did not give (<c>MissingContextValues</c>).
/// </summary>
internal sealed partial class IamQueryApi
{
    private void RegisterSimulator(OrganizationService? organizations)
    {
        On("SimulateCustomPolicy", (_, _) => "*", (call, r) =>
        {
            var inputs = PolicyInputs(r, "PolicyInputList", required: true);
            var boundaries = PolicyInputs(r, "PermissionsBoundaryPolicyInputList", required: false);
            var caller = r.GetString("CallerArn") is { } arn ? CallerFor(arn) : null;
            return Simulate(call, r, inputs, boundaries, caller, null);
        });
        On("SimulatePrincipalPolicy", (c, r) => Required(r, "PolicySourceArn", "policySourceArn"), (call, r) =>
        {
            var source = Required(r, "PolicySourceArn", "policySourceArn");
            var principal = _registry.PrincipalForArn(source) is { Kind: PrincipalKind.User or PrincipalKind.AssumedRole } p
                ? p
                : throw new AwsErrorException(IamErrors.InvalidInput($"Invalid Entity Arn: {source} does not clearly define entity type and name."));
            var gathered = _registry.GetPoliciesAsync(principal).AsTask().GetAwaiter().GetResult();
            var inputs = gathered.IdentityPolicies.Select(SourceOf).Concat(PolicyInputs(r, "PolicyInputList", required: false)).ToList();
            var boundaries = gathered.PermissionsBoundary is { } b
                ? [SourceOf(b) with { Type = b.Name.Contains(":iam::aws:", StringComparison.Ordinal) ? "aws-managed" : "user-managed" }]
                : PolicyInputs(r, "PermissionsBoundaryPolicyInputList", required: false);
            var caller = r.GetString("CallerArn") is { } arn ? CallerFor(arn) : principal;
            var scps = organizations?.ForAccount(principal.AccountId) is { IsManagementAccount: false } org
                ? org.ServiceControlPolicies.Select(l => new PolicyLevel(l.Name,
                    [.. l.Policies.Select(p => PolicyDocument.Parse(p.Document, PolicyKind.ServiceControlPolicy, new PolicyParseOptions { Name = p.Name }).Document).OfType<PolicyDocument>()])).ToList()
                : null;
            return Simulate(call, r, inputs, boundaries, caller, scps);
        });
        On("GetContextKeysForCustomPolicy", (_, _) => "*", (_, r) =>
        {
            var keys = ContextKeys(PolicyInputs(r, "PolicyInputList", required: true));
            return w => w.MemberStringList("ContextKeyNames", keys);
        });
        On("GetContextKeysForPrincipalPolicy", (c, r) => Required(r, "PolicySourceArn", "policySourceArn"), (_, r) =>
        {
            var source = Required(r, "PolicySourceArn", "policySourceArn");
            var principal = _registry.PrincipalForArn(source) ?? throw new AwsErrorException(IamErrors.InvalidInput($"Invalid Entity Arn: {source} does not clearly define entity type and name."));
            var gathered = _registry.GetPoliciesAsync(principal).AsTask().GetAwaiter().GetResult();
            var keys = ContextKeys([.. gathered.IdentityPolicies.Select(SourceOf), .. PolicyInputs(r, "PolicyInputList", required: false)]);
            return w => w.MemberStringList("ContextKeyNames", keys);
        });
    }

    /// <summary>A policy given to the simulator: its id and type as <c>MatchedStatements</c> report them, and its text.</summary>
    private sealed record SimulatedPolicy(string Id, string Type, string Json, PolicyDocument Document);

    private static List<SimulatedPolicy> PolicyInputs(IRequestReader r, string member, bool required)
    {
        var list = r.GetStringList(member, member + ".member") ?? [];
        if (required && list.Count == 0)
        {
            throw new AwsErrorException(IamErrors.MissingParameter(char.ToLowerInvariant(member[0]) + member[1..]));
        }

        return [.. list.Select((json, i) => Parse($"{member}.{(i + 1).ToString(CultureInfo.InvariantCulture)}", "none", json, PolicyKind.Identity))];
    }

    private static SimulatedPolicy Parse(string id, string type, string json, PolicyKind kind)
    {
        var parsed = PolicyDocument.Parse(json, kind, new PolicyParseOptions { Name = id });
        if (!parsed.IsValid)
        {
            throw new AwsErrorException(PolicyErrors.ForIam(parsed.Problems, kind) is { } error
                ? IamErrors.FromPolicy(error)
                : IamErrors.MalformedPolicyDocument("Syntax errors in policy."));
        }

        return new SimulatedPolicy(id, type, json, parsed.Document!);
    }

    /// <summary>A stored policy as SimulatePrincipalPolicy names it: inline policies by name with the entity type
    /// (<c>user</c>, <c>group</c>, <c>role</c>), managed ones by name as <c>user-managed</c> or <c>aws-managed</c>.</summary>
    private static SimulatedPolicy SourceOf(NamedPolicy p)
    {
        if (p.Name.Split("/inline/") is [var entity, var name])
        {
            return Parse(name, entity.Split('/')[0], p.Document, PolicyKind.Identity);
        }

        var type = p.Name.Contains(":iam::aws:", StringComparison.Ordinal) ? "aws-managed" : "user-managed";
        return Parse(p.Name[(p.Name.LastIndexOf('/') + 1)..], type, p.Document, PolicyKind.Identity);
    }

    /// <summary><c>CallerArn</c>: an IAM user (or the root user) whose identity is used for principal matching.</summary>
    private Principal CallerFor(string arn) =>
        _registry.PrincipalForArn(arn) ?? (arn.Split(':') is { Length: 6 } p && p[5].StartsWith("user/", StringComparison.Ordinal)
            ? new Principal { Kind = PrincipalKind.User, AccountId = p[4], Arn = arn, UserId = "AIDASIMULATEDCALLER00", Name = p[5][(p[5].LastIndexOf('/') + 1)..], PrincipalArn = arn }
            : throw new AwsErrorException(IamErrors.InvalidInput($"Invalid ARN: {arn} (CallerArn must be an IAM user)")));

    private static Action<IResponseWriter> Simulate(ActionContext call, IRequestReader r, List<SimulatedPolicy> inputs, List<SimulatedPolicy> boundaries,
        Principal? caller, List<PolicyLevel>? scps)
    {
        var actions = r.GetStringList("ActionNames", "ActionNames.member") is { Count: > 0 } a
            ? a
            : throw new AwsErrorException(IamErrors.MissingParameter("actionNames"));
        var resources = r.GetStringList("ResourceArns", "ResourceArns.member") is { Count: > 0 } rs ? rs : ["*"];
        var resourcePolicy = r.GetString("ResourcePolicy") is { } rpJson ? Parse("ResourcePolicy", "resource", rpJson, PolicyKind.QueuePolicy) : null;
        var owner = r.GetString("ResourceOwner") is { } o ? o.Split(':') is { Length: 6 } parts ? parts[4] : o : caller?.AccountId ?? Account(call);
        var principal = caller ?? new Principal
        {
            Kind = PrincipalKind.User,
            AccountId = Account(call),
            Arn = $"arn:aws:iam::{Account(call)}:user/SimulatedUser",
            UserId = "AIDASIMULATEDUSER0000",
            Name = "SimulatedUser",
            PrincipalArn = $"arn:aws:iam::{Account(call)}:user/SimulatedUser",
        };
        var requestPrincipal = principal.Kind == PrincipalKind.AssumedRole
            ? RequestPrincipal.AssumedRole(principal.PrincipalArn!, principal.Name ?? "session", principal.UserId.Split(':')[0])
            : principal.Kind == PrincipalKind.Root ? RequestPrincipal.Root(principal.AccountId) : RequestPrincipal.User(principal.Arn, principal.UserId);
        var context = new RequestContext();
        foreach (var entry in r.GetList("ContextEntries", "ContextEntries.member") ?? [])
        {
            var key = entry.GetString("ContextKeyName") ?? throw new AwsErrorException(IamErrors.MissingParameter("contextKeyName"));
            var values = entry.GetStringList("ContextKeyValues", "ContextKeyValues.member") ?? [];
            if ((entry.GetString("ContextKeyType") ?? "string").EndsWith("List", StringComparison.Ordinal))
            {
                context.SetMany(key, values);
            }
            else if (values.Count > 0)
            {
                context.Set(key, values[0]);
            }
        }

        var byId = inputs.Concat(boundaries).Concat(resourcePolicy is null ? [] : [resourcePolicy]).ToDictionary(p => p.Id, StringComparer.Ordinal);
        var set = new PolicySet
        {
            IdentityPolicies = [.. inputs.Select(p => p.Document)],
            PermissionsBoundary = boundaries.Count switch
            {
                0 => null,
                1 => boundaries[0].Document,
                _ => throw new AwsErrorException(IamErrors.InvalidInput("Only one permissions boundary policy can be simulated.")),
            },
            ResourcePolicy = resourcePolicy?.Document,
            ServiceControlPolicies = scps ?? [],
        };
        var results = new List<(string Action, string Resource, AuthorizationResult Result, IReadOnlyList<string> Missing, bool? Boundary, bool? Orgs)>();
        foreach (var action in actions)
        {
            foreach (var resource in resources)
            {
                var request = new AuthorizationRequest(requestPrincipal, action, resource, owner, context);
                var result = PolicyEvaluator.Evaluate(request, set);
                bool? boundary = set.PermissionsBoundary is null ? null
                    : PolicyEvaluator.Evaluate(request, new PolicySet { IdentityPolicies = [set.PermissionsBoundary] }).IsAllowed;
                bool? orgs = scps is null ? null : !(result.DecidingPolicyType == PolicyType.ServiceControl && !result.IsAllowed);
                results.Add((action, resource, result, Missing(result, context), boundary, orgs));
            }
        }

        var (page, trailer) = IamWire.Page(results, r);
        return w =>
        {
            w.MemberList("EvaluationResults", page, (m, x) =>
            {
                m.String("EvalActionName", x.Action);
                m.String("EvalResourceName", x.Resource);
                m.String("EvalDecision", x.Result.Decision switch
                {
                    Decision.Allow => "allowed",
                    Decision.ExplicitDeny => "explicitDeny",
                    _ => "implicitDeny",
                });
                m.MemberList("MatchedStatements", [.. x.Result.DecidingStatements], (s, statement) => WriteStatement(s, statement, byId));
                m.MemberStringList("MissingContextValues", x.Missing);
                if (x.Orgs is { } allowedByOrgs)
                {
                    m.Structure("OrganizationsDecisionDetail", d => d.Bool("AllowedByOrganizations", allowedByOrgs));
                }

                if (x.Boundary is { } allowedByBoundary)
                {
                    m.Structure("PermissionsBoundaryDecisionDetail", d => d.Bool("AllowedByPermissionsBoundary", allowedByBoundary));
                }
            });
            trailer(w);
        };
    }

    private static void WriteStatement(IResponseWriter w, StatementReference statement, Dictionary<string, SimulatedPolicy> byId)
    {
        w.String("SourcePolicyId", statement.PolicyName);
        if (statement.PolicyName is not { } id || !byId.TryGetValue(id, out var policy))
        {
            return;
        }

        w.String("SourcePolicyType", policy.Type);
        if (StatementSpans(policy.Json).ElementAtOrDefault(statement.Index) is { } span)
        {
            w.Structure("StartPosition", p => Position(p, span.Start));
            w.Structure("EndPosition", p => Position(p, span.End));
        }
    }

    private static void Position(IResponseWriter w, (int Line, int Column) at)
    {
        w.Number("Line", at.Line);
        w.Number("Column", at.Column);
    }

    /// <summary>Where each statement object starts and ends in the policy text (1-based line and column).</summary>
    internal static List<((int Line, int Column) Start, (int Line, int Column) End)> StatementSpans(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var spans = new List<((int, int), (int, int))>();
        var inStatement = false;
        var start = 0L;
        while (reader.Read())
        {
            if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName)
            {
                inStatement = reader.ValueTextEquals("Statement");
                continue;
            }

            if (!inStatement)
            {
                continue;
            }

            var statementDepth = 2;
            if (reader.TokenType == JsonTokenType.StartObject && (reader.CurrentDepth == statementDepth || reader.CurrentDepth == 1))
            {
                start = reader.TokenStartIndex;
            }
            else if (reader.TokenType == JsonTokenType.EndObject && (reader.CurrentDepth == statementDepth || reader.CurrentDepth == 1))
            {
                spans.Add((LineColumn(bytes, start), LineColumn(bytes, reader.TokenStartIndex + 1)));
                if (reader.CurrentDepth == 1)
                {
                    inStatement = false;
                }
            }
        }

        return spans;
    }

    private static (int Line, int Column) LineColumn(byte[] text, long offset)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < offset && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                column = 1;
            }
            else if ((text[i] & 0xC0) != 0x80)
            {
                column++;
            }
        }

        return (line, column);
    }

    /// <summary>Condition keys of the statements that matched the action and resource but are absent from the context.</summary>
    private static List<string> Missing(AuthorizationResult result, RequestContext context)
    {
        var missing = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var policy in result.Trace.Policies)
        {
            foreach (var s in policy.Statements)
            {
                if (s.FailedCondition is { Reason: ConditionFailureReason.KeyMissing } c && !context.Contains(c.Key))
                {
                    missing.Add(c.Key);
                }
            }
        }

        return [.. missing];
    }

    /// <summary>Every condition key the policies use, once, in order of appearance.</summary>
    private static List<string> ContextKeys(IEnumerable<SimulatedPolicy> policies)
    {
        var keys = new List<string>();
        foreach (var key in policies.SelectMany(p => p.Document.Statements).SelectMany(s => s.Conditions).Select(c => c.Key))
        {
            if (!keys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                keys.Add(key);
            }
        }

        return keys;
    }
}
