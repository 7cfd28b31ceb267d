namespace Gatehouse.Policy;

/// <summary>One lint finding: how bad, where (a JSON path into the policy), what, and how to fix it.</summary>
public sealed record LintFinding(string Severity, string Code, string Path, string Message, string Fix);

/// <summary>What the linter knows beyond the document: the queue it is (or would be) attached to.</summary>
public sealed record LintContext
{
    /// <summary>The account that owns the resource (a queue policy's queue); from the statement's Resource when null.</summary>
    public string? ResourceAccount { get; init; }

    /// <summary>The queue's <c>KmsMasterKeyId</c> when it uses SSE-KMS.</summary>
    public string? QueueKmsKey { get; init; }
}

/// <summary>
/// Checks a valid policy for mistakes AWS accepts but that never do what was meant: grants that can never match,
/// lockouts, cross-account grants that SQS or KMS cannot honour, misspelled actions and condition keys, operator
/// values of the wrong type, and open grants. Findings are advice (the policy is stored either way).
/// Sources: Amazon SQS developer guide ("Amazon SQS API permissions: Actions and resource reference", "Limitations of
/// custom policies", "Key management" for SSE-KMS), IAM user guide ("AWS global condition context keys",
/// "IAM JSON policy elements: NotPrincipal", "Condition operators").
/// </summary>
public static class PolicyLinter
{
    /// <summary>Every SQS action (SQS API reference, "Actions").</summary>
    public static readonly IReadOnlyList<string> SqsActions =
    [
        "AddPermission", "CancelMessageMoveTask", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "CreateQueue",
        "DeleteMessage", "DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues",
        "ListMessageMoveTasks", "ListQueueTags", "ListQueues", "PurgeQueue", "ReceiveMessage", "RemovePermission", "SendMessage",
        "SendMessageBatch", "SetQueueAttributes", "StartMessageMoveTask", "TagQueue", "UntagQueue",
    ];

