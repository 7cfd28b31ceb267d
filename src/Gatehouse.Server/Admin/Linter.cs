using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.Admin;

/// <summary>A finding about one stored policy.</summary>
internal sealed record PolicyFinding(string Policy, LintFinding Finding);

/// <summary>
/// <c>gatehouse lint --queue URL</c> / <c>--principal ARN</c> on the server: the policy checks of
/// <see cref="PolicyLinter"/> over stored policies, with what only the server knows (the queue's owner and its
/// SSE-KMS key).
/// </summary>
internal static class Linter
{
    public static IReadOnlyList<PolicyFinding> Queue(SqsService sqs, string queue, string region, string defaultAccount)
    {
        var (arn, account) = Troubleshooter.ResourceArn(queue, region, defaultAccount);
        var record = sqs.FindByArn(arn) ?? throw new AwsErrorException(CommonErrors.InvalidParameterValue($"No queue {queue}."));
        if (record.Attributes.GetValueOrDefault(QueueAttributeNames.Policy) is not { Length: > 0 } json)
        {
            return [];
        }

        var parsed = PolicyDocument.Parse(json, PolicyKind.QueuePolicy, new PolicyParseOptions { Name = arn });
        return parsed.Document is null
            ? [new PolicyFinding(arn, new LintFinding("error", "Unparseable", "$", string.Join("; ", parsed.Problems), "Fix the policy; until then it denies everything."))]
            : [.. PolicyLinter.Lint(parsed.Document, new LintContext { ResourceAccount = account, QueueKmsKey = record.Attributes.GetValueOrDefault("KmsMasterKeyId") })
                .Select(f => new PolicyFinding(arn, f))];
    }

    public static async Task<IReadOnlyList<PolicyFinding>> PrincipalAsync(IdentityRegistry identity, string principalArn, CancellationToken ct)
    {
        var principal = identity.PrincipalForArn(principalArn) ?? throw new AwsErrorException(CommonErrors.InvalidParameterValue($"No principal {principalArn}."));
        var policies = await identity.GetPoliciesAsync(principal, ct);
        var all = policies.IdentityPolicies.Select(p => (p, PolicyKind.Identity))
            .Concat(policies.PermissionsBoundary is { } b ? [(b, PolicyKind.PermissionsBoundary)] : []);
        var findings = new List<PolicyFinding>();
        foreach (var (policy, kind) in all)
        {
            if (PolicyDocument.Parse(policy.Document, kind, new PolicyParseOptions { Name = policy.Name }).Document is { } doc)
            {
                findings.AddRange(PolicyLinter.Lint(doc).Select(f => new PolicyFinding(policy.Name, f)));
            }
        }

        return findings;
    }

    public static void Write(IResponseWriter w, IReadOnlyList<PolicyFinding> findings) =>
        w.List("findings", "finding", findings, (m, f) =>
        {
            m.String("policy", f.Policy);
            m.String("severity", f.Finding.Severity);
            m.String("code", f.Finding.Code);
            m.String("path", f.Finding.Path);
            m.String("message", f.Finding.Message);
            m.String("fix", f.Finding.Fix);
        }, emitEmpty: true);
}
