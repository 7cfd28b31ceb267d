using System.Globalization;

namespace Gatehouse.Policy;

/// <summary>Why a request was decided as it was, layer by layer, and the smallest change that would allow it.</summary>
public sealed record DecisionExplanation
{
    /// <summary><c>Allow</c>, <c>ExplicitDeny</c> or <c>ImplicitDeny</c>.</summary>
    public required string Decision { get; init; }

    /// <summary>The layer that decided (for denials, the policy type AWS's message names).</summary>
    public required string DecidedBy { get; init; }

    /// <summary>One sentence: the cause.</summary>
    public required string Summary { get; init; }

    /// <summary>Every layer in AWS's evaluation order with its verdict.</summary>
    public required IReadOnlyList<LayerVerdict> Layers { get; init; }

    /// <summary>Hints: missing condition keys, unresolved variables, malformed entries.</summary>
    public IReadOnlyList<string> Diagnostics { get; init; } = [];

    /// <summary>The changes that would allow the request, in the order to make them; each was checked by
    /// evaluating the request again with the change applied. Empty for allowed requests.</summary>
    public IReadOnlyList<SuggestedFix> Fixes { get; init; } = [];

    /// <summary>An explicit Deny decided: it was written to refuse, so if it is there on purpose the request should
    /// stay denied.</summary>
    public bool DeniedOnPurpose { get; init; }
}

/// <summary>One layer: <c>Allow</c>, <c>ExplicitDeny</c>, <c>NoMatch</c> (nothing allows), <c>NotApplied</c> or
/// <c>Absent</c> (no such policy takes part).</summary>
public sealed record LayerVerdict(string Layer, string Verdict, string Detail, IReadOnlyList<StatementFinding> Statements);

/// <summary>A statement that matched, or nearly matched (its action matched), with the element that failed.</summary>
public sealed record StatementFinding(string? Policy, int Index, string? Sid, string Effect, bool Matched, string FailedElement, string Detail,
    ConditionFinding? Condition, string Statement);

/// <summary>The condition that failed: operator, key, the request's values (null when absent), the policy's values.</summary>
public sealed record ConditionFinding(string Operator, string Key, IReadOnlyList<string>? RequestValues, IReadOnlyList<string> PolicyValues, string Reason);

/// <summary>
/// One change: <c>AddStatement</c> (to the policy named, or a new policy on <see cref="Target"/>),
/// <c>ReplaceStatement</c> or <c>RemoveStatement</c> (statement <see cref="StatementIndex"/> of <see cref="PolicyName"/>).
/// <see cref="RootOnly"/>: only the resource owner's root user (or an <c>sts:AssumeRoot</c> session) can make it.
/// </summary>
public sealed record SuggestedFix(string Change, string Layer, string Target, string? PolicyName, int? StatementIndex, string? StatementSid,
    string? Statement, string Description, bool RootOnly = false);

/// <summary>
/// Builds a <see cref="DecisionExplanation"/> from an <see cref="AuthorizationResult"/>. Pure; runs the slow trace
/// path, so callers run it off the request path. The layer order is AWS's (IAM user guide, "Policy evaluation
/// logic": organization SCPs and RCPs, then VPC endpoint, resource-based, identity-based policies, permissions
/// boundaries and session policies).
/// </summary>
public static class Explainer
{
    private const int MaxFixes = 4;

    public static DecisionExplanation Explain(AuthorizationResult result)
    {
        var request = result.Request;
        var trace = result.Trace;
        var layers = Layers(result, trace);
        var fixes = new List<SuggestedFix>();
        var current = result;
        while (!current.IsAllowed && fixes.Count < MaxFixes)
        {
            var fix = NextFix(current);
            if (fix is null)
                break;
            fixes.Add(fix.Value.Fix);
            if (fix.Value.Fix.RootOnly || fix.Value.After is null)
                break;
            current = PolicyEvaluator.Evaluate(request, fix.Value.After);
        }

        return new DecisionExplanation
        {
            Decision = result.Decision.ToString(),
            DecidedBy = LayerName(result.DecidingPolicyType, result.Policies.ResourcePolicy),
            Summary = Summary(result, trace),
            Layers = layers,
            Diagnostics = trace.Diagnostics,
            Fixes = fixes,
            DeniedOnPurpose = result.Decision == Decision.ExplicitDeny,
        };
    }

