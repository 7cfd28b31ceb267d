using System.Text.Json;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace Gatehouse.Identity.Tests;

/// <summary>STS through the AWS SDK for .NET; identities set up with boto3's IAM client.</summary>
[Collection("identity")]
public sealed class StsTests(IdentityServer server)
{
    private static string Trust(string principalArn, string? condition = null) => JsonSerializer.Serialize(new
    {
        Version = "2012-10-17",
        Statement = new[]
        {
            new Dictionary<string, object>
            {
                ["Effect"] = "Allow",
                ["Principal"] = new { AWS = principalArn },
                ["Action"] = new[] { "sts:AssumeRole", "sts:TagSession" },
            }.Concat(condition is null ? [] : [new KeyValuePair<string, object>("Condition", JsonDocument.Parse(condition).RootElement)])
             .ToDictionary(),
        },
    });

    /// <summary>A user with a key and a role it may assume (same account), made through IAM.</summary>
    private async Task<(string Key, string Secret, string UserArn, string RoleArn)> UserAndRoleAsync(string prefix, string? condition = null)
    {
        var user = await server.Boto3Async($$"""
            u = iam.create_user(UserName="{{prefix}}-user")["User"]
            k = iam.create_access_key(UserName="{{prefix}}-user")["AccessKey"]
            print(json.dumps({"arn": u["Arn"], "key": k["AccessKeyId"], "secret": k["SecretAccessKey"]}))
            """);
        var userArn = user.GetProperty("arn").GetString()!;
        var trust = Trust(userArn, condition).Replace("\"", "\\\"", StringComparison.Ordinal);
        var role = await server.Boto3Async($$"""
            r = iam.create_role(RoleName="{{prefix}}-role", AssumeRolePolicyDocument="{{trust}}", MaxSessionDuration=7200)["Role"]
            print(json.dumps(r["Arn"]))
            """);
        return (user.GetProperty("key").GetString()!, user.GetProperty("secret").GetString()!, userArn, role.GetString()!);
    }

    [Fact]
    public async Task GetCallerIdentity_as_root()
    {
        using var sts = server.Sts();
        var id = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal("000000000000", id.Account);
        Assert.Equal("000000000000", id.UserId);
        Assert.Equal("arn:aws:iam::000000000000:root", id.Arn);
    }

    [Fact]
    public async Task GetCallerIdentity_as_user_and_as_role_session()
    {
        var (key, secret, userArn, roleArn) = await UserAndRoleAsync("gci");
        using var asUser = server.Sts(key, secret);
        var id = await asUser.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal(userArn, id.Arn);
        Assert.StartsWith("AIDA", id.UserId, StringComparison.Ordinal);
        Assert.Equal(21, id.UserId.Length);

        var assumed = await asUser.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "build-42", DurationSeconds = 900 });
        Assert.StartsWith("ASIA", assumed.Credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal("arn:aws:sts::000000000000:assumed-role/gci-role/build-42", assumed.AssumedRoleUser.Arn);
        Assert.Matches("^AROA[A-Z2-7]{17}:build-42$", assumed.AssumedRoleUser.AssumedRoleId);

        using var asRole = server.Sts(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken);
        var roleId = await asRole.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal("arn:aws:sts::000000000000:assumed-role/gci-role/build-42", roleId.Arn);
        Assert.Equal(assumed.AssumedRoleUser.AssumedRoleId, roleId.UserId);
    }

    [Fact]
    public async Task Root_cannot_assume_a_role()
    {
        var (_, _, _, roleArn) = await UserAndRoleAsync("rootar");
        using var sts = server.Sts();
        var ex = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "s1" }));
        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.Equal("Roles may not be assumed by root accounts.", ex.Message);
    }

    [Fact]
    public async Task Trust_policy_condition_on_ExternalId_refuses_a_caller_without_it()
    {
        var (key, secret, userArn, roleArn) = await UserAndRoleAsync("extid", """{"StringEquals":{"sts:ExternalId":"s3cr3t-id"}}""");
        using var sts = server.Sts(key, secret);
        var denied = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "s1" }));
        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.StartsWith($"User: {userArn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_validates_session_name_and_duration()
    {
        var (key, secret, _, roleArn) = await UserAndRoleAsync("valid");
        using var sts = server.Sts(key, secret);

        // Values built at run time: the SDK's analyzers reject such constants at compile time.
        var spaced = string.Join(' ', "has", "space");
        var short899 = int.Parse("899", System.Globalization.CultureInfo.InvariantCulture);
        var badName = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = spaced }));
        Assert.Equal("ValidationError", badName.ErrorCode);
        Assert.Contains("Member must satisfy regular expression pattern: [\\w+=,.@-]*", badName.Message, StringComparison.Ordinal);

        var tooShort = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "s1", DurationSeconds = short899 }));
        Assert.Contains("Member must have value greater than or equal to 900", tooShort.Message, StringComparison.Ordinal);

        var tooLong = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "s1", DurationSeconds = 7201 }));
        Assert.Equal("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", tooLong.Message);
    }

    [Fact]
    public async Task Session_policies_and_tags_reach_the_policy_source()
    {
        var (key, secret, _, roleArn) = await UserAndRoleAsync("sesspol");
        using var sts = server.Sts(key, secret);
        var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = roleArn,
            RoleSessionName = "tagged",
            Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ReceiveMessage","Resource":"*"}]}""",
            PolicyArns = [new PolicyDescriptorType { Arn = "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess" }],
            Tags = [new Tag { Key = "team", Value = "orders" }],
        });
        Assert.NotNull(assumed.Credentials);

        var credential = await server.Registry.FindAccessKeyAsync(assumed.Credentials.AccessKeyId);
        Assert.Equal("orders", credential!.Principal.Tags["team"]);
        var policies = await server.Registry.GetPoliciesAsync(credential.Principal);
        Assert.Equal(2, policies.SessionPolicies.Count);
        Assert.Contains(policies.SessionPolicies, p => p.Name == "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess");
    }

    [Fact]
    public async Task GetSessionToken_for_a_user_and_not_for_a_role_session()
    {
        var (key, secret, userArn, roleArn) = await UserAndRoleAsync("gst");
        using var sts = server.Sts(key, secret);
        var token = await sts.GetSessionTokenAsync(new GetSessionTokenRequest { DurationSeconds = 900 });
        using var asSession = server.Sts(token.Credentials.AccessKeyId, token.Credentials.SecretAccessKey, token.Credentials.SessionToken);
        Assert.Equal(userArn, (await asSession.GetCallerIdentityAsync(new GetCallerIdentityRequest())).Arn);

        var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "s1" });
        using var asRole = server.Sts(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken);
        var ex = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => asRole.GetSessionTokenAsync(new GetSessionTokenRequest()));
        Assert.Equal("AccessDenied", ex.ErrorCode);
    }
}
