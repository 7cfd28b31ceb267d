using System.Globalization;

namespace Gatehouse.Policy;

/// <summary>An AWS API error: code (Query <c>Code</c> / JSON <c>__type</c> shape name), message and HTTP status.</summary>
public sealed record PolicyApiError(string Code, string Message, int HttpStatus);

/// <summary>
/// Renders validation problems the way each AWS API reports them (design rule 5, docs/architecture.md: validate fully, the edge picks the
/// AWS error). Each returns null when there is no problem.
/// </summary>
public static class PolicyErrors
{
    /// <summary>KMS PutKeyPolicy/CreateKey lockout-safety message (inferred from the KMS Developer Guide, "Default key policy": the lockout safety check); the caller decides when it applies.</summary>
    public const string KmsLockoutMessage = "The new key policy will not allow you to update the key policy in the future.";

    /// <summary>IAM (CreatePolicy, PutUserPolicy, UpdateAssumeRolePolicy, …): <c>MalformedPolicyDocument</c> with the
    /// messages IAM gives (as moto, an open-source AWS mock, gives them; confirmed in part by public captures), or <c>LimitExceeded</c> for size.</summary>
    public static PolicyApiError? ForIam(IReadOnlyList<PolicyProblem> problems, PolicyKind kind = PolicyKind.Identity)
    {
        if (First(problems) is not { } p)
            return null;
        if (p.Code == PolicyProblemCode.PolicyTooLarge)
        {
            var limit = PolicyLimits.For(kind).Limit;
            return new("LimitExceeded", $"Cannot exceed quota for PolicySize: {limit}", 409);
        }
        var message = p.Code switch
        {
            PolicyProblemCode.InvalidVersion => "Policy document must be version 2012-10-17 or greater.",
            PolicyProblemCode.InvalidEffect => "The policy failed legacy parsing",
            PolicyProblemCode.DuplicateSid => "Statement IDs (SID) in a single policy must be unique.",
            PolicyProblemCode.InvalidSid => "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
            PolicyProblemCode.MissingAction or PolicyProblemCode.EmptyAction => "Policy statement must contain actions.",
            PolicyProblemCode.MissingResource => "Policy statement must contain resources.",
            PolicyProblemCode.PrincipalNotAllowed => "Policy document should not specify a principal.",
            PolicyProblemCode.MissingPrincipal => "Missing required field Principal",
            PolicyProblemCode.ProhibitedResource => "Has prohibited field Resource.",
            PolicyProblemCode.ActionMissingVendor => "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
            PolicyProblemCode.ActionTooManyColons => "Actions/Condition can contain only one colon.",
            PolicyProblemCode.InvalidVendor => $"Vendor {p.Detail} is not valid",
            PolicyProblemCode.InvalidResource => $"Resource {p.Detail} must be in ARN format or \"*\".",
            PolicyProblemCode.InvalidPrincipal => "Invalid principal in policy",
            _ => "Syntax errors in policy.",
        };
        return new("MalformedPolicyDocument", message, 400);
    }

    /// <summary>SQS SetQueueAttributes/CreateQueue <c>Policy</c>: <c>OverLimit</c> (403) for quotas, otherwise
    /// <c>InvalidAttributeValue</c> "Invalid value for the parameter Policy." (400), SQS API Reference, SetQueueAttributes.</summary>
    public static PolicyApiError? ForSqs(IReadOnlyList<PolicyProblem> problems)
    {
        if (problems.Count == 0)
            return null;
        if (problems.Any(x => x.Code == PolicyProblemCode.PolicyTooLarge))
            return new("OverLimit", "Submitted policy is over max allowed size.", 403);
        foreach (var p in problems)
        {
            var message = p.Code switch
            {
                PolicyProblemCode.TooManyActions => Format("{0} actions were found in a statement from the submitted policy, max allowed is {1}", p.Count, AwsBehavior.SqsMaxActionsPerStatement),
                PolicyProblemCode.TooManyStatements => Format(AwsBehavior.SqsTooManyStatementsFormat, p.Count, AwsBehavior.SqsMaxStatements),
                PolicyProblemCode.TooManyPrincipals => Format(AwsBehavior.SqsTooManyPrincipalsFormat, p.Count, AwsBehavior.SqsMaxPrincipals),
                PolicyProblemCode.TooManyConditions => Format(AwsBehavior.SqsTooManyConditionsFormat, p.Count, AwsBehavior.SqsMaxConditions),
                _ => null,
            };
            if (message is not null)
                return new("OverLimit", message, 403);
        }
        return new("InvalidAttributeValue", "Invalid value for the parameter Policy.", 400);
    }

    /// <summary>KMS CreateKey/PutKeyPolicy: <c>MalformedPolicyDocumentException</c>.</summary>
    public static PolicyApiError? ForKms(IReadOnlyList<PolicyProblem> problems)
    {
        if (First(problems) is not { } p)
            return null;
        var message = p.Code is PolicyProblemCode.InvalidPrincipal or PolicyProblemCode.MissingPrincipal
            ? "Policy contains a statement with one or more invalid principals."
            : AwsBehavior.KmsGenericMalformedMessage;
        return new("MalformedPolicyDocumentException", message, 400);
    }

    /// <summary>Organizations CreatePolicy/UpdatePolicy (SCP, RCP): <c>MalformedPolicyDocumentException</c>, or
    /// <c>ConstraintViolationException</c> for size.</summary>
    public static PolicyApiError? ForOrganizations(IReadOnlyList<PolicyProblem> problems)
    {
        if (First(problems) is not { } p)
            return null;
        if (p.Code == PolicyProblemCode.PolicyTooLarge)
            return new("ConstraintViolationException", "You have exceeded the maximum size of the policy content.", 400);
        return new("MalformedPolicyDocumentException", AwsBehavior.OrganizationsMalformedMessage, 400);
    }

    /// <summary>The problem AWS reports first: size, then JSON syntax, then legacy parsing (Version, Effect), then the
    /// rest in document order.</summary>
    private static PolicyProblem? First(IReadOnlyList<PolicyProblem> problems) =>
        problems.Count == 0 ? null : problems.Select((p, i) => (p, i)).OrderBy(x => Phase(x.p.Code)).ThenBy(x => x.i).First().p;

    private static int Phase(PolicyProblemCode code) => code switch
    {
        PolicyProblemCode.PolicyTooLarge => 0,
        PolicyProblemCode.InvalidJson or PolicyProblemCode.NotAnObject or PolicyProblemCode.InvalidCharacter => 1,
        PolicyProblemCode.DuplicateKey or PolicyProblemCode.UnknownElement or PolicyProblemCode.WrongType
            or PolicyProblemCode.MissingStatement or PolicyProblemCode.EmptyStatement or PolicyProblemCode.UnknownConditionOperator => 2,
        PolicyProblemCode.InvalidVersion or PolicyProblemCode.InvalidEffect or PolicyProblemCode.MissingEffect => 3,
        _ => 4,
    };

    private static string Format(string format, int count, int max) =>
        string.Format(CultureInfo.InvariantCulture, format, count, max);
}
