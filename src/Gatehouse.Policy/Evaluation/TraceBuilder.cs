namespace Gatehouse.Policy;

/// <summary>The slow path: walks every policy again, explaining each statement. Only runs when a caller reads
/// <see cref="AuthorizationResult.Trace"/>.</summary>
internal static class TraceBuilder
{
    internal static EvaluationTrace Build(AuthorizationRequest request, PolicySet set, AuthorizationResult result)
    {
        var policies = new List<PolicyTrace>();
        var steps = new List<string>();
        var diagnostics = new List<string>();
        var p = request.Principal;
        var hasIdentity = PolicyEvaluator.HasIdentitySide(p);
        var hasBoundary = hasIdentity && set.PermissionsBoundary is not null;
        var bypass = PolicyEvaluator.RootBypassApplies(request);

        steps.Add($"Request: {p.Arn} ({p.Type}, account {p.AccountId}) → {request.Action} on {request.Resource} (owner {request.ResourceAccount}); "
            + (request.IsSameAccount ? "same account" : "cross-account or unsigned"));
        if (!request.ResourceIsArn)
            diagnostics.Add($"The request resource '{request.Resource}' is not an ARN; only Resource \"*\" can match it.");

        var skipIdentity = hasIdentity ? null : $"{p.Type} callers have no identity policies";
        foreach (var doc in set.IdentityPolicies)
            policies.Add(Explain(PolicyType.Identity, doc, null, request, hasBoundary, skipIdentity, diagnostics));
        if (set.PermissionsBoundary is { } pb)
            policies.Add(Explain(PolicyType.PermissionsBoundary, pb, null, request, hasBoundary, skipIdentity, diagnostics));
        foreach (var doc in set.SessionPolicies)
            policies.Add(Explain(PolicyType.Session, doc, null, request, hasBoundary, skipIdentity, diagnostics));
        if (p.Type == PrincipalType.FederatedUser && set.SessionPolicies.Count == 0)
            diagnostics.Add("A federated-user session without a session policy has no permissions from identity policies (IAM User Guide, \"Session policies\").");
        if (set.ResourcePolicy is { } rp)
        {
            policies.Add(Explain(PolicyEvaluator.ResourceTypeOf(rp), rp, null, request, hasBoundary, null, diagnostics));
            if (bypass)
                steps.Add("Root user of the owning account managing the resource policy: its explicit denies are ignored (IAM User Guide, \"Tasks that require root user credentials\").");
        }
        if (set.VpcEndpointPolicy is { } vp)
            policies.Add(Explain(PolicyType.VpcEndpoint, vp, null, request, hasBoundary, null, diagnostics));

        var scpSkip = PolicyEvaluator.ScpApplies(request, set) ? null : ScpSkipReason(request, set);
        foreach (var level in set.ServiceControlPolicies)
        {
            foreach (var doc in level.Policies)
                policies.Add(Explain(PolicyType.ServiceControl, doc, level.Name, request, hasBoundary, scpSkip, diagnostics));
        }
        if (scpSkip is not null && set.ServiceControlPolicies.Count > 0)
            steps.Add("SCPs not applied: " + scpSkip);
        var rcpSkip = PolicyEvaluator.RcpApplies(request, set) ? null : "resource in the management account, an AWS-managed key, or a service-linked-role caller";
        foreach (var level in set.ResourceControlPolicies)
        {
            foreach (var doc in level.Policies)
                policies.Add(Explain(PolicyType.ResourceControl, doc, level.Name, request, hasBoundary, rcpSkip, diagnostics));
        }
        if (rcpSkip is not null && set.ResourceControlPolicies.Count > 0)
            steps.Add("RCPs not applied: " + rcpSkip);

        steps.Add(Summary(result, request));
        return new EvaluationTrace(policies, steps, diagnostics);
    }

    private static string ScpSkipReason(AuthorizationRequest r, PolicySet s) =>
        s.PrincipalAccountIsManagementAccount ? "the caller is in the management account"
        : r.Principal.IsServiceLinkedRole ? "service-linked roles are exempt"
        : $"{r.Principal.Type} callers are not principals of a member account";

    private static string Summary(AuthorizationResult r, AuthorizationRequest request) => r.Decision switch
    {
        Decision.Allow => r.Grant switch
        {
            GrantBasis.RootUser => "Allowed: the root user has full access in its own account.",
            GrantBasis.IdentityPolicy => "Allowed by identity policy: " + string.Join(", ", r.DecidingStatements),
            GrantBasis.ResourcePolicy => "Allowed by the resource policy: " + string.Join(", ", r.DecidingStatements),
            _ => "Allowed cross-account: identity and resource policies both allow: " + string.Join(", ", r.DecidingStatements),
        },
        Decision.ExplicitDeny => $"Explicitly denied by {r.DecidingPolicyType}: {string.Join(", ", r.DecidingStatements)}. Remove or narrow that statement to allow.",
        _ => $"Implicitly denied: no {r.DecidingPolicyType} policy allows {request.Action}. " + Fix(r.DecidingPolicyType, request),
    };