    /// <summary>The layer names, in AWS's order.</summary>
    public static readonly IReadOnlyList<PolicyType> Order =
    [
        PolicyType.ServiceControl, PolicyType.ResourceControl, PolicyType.VpcEndpoint, PolicyType.Resource,
        PolicyType.Identity, PolicyType.PermissionsBoundary, PolicyType.Session,
    ];

    public static string LayerName(PolicyType type, PolicyDocument? resourcePolicy = null) => type switch
    {
        PolicyType.ServiceControl => "ServiceControlPolicy",
        PolicyType.ResourceControl => "ResourceControlPolicy",
        PolicyType.VpcEndpoint => "VpcEndpointPolicy",
        PolicyType.Resource or PolicyType.RoleTrust => resourcePolicy?.Kind switch
        {
            PolicyKind.KmsKeyPolicy => "KmsKeyPolicy",
            PolicyKind.RoleTrustPolicy => "RoleTrustPolicy",
            _ => "ResourcePolicy",
        },
        PolicyType.Identity => "IdentityPolicy",
        PolicyType.PermissionsBoundary => "PermissionsBoundary",
        PolicyType.Session => "SessionPolicy",
        _ => "None",
    };

    private static List<LayerVerdict> Layers(AuthorizationResult result, EvaluationTrace trace)
    {
        var request = result.Request;
        var set = result.Policies;
        var list = new List<LayerVerdict>();
        foreach (var type in Order)
        {
            var policies = trace.Policies.Where(p => p.Type == type || (type == PolicyType.Resource && p.Type == PolicyType.RoleTrust)).ToList();
            var name = LayerName(type, set.ResourcePolicy);
            var findings = policies.Where(p => p.Applied).SelectMany(p => p.Statements.Where(s => s.Matched || s.FailedElement != StatementElement.Action)
                .Select(s => Finding(p, s, set))).ToList();
            if (policies.Count == 0)
            {
                list.Add(new LayerVerdict(name, "Absent", AbsentDetail(type, request, set), []));
                continue;
            }

            if (policies.All(p => !p.Applied))
            {
                list.Add(new LayerVerdict(name, "NotApplied", policies[0].NotAppliedReason ?? "not applied", findings));
                continue;
            }

            var denies = findings.Where(f => f.Matched && f.Effect == "Deny").ToList();
            if (denies.Count > 0 && !(type == PolicyType.Resource && result.RootPolicyManagementBypassApplied))
            {
                list.Add(new LayerVerdict(name, "ExplicitDeny", "Deny " + string.Join(", ", denies.Select(Ref)) + " applies", findings));
                continue;
            }

            if (type is PolicyType.ServiceControl or PolicyType.ResourceControl)
            {
                var levels = type == PolicyType.ServiceControl ? set.ServiceControlPolicies : set.ResourceControlPolicies;
                var implicitAccess = type == PolicyType.ResourceControl && AwsBehavior.RcpFullAwsAccessIsImplicit;
                var closed = levels.FirstOrDefault(l => !implicitAccess && !policies.Any(p => p.Level == l.Name && p.Statements.Any(s => s.Matched && s.Statement.Effect == PolicyEffect.Allow)));
                list.Add(closed is null
                    ? new LayerVerdict(name, "Allow", "every level of the organization path allows", findings)
                    : new LayerVerdict(name, "NoMatch", $"no policy attached at {closed.Name} allows {request.Action}", findings));
                continue;
            }

            var allows = findings.Where(f => f.Matched && f.Effect == "Allow").ToList();
            list.Add(allows.Count > 0
                ? new LayerVerdict(name, "Allow", "Allow " + string.Join(", ", allows.Select(Ref)) + " applies", findings)
                : new LayerVerdict(name, "NoMatch", $"no statement allows {request.Action} on {request.Resource}", findings));
        }

        return list;
    }

