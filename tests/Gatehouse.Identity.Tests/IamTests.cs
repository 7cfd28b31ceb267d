using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Gatehouse.Identity.Tests;

/// <summary>IAM through boto3; the keys it makes sign SQS and STS calls through the AWS SDK for .NET.</summary>
[Collection("identity")]
public sealed class IamTests(IdentityServer server)
{
    [Fact]
    public async Task Created_user_key_signs_sqs_and_sts_calls_until_made_inactive()
    {
        var made = await server.Boto3Async("""
            u = iam.create_user(UserName="carol", Path="/team/")["User"]
            k = iam.create_access_key(UserName="carol")["AccessKey"]
            iam.attach_user_policy(UserName="carol", PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
            print(json.dumps({"arn": u["Arn"], "id": u["UserId"], "key": k["AccessKeyId"], "secret": k["SecretAccessKey"]}))
            """);
        var key = made.GetProperty("key").GetString()!;
        var secret = made.GetProperty("secret").GetString()!;
        Assert.Equal("arn:aws:iam::000000000000:user/team/carol", made.GetProperty("arn").GetString());
        Assert.Matches("^AKIA[A-Z2-7]{16}$", key);
        Assert.Equal(40, secret.Length);

        using var sqs = server.Sqs(key, secret);
        var queue = await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = "carols-queue" });
        await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue.QueueUrl, MessageBody = "hi" });
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue.QueueUrl, MessageSystemAttributeNames = ["SenderId"] });
        Assert.Equal(made.GetProperty("id").GetString(), received.Messages[0].Attributes["SenderId"]);

        using var sts = server.Sts(key, secret);
        Assert.Equal(made.GetProperty("arn").GetString(), (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest())).Arn);

        await server.Boto3Async($$"""
            iam.update_access_key(UserName="carol", AccessKeyId="{{key}}", Status="Inactive")
            print("null")
            """);
        var ex = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()));
        Assert.Equal("InvalidClientTokenId", ex.ErrorCode);
        var sqsEx = await Assert.ThrowsAsync<AmazonSQSException>(() => sqs.ListQueuesAsync(new ListQueuesRequest()));
        Assert.Equal("InvalidClientTokenId", sqsEx.ErrorCode);
    }

    [Fact]
    public async Task Users_groups_roles_policies_and_their_errors()
    {
        var result = await server.Boto3Async("""
            doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})
            out = {}
            iam.create_user(UserName="dave")
            out["dup"] = error(lambda: iam.create_user(UserName="dave"))
            out["missing"] = error(lambda: iam.get_user(UserName="nobody"))
            out["badname"] = error(lambda: iam.create_user(UserName="bad name"))
            out["malformed"] = error(lambda: iam.put_user_policy(UserName="dave", PolicyName="p", PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}'))
            iam.put_user_policy(UserName="dave", PolicyName="inline", PolicyDocument=doc)
            out["inline"] = iam.list_user_policies(UserName="dave")["PolicyNames"]
            iam.create_group(GroupName="ops")
            iam.add_user_to_group(GroupName="ops", UserName="dave")
            out["members"] = [u["UserName"] for u in iam.get_group(GroupName="ops")["Users"]]
            p = iam.create_policy(PolicyName="ops-policy", Path="/ops/", PolicyDocument=doc)["Policy"]
            out["policyArn"] = p["Arn"]
            out["policyId"] = p["PolicyId"]
            iam.attach_group_policy(GroupName="ops", PolicyArn=p["Arn"])
            out["deleteAttached"] = error(lambda: iam.delete_policy(PolicyArn=p["Arn"]))
            out["deleteGroupWithMembers"] = error(lambda: iam.delete_group(GroupName="ops"))
            out["deleteUserWithPolicies"] = error(lambda: iam.delete_user(UserName="dave"))
            for i in range(4):
                iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=doc)
            out["sixth"] = error(lambda: iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=doc))
            out["deleteDefault"] = error(lambda: iam.delete_policy_version(PolicyArn=p["Arn"], VersionId="v1"))
            iam.set_default_policy_version(PolicyArn=p["Arn"], VersionId="v3")
            out["default"] = iam.get_policy(PolicyArn=p["Arn"])["Policy"]["DefaultVersionId"]
            iam.put_user_permissions_boundary(UserName="dave", PermissionsBoundary="arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess")
            out["boundary"] = iam.get_user(UserName="dave")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
            iam.tag_user(UserName="dave", Tags=[{"Key": "team", "Value": "ops"}])
            out["tags"] = iam.list_user_tags(UserName="dave")["Tags"]
            r = iam.create_role(RoleName="ops-role", Path="/svc/", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
            out["roleArn"] = r["Arn"]
            out["roleTrustAction"] = iam.get_role(RoleName="ops-role")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Action"]
            iam.put_role_policy(RoleName="ops-role", PolicyName="rp", PolicyDocument=doc)
            out["deleteRoleWithPolicies"] = error(lambda: iam.delete_role(RoleName="ops-role"))
            out["awsPolicies"] = sorted(x["PolicyName"] for x in iam.list_policies(Scope="AWS")["Policies"])
            out["tooManyKeys"] = [iam.create_access_key(UserName="dave")["AccessKey"]["AccessKeyId"][:4] for i in range(2)] + [error(lambda: iam.create_access_key(UserName="dave"))]
            print(json.dumps(out))
            """);

        static void Error(System.Text.Json.JsonElement e, string code, string message)
        {
            Assert.Equal(code, e.GetProperty("Code").GetString());
            Assert.Equal(message, e.GetProperty("Message").GetString());
        }

        Error(result.GetProperty("dup"), "EntityAlreadyExists", "User with name dave already exists.");
        Error(result.GetProperty("missing"), "NoSuchEntity", "The user with name nobody cannot be found.");
        Assert.Equal(404, result.GetProperty("missing").GetProperty("Status").GetInt32());
        Error(result.GetProperty("badname"), "ValidationError",
            "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
        Error(result.GetProperty("malformed"), "MalformedPolicyDocument", "Policy statement must contain actions.");
        Assert.Equal("inline", result.GetProperty("inline")[0].GetString());
        Assert.Equal("dave", result.GetProperty("members")[0].GetString());
        Assert.Equal("arn:aws:iam::000000000000:policy/ops/ops-policy", result.GetProperty("policyArn").GetString());
        Assert.Matches("^ANPA[A-Z2-7]{17}$", result.GetProperty("policyId").GetString());
        Error(result.GetProperty("deleteAttached"), "DeleteConflict", "Cannot delete a policy attached to entities.");
        Error(result.GetProperty("deleteGroupWithMembers"), "DeleteConflict", "Cannot delete entity, must remove users from group first.");
        Error(result.GetProperty("deleteUserWithPolicies"), "DeleteConflict", "Cannot delete entity, must delete policies first.");
        Error(result.GetProperty("sixth"), "LimitExceeded",
            "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.");
        Error(result.GetProperty("deleteDefault"), "DeleteConflict", "Cannot delete the default version of a policy.");
        Assert.Equal("v3", result.GetProperty("default").GetString());
        Assert.Equal("arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess", result.GetProperty("boundary").GetString());
        Assert.Equal("ops", result.GetProperty("tags")[0].GetProperty("Value").GetString());
        Assert.Equal("arn:aws:iam::000000000000:role/svc/ops-role", result.GetProperty("roleArn").GetString());
        Assert.Equal("sts:AssumeRole", result.GetProperty("roleTrustAction").GetString());
        Error(result.GetProperty("deleteRoleWithPolicies"), "DeleteConflict", "Cannot delete entity, must delete policies first.");
        Assert.Equal(["AdministratorAccess", "AmazonSQSFullAccess", "AmazonSQSReadOnlyAccess", "PowerUserAccess", "ReadOnlyAccess"],
            result.GetProperty("awsPolicies").EnumerateArray().Select(e => e.GetString()!));
        Error(result.GetProperty("tooManyKeys")[2], "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2");

        var dave = server.Registry.GetUser("000000000000", "dave");
        var policies = await server.Registry.GetPoliciesAsync(new Services.Identity.Principal
        {
            Kind = Services.Identity.PrincipalKind.User,
            AccountId = "000000000000",
            Arn = dave.Arn,
            UserId = dave.UserId,
            Name = "dave",
            EntityId = dave.UserId,
        });
        Assert.Equal(["user/dave/inline/inline", "arn:aws:iam::000000000000:policy/ops/ops-policy"], policies.IdentityPolicies.Select(p => p.Name));
        Assert.Equal("arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess", policies.PermissionsBoundary?.Name);
    }

    [Fact]
    public async Task A_user_without_iam_permissions_is_refused_by_the_authorizer()
    {
        var made = await server.Boto3Async("""
            iam.create_user(UserName="erin")
            k = iam.create_access_key(UserName="erin")["AccessKey"]
            erin = client("iam", k["AccessKeyId"], k["SecretAccessKey"])
            print(json.dumps(error(lambda: erin.create_user(UserName="mallory"))))
            """);
        Assert.Equal("AccessDenied", made.GetProperty("Code").GetString());
        Assert.StartsWith("User: arn:aws:iam::000000000000:user/erin is not authorized to perform: iam:CreateUser", made.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }
}
