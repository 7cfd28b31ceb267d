using Xunit;

namespace Gatehouse.Policy.Tests;

/// <summary>Every lint finding, with a policy that has it and a close one that does not.</summary>
public class LintTests
{
    private const string Queue = "arn:aws:sqs:us-east-1:111111111111:orders";

    private static IReadOnlyList<LintFinding> Lint(string statements, PolicyKind kind = PolicyKind.Identity, LintContext? context = null)
    {
        var parsed = PolicyDocument.Parse($$"""{"Version":"2012-10-17","Statement":[{{statements}}]}""", kind);
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Problems));
        return PolicyLinter.Lint(parsed.Document!, context);
    }

    private static LintFinding Single(IReadOnlyList<LintFinding> findings, string code) => Assert.Single(findings, f => f.Code == code);

    private static void None(IReadOnlyList<LintFinding> findings, string code) => Assert.DoesNotContain(findings, f => f.Code == code);

    [Fact]
    public void ListQueues_granted_only_on_a_queue_arn()
    {
        var f = Single(Lint($$"""{"Effect":"Allow","Action":["sqs:SendMessage","sqs:ListQueues"],"Resource":"{{Queue}}"}"""), "ListQueuesOnQueueArn");
        Assert.Equal("$.Statement[0].Resource", f.Path);
        Assert.Contains("arn:aws:sqs:us-east-1:111111111111:*", f.Fix, StringComparison.Ordinal);
        None(Lint("""{"Effect":"Allow","Action":"sqs:ListQueues","Resource":"arn:aws:sqs:us-east-1:111111111111:*"}"""), "ListQueuesOnQueueArn");
    }

    [Fact]
    public void A_queue_policy_that_denies_everyone_everything_is_a_lockout()
    {
        var f = Single(Lint($$"""{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"{{Queue}}"}""", PolicyKind.QueuePolicy), "Lockout");
        Assert.Equal("error", f.Severity);
        None(Lint($$"""{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"{{Queue}}","Condition":{"Bool":{"aws:SecureTransport":"false"} } }""", PolicyKind.QueuePolicy), "Lockout");
    }

    [Fact]
    public void A_cross_account_grant_on_a_queue_keyed_by_the_aws_managed_key()
    {
        var grant = $$"""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sqs:SendMessage","Resource":"{{Queue}}"}""";
        Single(Lint(grant, PolicyKind.QueuePolicy, new LintContext { QueueKmsKey = "alias/aws/sqs" }), "CrossAccountAwsManagedKey");
        None(Lint(grant, PolicyKind.QueuePolicy, new LintContext { QueueKmsKey = "arn:aws:kms:us-east-1:111111111111:key/1234" }), "CrossAccountAwsManagedKey");
        None(Lint(grant, PolicyKind.QueuePolicy), "CrossAccountAwsManagedKey");
    }

    [Fact]
    public void Cross_account_users_of_an_sse_kms_queue_are_told_they_need_kms_permissions()
    {
        var grant = $$"""{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sqs:ReceiveMessage","Resource":"{{Queue}}"}""";
        var f = Single(Lint(grant, PolicyKind.QueuePolicy, new LintContext { QueueKmsKey = "arn:aws:kms:us-east-1:111111111111:key/1234" }), "CrossAccountKmsPermissions");
        Assert.Contains("kms:Decrypt", f.Message, StringComparison.Ordinal);
        var same = $$"""{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sqs:ReceiveMessage","Resource":"{{Queue}}"}""";
        None(Lint(same, PolicyKind.QueuePolicy, new LintContext { QueueKmsKey = "arn:aws:kms:us-east-1:111111111111:key/1234" }), "CrossAccountKmsPermissions");
    }

    [Fact]
    public void Actions_that_never_work_across_accounts_granted_to_another_account()
    {
        var f = Single(Lint($$"""{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":["sqs:SendMessage","sqs:DeleteQueue"],"Resource":"{{Queue}}"}""", PolicyKind.QueuePolicy), "NonShareableAction");
        Assert.Contains("sqs:DeleteQueue", f.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sqs:SendMessage", f.Message, StringComparison.Ordinal);
        None(Lint($$"""{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sqs:DeleteQueue","Resource":"{{Queue}}"}""", PolicyKind.QueuePolicy), "NonShareableAction");
    }

    [Fact]
    public void NotPrincipal_with_Allow()
    {
        Single(Lint($$"""{"Effect":"Allow","NotPrincipal":{"AWS":"222222222222"},"Action":"sqs:SendMessage","Resource":"{{Queue}}"}""", PolicyKind.QueuePolicy), "NotPrincipalWithAllow");
        None(Lint($$"""{"Effect":"Deny","NotPrincipal":{"AWS":"222222222222"},"Action":"sqs:SendMessage","Resource":"{{Queue}}"}""", PolicyKind.QueuePolicy), "NotPrincipalWithAllow");
    }

    [Fact]
    public void A_misspelled_action_is_named_with_the_nearest_real_one()
    {
        var f = Single(Lint("""{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:SendMesage"],"Resource":"*"}"""), "UnknownAction");
        Assert.Equal("$.Statement[0].Action[1]", f.Path);
        Assert.Contains("sqs:SendMessage", f.Fix, StringComparison.Ordinal);
        None(Lint("""{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:Send*"],"Resource":"*"}"""), "UnknownAction");
    }

    [Fact]
    public void A_condition_key_unknown_to_the_service()
    {
        var f = Single(Lint("""{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"IpAddress":{"aws:SourceIP4":"10.0.0.0/8"}}}"""), "UnknownConditionKey");
        Assert.Contains("aws:SourceIp", f.Fix, StringComparison.Ordinal);
        Single(Lint("""{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"sqs:QueueName":"a"}}}"""), "UnknownConditionKey");
        None(Lint("""{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"a","aws:PrincipalOrgID":"o-1"}}}"""), "UnknownConditionKey");
    }

    [Fact]
    public void An_operator_with_a_value_of_the_wrong_type()
    {
        // A value the operator cannot read at all is refused when the policy is parsed (so stored never), with its path.
        var parsed = PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"one hour"}}}]}""", PolicyKind.Identity);
        Assert.False(parsed.IsValid);
        Assert.Contains(parsed.Problems, p => p.ToString().Contains("$.Statement[0].Condition.NumericLessThan.aws:MultiFactorAuthAge", StringComparison.Ordinal));
        // An operator of the wrong type for its key is accepted by AWS, and never matches as meant: the linter says so.
        var f = Single(Lint("""{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringLike":{"aws:SourceIp":"10.0.0.0/8"}}}"""), "ConditionOperatorType");
        Assert.Equal("$.Statement[0].Condition.StringLike.aws:SourceIp", f.Path);
        Single(Lint("""{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"Bool":{"aws:SourceVpce":"true"}}}"""), "ConditionOperatorType");
        None(Lint("""{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"""), "ConditionOperatorType");
    }

    [Fact]
    public void Principal_star_allows_without_conditions()
    {
        Single(Lint($$"""{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"{{Queue}}"}""", PolicyKind.QueuePolicy), "PublicAllow");
        None(Lint($$"""{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"{{Queue}}","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111111111111:t"} } }""", PolicyKind.QueuePolicy), "PublicAllow");
    }
}