    private static string Fix(PolicyType t, AuthorizationRequest request) => t switch
    {
        PolicyType.Identity => "Add an identity-policy Allow for this action and resource (or, in the same account, a resource-policy Allow naming the caller).",
        PolicyType.Resource or PolicyType.RoleTrust => request.IsSameAccount
            ? "The resource policy must allow the caller (this resource type requires it)."
            : "Cross-account access needs a resource-policy Allow naming the caller or its account (and the action must be shareable).",
        PolicyType.PermissionsBoundary => "The permissions boundary must also allow this action.",
        PolicyType.Session => "The session policy must also allow this action.",
        PolicyType.ServiceControl => "Every level of the organization path needs an SCP that allows this action.",
        PolicyType.VpcEndpoint => "The VPC endpoint policy must allow this request.",
        _ => "",
    };

    private static PolicyTrace Explain(PolicyType type, PolicyDocument doc, string? level, AuthorizationRequest request, bool hasBoundary,
        string? skip, List<string> diagnostics)
    {
        var statements = new List<StatementTrace>(doc.Compiled.Length);
        foreach (var s in doc.Compiled)
            statements.Add(ExplainStatement(s, request, hasBoundary, diagnostics));
        return new PolicyTrace(type, doc.Name, level, skip is null, skip, statements);
    }

    private static StatementTrace ExplainStatement(CompiledStatement s, AuthorizationRequest request, bool hasBoundary, List<string> diagnostics)
    {
        var r = s.Reference;
        if (!s.MatchesAction(request.LowerAction))
            return new(r, false, StatementElement.Action, PrincipalMatchKind.None, null,
                $"{(s.Source.IsNotAction ? "NotAction" : "Action")} [{string.Join(", ", s.Source.Actions)}] does not cover {request.Action}");
        if (!s.MatchesResource(request))
        {
            NoteResourceDiagnostics(s, request, diagnostics);
            return new(r, false, StatementElement.Resource, PrincipalMatchKind.None, null,
                $"{(s.Source.IsNotResource ? "NotResource" : "Resource")} [{string.Join(", ", s.Source.Resources)}] does not cover {request.Resource}");
        }
        var kind = s.MatchPrincipal(request.Principal, hasBoundary);
        if (kind == PrincipalMatchKind.None)
            return new(r, false, StatementElement.Principal, kind, null,
                $"{(s.Source.IsNotPrincipal ? "NotPrincipal" : "Principal")} does not apply to {request.Principal.Arn}");
        foreach (var c in s.Conditions)
        {
            if (c.Evaluate(request.Evaluation, out var reason))
                continue;
            var values = request.Evaluation.Get(c.Key)?.Values;
            if (reason == ConditionFailureReason.MultivaluedKeyWithPlainOperator)
                diagnostics.Add($"{r}: {c.Source.Operator} on multivalued key {c.Key}; use ForAnyValue: or ForAllValues:.");
            if (reason == ConditionFailureReason.KeyMissing)
                diagnostics.Add($"{r}: condition key {c.Key} is not present in the request.");
            var ct = new ConditionTrace(c.Source.Operator, c.Key, values, c.Source.Values, reason);
            return new(r, false, StatementElement.Condition, kind, ct,
                $"Condition {c.Source.Operator} {c.Key} [{string.Join(", ", c.Source.Values)}] failed ({reason}); request value: "
                + (values is null ? "absent" : "[" + string.Join(", ", values) + "]"));
        }
        return new(r, true, StatementElement.None, kind, null, $"{s.Effect} statement applies (principal match: {kind})");
    }

    private static void NoteResourceDiagnostics(CompiledStatement s, AuthorizationRequest request, List<string> diagnostics)
    {
        foreach (var res in s.Source.Resources)
        {
            if (res != "*" && !ArnPattern.LooksLikeArn(res))
                diagnostics.Add($"{s.Reference}: resource entry '{res}' is not an ARN and never matches.");
        }
        if (s.Source.Resources.Any(x => x.Contains("${", StringComparison.Ordinal)))
            diagnostics.Add($"{s.Reference}: a policy variable in Resource may be unresolved for this request (absent key, no default, or Version is not 2012-10-17).");
    }
}
