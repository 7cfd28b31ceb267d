namespace Gatehouse.Policy;

/// <summary>How a document's size is measured against its limit.</summary>
public enum SizeUnit
{
    /// <summary>UTF-8 bytes, whitespace included.</summary>
    Bytes,
    /// <summary>Characters, whitespace included.</summary>
    Characters,
    /// <summary>Characters, whitespace not counted (IAM).</summary>
    NonWhitespaceCharacters,
}

/// <summary>Size limit of each kind (IAM User Guide, "IAM and AWS STS quotas"; SQS Developer Guide, "Amazon SQS policy quotas").</summary>
public static class PolicyLimits
{
    public static (int Limit, SizeUnit Unit) For(PolicyKind kind) => kind switch
    {
        // IAM User Guide, "IAM and AWS STS quotas": managed policy 6,144 characters, whitespace not counted (inline aggregates are the caller's).
        PolicyKind.Identity or PolicyKind.PermissionsBoundary => (6144, SizeUnit.NonWhitespaceCharacters),
        // STS API Reference, AssumeRole "Policy": 2,048 plaintext characters.
        PolicyKind.Session => (2048, SizeUnit.Characters),
        // IAM User Guide, "IAM and AWS STS quotas": trust policy 2,048 by default (quota may be raised to 4,096 through options).
        PolicyKind.RoleTrustPolicy => (2048, SizeUnit.NonWhitespaceCharacters),
        PolicyKind.QueuePolicy => (AwsBehavior.SqsMaxPolicyBytes, SizeUnit.Bytes),
        PolicyKind.KmsKeyPolicy => (32768, SizeUnit.Bytes),
        PolicyKind.ServiceControlPolicy or PolicyKind.ResourceControlPolicy => (5120, SizeUnit.Characters),
        PolicyKind.VpcEndpointPolicy => (20480, SizeUnit.Characters),
        _ => (int.MaxValue, SizeUnit.Characters),
    };

    internal static int Measure(string json, SizeUnit unit)
    {
        switch (unit)
        {
            case SizeUnit.Bytes:
                return System.Text.Encoding.UTF8.GetByteCount(json);
            case SizeUnit.NonWhitespaceCharacters:
                var n = 0;
                foreach (var c in json)
                {
                    if (!char.IsWhiteSpace(c))
                        n++;
                }
                return n;
            default:
                return json.Length;
        }
    }
}

/// <summary>Options for <see cref="PolicyDocument.Parse"/>.</summary>
public sealed record PolicyParseOptions
{
    /// <summary>A name shown in traces and deciding-statement references (policy ARN, "inline:Name", queue ARN…).</summary>
    public string? Name { get; init; }

    /// <summary>Overrides the kind's size limit (e.g. a raised trust-policy quota).</summary>
    public int? MaxSize { get; init; }

    /// <summary>The account that owns the resource the policy is attached to; enables the SQS rule that rejects
    /// cross-account principals next to an observed non-shareable action (SQS Developer Guide, "Limitations of custom policies").</summary>
    public string? ResourceAccountId { get; init; }
}
