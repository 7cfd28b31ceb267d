namespace Gatehouse.Policy;

public static partial class PolicyEvaluator
{
    /// <summary>The allow step of AWS's evaluation (IAM User Guide, "Policy evaluation logic" and "Cross-account policy evaluation logic"): which grant allows, or which piece is missing.</summary>
    private static (Decision, PolicyType, GrantBasis) Grant(AuthorizationRequest request, PolicySet policies, PolicyType resourceType,
        in PolicyScan identity, in PolicyScan boundary, in PolicyScan session, in PolicyScan resource)
    {
        var p = request.Principal;
        var mode = policies.ResourcePolicy?.Kind ?? PolicyKind.QueuePolicy;
        // KMS key policies and role trust policies are mandatory even in the same account (IAM User Guide, "Policy evaluation logic").
        var mandatoryResourcePolicy = mode is PolicyKind.KmsKeyPolicy or PolicyKind.RoleTrustPolicy;
        var sameAccount = request.IsSameAccount || (p.IsAssumedRoot && string.Equals(p.AccountId, request.ResourceAccount, StringComparison.Ordinal));
        // SQS Developer Guide, "Limitations of custom policies": cross-account (and anonymous) principals can never be granted the non-shareable actions.
        var shareable = sameAccount || mode != PolicyKind.QueuePolicy || !AwsBehavior.SqsNonShareableActions.Contains(request.LowerAction);
        var resourceAllows = resource.Allowed && shareable;

        var allow = (Decision.Allow, PolicyType.Resource, GrantBasis.ResourcePolicy);
        var denyResource = (Decision.ImplicitDeny, resourceType, GrantBasis.None);

        switch (p.Type)
        {
            case PrincipalType.Anonymous:
            case PrincipalType.Service:
                return resourceAllows ? allow : denyResource;
            case PrincipalType.Root:
                if (sameAccount && !mandatoryResourcePolicy)
                    return (Decision.Allow, PolicyType.None, GrantBasis.RootUser);
                // The root user holds every identity permission of its account, so any matching grant suffices.
                return resourceAllows ? allow : denyResource;
        }

        var boundaryOk = policies.PermissionsBoundary is null || boundary.Allowed;
        // IAM User Guide, "Session policies": a federated-user session without a session policy has no identity permissions.
        var sessionOk = policies.SessionPolicies.Count > 0 ? session.Allowed : p.Type != PrincipalType.FederatedUser;
        var identityGrant = identity.Allowed && boundaryOk && sessionOk;
        var identityReason = !identity.Allowed ? PolicyType.Identity : !boundaryOk ? PolicyType.PermissionsBoundary : PolicyType.Session;

        if (!sameAccount)
        {
            // IAM User Guide, "Cross-account policy evaluation logic": both the resource policy (trusting account) and the identity side (trusted account) must allow.
            if (!resourceAllows)
                return denyResource;
            if (!identityGrant)
                return (Decision.ImplicitDeny, identityReason, GrantBasis.None);
            return (Decision.Allow, PolicyType.Resource, GrantBasis.IdentityAndResourcePolicy);
        }

        if (resourceAllows)
        {
            switch (resource.BestAllow)
            {
                case PrincipalMatchKind.Wildcard or PrincipalMatchKind.User or PrincipalMatchKind.RoleSession
                    or PrincipalMatchKind.FederatedUser or PrincipalMatchKind.Service:
                    return allow;
                case PrincipalMatchKind.Role or PrincipalMatchKind.FederatedCreatorUser:
                    if (boundaryOk && sessionOk)
                        return allow;
                    if (!identityGrant)
                        return (Decision.ImplicitDeny, !boundaryOk ? PolicyType.PermissionsBoundary : PolicyType.Session, GrantBasis.None);
                    break;
            }
        }
        else if (mandatoryResourcePolicy)
            return denyResource;

        // Account principal (delegation to IAM) or no resource grant: the identity side must allow.
        if (identityGrant)
            return (Decision.Allow, PolicyType.Identity, GrantBasis.IdentityPolicy);
        return (Decision.ImplicitDeny, identityReason, GrantBasis.None);
    }
}
