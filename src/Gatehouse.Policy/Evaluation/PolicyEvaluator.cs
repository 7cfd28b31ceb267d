namespace Gatehouse.Policy;

/// <summary>
/// AWS's decision procedure (IAM User Guide, "Policy evaluation logic"; README, "Evaluation order"): explicit deny anywhere wins; then the RCP, SCP and VPC endpoint gates;
/// then the grant (root, service, anonymous, same-account, cross-account) under the boundary and session ceilings.
/// Pure and thread-safe; never throws for valid inputs.
/// </summary>
public static partial class PolicyEvaluator
{
    /// <summary>Policy types in the order AWS's message names one when several deny (IAM User Guide, "Troubleshoot access denied
    /// error messages"; which one AWS names when several deny is not documented).</summary>
    internal static readonly PolicyType[] ExplicitDenyPrecedence =
    [
        PolicyType.ResourceControl, PolicyType.ServiceControl, PolicyType.VpcEndpoint, PolicyType.Resource,
        PolicyType.RoleTrust, PolicyType.Identity, PolicyType.PermissionsBoundary, PolicyType.Session,
    ];

    public static AuthorizationResult Evaluate(AuthorizationRequest request, PolicySet policies)
    {
        var p = request.Principal;
        var hasIdentity = HasIdentitySide(p);
        var hasBoundary = hasIdentity && policies.PermissionsBoundary is not null;
        var resourceType = ResourceTypeOf(policies.ResourcePolicy);

        PolicyScan identity = default, boundary = default, session = default, resource = default, vpce = default;
        if (hasIdentity)
        {
            // Index loops: foreach over IReadOnlyList would allocate an enumerator per request.
            for (var i = 0; i < policies.IdentityPolicies.Count; i++)
                identity.Scan(policies.IdentityPolicies[i], request, hasBoundary);
            if (hasBoundary)
                boundary.Scan(policies.PermissionsBoundary!, request, hasBoundary);
            for (var i = 0; i < policies.SessionPolicies.Count; i++)
                session.Scan(policies.SessionPolicies[i], request, hasBoundary);
        }
        else if (p.IsAssumedRoot)
        {
            // IAM User Guide, "Centrally manage root access for member accounts": an sts:AssumeRoot session is the member account's root user scoped by its task policy. AWS's
            // task policies are deny-only documents, so only their explicit denies take part (step 2).
            for (var i = 0; i < policies.SessionPolicies.Count; i++)
                session.Scan(policies.SessionPolicies[i], request, hasBoundary);
        }
        var bypass = RootBypassApplies(request);
        if (policies.ResourcePolicy is { } rp)
            resource.Scan(rp, request, hasBoundary, ignoreDenies: bypass);
        if (policies.VpcEndpointPolicy is { } vp)
            vpce.Scan(vp, request, hasBoundary);

        var scpApplies = ScpApplies(request, policies);
        var rcpApplies = RcpApplies(request, policies);
        var scpDenies = default(RefList);
        var scpGateOpen = true;
        if (scpApplies)
            scpGateOpen = ScanLevels(policies.ServiceControlPolicies, request, hasBoundary, ref scpDenies, implicitFullAccess: false);
        var rcpDenies = default(RefList);
        var rcpGateOpen = true;
        if (rcpApplies)
            rcpGateOpen = ScanLevels(policies.ResourceControlPolicies, request, hasBoundary, ref rcpDenies, AwsBehavior.RcpFullAwsAccessIsImplicit);

        // Step 2: explicit deny in any policy wins, named by precedence.
        foreach (var type in ExplicitDenyPrecedence)
        {
            var denies = type switch
            {
                PolicyType.ResourceControl => rcpDenies,
                PolicyType.ServiceControl => scpDenies,
                PolicyType.VpcEndpoint => vpce.Denies,
                PolicyType.Resource when resourceType == PolicyType.Resource => resource.Denies,
                PolicyType.RoleTrust when resourceType == PolicyType.RoleTrust => resource.Denies,
                PolicyType.Identity => identity.Denies,
                PolicyType.PermissionsBoundary => boundary.Denies,
                PolicyType.Session => session.Denies,
                _ => default,
            };
            if (denies.Any)
                return new AuthorizationResult(request, policies, Decision.ExplicitDeny, type, denies.ToList(), GrantBasis.None, bypass);
        }

        // Steps 3–5: the RCP, SCP and VPC endpoint gates.
        if (!rcpGateOpen)
            return GateDeny(request, policies, PolicyType.ResourceControl, bypass);
        if (!scpGateOpen)
            return GateDeny(request, policies, PolicyType.ServiceControl, bypass);
        if (policies.VpcEndpointPolicy is not null && !vpce.Allowed)
            return GateDeny(request, policies, PolicyType.VpcEndpoint, bypass);

        // Step 6: the grant.
        var (decision, type2, grant) = Grant(request, policies, resourceType, in identity, in boundary, in session, in resource);
        IReadOnlyList<StatementReference> deciding = grant switch
        {
            GrantBasis.IdentityPolicy => identity.Allows.ToList(),
            GrantBasis.ResourcePolicy => resource.Allows.ToList(),
            GrantBasis.IdentityAndResourcePolicy => [.. identity.Allows.ToList(), .. resource.Allows.ToList()],
            _ => [],
        };
        return new AuthorizationResult(request, policies, decision, type2, deciding, grant, bypass);
    }