    private static string Ref(StatementFinding f) => $"{f.Policy}#{f.Sid ?? f.Index.ToString(CultureInfo.InvariantCulture)}";

    private static string AbsentDetail(PolicyType type, AuthorizationRequest request, PolicySet set) => type switch
    {
        PolicyType.ServiceControl => "the caller's account is in no organization with SCPs (or is its management account)",
        PolicyType.ResourceControl => "the resource's account is in no organization with RCPs",
        PolicyType.VpcEndpoint => "the request did not come through a VPC endpoint",
        PolicyType.Resource => "the resource has no resource-based policy",
        PolicyType.Identity => PolicyEvaluator.HasIdentitySide(request.Principal)
            ? "the caller has no identity policies"
            : request.Principal.Type == PrincipalType.Root ? "the root user needs no identity policy in its own account" : $"{request.Principal.Type} callers have no identity policies",
        PolicyType.PermissionsBoundary => "no permissions boundary is attached",
        PolicyType.Session => set.SessionPolicies.Count == 0 ? "no session policy was passed" : "",
        _ => "",
    };

    private static StatementFinding Finding(PolicyTrace p, StatementTrace s, PolicySet set)
    {
        var source = Document(set, p.Type, p.Name, p.Level)?.Statements.ElementAtOrDefault(s.Statement.Index);
        var condition = s.FailedCondition is { } c
            ? new ConditionFinding(c.Operator, c.Key, c.RequestValues, c.PolicyValues, c.Reason.ToString())
            : null;
        return new StatementFinding(p.Name, s.Statement.Index, s.Statement.Sid, s.Statement.Effect.ToString(), s.Matched,
            s.FailedElement.ToString(), s.Explanation, condition, source is null ? "" : PolicyDocument.StatementJson(source));
    }

    private static PolicyDocument? Document(PolicySet set, PolicyType type, string? name, string? level)
    {
        IEnumerable<PolicyDocument> candidates = type switch
        {
            PolicyType.Identity => set.IdentityPolicies,
            PolicyType.PermissionsBoundary => set.PermissionsBoundary is { } b ? [b] : [],
            PolicyType.Session => set.SessionPolicies,
            PolicyType.Resource or PolicyType.RoleTrust => set.ResourcePolicy is { } r ? [r] : [],
            PolicyType.VpcEndpoint => set.VpcEndpointPolicy is { } v ? [v] : [],
            PolicyType.ServiceControl => set.ServiceControlPolicies.Where(l => l.Name == level).SelectMany(l => l.Policies),
            PolicyType.ResourceControl => set.ResourceControlPolicies.Where(l => l.Name == level).SelectMany(l => l.Policies),
            _ => [],
        };
        return candidates.FirstOrDefault(d => d.Name == name);
    }

    private static string Summary(AuthorizationResult r, EvaluationTrace trace)
    {
        var request = r.Request;
        var layer = LayerName(r.DecidingPolicyType, r.Policies.ResourcePolicy);
        switch (r.Decision)
        {
            case Decision.Allow:
                return trace.Steps[^1];
            case Decision.ExplicitDeny:
                return $"An explicit Deny in the {layer} ({string.Join(", ", r.DecidingStatements)}) matches {request.Action} on {request.Resource}; an explicit Deny overrides every Allow.";
            default:
                var near = NearMisses(r, trace, r.DecidingPolicyType).FirstOrDefault();
                var because = near is null ? "" : " The nearest statement, " + near.Statement + ", does not apply: " + near.Explanation + ".";
                return r.DecidingPolicyType switch
                {
                    PolicyType.Resource when !request.IsSameAccount && PolicyEvaluator.HasIdentitySide(request.Principal) =>
                        $"Cross-account request: the caller's identity policies may allow it, but the {layer} of {request.Resource} does not allow {request.Principal.Arn} to perform {request.Action}; both sides must allow.{because}",
                    PolicyType.Resource or PolicyType.RoleTrust => $"No statement of the {layer} allows {request.Principal.Arn} to perform {request.Action}.{because}",
                    PolicyType.ServiceControl => $"No SCP at every level of the caller's organization path allows {request.Action}.{because}",
                    PolicyType.VpcEndpoint => $"The VPC endpoint policy does not allow {request.Action} on {request.Resource}.{because}",
                    PolicyType.PermissionsBoundary => $"The permissions boundary does not allow {request.Action}; identity policies can only grant what the boundary allows.{because}",
                    PolicyType.Session => $"The session policy does not allow {request.Action}; a session gets only what both its role and its session policy allow.{because}",
                    _ => $"No identity policy of {request.Principal.Arn} (and no resource policy naming it) allows {request.Action} on {request.Resource}.{because}",
                };
        }
    }

