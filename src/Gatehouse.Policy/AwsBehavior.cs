namespace Gatehouse.Policy;

/// <summary>
/// Every point where AWS's behaviour is uncertain or chosen, as one named constant. Each comment names the
/// evidence (section numbers refer to the project's IAM authorization reference, source ids in its §0).
/// </summary>
public static class AwsBehavior
{
    /// <summary>Resource part of an ARN in Resource/NotResource is matched case-sensitively. AWS documents only
    /// that SQS queue names are case-sensitive (D-SQSAPI); simulators (M-SIM, M-PMAP) fold case. Reference §2.5, §11.1.</summary>
    public const bool ResourceNameCaseSensitive = true;

    /// <summary>A plain (non-set) operator applied to a multivalued key never matches, positive or negated.
    /// M-SIM cites re:Inforce 2025 IAM431; AWS docs only say "do not". Reference §2.6.</summary>
    public const bool PlainOperatorOnMultivaluedKeyMatches = false;

    /// <summary><c>Null</c> treats a present-but-empty multivalued key as absent. Reference §2.6 item 5, §11.9 [UNCERTAIN].</summary>
    public const bool NullTreatsEmptySetAsAbsent = true;

    /// <summary><c>Bool</c> compares policy and request values case-insensitively. Reference §2.6 table, §11.9 [UNCERTAIN].</summary>
    public const bool BoolIgnoresCase = true;

    /// <summary>A Numeric/Date/IP/ARN operator whose request value does not parse as that type evaluates to false,
    /// for negated operators too. Reference §2.6 table ("non-numeric request value ⇒ false" [INF]; ARN [MODEL M-PMAP]).</summary>
    public const bool UnparsableRequestValueFailsNegatedOperators = true;

    /// <summary>Every RCP level implicitly holds the AWS-managed <c>RCPFullAWSAccess</c> (it cannot be detached),
    /// so an RCP level only ever denies. D-ORG "RCP evaluation"; M-SIM rcps.json. Reference §1.6.</summary>
    public const bool RcpFullAwsAccessIsImplicit = true;

    /// <summary>Explicit-deny wording for session policies. The D-ERR example says "sessions policy"; the generic
    /// template implies "session policy". Reference §5.1, §11.4 [UNCERTAIN].</summary>
    public const string ExplicitDenySessionPolicyPhrase = "a sessions policy";

    /// <summary>Actions that cross-account principals can never be granted by an SQS queue policy
    /// (D-SQS sqs-limitations-of-custom-policies.md). Lower-case, as requests are matched. Reference §1.4.</summary>
    public static readonly IReadOnlySet<string> SqsNonShareableActions = new HashSet<string>(StringComparer.Ordinal)
    {
        "sqs:addpermission", "sqs:createqueue", "sqs:deletequeue", "sqs:listqueues", "sqs:listqueuetags",
        "sqs:removepermission", "sqs:setqueueattributes", "sqs:tagqueue", "sqs:untagqueue",
    };

    /// <summary>Actions that SetQueueAttributes rejects (InvalidAttributeValue) when named explicitly next to a
    /// cross-account principal. Only ListQueues is observed (O-TF PR #42209, aws-cdk #15602); whether the rest of
    /// the non-shareable list is rejected too is [UNCERTAIN] (reference §1.4), so only the observed one is.</summary>
    public static readonly IReadOnlySet<string> SqsRejectedCrossAccountActions = new HashSet<string>(StringComparer.Ordinal)
    {
        "sqs:listqueues",
    };

    /// <summary>Actions for which the owning account's root user (or an sts:AssumeRoot session) ignores a queue
    /// policy's explicit deny, when the request only reads or replaces the queue policy. D-ROOT "Edit or delete an
    /// SQS resource-based policy that denies all principals"; the exact list is [UNCERTAIN] (reference §6.2).</summary>
    public static readonly IReadOnlySet<string> RootPolicyManagementBypassActions = new HashSet<string>(StringComparer.Ordinal)
    {
        "sqs:getqueueattributes", "sqs:setqueueattributes", "sqs:removepermission",
    };

    /// <summary>IAM accepts an <c>Id</c> element only in resource policies per the reference's reading of D-ELEM
    /// grammar (§2.1). The IAM grammar page lists <c>id_block</c> for every policy, so this is [UNCERTAIN].</summary>
    public const bool IdAllowedInIdentityPolicies = false;

    /// <summary>SQS queue policy quotas (D-SQS quotas-policies.md). Whether "conditions" counts per policy or per
    /// statement is [UNCERTAIN]; counted per policy (every key under every operator).</summary>
    public const int SqsMaxPolicyBytes = 8192, SqsMaxStatements = 20, SqsMaxPrincipals = 50, SqsMaxConditions = 10,
        SqsMaxActionsPerStatement = 7;

    /// <summary>SQS OverLimit wording for statements/principals/conditions is not documented; it mirrors the
    /// observed actions wording (reference §2.8 [UNCERTAIN]).</summary>
    public const string SqsTooManyStatementsFormat = "{0} statements were found in the submitted policy, max allowed is {1}",
        SqsTooManyPrincipalsFormat = "{0} principals were found in the submitted policy, max allowed is {1}",
        SqsTooManyConditionsFormat = "{0} conditions were found in the submitted policy, max allowed is {1}";

    /// <summary>KMS MalformedPolicyDocumentException wording beyond the principal message is [UNCERTAIN] (§2.8).</summary>
    public const string KmsGenericMalformedMessage = "The policy document is malformed.";

    /// <summary>Organizations' MalformedPolicyDocumentException message [UNCERTAIN, commonly quoted wording].</summary>
    public const string OrganizationsMalformedMessage =
        "The provided policy document does not meet the requirements of the specified policy type.";

    /// <summary>Sid character rule per kind: IAM-family documents allow only [A-Za-z0-9] (D-ELEM); KMS allows more
    /// (spaces, D-KMS); SQS, VPC endpoint and Organizations rules are [UNCERTAIN] and left permissive.</summary>
    public static bool SidMustBeAlphanumeric(PolicyKind kind) =>
        kind is PolicyKind.Identity or PolicyKind.PermissionsBoundary or PolicyKind.Session or PolicyKind.RoleTrustPolicy;

    /// <summary>Sids must be unique in IAM documents (M-MOTO message); the modern SQS requirement is [UNCERTAIN] and not enforced.</summary>
    public static bool SidMustBeUnique(PolicyKind kind) => SidMustBeAlphanumeric(kind);

    /// <summary>Legacy access-denied wording for SQS (D-SQS troubleshooting); offered as a switch only.</summary>
    public const string SqsLegacyAccessDeniedFormat = "Access to the resource {0} is denied.";
}
