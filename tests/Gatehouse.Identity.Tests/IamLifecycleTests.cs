namespace Gatehouse.Identity.Tests;

/// <summary>Every IAM action Gatehouse serves, through boto3 (the Query protocol), with what each one answers.</summary>
[Collection("identity")]
public sealed class IamLifecycleTests(IdentityServer server)
{
    private const string Allow = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}""";

    [Fact]
    public async Task Users_groups_and_their_keys_policies_and_boundaries()
    {
        var r = await server.Boto3Async($$"""
            out = {}
            iam.create_user(UserName="lc-user")
            iam.update_user(UserName="lc-user", NewPath="/moved/")
            out["path"] = iam.get_user(UserName="lc-user")["User"]["Path"]
            k = iam.create_access_key(UserName="lc-user")["AccessKey"]["AccessKeyId"]
            out["keys"] = [x["AccessKeyId"] for x in iam.list_access_keys(UserName="lc-user")["AccessKeyMetadata"]] == [k]
            iam.delete_access_key(UserName="lc-user", AccessKeyId=k)
            out["keysAfter"] = len(iam.list_access_keys(UserName="lc-user")["AccessKeyMetadata"])
            iam.put_user_policy(UserName="lc-user", PolicyName="inline", PolicyDocument='{{Allow}}')
            out["inline"] = json.loads(json.dumps(iam.get_user_policy(UserName="lc-user", PolicyName="inline")["PolicyDocument"]))["Statement"][0]["Action"]
            iam.delete_user_policy(UserName="lc-user", PolicyName="inline")
            out["inlineAfter"] = iam.list_user_policies(UserName="lc-user")["PolicyNames"]
            arn = "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"
            iam.attach_user_policy(UserName="lc-user", PolicyArn=arn)
            out["attached"] = [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName="lc-user")["AttachedPolicies"]]
            iam.detach_user_policy(UserName="lc-user", PolicyArn=arn)
            out["attachedAfter"] = len(iam.list_attached_user_policies(UserName="lc-user")["AttachedPolicies"])
            iam.put_user_permissions_boundary(UserName="lc-user", PermissionsBoundary=arn)
            out["boundary"] = iam.get_user(UserName="lc-user")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
            iam.delete_user_permissions_boundary(UserName="lc-user")
            out["boundaryAfter"] = "PermissionsBoundary" in iam.get_user(UserName="lc-user")["User"]

            iam.create_group(GroupName="lc-group")
            out["groups"] = "lc-group" in [g["GroupName"] for g in iam.list_groups()["Groups"]]
            iam.add_user_to_group(GroupName="lc-group", UserName="lc-user")
            out["userGroups"] = [g["GroupName"] for g in iam.list_groups_for_user(UserName="lc-user")["Groups"]]
            iam.remove_user_from_group(GroupName="lc-group", UserName="lc-user")
            out["userGroupsAfter"] = len(iam.list_groups_for_user(UserName="lc-user")["Groups"])
            iam.put_group_policy(GroupName="lc-group", PolicyName="g", PolicyDocument='{{Allow}}')
            out["groupPolicy"] = iam.get_group_policy(GroupName="lc-group", PolicyName="g")["PolicyName"]
            out["groupPolicies"] = iam.list_group_policies(GroupName="lc-group")["PolicyNames"]
            iam.delete_group_policy(GroupName="lc-group", PolicyName="g")
            iam.attach_group_policy(GroupName="lc-group", PolicyArn=arn)
            out["groupAttached"] = len(iam.list_attached_group_policies(GroupName="lc-group")["AttachedPolicies"])
            iam.detach_group_policy(GroupName="lc-group", PolicyArn=arn)
            out["groupAttachedAfter"] = len(iam.list_attached_group_policies(GroupName="lc-group")["AttachedPolicies"])
            iam.delete_group(GroupName="lc-group")
            iam.delete_user(UserName="lc-user")
            print(json.dumps(out))
            """);
        Assert.Equal("/moved/", r.GetProperty("path").GetString());
        Assert.True(r.GetProperty("keys").GetBoolean());
        Assert.Equal(0, r.GetProperty("keysAfter").GetInt32());
        Assert.Equal("sqs:*", r.GetProperty("inline").GetString());
        Assert.Equal(0, r.GetProperty("inlineAfter").GetArrayLength());
        Assert.Equal("arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess", r.GetProperty("attached")[0].GetString());
        Assert.Equal(0, r.GetProperty("attachedAfter").GetInt32());
        Assert.Equal("arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess", r.GetProperty("boundary").GetString());
        Assert.False(r.GetProperty("boundaryAfter").GetBoolean());
        Assert.True(r.GetProperty("groups").GetBoolean());
        Assert.Equal("lc-group", r.GetProperty("userGroups")[0].GetString());
        Assert.Equal(0, r.GetProperty("userGroupsAfter").GetInt32());
        Assert.Equal("g", r.GetProperty("groupPolicy").GetString());
        Assert.Equal("g", r.GetProperty("groupPolicies")[0].GetString());
        Assert.Equal(1, r.GetProperty("groupAttached").GetInt32());
        Assert.Equal(0, r.GetProperty("groupAttachedAfter").GetInt32());
    }

    [Fact]
    public async Task Roles_and_managed_policy_versions()
    {
        var r = await server.Boto3Async($$"""
            out = {}
            trust = {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}
            iam.create_role(RoleName="lc-role", AssumeRolePolicyDocument=json.dumps(trust))
            iam.update_role(RoleName="lc-role", Description="updated", MaxSessionDuration=7200)
            role = iam.get_role(RoleName="lc-role")["Role"]
            out["role"] = [role["Description"], role["MaxSessionDuration"]]
            trust["Statement"][0]["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"} }
            iam.update_assume_role_policy(RoleName="lc-role", PolicyDocument=json.dumps(trust))
            out["trust"] = "aws:MultiFactorAuthPresent" in json.dumps(iam.get_role(RoleName="lc-role")["Role"]["AssumeRolePolicyDocument"])
            iam.put_role_policy(RoleName="lc-role", PolicyName="r", PolicyDocument='{{Allow}}')
            out["rolePolicy"] = iam.get_role_policy(RoleName="lc-role", PolicyName="r")["PolicyName"]
            out["rolePolicies"] = iam.list_role_policies(RoleName="lc-role")["PolicyNames"]
            iam.delete_role_policy(RoleName="lc-role", PolicyName="r")
            arn = "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"
            iam.attach_role_policy(RoleName="lc-role", PolicyArn=arn)
            out["roleAttached"] = len(iam.list_attached_role_policies(RoleName="lc-role")["AttachedPolicies"])
            iam.detach_role_policy(RoleName="lc-role", PolicyArn=arn)
            out["roleAttachedAfter"] = len(iam.list_attached_role_policies(RoleName="lc-role")["AttachedPolicies"])
            iam.put_role_permissions_boundary(RoleName="lc-role", PermissionsBoundary=arn)
            out["boundary"] = iam.get_role(RoleName="lc-role")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
            iam.delete_role_permissions_boundary(RoleName="lc-role")
            iam.tag_role(RoleName="lc-role", Tags=[{"Key":"team","Value":"orders"}])
            out["tags"] = iam.list_role_tags(RoleName="lc-role")["Tags"]
            iam.untag_role(RoleName="lc-role", TagKeys=["team"])
            out["tagsAfter"] = len(iam.list_role_tags(RoleName="lc-role")["Tags"])

            p = iam.create_policy(PolicyName="lc-policy", PolicyDocument='{{Allow}}')["Policy"]["Arn"]
            iam.create_policy_version(PolicyArn=p, PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}', SetAsDefault=True)
            out["versions"] = sorted(v["VersionId"] for v in iam.list_policy_versions(PolicyArn=p)["Versions"])
            out["v2"] = iam.get_policy_version(PolicyArn=p, VersionId="v2")["PolicyVersion"]["IsDefaultVersion"]
            iam.attach_role_policy(RoleName="lc-role", PolicyArn=p)
            out["entities"] = [x["RoleName"] for x in iam.list_entities_for_policy(PolicyArn=p)["PolicyRoles"]]
            iam.detach_role_policy(RoleName="lc-role", PolicyArn=p)
            iam.delete_policy_version(PolicyArn=p, VersionId="v1")
            iam.delete_policy(PolicyArn=p)
            iam.delete_role(RoleName="lc-role")
            print(json.dumps(out))
            """);
        Assert.Equal("updated", r.GetProperty("role")[0].GetString());
        Assert.Equal(7200, r.GetProperty("role")[1].GetInt32());
        Assert.True(r.GetProperty("trust").GetBoolean());
        Assert.Equal("r", r.GetProperty("rolePolicy").GetString());
        Assert.Equal("r", r.GetProperty("rolePolicies")[0].GetString());
        Assert.Equal(1, r.GetProperty("roleAttached").GetInt32());
        Assert.Equal(0, r.GetProperty("roleAttachedAfter").GetInt32());
        Assert.Equal("arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess", r.GetProperty("boundary").GetString());
        Assert.Equal("orders", r.GetProperty("tags")[0].GetProperty("Value").GetString());
        Assert.Equal(0, r.GetProperty("tagsAfter").GetInt32());
        Assert.Equal(["v1", "v2"], r.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        Assert.True(r.GetProperty("v2").GetBoolean());
        Assert.Equal("lc-role", r.GetProperty("entities")[0].GetString());
    }

    [Fact]
    public async Task Session_tokens_through_boto3()
    {
        var r = await server.Boto3Async("""
            c = sts.get_session_token(DurationSeconds=900)["Credentials"]
            s = client("sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
            print(json.dumps({"arn": s.get_caller_identity()["Arn"], "again": error(lambda: s.get_session_token())}))
            """);
        Assert.Equal("arn:aws:iam::000000000000:root", r.GetProperty("arn").GetString());
        Assert.Equal("AccessDenied", r.GetProperty("again").GetProperty("Code").GetString());
    }
}
