using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Server.Tests;

/// <summary>
/// VPC endpoints end to end (docs/vpc-endpoints.md): the EC2 API through boto3, each endpoint a real entry point
/// (its <c>DnsEntries[0].DnsName</c> as the SDK's service URL), its policy in every decision of the requests that
/// come through it, queue policies on <c>aws:SourceVpce</c>, and the JSON protocol through AWSSDK.SQS.
/// </summary>
public sealed class VpcEndpointTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Account = "000000000000";

    /// <summary>Runs a boto3 script (the <c>python3</c> on PATH: the current botocore) against
    /// <paramref name="endpoint"/>; <c>ec2</c>, <c>iam</c> (root) and <c>client(service, key, secret, endpoint)</c>
    /// are predefined, <c>error(f)</c> returns a ClientError's code, message and status. It prints one JSON value.</summary>
    internal static async Task<JsonElement> Boto3Async(string endpoint, string script)
    {
        var prelude = $$"""
            import boto3, json, botocore
            from botocore.config import Config
            def client(service, key="test", secret="test", endpoint="{{endpoint}}"):
                return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", verify=False,
                    aws_access_key_id=key, aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))
            ec2 = client("ec2")
            iam = client("iam")
            def error(f):
                try:
                    f()
                    return None
                except botocore.exceptions.ClientError as e:
                    return {"Code": e.response["Error"]["Code"], "Message": e.response["Error"]["Message"], "Status": e.response["ResponseMetadata"]["HTTPStatusCode"]}

            """;
        var psi = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        psi.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        using var process = Process.Start(psi)!;
        await process.StandardInput.WriteAsync(prelude + script);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "boto3 script failed: " + await stderr);
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }

    private Task<JsonElement> Boto3Async(string script) => Boto3Async(server.Endpoint, script);

    /// <summary>A VPC with a subnet and an SQS interface endpoint (with the given policy, or the default).</summary>
    private async Task<(string Id, string Url)> EndpointAsync(string? policy = null)
    {
        var result = await Boto3Async($$"""
            vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
            args = dict(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.sqs", VpcEndpointType="Interface", SubnetIds=[subnet], PrivateDnsEnabled=False)
            policy = json.loads({{JsonSerializer.Serialize(JsonSerializer.Serialize(policy))}})
            if policy is not None:
                args["PolicyDocument"] = policy
            e = ec2.create_vpc_endpoint(**args)["VpcEndpoint"]
            print(json.dumps({"Id": e["VpcEndpointId"], "Dns": e["DnsEntries"][0]["DnsName"]}))
            """);
        return (result.GetProperty("Id").GetString()!, "http://" + result.GetProperty("Dns").GetString());
    }

    /// <summary>An IAM user allowed <c>sqs:*</c> by its identity policy; returns its access key and secret.</summary>
    private async Task<(string Key, string Secret)> UserAsync(string name)
    {
        var key = await Boto3Async($$"""
            iam.create_user(UserName="{{name}}")
            iam.put_user_policy(UserName="{{name}}", PolicyName="sqs", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))
            k = iam.create_access_key(UserName="{{name}}")["AccessKey"]
            print(json.dumps([k["AccessKeyId"], k["SecretAccessKey"]]))
            """);
        return (key[0].GetString()!, key[1].GetString()!);
    }

    private static AmazonSQSClient Sqs(string serviceUrl, string key = "test", string secret = "test") =>
        new(new BasicAWSCredentials(key, secret), new AmazonSQSConfig { ServiceURL = serviceUrl, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private static async Task DeniedAsync(Func<Task> call, string message)
    {
        var ex = await Assert.ThrowsAnyAsync<AmazonSQSException>(call);
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public async Task Ec2_api_creates_describes_modifies_and_deletes_vpcs_subnets_and_endpoints()
    {
        var r = await Boto3Async("""
            out = {}
            vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}]}])["Vpc"]
            out["vpc"] = vpc
            out["describeVpcs"] = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"]
            out["byTag"] = len(ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["main"]}])["Vpcs"])
            out["badCidr"] = error(lambda: ec2.create_vpc(CidrBlock="10.0.0.0/33"))
            out["tooSmall"] = error(lambda: ec2.create_vpc(CidrBlock="10.0.0.0/30"))
            out["noVpc"] = error(lambda: ec2.describe_vpcs(VpcIds=["vpc-0123456789abcdef0"]))
            subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]
            out["subnet"] = subnet
            out["subnetConflict"] = error(lambda: ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.128/25"))
            out["subnetOutside"] = error(lambda: ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.9.0.0/24"))
            out["subnets"] = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]]
            out["gateway"] = error(lambda: ec2.create_vpc_endpoint(VpcId=vpc["VpcId"], ServiceName="com.amazonaws.us-east-1.sqs"))
            out["unknownService"] = error(lambda: ec2.create_vpc_endpoint(VpcId=vpc["VpcId"], VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.nothing"))
            out["badPolicy"] = error(lambda: ec2.create_vpc_endpoint(VpcId=vpc["VpcId"], VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.sqs", PolicyDocument='{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'))
            out["dryRun"] = error(lambda: ec2.create_vpc_endpoint(VpcId=vpc["VpcId"], VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.sqs", DryRun=True))
            e = ec2.create_vpc_endpoint(VpcId=vpc["VpcId"], VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.sqs", SubnetIds=[subnet["SubnetId"]])["VpcEndpoint"]
            out["endpoint"] = {k: e[k] for k in ["VpcEndpointId", "VpcEndpointType", "VpcId", "ServiceName", "State", "PolicyDocument", "SubnetIds", "PrivateDnsEnabled", "OwnerId"]}
            out["dns"] = e["DnsEntries"][0]["DnsName"]
            out["byService"] = [x["VpcEndpointId"] for x in ec2.describe_vpc_endpoints(Filters=[{"Name": "service-name", "Values": ["com.amazonaws.us-east-1.sqs"]}, {"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["VpcEndpoints"]]
            out["byWildcard"] = len(ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-endpoint-id", "Values": [e["VpcEndpointId"][:8] + "*"]}])["VpcEndpoints"])
            out["byOtherVpc"] = len(ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": ["vpc-other"]}])["VpcEndpoints"])
            out["badFilter"] = error(lambda: ec2.describe_vpc_endpoints(Filters=[{"Name": "no-such-filter", "Values": ["x"]}]))
            out["services"] = ec2.describe_vpc_endpoint_services(ServiceNames=["com.amazonaws.us-east-1.sqs"])["ServiceNames"]
            policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]})
            out["modify"] = ec2.modify_vpc_endpoint(VpcEndpointId=e["VpcEndpointId"], PolicyDocument=policy)["Return"]
            out["modified"] = ec2.describe_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"]])["VpcEndpoints"][0]["PolicyDocument"] == policy
            ec2.modify_vpc_endpoint(VpcEndpointId=e["VpcEndpointId"], ResetPolicy=True)
            out["reset"] = ec2.describe_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"]])["VpcEndpoints"][0]["PolicyDocument"] == out["endpoint"]["PolicyDocument"]
            out["vpcInUse"] = error(lambda: ec2.delete_vpc(VpcId=vpc["VpcId"]))
            out["subnetInUse"] = error(lambda: ec2.delete_subnet(SubnetId=subnet["SubnetId"]))
            out["delete"] = ec2.delete_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"], "vpce-0123456789abcdef0"])["Unsuccessful"]
            out["gone"] = error(lambda: ec2.describe_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"]]))
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
            ec2.delete_vpc(VpcId=vpc["VpcId"])
            out["vpcGone"] = error(lambda: ec2.delete_vpc(VpcId=vpc["VpcId"]))
            print(json.dumps(out, default=str))
            """);
        var vpc = r.GetProperty("vpc");
        Assert.StartsWith("vpc-", vpc.GetProperty("VpcId").GetString(), StringComparison.Ordinal);
        Assert.Equal("10.0.0.0/16", vpc.GetProperty("CidrBlock").GetString());
        Assert.Equal("available", vpc.GetProperty("State").GetString());
        Assert.Equal(Account, vpc.GetProperty("OwnerId").GetString());
        Assert.Equal("main", vpc.GetProperty("Tags")[0].GetProperty("Value").GetString());
        Assert.Equal(1, r.GetProperty("describeVpcs").GetArrayLength());
        Assert.Equal(1, r.GetProperty("byTag").GetInt32());
        AssertError(r.GetProperty("badCidr"), "InvalidParameterValue", 400, "Value (10.0.0.0/33) for parameter cidrBlock is invalid. This is not a valid CIDR block.");
        AssertError(r.GetProperty("tooSmall"), "InvalidVpc.Range", 400, "The CIDR '10.0.0.0/30' is invalid.");
        AssertError(r.GetProperty("noVpc"), "InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-0123456789abcdef0' does not exist");
        Assert.Equal("us-east-1b", r.GetProperty("subnet").GetProperty("AvailabilityZone").GetString());
        Assert.Equal(251, r.GetProperty("subnet").GetProperty("AvailableIpAddressCount").GetInt32());
        AssertError(r.GetProperty("subnetConflict"), "InvalidSubnet.Conflict", 400, "The CIDR '10.0.1.128/25' conflicts with another subnet");
        AssertError(r.GetProperty("subnetOutside"), "InvalidSubnet.Range", 400, "The CIDR '10.9.0.0/24' is invalid.");
        Assert.Single(r.GetProperty("subnets").EnumerateArray());
        AssertError(r.GetProperty("gateway"), "InvalidParameter", 400, "Endpoint type (Gateway) does not match available service types ([Interface]).");
        AssertError(r.GetProperty("unknownService"), "InvalidServiceName", 400, "The Vpc Endpoint Service 'com.amazonaws.us-east-1.nothing' does not exist");
        Assert.Equal("InvalidPolicyDocument", r.GetProperty("badPolicy").GetProperty("Code").GetString());
        AssertError(r.GetProperty("dryRun"), "DryRunOperation", 412, "Request would have succeeded, but DryRun flag is set.");
        var e = r.GetProperty("endpoint");
        Assert.Equal("Interface", e.GetProperty("VpcEndpointType").GetString());
        Assert.Equal("available", e.GetProperty("State").GetString());
        Assert.True(e.GetProperty("PrivateDnsEnabled").GetBoolean());
        using (var policy = JsonDocument.Parse(e.GetProperty("PolicyDocument").GetString()!))
        {
            var statement = policy.RootElement.GetProperty("Statement")[0];
            Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
            Assert.Equal("*", statement.GetProperty("Principal").GetString());
            Assert.Equal("*", statement.GetProperty("Action").GetString());
        }

        Assert.Matches(@"^127\.0\.0\.1:\d+$", r.GetProperty("dns").GetString());
        Assert.Equal([e.GetProperty("VpcEndpointId").GetString()], r.GetProperty("byService").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(1, r.GetProperty("byWildcard").GetInt32());
        Assert.Equal(0, r.GetProperty("byOtherVpc").GetInt32());
        AssertError(r.GetProperty("badFilter"), "InvalidParameterValue", 400, "The filter 'no-such-filter' is invalid");
        Assert.Equal(["com.amazonaws.us-east-1.sqs"], r.GetProperty("services").EnumerateArray().Select(x => x.GetString()));
        Assert.True(r.GetProperty("modify").GetBoolean());
        Assert.True(r.GetProperty("modified").GetBoolean());
        Assert.True(r.GetProperty("reset").GetBoolean());
        AssertError(r.GetProperty("vpcInUse"), "DependencyViolation", 400, $"The vpc '{vpc.GetProperty("VpcId").GetString()}' has dependencies and cannot be deleted.");
        Assert.Equal("DependencyViolation", r.GetProperty("subnetInUse").GetProperty("Code").GetString());
        var failed = Assert.Single(r.GetProperty("delete").EnumerateArray());
        Assert.Equal("vpce-0123456789abcdef0", failed.GetProperty("ResourceId").GetString());
        Assert.Equal("InvalidVpcEndpointId.NotFound", failed.GetProperty("Error").GetProperty("Code").GetString());
        Assert.Equal("InvalidVpcEndpointId.NotFound", r.GetProperty("gone").GetProperty("Code").GetString());
        Assert.Equal("InvalidVpcID.NotFound", r.GetProperty("vpcGone").GetProperty("Code").GetString());
    }

    private static void AssertError(JsonElement error, string code, int status, string message)
    {
        Assert.Equal(JsonValueKind.Object, error.ValueKind);
        Assert.Equal(code, error.GetProperty("Code").GetString());
        Assert.Equal(message, error.GetProperty("Message").GetString());
        Assert.Equal(status, error.GetProperty("Status").GetInt32());
    }

    [Fact]
    public async Task Ec2_calls_are_authorized_through_the_one_door()
    {
        var name = "ec2-nobody-" + Suffix();
        var r = await Boto3Async($$"""
            iam.create_user(UserName="{{name}}")
            k = iam.create_access_key(UserName="{{name}}")["AccessKey"]
            user = client("ec2", k["AccessKeyId"], k["SecretAccessKey"])
            out = {"create": error(lambda: user.create_vpc(CidrBlock="10.2.0.0/16")), "describe": error(lambda: user.describe_vpc_endpoints())}
            iam.put_user_policy(UserName="{{name}}", PolicyName="ec2", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:CreateVpc", "ec2:DeleteVpc"], "Resource": "*"}]}))
            vpc = user.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
            user.delete_vpc(VpcId=vpc)
            out["allowed"] = vpc
            print(json.dumps(out))
            """);
        var arn = $"arn:aws:iam::{Account}:user/{name}";
        AssertError(r.GetProperty("create"), "UnauthorizedOperation", 403,
            $"You are not authorized to perform this operation. User: {arn} is not authorized to perform: ec2:CreateVpc on resource: arn:aws:ec2:us-east-1:{Account}:vpc/* because no identity-based policy allows the ec2:CreateVpc action");
        AssertError(r.GetProperty("describe"), "UnauthorizedOperation", 403,
            $"You are not authorized to perform this operation. User: {arn} is not authorized to perform: ec2:DescribeVpcEndpoints on resource: * because no identity-based policy allows the ec2:DescribeVpcEndpoints action");
        Assert.StartsWith("vpc-", r.GetProperty("allowed").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoint_policy_must_allow_requests_that_come_through_the_endpoint()
    {
        var suffix = Suffix();
        var (myKey, mySecret) = await UserAsync("MyUser-" + suffix);
        var (otherKey, otherSecret) = await UserAsync("Other-" + suffix);
        var root = Sqs(server.Endpoint);
        var myQueue = (await root.CreateQueueAsync("MyQueue-" + suffix)).QueueUrl;
        var otherQueue = (await root.CreateQueueAsync("OtherQueue-" + suffix)).QueueUrl;
        var myQueueArn = $"arn:aws:sqs:us-east-1:{Account}:MyQueue-{suffix}";
        var otherQueueArn = $"arn:aws:sqs:us-east-1:{Account}:OtherQueue-{suffix}";
        var myUserArn = $"arn:aws:iam::{Account}:user/MyUser-{suffix}";
        var otherUserArn = $"arn:aws:iam::{Account}:user/Other-{suffix}";
        var policy = JsonSerializer.Serialize(new
        {
            Statement = new object[]
            {
                new { Effect = "Allow", Principal = new { AWS = myUserArn }, Action = "sqs:SendMessage", Resource = myQueueArn },
                new { Effect = "Deny", Principal = "*", Action = "sqs:DeleteQueue", Resource = "*" },
            },
        });
        var (_, endpointUrl) = await EndpointAsync(policy);

        var me = Sqs(endpointUrl, myKey, mySecret);
        var other = Sqs(endpointUrl, otherKey, otherSecret);
        var viaEndpoint = myQueue.Replace(server.Endpoint, endpointUrl, StringComparison.Ordinal);
        // GetQueueUrl is not allowed through this endpoint, and a refused GetQueueUrl hides the queue.
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => me.GetQueueUrlAsync("MyQueue-" + suffix));
        await me.SendMessageAsync(viaEndpoint, "through the endpoint");
        await DeniedAsync(() => me.ReceiveMessageAsync(viaEndpoint),
            $"User: {myUserArn} is not authorized to perform: sqs:receivemessage on resource: {myQueueArn} because no VPC endpoint policy allows the sqs:receivemessage action");
        await DeniedAsync(() => me.SendMessageAsync(otherQueue.Replace(server.Endpoint, endpointUrl, StringComparison.Ordinal), "x"),
            $"User: {myUserArn} is not authorized to perform: sqs:sendmessage on resource: {otherQueueArn} because no VPC endpoint policy allows the sqs:sendmessage action");
        await DeniedAsync(() => other.SendMessageAsync(viaEndpoint, "x"),
            $"User: {otherUserArn} is not authorized to perform: sqs:sendmessage on resource: {myQueueArn} because no VPC endpoint policy allows the sqs:sendmessage action");
        await DeniedAsync(() => other.DeleteQueueAsync(viaEndpoint),
            $"User: {otherUserArn} is not authorized to perform: sqs:deletequeue on resource: {myQueueArn} with an explicit deny in a VPC endpoint policy");

        // The same calls not through the endpoint are unaffected.
        var meDirect = Sqs(server.Endpoint, myKey, mySecret);
        var otherDirect = Sqs(server.Endpoint, otherKey, otherSecret);
        Assert.Single((await meDirect.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = myQueue, WaitTimeSeconds = 1 })).Messages);
        await meDirect.SendMessageAsync(otherQueue, "direct");
        await otherDirect.SendMessageAsync(myQueue, "direct");
    }

    [Fact]
    public async Task Queue_policy_can_require_the_endpoint_with_aws_SourceVpce()
    {
        var suffix = Suffix();
        var (endpointId, endpointUrl) = await EndpointAsync();
        var (key, secret) = await UserAsync("Vpce-" + suffix);
        var root = Sqs(server.Endpoint);
        var name = "OnlyViaEndpoint-" + suffix;
        var url = (await root.CreateQueueAsync(name)).QueueUrl;
        var arn = $"arn:aws:sqs:us-east-1:{Account}:{name}";
        await root.SetQueueAttributesAsync(url, new Dictionary<string, string>
        {
            ["Policy"] = JsonSerializer.Serialize(new
            {
                Version = "2012-10-17",
                Statement = new[]
                {
                    new
                    {
                        Effect = "Deny", Principal = (object)"*", Action = "sqs:SendMessage", Resource = arn,
                        Condition = new { StringNotEquals = new Dictionary<string, string> { ["aws:SourceVpce"] = endpointId } },
                    },
                },
            }),
        });
        var userArn = $"arn:aws:iam::{Account}:user/Vpce-{suffix}";
        await Sqs(endpointUrl, key, secret).SendMessageAsync(url.Replace(server.Endpoint, endpointUrl, StringComparison.Ordinal), "through the endpoint");
        await DeniedAsync(() => Sqs(server.Endpoint, key, secret).SendMessageAsync(url, "direct"),
            $"User: {userArn} is not authorized to perform: sqs:sendmessage on resource: {arn} with an explicit deny in a resource-based policy");

        // A Host header naming the endpoint does not make a request come through it.
        var forged = Sqs(server.Endpoint, key, secret);
        forged.BeforeRequestEvent += (_, e) =>
        {
            if (e is WebServiceRequestEventArgs w)
            {
                w.Headers["Host"] = new Uri(endpointUrl).Authority;
            }
        };
        await Assert.ThrowsAnyAsync<AmazonServiceException>(() => forged.SendMessageAsync(url, "forged"));
        var received = await root.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
        Assert.Equal(["through the endpoint"], received.Messages.Select(m => m.Body));
    }

    [Fact]
    public async Task ModifyVpcEndpoint_takes_effect_at_once_and_DeleteVpcEndpoints_closes_the_entry_point()
    {
        var (endpointId, endpointUrl) = await EndpointAsync();
        var sqs = Sqs(endpointUrl);
        var url = (await sqs.CreateQueueAsync("modify-" + Suffix())).QueueUrl;
        // Through the endpoint the queue URL leads back through the endpoint.
        Assert.StartsWith(endpointUrl + "/", url, StringComparison.Ordinal);
        await sqs.SendMessageAsync(url, "default policy");
        await Boto3Async($$"""
            ec2.modify_vpc_endpoint(VpcEndpointId="{{endpointId}}", PolicyDocument=json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:ReceiveMessage", "Resource": "*"}]}))
            print("{}")
            """);
        var ex = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.SendMessageAsync(url, "after modify"));
        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.EndsWith("because no VPC endpoint policy allows the sqs:sendmessage action", ex.Message, StringComparison.Ordinal);
        await Boto3Async($$"""
            ec2.modify_vpc_endpoint(VpcEndpointId="{{endpointId}}", ResetPolicy=True)
            print("{}")
            """);
        await sqs.SendMessageAsync(url, "after reset");

        // Other services are not reached through an SQS endpoint.
        var iam = await Boto3Async(endpointUrl, """print(json.dumps(error(lambda: iam.list_users())))""");
        Assert.Equal("InvalidAction", iam.GetProperty("Code").GetString());

        await Boto3Async($$"""
            ec2.delete_vpc_endpoints(VpcEndpointIds=["{{endpointId}}"])
            print("{}")
            """);
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(endpointUrl + "/"));
    }

    [Fact]
    public async Task World_file_declares_vpcs_and_endpoints_with_their_policies()
    {
        var file = Path.Combine(Path.GetTempPath(), "gatehouse-world-vpce-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(file, """
            {
              "vpcs": [
                { "id": "vpc-0a1b2c3d4e5f60718", "cidr": "10.0.0.0/16",
                  "endpoints": [
                    { "id": "vpce-0a1b2c3d4e5f60718", "service": "sqs",
                      "policy": { "Statement": [ { "Effect": "Allow", "Principal": "*", "Action": ["sqs:CreateQueue", "sqs:SendMessage"], "Resource": "*" } ] } }
                  ] }
              ]
            }
            """);
        try
        {
            await using var app = await GatehouseApp.BuildAsync(new GatehouseOptions { Port = 0, InMemory = true, WorldFile = file }, TimeProvider.System);
            await app.StartAsync();
            var endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
            var dns = await Boto3Async(endpoint, """
                e = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": ["vpc-0a1b2c3d4e5f60718"]}])["VpcEndpoints"][0]
                print(json.dumps(e["VpcEndpointId"] + " http://" + e["DnsEntries"][0]["DnsName"]))
                """);
            var parts = dns.GetString()!.Split(' ');
            Assert.Equal("vpce-0a1b2c3d4e5f60718", parts[0]);
            var sqs = Sqs(parts[1]);
            var url = (await sqs.CreateQueueAsync("declared")).QueueUrl;
            await sqs.SendMessageAsync(url, "through the declared endpoint");
            var ex = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.ReceiveMessageAsync(url));
            Assert.EndsWith("because no VPC endpoint policy allows the sqs:receivemessage action", ex.Message, StringComparison.Ordinal);
            await app.StopAsync();
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_endpoint_answers_https_too_when_the_server_has_an_https_listener()
    {
        await using var app = await GatehouseApp.BuildAsync(
            new GatehouseOptions { Port = 0, InMemory = true, HttpsPort = ServerProcess.FreePort() }, TimeProvider.System);
        await app.StartAsync();
        var endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http:", StringComparison.Ordinal)).Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        var r = await Boto3Async(endpoint, """
            vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
            dns = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.sqs", VpcEndpointType="Interface")["VpcEndpoint"]["DnsEntries"][0]["DnsName"]
            root = client("sqs")
            url = root.create_queue(QueueName="tls-only")["QueueUrl"]
            arn = root.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            root.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})})
            path = url[url.index("/", 8):]
            https = client("sqs", endpoint="https://" + dns)
            https.send_message(QueueUrl="https://" + dns + path, MessageBody="over tls")
            plain = client("sqs", endpoint="http://" + dns)
            print(json.dumps({"plain": error(lambda: plain.send_message(QueueUrl="http://" + dns + path, MessageBody="plain")),
                              "count": len(root.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []))}))
            """);
        Assert.Equal("AccessDenied", r.GetProperty("plain").GetProperty("Code").GetString());
        Assert.EndsWith("with an explicit deny in a resource-based policy", r.GetProperty("plain").GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, r.GetProperty("count").GetInt32());
        await app.StopAsync();
    }

    [Fact]
    public async Task An_endpoint_survives_a_restart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "gatehouse-vpce-" + Guid.NewGuid().ToString("N"));
        try
        {
            string endpointId, endpointUrl, url;
            using (var first = await ServerProcess.StartAsync(dir))
            {
                var created = await Boto3Async(first.Endpoint, """
                    vpc = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
                    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["sqs:CreateQueue", "sqs:SendMessage"], "Resource": "*"}]})
                    e = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.sqs", VpcEndpointType="Interface", PolicyDocument=policy)["VpcEndpoint"]
                    print(json.dumps([e["VpcEndpointId"], "http://" + e["DnsEntries"][0]["DnsName"]]))
                    """);
                endpointId = created[0].GetString()!;
                endpointUrl = created[1].GetString()!;
                url = (await Sqs(endpointUrl).CreateQueueAsync("restart")).QueueUrl;
                first.KillHard();
            }

            using var second = await ServerProcess.StartAsync(dir);
            var described = await Boto3Async(second.Endpoint, $$"""
                e = ec2.describe_vpc_endpoints(VpcEndpointIds=["{{endpointId}}"])["VpcEndpoints"][0]
                print(json.dumps("http://" + e["DnsEntries"][0]["DnsName"]))
                """);
            Assert.Equal(endpointUrl, described.GetString());
            var sqs = Sqs(endpointUrl);
            await sqs.SendMessageAsync(url, "after restart");
            var ex = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => sqs.ReceiveMessageAsync(url));
            Assert.EndsWith("because no VPC endpoint policy allows the sqs:receivemessage action", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