    /// <summary>Allow statements of one layer whose action matched but which failed on resource, principal or a condition.</summary>
    private static IEnumerable<StatementTrace> NearMisses(AuthorizationResult r, EvaluationTrace trace, PolicyType type) =>
        trace.Policies.Where(p => p.Applied && (p.Type == type || (type == PolicyType.Resource && p.Type == PolicyType.RoleTrust)))
            .SelectMany(p => p.Statements)
            .Where(s => !s.Matched && s.Statement.Effect == PolicyEffect.Allow && s.FailedElement != StatementElement.Action)
            .OrderBy(s => s.FailedElement == StatementElement.Condition ? 0 : s.FailedElement == StatementElement.Principal ? 1 : 2);

    private static (SuggestedFix Fix, PolicySet? After)? NextFix(AuthorizationResult r)
    {
        var request = r.Request;
        var set = r.Policies;
        var layer = LayerName(r.DecidingPolicyType, set.ResourcePolicy);
        if (r.Decision == Decision.ExplicitDeny)
        {
            var deny = r.DecidingStatements[0];
            var (doc, level) = Find(set, r.DecidingPolicyType, deny.PolicyName);
            if (doc is null)
                return null;
            var statement = doc.Statements[deny.Index];
            var remaining = doc.Statements.Where((_, i) => i != deny.Index).ToList();
            var after = Replace(set, r.DecidingPolicyType, doc, remaining.Count == 0 ? null : doc.WithStatements(remaining));
            var lockout = r.DecidingPolicyType == PolicyType.Resource && doc.Kind == PolicyKind.QueuePolicy && statement.Conditions.Count == 0
                && statement.Principal is { } pr && (pr.IsWildcardString || pr.Aws.Contains("*")) && !statement.IsNotPrincipal
                && statement.Actions.Any(a => a is "*" or "sqs:*" || a.Equals("sqs:SetQueueAttributes", StringComparison.OrdinalIgnoreCase));
            var root = $"arn:aws:iam::{request.ResourceAccount}:root";
            var description = lockout
                ? $"The queue policy of {request.Resource} denies every principal, including its own administrators. Only the queue owner's root user ({root}) or an sts:AssumeRoot session for account {request.ResourceAccount} can read or change it: remove statement {deny} (for example: aws sqs set-queue-attributes --queue-url URL --attributes Policy='' as that root user)."
                : $"An explicit Deny overrides every Allow. If {deny} is there on purpose, this request should stay denied. Otherwise remove it (or narrow it so it no longer covers this request) in the {layer} {doc.Name}{(level is null ? "" : " at " + level)}.";
            return (new SuggestedFix("RemoveStatement", layer, level ?? TargetOf(r.DecidingPolicyType, request, doc), doc.Name, deny.Index, deny.Sid,
                PolicyDocument.StatementJson(statement), description, lockout), after);
        }

        if (r.Decision != Decision.ImplicitDeny)
            return null;
        var type = r.DecidingPolicyType == PolicyType.None ? PolicyType.Identity : r.DecidingPolicyType;

        // 1. A near-miss Allow whose only failing element is a condition the request's value could be added to.
        var trace = r.Trace;
        foreach (var near in NearMisses(r, trace, type).Where(s => s.FailedElement == StatementElement.Condition))
        {
            var (doc, level) = Find(set, type, near.Statement.PolicyName);
            if (doc is null || near.FailedCondition is not { RequestValues: { Count: > 0 } values } failed || !Widenable(failed.Operator))
                continue;
            var original = doc.Statements[near.Statement.Index];
            var added = failed.Operator.StartsWith("IpAddress", StringComparison.Ordinal) ? values.Select(v => v.Contains('/', StringComparison.Ordinal) ? v : v + (v.Contains(':', StringComparison.Ordinal) ? "/128" : "/32")) : values;
            var widened = original with
            {
                Conditions = [.. original.Conditions.Select(c => c.Key == failed.Key && c.Operator == failed.Operator ? c with { Values = [.. c.Values, .. added] } : c)],
            };
            var newDoc = doc.WithStatements(doc.Statements.Select((s, i) => i == near.Statement.Index ? widened : s));
            var after = Replace(set, type, doc, newDoc);
            if (Passes(request, after, type))
            {
                return (new SuggestedFix("ReplaceStatement", layer, level ?? TargetOf(type, request, doc), doc.Name, near.Statement.Index, near.Statement.Sid,
                    PolicyDocument.StatementJson(widened),
                    $"Statement {near.Statement} requires {failed.Operator} {failed.Key} [{string.Join(", ", failed.PolicyValues)}], but the request's {failed.Key} was [{string.Join(", ", values)}]. Add the request's value to the condition (or make the request meet it).",
                    false), after);
            }
        }

        // 2. A new Allow statement for exactly this action and resource in the layer that did not allow.
        var p = request.Principal;
        // An account-level resource (ListQueues authorizes on "arn:aws:sqs:REGION:ACCOUNT:") is granted the way AWS's
        // SQS Developer Guide writes it, with a trailing wildcard: arn:aws:sqs:REGION:ACCOUNT:*.
        var resource = request.Resource.EndsWith(':') ? request.Resource + "*" : request.Resource;
        var principalArn = p.PrincipalArn;
        PolicyStatement Allow(bool withPrincipal, string? principalOverride = null) => new()
        {
            Sid = "GatehouseSuggested" + new string([.. request.Action.Where(char.IsLetterOrDigit)]),
            Effect = PolicyEffect.Allow,
            Principal = withPrincipal ? (principalOverride ?? principalArn) is { } arn ? new PrincipalElement { Aws = [arn] } : new PrincipalElement { IsWildcardString = true } : null,
            Actions = SqsProducerNeedsDecrypt(request) ? [request.Action, "kms:Decrypt"] : [request.Action],
            Resources = [resource],
            HasResourceElement = true,
        };
        switch (type)
        {
            case PolicyType.Identity:
                {
                    var statement = Allow(false);
                    var target = Entity(p);
                    if (!PolicyEvaluator.HasIdentitySide(p))
                    {
                        // Root of another account or anonymous: only the resource policy can grant.
                        return AddToResource(r, set, Allow(true, p.Type == PrincipalType.Anonymous ? "*" : principalArn), layer: LayerName(PolicyType.Resource, set.ResourcePolicy));
                    }

                    var name = "gatehouse-allow-" + new string([.. request.Action.Where(char.IsLetterOrDigit)]).ToLowerInvariant();
                    var added = PolicyDocument.ParseValid(Wrap(statement), PolicyKind.Identity, name);
                    var after = set with { IdentityPolicies = [.. set.IdentityPolicies, added] };
                    return (new SuggestedFix("AddStatement", layer, target, null, null, statement.Sid, PolicyDocument.StatementJson(statement),
                        $"Add this statement to an identity policy of {target} (for example as an inline policy named {name}).", false), after);
                }

            case PolicyType.Resource or PolicyType.RoleTrust:
                return AddToResource(r, set, Allow(true, p.Type == PrincipalType.Anonymous ? "*" : principalArn), layer);
            case PolicyType.PermissionsBoundary when set.PermissionsBoundary is { } boundary:
                {
                    var statement = Allow(false);
                    var after = set with { PermissionsBoundary = boundary.WithStatements([.. boundary.Statements, statement]) };
                    return (new SuggestedFix("AddStatement", layer, p.PrincipalArn ?? p.Arn, boundary.Name, null, statement.Sid, PolicyDocument.StatementJson(statement),
                        $"The permissions boundary {boundary.Name} caps what identity policies can grant: add this statement to it (or set a boundary that allows {request.Action}).", false), after);
                }

            case PolicyType.Session:
                {
                    var statement = Allow(false);
                    var session = PolicyDocument.ParseValid(Wrap(statement), PolicyKind.Session, "session");
                    var after = set with { SessionPolicies = [session] };
                    return (new SuggestedFix("AddStatement", layer, p.Arn, "session policy", null, statement.Sid, PolicyDocument.StatementJson(statement),
                        "A session's policy cannot be changed: request a new session (AssumeRole / GetFederationToken) whose session policy includes this statement, or none.", false), after);
                }

            case PolicyType.ServiceControl:
                {
                    var statement = Allow(false) with { Resources = ["*"] };
                    var closedIndex = -1;
                    for (var i = 0; i < set.ServiceControlPolicies.Count && closedIndex < 0; i++)
                    {
                        var probe = new AuthorizationRequest(p, request.Action, request.Resource, request.ResourceAccount, request.Context);
                        var levelOnly = set with { ServiceControlPolicies = [set.ServiceControlPolicies[i]], IdentityPolicies = [], ResourcePolicy = null, PermissionsBoundary = null, SessionPolicies = [] };
                        if (PolicyEvaluator.Evaluate(probe, levelOnly).DecidingPolicyType == PolicyType.ServiceControl)
                            closedIndex = i;
                    }
                    if (closedIndex < 0)
                        return null;
                    var level = set.ServiceControlPolicies[closedIndex];
                    var scp = PolicyDocument.ParseValid(Wrap(statement), PolicyKind.ServiceControlPolicy, "gatehouse-allow");
                    var levels = set.ServiceControlPolicies.Select((l, i) => i == closedIndex ? l with { Policies = [.. l.Policies, scp] } : l).ToList();
                    return (new SuggestedFix("AddStatement", layer, level.Name, level.Policies.Count > 0 ? level.Policies[0].Name : null, null, statement.Sid, PolicyDocument.StatementJson(statement),
                        $"No SCP attached at {level.Name} allows {request.Action}: add this statement to one of them (or attach an SCP with it there).", false),
                        set with { ServiceControlPolicies = levels });
                }

            case PolicyType.VpcEndpoint when set.VpcEndpointPolicy is { } endpoint:
                {
                    var statement = Allow(true, "*");
                    var after = set with { VpcEndpointPolicy = endpoint.WithStatements([.. endpoint.Statements, statement]) };
                    return (new SuggestedFix("AddStatement", layer, endpoint.Name ?? "endpoint", endpoint.Name, null, statement.Sid, PolicyDocument.StatementJson(statement),
                        $"The policy of VPC endpoint {endpoint.Name} is a gate every request through it must pass: add this statement to it (aws ec2 modify-vpc-endpoint --policy-document).", false), after);
                }

            default:
                return null;
        }
    }