    /// <summary>Global condition keys (IAM user guide, "AWS global condition context keys"); tag keys are prefixes.</summary>
    private static readonly HashSet<string> GlobalKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CurrentTime", "aws:EpochTime", "aws:FederatedProvider",
        "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalIsAWSService",
        "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalType",
        "aws:referer", "aws:RequestedRegion", "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:SecureTransport",
        "aws:SourceAccount", "aws:SourceArn", "aws:SourceIdentity", "aws:SourceIp", "aws:SourceOrgID", "aws:SourceOrgPaths",
        "aws:SourceVpc", "aws:SourceVpce", "aws:TagKeys", "aws:TokenIssueTime", "aws:UserAgent", "aws:userid", "aws:username",
        "aws:ViaAWSService", "aws:VpcSourceIp", "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4", "aws:AssumedRoot",
        "aws:SourceVpcArn", "aws:VpceAccount", "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:IsMcpServiceAction",
    };

    private static readonly string[] GlobalKeyPrefixes = ["aws:PrincipalTag/", "aws:RequestTag/", "aws:ResourceTag/"];

    private static readonly HashSet<string> SqsNonShareable = new(StringComparer.OrdinalIgnoreCase)
    {
        "AddPermission", "CancelMessageMoveTask", "CreateQueue", "DeleteQueue", "ListMessageMoveTasks", "ListQueues", "ListQueueTags",
        "RemovePermission", "SetQueueAttributes", "StartMessageMoveTask", "TagQueue", "UntagQueue",
    };

    public static IReadOnlyList<LintFinding> Lint(PolicyDocument policy, LintContext? context = null)
    {
        context ??= new LintContext();
        var findings = new List<LintFinding>();
        var array = policy.Statements.Count != 1 || policy.ToJson().Contains("\"Statement\":[", StringComparison.Ordinal);
        for (var i = 0; i < policy.Statements.Count; i++)
        {
            var s = policy.Statements[i];
            var at = array ? $"$.Statement[{i}]" : "$.Statement";
            Actions(s, at, findings);
            ListQueuesOnQueue(s, at, findings);
            Conditions(s, at, findings);
            if (policy.Kind is not (PolicyKind.Identity or PolicyKind.PermissionsBoundary or PolicyKind.Session or PolicyKind.ServiceControlPolicy))
            {
                Principals(policy, s, at, context, findings);
            }
        }

        return findings;
    }

    private static void Actions(PolicyStatement s, string at, List<LintFinding> findings)
    {
        for (var j = 0; j < s.Actions.Count; j++)
        {
            var action = s.Actions[j];
            var colon = action.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !action[..colon].Equals("sqs", StringComparison.OrdinalIgnoreCase) || action.Contains('*', StringComparison.Ordinal) || action.Contains('?', StringComparison.Ordinal))
            {
                continue;
            }

            var name = action[(colon + 1)..];
            if (SqsActions.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var nearest = SqsActions.MinBy(a => Distance(a.ToLowerInvariant(), name.ToLowerInvariant()))!;
            findings.Add(new LintFinding("error", "UnknownAction", $"{at}.{(s.IsNotAction ? "NotAction" : "Action")}[{j}]",
                $"sqs:{name} is not an SQS action, so this entry never matches anything.", $"Did you mean \"sqs:{nearest}\"?"));
        }
    }

    private static void ListQueuesOnQueue(PolicyStatement s, string at, List<LintFinding> findings)
    {
        if (s.Effect != PolicyEffect.Allow || s.IsNotAction || s.IsNotResource || !s.HasResourceElement
            || !s.Actions.Any(a => a.Equals("sqs:ListQueues", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        // ListQueues is authorized on arn:aws:sqs:REGION:ACCOUNT:* (no queue name), so a statement whose every resource
        // names one queue never grants it.
        if (s.Resources.Count > 0 && s.Resources.All(r => r.Split(':') is { Length: 6 } p && p[2] == "sqs" && p[5].Length > 0 && !p[5].Contains('*', StringComparison.Ordinal)))
        {
            var p = s.Resources[0].Split(':');
            findings.Add(new LintFinding("warning", "ListQueuesOnQueueArn", at + ".Resource",
                "sqs:ListQueues is authorized on the account's queue namespace, not on a queue, so granting it only on queue ARNs never allows it.",
                $"Grant sqs:ListQueues in its own statement with \"Resource\": \"arn:aws:sqs:{p[3]}:{p[4]}:*\" (or \"*\")."));
        }
    }

    private static void Conditions(PolicyStatement s, string at, List<LintFinding> findings)
    {
        foreach (var c in s.Conditions)
        {
            var path = $"{at}.Condition.{c.Operator}.{c.Key}";
            if (c.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) && !GlobalKeys.Contains(c.Key)
                && !GlobalKeyPrefixes.Any(p => c.Key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                var nearest = GlobalKeys.MinBy(k => Distance(k.ToLowerInvariant(), c.Key.ToLowerInvariant()))!;
                findings.Add(new LintFinding("error", "UnknownConditionKey", path,
                    $"{c.Key} is not a global condition key, so this condition never has a value (and fails unless …IfExists).", $"Did you mean \"{nearest}\"?"));
            }
            else if (c.Key.StartsWith("sqs:", StringComparison.OrdinalIgnoreCase))
            {
                findings.Add(new LintFinding("error", "UnknownConditionKey", path,
                    $"Amazon SQS defines no service-specific condition key {c.Key}; only global keys and aws:ResourceTag/aws:RequestTag keys apply.",
                    "Use a global condition key such as aws:SourceArn, aws:SourceAccount or aws:ResourceTag/KEY."));
            }

            var op = c.Operator.Split(':')[^1].Replace("IfExists", "", StringComparison.Ordinal);
            var (type, valid) = op switch
            {
                _ when op.StartsWith("Numeric", StringComparison.Ordinal) => ("a number", (Func<string, bool>)(v => decimal.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))),
                _ when op.StartsWith("Date", StringComparison.Ordinal) => ("a date", v => DateTimeOffset.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out _) || v.All(char.IsAsciiDigit)),
                "Bool" => ("true or false", v => v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("false", StringComparison.OrdinalIgnoreCase)),
                "IpAddress" or "NotIpAddress" => ("an IP address or CIDR", v => IpNetwork.TryParse(v, out _)),
                _ => ("", _ => true),
            };
            for (var k = 0; k < c.Values.Count; k++)
            {
                if (!valid(c.Values[k]))
                {
                    findings.Add(new LintFinding("error", "ConditionValueType", $"{path}[{k}]",
                        $"{c.Operator} compares {type}, but \"{c.Values[k]}\" is not one, so the condition never matches.",
                        $"Use {type} here, or a String operator for text."));
                }
            }

            if (op is "Bool" && !c.Key.Equals("aws:SecureTransport", StringComparison.OrdinalIgnoreCase) && !c.Key.Equals("aws:MultiFactorAuthPresent", StringComparison.OrdinalIgnoreCase)
                && !c.Key.Equals("aws:ViaAWSService", StringComparison.OrdinalIgnoreCase) && !c.Key.Equals("aws:PrincipalIsAWSService", StringComparison.OrdinalIgnoreCase)
                && !c.Key.Equals("aws:AssumedRoot", StringComparison.OrdinalIgnoreCase) && GlobalKeys.Contains(c.Key))
            {
                findings.Add(new LintFinding("warning", "ConditionOperatorType", path, $"{c.Key} is not a boolean key; Bool compares it as true/false.", "Use a String, Arn, Ip or Numeric operator that fits the key."));
            }

            if ((c.Key.Equals("aws:SourceIp", StringComparison.OrdinalIgnoreCase) || c.Key.Equals("aws:VpcSourceIp", StringComparison.OrdinalIgnoreCase))
                && op.StartsWith("String", StringComparison.Ordinal))
            {
                findings.Add(new LintFinding("warning", "ConditionOperatorType", path, $"{c.Key} is an IP address; {c.Operator} compares text, so CIDR ranges never match.", "Use IpAddress / NotIpAddress."));
            }
        }
    }

    private static void Principals(PolicyDocument policy, PolicyStatement s, string at, LintContext context, List<LintFinding> findings)
    {
        if (s.Principal is not { } principal)
        {
            return;
        }

        var everyone = principal.IsWildcardString || principal.Aws.Contains("*");
        if (s.IsNotPrincipal && s.Effect == PolicyEffect.Allow)
        {
            findings.Add(new LintFinding("error", "NotPrincipalWithAllow", at + ".NotPrincipal",
                "Allow with NotPrincipal grants access to every principal except those listed, including anonymous callers (IAM user guide advises against it).",
                "Use Principal with the principals to allow."));
        }

        var all = s.Actions.Any(a => a is "*" or "sqs:*");
        if (policy.Kind == PolicyKind.QueuePolicy && s.Effect == PolicyEffect.Deny && everyone && !s.IsNotPrincipal && all && !s.IsNotAction && s.Conditions.Count == 0)
        {
            findings.Add(new LintFinding("error", "Lockout", at,
                "This statement denies every principal every action on the queue, including its own administrators: only the owner's root user (or an sts:AssumeRoot session) can then read or remove the policy.",
                "Add a Condition (for example aws:PrincipalArn or aws:SourceVpce) or narrow Principal/Action so administrators keep access."));
        }

        if (s.Effect == PolicyEffect.Allow && everyone && !s.IsNotPrincipal && s.Conditions.Count == 0)
        {
            findings.Add(new LintFinding("warning", "PublicAllow", at + ".Principal",
                "Principal \"*\" without a Condition allows anyone, including anonymous callers and every other account.",
                "Name the accounts or roles in Principal, or add a Condition such as aws:SourceAccount, aws:SourceArn or aws:PrincipalOrgID."));
        }

        if (s.Effect != PolicyEffect.Allow || s.IsNotPrincipal)
        {
            return;
        }

        var owner = context.ResourceAccount ?? s.Resources.Select(r => r.Split(':')).FirstOrDefault(p => p.Length == 6 && p[4].Length > 0)?[4];
        var foreign = principal.Aws.Where(a => a == "*" || AccountOf(a) is { } acct && owner is not null && acct != owner).ToList();
        if (foreign.Count == 0 || policy.Kind != PolicyKind.QueuePolicy)
        {
            return;
        }

        var never = s.IsNotAction ? [] : s.Actions.Where(a => a.Split(':') is [var svc, var name] && svc.Equals("sqs", StringComparison.OrdinalIgnoreCase) && SqsNonShareable.Contains(name)).ToList();
        if (never.Count > 0)
        {
            findings.Add(new LintFinding("warning", "NonShareableAction", at + ".Action",
                $"{string.Join(", ", never)} never work across accounts; granting them to {string.Join(", ", foreign)} has no effect (Amazon SQS developer guide, \"Limitations of custom policies\").",
                "Remove these actions from the cross-account statement; the other account cannot manage this queue."));
        }

        if (context.QueueKmsKey is { } key)
        {
            if (key.Equals("alias/aws/sqs", StringComparison.OrdinalIgnoreCase) || key.EndsWith(":alias/aws/sqs", StringComparison.OrdinalIgnoreCase))
            {
                findings.Add(new LintFinding("error", "CrossAccountAwsManagedKey", at + ".Principal",
                    "The queue is encrypted with the AWS managed key alias/aws/sqs, whose key policy cannot be changed to let other accounts use it: their sends and receives fail with KMS.AccessDeniedException.",
                    "Encrypt the queue with a customer managed key whose key policy allows the other account kms:GenerateDataKey and kms:Decrypt, or use SSE-SQS."));
            }
            else
            {
                findings.Add(new LintFinding("info", "CrossAccountKmsPermissions", at + ".Principal",
                    $"The queue is encrypted with {key}: {string.Join(", ", foreign)} also need kms:GenerateDataKey (to send) and kms:Decrypt (to receive) from that key's policy and their own identity policy.",
                    "Allow kms:GenerateDataKey and kms:Decrypt on the key for those principals."));
            }
        }
    }

    private static string? AccountOf(string principal) =>
        principal.Length == 12 && principal.All(char.IsAsciiDigit) ? principal
        : principal.Split(':') is { Length: 6 } p && p[4].Length == 12 ? p[4]
        : null;

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        }
        return d[a.Length, b.Length];
    }
}
