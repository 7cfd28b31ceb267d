namespace Gatehouse.Policy;

/// <summary>
/// Every point where AWS's behaviour is uncertain or chosen, as one named constant. Each comment names the
/// evidence: a page of AWS's public documentation (IAM User Guide, SQS Developer Guide, Organizations User Guide,
/// KMS Developer Guide), a public report of what AWS answered, or says that the behaviour is not confirmed and which
/// way we chose.
/// </summary>
public static class AwsBehavior
{
    /// <summary>Resource part of an ARN in Resource/NotResource is matched case-sensitively. AWS documents only
    /// that SQS queue names are case-sensitive (SQS API Reference, CreateQueue "QueueName"); some open-source policy
    /// simulators fold case, which AWS does not document.</summary>
    public const bool ResourceNameCaseSensitive = true;

    /// <summary>A plain (non-set) operator applied to a multivalued key never matches, positive or negated.
    /// AWS's guidance (IAM User Guide, "Single-valued vs. multivalued context keys") only says not to use them so;
    /// AWS's re:Inforce 2025 session IAM431 describes the no-match result.</summary>
    public const bool PlainOperatorOnMultivaluedKeyMatches = false;

    /// <summary><c>Null</c> treats a present-but-empty multivalued key as absent. Not confirmed by AWS's documentation (IAM User Guide,
    /// "Condition operator to check existence of condition keys").</summary>
    public const bool NullTreatsEmptySetAsAbsent = true;

    /// <summary><c>Bool</c> compares policy and request values case-insensitively. Not confirmed by AWS's
    /// documentation (IAM User Guide, "Boolean condition operators").</summary>
    public const bool BoolIgnoresCase = true;

    /// <summary>A Numeric/Date/IP/ARN operator whose request value does not parse as that type evaluates to false,
    /// for negated operators too: inferred from the IAM User Guide's condition operator pages (a value that is not of
    /// the operator's type does not match) and not confirmed for the negated forms.</summary>
    public const bool UnparsableRequestValueFailsNegatedOperators = true;

    /// <summary>Every RCP level implicitly holds the AWS-managed <c>RCPFullAWSAccess</c> (it cannot be detached),
    /// so an RCP level only ever denies (Organizations User Guide, "Resource control policies (RCPs)" and "RCP
    /// evaluation").</summary>
    public const bool RcpFullAwsAccessIsImplicit = true;

    /// <summary>Explicit-deny wording for session policies. The example in the IAM User Guide ("Troubleshoot access
    /// denied error messages") says "sessions policy"; its generic template implies "session policy". Not confirmed
    /// which one AWS sends; we follow the example.</summary>
    public const string ExplicitDenySessionPolicyPhrase = "a sessions policy";

    /// <summary>Actions that cross-account principals can never be granted by an SQS queue policy
    /// (SQS Developer Guide, "Limitations of custom policies": cross-account permissions do not apply to these
    /// actions). Lower-case, as requests are matched.</summary>
    public static readonly IReadOnlySet<string> SqsNonShareableActions = new HashSet<string>(StringComparer.Ordinal)
    {
        "sqs:addpermission", "sqs:createqueue", "sqs:deletequeue", "sqs:listqueues", "sqs:listqueuetags",
        "sqs:removepermission", "sqs:setqueueattributes", "sqs:tagqueue", "sqs:untagqueue",
    };

    /// <summary>Actions that SetQueueAttributes rejects (InvalidAttributeValue) when named explicitly next to a
    /// cross-account principal. Only ListQueues is publicly reported (terraform-provider-aws pull request #42209,
    /// aws-cdk issue #15602); whether the rest of the non-shareable list is rejected too is not confirmed, so only the
    /// reported one is.</summary>
    public static readonly IReadOnlySet<string> SqsRejectedCrossAccountActions = new HashSet<string>(StringComparer.Ordinal)
    {
        "sqs:listqueues",
    };

    /// <summary>Actions for which the owning account's root user (or an sts:AssumeRoot session) ignores a queue
    /// policy's explicit deny, when the request only reads or replaces the queue policy (IAM User Guide, "Tasks that
    /// require root user credentials": "Edit or delete an Amazon SQS resource-based policy that denies all
    /// principals"). The exact list of actions is not documented.</summary>
    public static readonly IReadOnlySet<string> RootPolicyManagementBypassActions = new HashSet<string>(StringComparer.Ordinal)
    {
        "sqs:getqueueattributes", "sqs:setqueueattributes", "sqs:removepermission",
    };

    /// <summary>IAM accepts an <c>Id</c> element only in resource policies, per the IAM User Guide's "IAM JSON policy
    /// elements: Id" (used in resource-based policies). Its grammar page lists <c>id_block</c> for every policy, so
    /// this is not confirmed.</summary>
    public const bool IdAllowedInIdentityPolicies = false;

    /// <summary>SQS queue policy quotas (SQS Developer Guide, "Amazon SQS policy quotas"). Whether "conditions" counts
    /// per policy or per statement is not documented; counted per policy (every key under every operator).</summary>
    public const int SqsMaxPolicyBytes = 8192, SqsMaxStatements = 20, SqsMaxPrincipals = 50, SqsMaxConditions = 10,
        SqsMaxActionsPerStatement = 7;

    /// <summary>SQS OverLimit wording for statements/principals/conditions is not documented; it mirrors the
    /// wording AWS sends for too many actions (not confirmed).</summary>
    public const string SqsTooManyStatementsFormat = "{0} statements were found in the submitted policy, max allowed is {1}",
        SqsTooManyPrincipalsFormat = "{0} principals were found in the submitted policy, max allowed is {1}",
        SqsTooManyConditionsFormat = "{0} conditions were found in the submitted policy, max allowed is {1}";

    /// <summary>KMS MalformedPolicyDocumentException wording beyond the principal message: not confirmed.</summary>
    public const string KmsGenericMalformedMessage = "The policy document is malformed.";

    /// <summary>Organizations' MalformedPolicyDocumentException message: the commonly quoted wording, not
    /// confirmed.</summary>
    public const string OrganizationsMalformedMessage =
        "The provided policy document does not meet the requirements of the specified policy type.";

    /// <summary>Sid character rule per kind: IAM-family documents allow only [A-Za-z0-9] (IAM User Guide, "IAM JSON
    /// policy elements: Sid"); KMS allows more (spaces; KMS Developer Guide, "Key policies"); SQS, VPC endpoint and
    /// Organizations rules are not documented and left permissive.</summary>
    public static bool SidMustBeAlphanumeric(PolicyKind kind) =>
        kind is PolicyKind.Identity or PolicyKind.PermissionsBoundary or PolicyKind.Session or PolicyKind.RoleTrustPolicy;

    /// <summary>Sids must be unique in IAM documents (IAM User Guide, "IAM JSON policy elements: Sid"); whether SQS
    /// requires it today is not documented, so it is not enforced there.</summary>
    public static bool SidMustBeUnique(PolicyKind kind) => SidMustBeAlphanumeric(kind);

    /// <summary>Legacy access-denied wording for SQS (SQS Developer Guide, "Troubleshooting access denied errors");
    /// offered as a switch only.</summary>
    public const string SqsLegacyAccessDeniedFormat = "Access to the resource {0} is denied.";
}