    private static (SuggestedFix, PolicySet?) AddToResource(AuthorizationResult r, PolicySet set, PolicyStatement statement, string layer)
    {
        var request = r.Request;
        var kind = set.ResourcePolicy?.Kind ?? (request.Action.StartsWith("kms:", StringComparison.OrdinalIgnoreCase) ? PolicyKind.KmsKeyPolicy : PolicyKind.QueuePolicy);
        var doc = set.ResourcePolicy is { } existing
            ? existing.WithStatements([.. existing.Statements, statement])
            : PolicyDocument.ParseValid(Wrap(statement), kind, request.Resource);
        var who = statement.Principal is { Aws.Count: > 0 } named ? named.Aws[0] : "*";
        var description = request.IsSameAccount
            ? $"Add this statement to the {layer} of {request.Resource}."
            : $"Cross-account access needs an Allow on both sides: add this statement to the {layer} of {request.Resource} (account {request.ResourceAccount}) so it names {who}.";
        return (new SuggestedFix("AddStatement", layer, request.Resource, set.ResourcePolicy?.Name ?? request.Resource, null, statement.Sid,
            PolicyDocument.StatementJson(statement), description, false), set with { ResourcePolicy = doc });
    }

    /// <summary>The IAM entity whose policies a caller's identity policies are (the role for a role session).</summary>
    private static string Entity(RequestPrincipal p) => p.Type switch
    {
        PrincipalType.AssumedRole => p.RoleArn ?? p.Arn,
        PrincipalType.FederatedUser => p.CreatorUserArn ?? p.Arn,
        _ => p.Arn,
    };

