using Xunit;

namespace Gatehouse.Policy.Tests;

/// <summary>The trace must show a person why they were denied (issue 3 item 4).</summary>
public class TraceTests
{
    private const string Queue = "arn:aws:sqs:us-east-1:111111111111:q";

    [Fact]
    public void Trace_names_the_failed_condition_key_and_values()
    {
        var policy = PolicyDocument.ParseValid("""
            {"Version":"2012-10-17","Statement":[{"Sid":"FromOffice","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*",
              "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}
            """, PolicyKind.Identity, "office-only");
        var request = new AuthorizationRequest(RequestPrincipal.User("arn:aws:iam::111111111111:user/alice"), "sqs:SendMessage", Queue,
            "111111111111", new RequestContext().Set("aws:SourceIp", "203.0.113.9"));

        var result = PolicyEvaluator.Evaluate(request, new PolicySet { IdentityPolicies = [policy] });

        Assert.Equal(Decision.ImplicitDeny, result.Decision);
        var statement = Assert.Single(Assert.Single(result.Trace.Policies).Statements);
        Assert.Equal(StatementElement.Condition, statement.FailedElement);
        Assert.Equal("office-only", statement.Statement.PolicyName);
        Assert.Equal("aws:SourceIp", statement.FailedCondition!.Key);
        Assert.Equal(["203.0.113.9"], statement.FailedCondition.RequestValues!);
        Assert.Equal(ConditionFailureReason.NoValueMatched, statement.FailedCondition.Reason);
        Assert.Contains(result.Trace.Steps, s => s.Contains("identity-policy Allow", StringComparison.Ordinal));
    }

    [Fact]
    public void Trace_reports_missing_keys_as_diagnostics_and_skipped_scps()
    {
        var policy = PolicyDocument.ParseValid("""
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}}
            """, PolicyKind.Identity);
        var scp = PolicyDocument.ParseValid("""{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}""", PolicyKind.ServiceControlPolicy);
        var request = new AuthorizationRequest(RequestPrincipal.User("arn:aws:iam::111111111111:user/alice"), "sqs:SendMessage", Queue, "111111111111");

        var result = PolicyEvaluator.Evaluate(request, new PolicySet
        {
            IdentityPolicies = [policy],
            ServiceControlPolicies = [new PolicyLevel("root", [scp])],
            PrincipalAccountIsManagementAccount = true,
        });

        Assert.Equal(Decision.ImplicitDeny, result.Decision);
        Assert.Contains(result.Diagnostics, d => d.Contains("aws:PrincipalOrgID", StringComparison.Ordinal));
        Assert.Contains(result.Trace.Policies, p => p.Type == PolicyType.ServiceControl && !p.Applied);
    }

    [Fact]
    public void Problems_carry_json_paths_and_every_problem_is_collected()
    {
        var parsed = PolicyDocument.Parse("""
            {"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"sqs:*"},{"Effect":"Allow","Principal":"*","Action":"SendMessage","Resource":"*"}]}
            """, PolicyKind.Identity);

        Assert.False(parsed.IsValid);
        Assert.Contains(parsed.Problems, p => p is { Code: PolicyProblemCode.InvalidEffect, Path: "$.Statement[0].Effect" });
        Assert.Contains(parsed.Problems, p => p is { Code: PolicyProblemCode.MissingResource, Path: "$.Statement[0]" });
        Assert.Contains(parsed.Problems, p => p is { Code: PolicyProblemCode.PrincipalNotAllowed, Path: "$.Statement[1].Principal" });
        Assert.Contains(parsed.Problems, p => p is { Code: PolicyProblemCode.ActionMissingVendor, Path: "$.Statement[1].Action[0]" });
        Assert.Equal("The policy failed legacy parsing", PolicyErrors.ForIam(parsed.Problems)!.Message);
    }
}