    private static AuthorizationResult GateDeny(AuthorizationRequest request, PolicySet policies, PolicyType type, bool bypass) =>
        new(request, policies, Decision.ImplicitDeny, type, [], GrantBasis.None, bypass);

    internal static bool HasIdentitySide(RequestPrincipal p) =>
        p.Type is PrincipalType.User or PrincipalType.AssumedRole or PrincipalType.FederatedUser;

    internal static PolicyType ResourceTypeOf(PolicyDocument? doc) =>
        doc?.Kind == PolicyKind.RoleTrustPolicy ? PolicyType.RoleTrust : PolicyType.Resource;

    /// <summary>Organizations User Guide, "Service control policies" and "Resource control policies": SCPs constrain principals of member accounts, except service-linked roles; service principals
    /// and anonymous callers belong to no member account (inferred from IAM User Guide, "Policy evaluation logic": SCPs apply to member accounts' principals).</summary>
    internal static bool ScpApplies(AuthorizationRequest r, PolicySet s) =>
        s.ServiceControlPolicies.Count > 0 && !s.PrincipalAccountIsManagementAccount && !r.Principal.IsServiceLinkedRole
        && r.Principal.Type is not (PrincipalType.Service or PrincipalType.Anonymous);

    /// <summary>Organizations User Guide, "Service control policies" and "Resource control policies", KMS Developer Guide: RCPs apply to every caller of a member account's resource except service-linked roles;
    /// not to the management account's resources nor AWS-managed KMS keys.</summary>
    internal static bool RcpApplies(AuthorizationRequest r, PolicySet s) =>
        s.ResourceControlPolicies.Count > 0 && !s.ResourceAccountIsManagementAccount && !s.ResourceIsAwsManagedKey
        && !r.Principal.IsServiceLinkedRole;

    /// <summary>IAM User Guide, "Tasks that require root user credentials": the owning account's root user (or an AssumeRoot session) may read or replace a queue
    /// policy that denies everyone.</summary>
    internal static bool RootBypassApplies(AuthorizationRequest r) =>
        r.ManagesResourcePolicyOnly
        && (r.Principal.Type == PrincipalType.Root || r.Principal.IsAssumedRoot)
        && string.Equals(r.Principal.AccountId, r.ResourceAccount, StringComparison.Ordinal)
        && AwsBehavior.RootPolicyManagementBypassActions.Contains(r.LowerAction);

    /// <summary>Scans every level; returns whether each level allows (Organizations User Guide, "Service control policies" and "Resource control policies": an Allow is needed at every level).</summary>
    private static bool ScanLevels(IReadOnlyList<PolicyLevel> levels, AuthorizationRequest request, bool hasBoundary, ref RefList denies, bool implicitFullAccess)
    {
        var open = true;
        for (var l = 0; l < levels.Count; l++)
        {
            var allowed = implicitFullAccess;
            var docs = levels[l].Policies;
            for (var d0 = 0; d0 < docs.Count; d0++)
            {
                var doc = docs[d0];
                PolicyScan scan = default;
                scan.Scan(doc, request, hasBoundary);
                if (scan.Denied)
                {
                    foreach (var d in scan.Denies.ToList())
                        denies.Add(doc.Compiled[d.Index]);
                }
                allowed |= scan.Allowed;
            }
            open &= allowed;
        }
        return open;
    }
}