    private static string TargetOf(PolicyType type, AuthorizationRequest request, PolicyDocument doc) => type switch
    {
        PolicyType.Identity or PolicyType.PermissionsBoundary => Entity(request.Principal),
        PolicyType.Session => request.Principal.Arn,
        PolicyType.Resource or PolicyType.RoleTrust => request.Resource,
        _ => doc.Name ?? request.Resource,
    };

    /// <summary>An SQS producer of an SSE-KMS queue needs kms:Decrypt as well as kms:GenerateDataKey (Amazon SQS
    /// developer guide, "Key management": producers need both), and SQS asks for them one after the other; so the fix
    /// for the first names both, or the retried send would stop at the second.</summary>
    private static bool SqsProducerNeedsDecrypt(AuthorizationRequest request) =>
        request.Action.Equals("kms:GenerateDataKey", StringComparison.OrdinalIgnoreCase)
        && request.Context.Get("kms:ViaService") is [var via] && via.StartsWith("sqs.", StringComparison.Ordinal);

    private static bool Widenable(string op) =>
        op.StartsWith("String", StringComparison.Ordinal) && !op.StartsWith("StringNot", StringComparison.Ordinal)
        || op.StartsWith("IpAddress", StringComparison.Ordinal)
        || op is "ArnEquals" or "ArnLike";

