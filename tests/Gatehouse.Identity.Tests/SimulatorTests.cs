using System.Text.Json;

namespace Gatehouse.Identity.Tests;

/// <summary>The IAM policy simulator API through boto3: request and response shapes as botocore models them.</summary>
public sealed class SimulatorTests(IdentityServer server) : IClassFixture<IdentityServer>
{
    private const string Office = """
        {"Version": "2012-10-17", "Statement": [
          {"Sid": "FromOffice", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
           "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
          {"Sid": "NeverDelete", "Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"}
        ]}
        """;

    private static string Q(string s) => JsonSerializer.Serialize(s);

    [Fact]
    public async Task SimulateCustomPolicy_answers_per_action_with_matched_statements_positions_and_missing_context()
    {
        var result = await server.Boto3Async($$"""
            queue = "arn:aws:sqs:us-east-1:000000000000:orders"
            with_ip = iam.simulate_custom_policy(PolicyInputList=[{{Q(Office)}}], ActionNames=["sqs:SendMessage", "sqs:DeleteQueue", "sqs:ReceiveMessage"],
                ResourceArns=[queue], ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.2.3"], "ContextKeyType": "ip"}])
            without = iam.simulate_custom_policy(PolicyInputList=[{{Q(Office)}}], ActionNames=["sqs:SendMessage"], ResourceArns=[queue])
            print(json.dumps({"with": with_ip["EvaluationResults"], "without": without["EvaluationResults"]}, default=str))
            """);
        var with = result.GetProperty("with").EnumerateArray().ToList();
        Assert.Equal(3, with.Count);
        Assert.Equal("allowed", with[0].GetProperty("EvalDecision").GetString());
        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:orders", with[0].GetProperty("EvalResourceName").GetString());
        var matched = Assert.Single(with[0].GetProperty("MatchedStatements").EnumerateArray());
        Assert.Equal("PolicyInputList.1", matched.GetProperty("SourcePolicyId").GetString());
        Assert.Equal("none", matched.GetProperty("SourcePolicyType").GetString());
        Assert.Equal(2, matched.GetProperty("StartPosition").GetProperty("Line").GetInt32());
        Assert.Equal(3, matched.GetProperty("StartPosition").GetProperty("Column").GetInt32());
        Assert.Equal(3, matched.GetProperty("EndPosition").GetProperty("Line").GetInt32());
        Assert.Equal("explicitDeny", with[1].GetProperty("EvalDecision").GetString());
        Assert.Equal(4, with[1].GetProperty("MatchedStatements")[0].GetProperty("StartPosition").GetProperty("Line").GetInt32());
        Assert.Equal("implicitDeny", with[2].GetProperty("EvalDecision").GetString());
        Assert.Empty(with[2].GetProperty("MatchedStatements").EnumerateArray());

        var without = Assert.Single(result.GetProperty("without").EnumerateArray());
        Assert.Equal("implicitDeny", without.GetProperty("EvalDecision").GetString());
        Assert.Equal(["aws:SourceIp"], without.GetProperty("MissingContextValues").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task SimulateCustomPolicy_reports_the_boundary_the_resource_policy_and_pages()
    {
        var result = await server.Boto3Async("""
            allow_all = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})
            receive_only = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]})
            bounded = iam.simulate_custom_policy(PolicyInputList=[allow_all], PermissionsBoundaryPolicyInputList=[receive_only],
                ActionNames=["sqs:SendMessage", "sqs:ReceiveMessage"])
            queue = "arn:aws:sqs:us-east-1:000000000000:shared"
            caller = "arn:aws:iam::111122223333:user/partner"
            qp = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": caller}, "Action": "sqs:SendMessage", "Resource": queue}]})
            cross = iam.simulate_custom_policy(PolicyInputList=[allow_all], ActionNames=["sqs:SendMessage", "sqs:DeleteQueue"], ResourceArns=[queue],
                ResourcePolicy=qp, ResourceOwner="arn:aws:iam::000000000000:root", CallerArn=caller)
            page1 = iam.simulate_custom_policy(PolicyInputList=[allow_all], ActionNames=["sqs:SendMessage", "sqs:ReceiveMessage"], MaxItems=1)
            page2 = iam.simulate_custom_policy(PolicyInputList=[allow_all], ActionNames=["sqs:SendMessage", "sqs:ReceiveMessage"], MaxItems=1, Marker=page1["Marker"])
            print(json.dumps({"bounded": bounded["EvaluationResults"], "cross": cross["EvaluationResults"],
                "page1": [page1["IsTruncated"], [r["EvalActionName"] for r in page1["EvaluationResults"]]],
                "page2": [page2["IsTruncated"], [r["EvalActionName"] for r in page2["EvaluationResults"]]]}))
            """);
        var bounded = result.GetProperty("bounded").EnumerateArray().ToList();
        Assert.Equal("implicitDeny", bounded[0].GetProperty("EvalDecision").GetString());
        Assert.False(bounded[0].GetProperty("PermissionsBoundaryDecisionDetail").GetProperty("AllowedByPermissionsBoundary").GetBoolean());
        Assert.Equal("allowed", bounded[1].GetProperty("EvalDecision").GetString());
        Assert.True(bounded[1].GetProperty("PermissionsBoundaryDecisionDetail").GetProperty("AllowedByPermissionsBoundary").GetBoolean());

        var cross = result.GetProperty("cross").EnumerateArray().ToList();
        Assert.Equal("allowed", cross[0].GetProperty("EvalDecision").GetString());
        Assert.Contains(cross[0].GetProperty("MatchedStatements").EnumerateArray(), s => s.GetProperty("SourcePolicyId").GetString() == "ResourcePolicy"
            && s.GetProperty("SourcePolicyType").GetString() == "resource");
        Assert.Equal("implicitDeny", cross[1].GetProperty("EvalDecision").GetString());

        Assert.Equal("[true,[\"sqs:SendMessage\"]]", result.GetProperty("page1").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("[false,[\"sqs:ReceiveMessage\"]]", result.GetProperty("page2").GetRawText().Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SimulatePrincipalPolicy_uses_the_users_stored_policies_and_names_them()
    {
        var result = await server.Boto3Async($$"""
            import uuid
            name = "sim" + uuid.uuid4().hex[:8]
            arn = iam.create_user(UserName=name)["User"]["Arn"]
            iam.put_user_policy(UserName=name, PolicyName="office", PolicyDocument={{Q(Office)}})
            r = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["sqs:SendMessage", "sqs:DeleteQueue"],
                ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.9.9.9"], "ContextKeyType": "ip"}])
            keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=arn)["ContextKeyNames"]
            custom = iam.get_context_keys_for_custom_policy(PolicyInputList=[{{Q(Office)}}, json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sqs:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"} } }]})])["ContextKeyNames"]
            missing = error(lambda: iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::000000000000:user/nobody-here", ActionNames=["sqs:SendMessage"]))
            print(json.dumps({"results": r["EvaluationResults"], "keys": keys, "custom": custom, "missing": missing}))
            """);
        var results = result.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal("allowed", results[0].GetProperty("EvalDecision").GetString());
        var matched = Assert.Single(results[0].GetProperty("MatchedStatements").EnumerateArray());
        Assert.Equal("office", matched.GetProperty("SourcePolicyId").GetString());
        Assert.Equal("user", matched.GetProperty("SourcePolicyType").GetString());
        Assert.Equal("explicitDeny", results[1].GetProperty("EvalDecision").GetString());
        Assert.Equal(["aws:SourceIp"], result.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(["aws:SourceIp", "aws:SecureTransport"], result.GetProperty("custom").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal("InvalidInput", result.GetProperty("missing").GetProperty("Code").GetString());
    }
}
