using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Identity.Tests;

/// <summary>
/// IAM and STS calls carry the same request facts as SQS calls (one pipeline): <c>aws:SecureTransport</c>,
/// <c>aws:SourceIp</c> and the <c>aws:RequestTag/*</c> / <c>aws:TagKeys</c> of the tags a request sends,
/// exercised through boto3 over the HTTP and the HTTPS listener.
/// </summary>
public sealed class RequestFactsTests : IAsyncLifetime
{
    private readonly IdentityServer _server = new(TimeProvider.System, o => o with { HttpsPort = FreePort() });

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Makes a user with one inline policy and an access key; returns the key and secret.</summary>
    private async Task<(string Key, string Secret)> UserWithPolicy(string name, string policy)
    {
        var made = await _server.Boto3Async($$"""
            iam.create_user(UserName="{{name}}")
            iam.put_user_policy(UserName="{{name}}", PolicyName="p", PolicyDocument=json.dumps({{policy}}))
            k = iam.create_access_key(UserName="{{name}}")["AccessKey"]
            print(json.dumps([k["AccessKeyId"], k["SecretAccessKey"]]))
            """);
        return (made[0].GetString()!, made[1].GetString()!);
    }

    [Fact]
    public async Task A_deny_unless_https_policy_protects_iam_and_sts()
    {
        var (key, secret) = await UserWithPolicy("tls-only", """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["iam:ListUsers","sts:AssumeRole"],"Resource":"*"},
              {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}
            """);
        var result = await _server.Boto3Async($$"""
            iam.create_role(RoleName="tls-role", AssumeRolePolicyDocument=json.dumps({"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}))
            plain_iam = client("iam", "{{key}}", "{{secret}}")
            tls_iam = client("iam", "{{key}}", "{{secret}}", endpoint="{{_server.HttpsEndpoint}}")
            plain_sts = client("sts", "{{key}}", "{{secret}}")
            tls_sts = client("sts", "{{key}}", "{{secret}}", endpoint="{{_server.HttpsEndpoint}}")
            role = "arn:aws:iam::000000000000:role/tls-role"
            print(json.dumps({
                "iamPlain": error(lambda: plain_iam.list_users()),
                "iamTls": error(lambda: tls_iam.list_users()),
                "stsPlain": error(lambda: plain_sts.assume_role(RoleArn=role, RoleSessionName="s1")),
                "stsTls": error(lambda: tls_sts.assume_role(RoleArn=role, RoleSessionName="s1")),
            }))
            """);
        Assert.Equal("AccessDenied", result.GetProperty("iamPlain").GetProperty("Code").GetString());
        Assert.Contains("with an explicit deny in an identity-based policy", result.GetProperty("iamPlain").GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("iamTls").ValueKind);
        Assert.Equal("AccessDenied", result.GetProperty("stsPlain").GetProperty("Code").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("stsTls").ValueKind);
    }

    [Fact]
    public async Task Source_ip_conditions_apply_to_iam_calls()
    {
        var (key, secret) = await UserWithPolicy("from-office", """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.1/32"}}},
              {"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}
            """);
        var result = await _server.Boto3Async($$"""
            me = client("iam", "{{key}}", "{{secret}}")
            print(json.dumps({"users": error(lambda: me.list_users()), "roles": error(lambda: me.list_roles())}))
            """);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("users").ValueKind);
        Assert.Equal("AccessDenied", result.GetProperty("roles").GetProperty("Code").GetString());
    }

    [Fact]
    public async Task Request_tags_of_iam_calls_are_condition_keys()
    {
        var (key, secret) = await UserWithPolicy("tagger", """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["iam:CreateUser","iam:TagUser"],"Resource":"*",
               "Condition":{"StringEquals":{"aws:RequestTag/team":"orders"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}},
              {"Effect":"Allow","Action":"iam:UntagUser","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["scratch"]}}}]}
            """);
        var result = await _server.Boto3Async($$"""
            me = client("iam", "{{key}}", "{{secret}}")
            print(json.dumps({
                "right": error(lambda: me.create_user(UserName="t1", Tags=[{"Key":"team","Value":"orders"}])),
                "wrongValue": error(lambda: me.create_user(UserName="t2", Tags=[{"Key":"team","Value":"billing"}])),
                "noTags": error(lambda: me.create_user(UserName="t3")),
                "extraKey": error(lambda: me.tag_user(UserName="t1", Tags=[{"Key":"team","Value":"orders"},{"Key":"cost","Value":"1"}])),
                "untagScratch": error(lambda: me.untag_user(UserName="t1", TagKeys=["scratch"])),
                "untagTeam": error(lambda: me.untag_user(UserName="t1", TagKeys=["team"])),
            }))
            """);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("right").ValueKind);
        Assert.Equal("AccessDenied", result.GetProperty("wrongValue").GetProperty("Code").GetString());
        Assert.Equal("AccessDenied", result.GetProperty("noTags").GetProperty("Code").GetString());
        Assert.Equal("AccessDenied", result.GetProperty("extraKey").GetProperty("Code").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("untagScratch").ValueKind);
        Assert.Equal("AccessDenied", result.GetProperty("untagTeam").GetProperty("Code").GetString());
    }
}