    private static bool Passes(AuthorizationRequest request, PolicySet after, PolicyType layer)
    {
        var again = PolicyEvaluator.Evaluate(request, after);
        return again.IsAllowed || again.DecidingPolicyType != layer;
    }

    private static string Wrap(PolicyStatement statement) =>
        $$"""{"Version":"2012-10-17","Statement":[{{PolicyDocument.StatementJson(statement)}}]}""";

    private static (PolicyDocument? Doc, string? Level) Find(PolicySet set, PolicyType type, string? name)
    {
        foreach (var level in type == PolicyType.ServiceControl ? set.ServiceControlPolicies : type == PolicyType.ResourceControl ? set.ResourceControlPolicies : [])
        {
            if (level.Policies.FirstOrDefault(d => d.Name == name) is { } d)
                return (d, level.Name);
        }

        return (Document(set, type, name, null), null);
    }

    /// <summary>The policy set with one document replaced, or removed when <paramref name="updated"/> is null.</summary>
    private static PolicySet Replace(PolicySet set, PolicyType type, PolicyDocument old, PolicyDocument? updated)
    {
        List<PolicyDocument> Swap(IEnumerable<PolicyDocument> docs) =>
            [.. docs.Select(d => ReferenceEquals(d, old) ? updated : d).OfType<PolicyDocument>()];
        return type switch
        {
            PolicyType.Identity => set with { IdentityPolicies = Swap(set.IdentityPolicies) },
            PolicyType.PermissionsBoundary => set with { PermissionsBoundary = updated },
            PolicyType.Session => set with { SessionPolicies = Swap(set.SessionPolicies) },
            PolicyType.Resource or PolicyType.RoleTrust => set with { ResourcePolicy = updated },
            PolicyType.VpcEndpoint => set with { VpcEndpointPolicy = updated },
            PolicyType.ServiceControl => set with { ServiceControlPolicies = [.. set.ServiceControlPolicies.Select(l => l with { Policies = Swap(l.Policies) })] },
            PolicyType.ResourceControl => set with { ResourceControlPolicies = [.. set.ResourceControlPolicies.Select(l => l with { Policies = Swap(l.Policies) })] },
            _ => set,
        };
    }
}
