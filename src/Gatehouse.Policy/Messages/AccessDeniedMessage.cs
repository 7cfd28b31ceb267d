namespace Gatehouse.Policy;

/// <summary>Each service's conventions for the access-denied message (IAM User Guide, "Troubleshoot access denied error messages").</summary>
public enum AccessDeniedStyle
{
    /// <summary>Action printed as given (IAM, STS and most services).</summary>
    Generic,
    /// <summary>SQS prints the action lower-cased (<c>sqs:sendmessage</c>) (as AWS's responses quoted in public bug reports show).</summary>
    Sqs,
    /// <summary>KMS keeps camel case (<c>kms:GenerateDataKey</c>) (as AWS's responses quoted in public bug reports show).</summary>
    Kms,
    /// <summary>KMS's older wording: a bare <c>with an explicit deny</c> without the policy type (compatibility switch).</summary>
    KmsLegacy,
}

/// <summary>
/// AWS's enhanced access-denied text: <c>User: &lt;arn&gt; is not authorized to perform: &lt;action&gt; on resource:
/// &lt;arn&gt; &lt;reason&gt;</c> (IAM User Guide, "Troubleshoot access denied error messages").
/// </summary>
public static class AccessDeniedMessage
{
    /// <summary>The message for a denied result; null when the result is an Allow.</summary>
    public static string? Render(AuthorizationRequest request, AuthorizationResult result, AccessDeniedStyle style = AccessDeniedStyle.Generic)
    {
        if (result.IsAllowed)
            return null;
        return Render(request.Principal.Arn, request.Action, request.Resource, result.Decision, result.DecidingPolicyType, style);
    }

    /// <summary>The message from its parts (<paramref name="resource"/> null or empty omits <c>on resource:</c>).</summary>
    public static string Render(string principalArn, string action, string? resource, Decision decision, PolicyType type,
        AccessDeniedStyle style = AccessDeniedStyle.Generic)
    {
        var shownAction = style == AccessDeniedStyle.Sqs ? action.ToLowerInvariant() : action;
        var head = $"User: {principalArn} is not authorized to perform: {shownAction}";
        if (!string.IsNullOrEmpty(resource))
            head += $" on resource: {resource}";
        return head + " " + Reason(decision, type, shownAction, style);
    }

    /// <summary>The reason clause alone (IAM User Guide, "Troubleshoot access denied error messages").</summary>
    public static string Reason(Decision decision, PolicyType type, string shownAction, AccessDeniedStyle style = AccessDeniedStyle.Generic)
    {
        if (decision == Decision.ExplicitDeny)
        {
            if (style == AccessDeniedStyle.KmsLegacy)
                return "with an explicit deny";
            return type switch
            {
                PolicyType.Identity => "with an explicit deny in an identity-based policy",
                PolicyType.Resource => "with an explicit deny in a resource-based policy",
                PolicyType.PermissionsBoundary => "with an explicit deny in a permissions boundary",
                PolicyType.Session => "with an explicit deny in " + AwsBehavior.ExplicitDenySessionPolicyPhrase,
                PolicyType.ServiceControl => "with an explicit deny in a service control policy",
                PolicyType.ResourceControl => "with an explicit deny in a resource control policy",
                PolicyType.VpcEndpoint => "with an explicit deny in a VPC endpoint policy",
                PolicyType.RoleTrust => "with an explicit deny in the role trust policy",
                _ => "with an explicit deny",
            };
        }
        var what = type switch
        {
            PolicyType.Resource => "resource-based policy",
            PolicyType.PermissionsBoundary => "permissions boundary",
            PolicyType.Session => "session policy",
            PolicyType.ServiceControl => "service control policy",
            PolicyType.ResourceControl => "resource control policy",
            PolicyType.VpcEndpoint => "VPC endpoint policy",
            PolicyType.RoleTrust => "role trust policy",
            _ => "identity-based policy",
        };
        return $"because no {what} allows the {shownAction} action";
    }
}
