using System.Text.Json;

namespace Gatehouse.Identity.Tests;

/// <summary>Cross-account access between member accounts, <c>aws:PrincipalOrgID</c>, RCPs, leaving the organization,
/// and centralized root access (AssumeRoot), through boto3 on a server of its own.</summary>
public sealed class OrganizationAccessTests(IdentityServer server) : IClassFixture<IdentityServer>
{
    private const string OutsiderKey = "AKIAOUTSIDER00000001";
    private const string OutsiderSecret = "outsider-secret";

    private static string S(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    private Task<JsonElement> RunAsync(string script)
    {
        // An account outside the organization, with root credentials.
        server.Registry.EnsureAccount("444444444444", OutsiderKey, OutsiderSecret);
        return OrganizationScripts.RunAsync(server, script);
    }

    [Fact]
    public async Task Cross_account_between_members_needs_both_policies_and_an_org_wide_grant_ends_when_the_account_leaves()
    {
        var r = await RunAsync($$$"""
            ensure_org()
            org_id = org.describe_organization()["Organization"]["Id"]
            a, _ = new_account("owner-a")
            b, _ = new_account("caller-b")
            key = admin("xacct-admin")
            sa, sb = role_session(a, key), role_session(b, key)
            url = client("sqs", *sa).create_queue(QueueName="shared")["QueueUrl"]
            arn = "arn:aws:sqs:us-east-1:%s:shared" % a
            allowed = user_in(sb, "allowed", allow("sqs:SendMessage"))
            bare = user_in(sb, "bare", None)
            send = lambda creds: err(lambda: client("sqs", *creds).send_message(QueueUrl=url, MessageBody="x"))
            setp = lambda stmt: client("sqs", *sa).set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [stmt]})})
            out = {"a": a, "b": b, "org": org_id, "noqueuepolicy": send(allowed)}
            setp({"Effect": "Allow", "Principal": {"AWS": b}, "Action": "sqs:SendMessage", "Resource": arn})
            out["both"] = send(allowed)
            out["noidentity"] = send(bare)
            setp({"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn,
                  "Condition": {"StringEquals": {"aws:PrincipalOrgID": org_id} } })
            out["orgwide"] = send(allowed)
            out["outsider"] = send(("{{{OutsiderKey}}}", "{{{OutsiderSecret}}}"))
            org.remove_account_from_organization(AccountId=b)
            out["left"] = send(allowed)
            out["listed"] = [x["Id"] for x in org.list_accounts()["Accounts"]]
            print(json.dumps(out))
            """);
        var (a, b) = (S(r, "a"), S(r, "b"));
        var arn = $"arn:aws:sqs:us-east-1:{a}:shared";
        Assert.Equal($"User: arn:aws:iam::{b}:user/allowed is not authorized to perform: sqs:sendmessage on resource: {arn} because no resource-based policy allows the sqs:sendmessage action",
            S(r.GetProperty("noqueuepolicy"), "Message"));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("both").ValueKind);
        Assert.Equal($"User: arn:aws:iam::{b}:user/bare is not authorized to perform: sqs:sendmessage on resource: {arn} because no identity-based policy allows the sqs:sendmessage action",
            S(r.GetProperty("noidentity"), "Message"));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("orgwide").ValueKind);
        Assert.Equal($"User: arn:aws:iam::444444444444:root is not authorized to perform: sqs:sendmessage on resource: {arn} because no resource-based policy allows the sqs:sendmessage action",
            S(r.GetProperty("outsider"), "Message"));
        Assert.Equal($"User: arn:aws:iam::{b}:user/allowed is not authorized to perform: sqs:sendmessage on resource: {arn} because no resource-based policy allows the sqs:sendmessage action",
            S(r.GetProperty("left"), "Message"));
        Assert.DoesNotContain(b, r.GetProperty("listed").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task An_rcp_denies_callers_outside_the_organization_even_when_the_queue_policy_allows_everyone()
    {
        var r = await RunAsync($$$"""
            ensure_org()
            org_id = org.describe_organization()["Organization"]["Id"]
            c, _ = new_account("rcp-owner")
            sc = role_session(c, admin("rcp-admin"))
            url = client("sqs", *sc).create_queue(QueueName="perimeter")["QueueUrl"]
            arn = "arn:aws:sqs:us-east-1:%s:perimeter" % c
            client("sqs", *sc).set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}]})})
            send = lambda creds: err(lambda: client("sqs", *creds).send_message(QueueUrl=url, MessageBody="x"))
            out = {"c": c, "before": send(("{{{OutsiderKey}}}", "{{{OutsiderSecret}}}"))}
            scp("org-perimeter", [{"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"} } }],
                c, kind="RESOURCE_CONTROL_POLICY")
            out["after"] = send(("{{{OutsiderKey}}}", "{{{OutsiderSecret}}}"))
            out["member"] = send(("test", "test"))
            out["rcps"] = sorted(p["Name"] for p in org.list_policies_for_target(TargetId=c, Filter="RESOURCE_CONTROL_POLICY")["Policies"])
            print(json.dumps(out))
            """);
        var c = S(r, "c");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("before").ValueKind);
        Assert.Equal($"User: arn:aws:iam::444444444444:root is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:{c}:perimeter with an explicit deny in a resource control policy",
            S(r.GetProperty("after"), "Message"));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("member").ValueKind);
        Assert.Equal(["RCPFullAWSAccess", "org-perimeter"], r.GetProperty("rcps").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AssumeRoot_removes_a_deny_all_queue_policy_in_a_member_account_and_stays_bound_by_the_task_policy_and_scps()
    {
        var r = await RunAsync("""
            ensure_org()
            d, _ = new_account("locked-d")
            key = admin("root-admin")
            sd = role_session(d, key)
            dsqs = client("sqs", *sd)
            deny_all = lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": arn}]})
            urls = {}
            for name in ("locked", "held-locked"):
                urls[name] = dsqs.create_queue(QueueName=name)["QueueUrl"]
                dsqs.set_queue_attributes(QueueUrl=urls[name], Attributes={"Policy": deny_all("arn:aws:sqs:us-east-1:%s:%s" % (d, name))})
            scp("hold-queue-policies", [{"Effect": "Deny", "Action": "sqs:SetQueueAttributes", "Resource": "arn:aws:sqs:*:*:held-*"}], d)
            task = {"arn": "arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy"}
            mgmt_sts = client("sts", *key)
            out = {"d": d, "locked_out": err(lambda: dsqs.send_message(QueueUrl=urls["locked"], MessageBody="x"))}
            out["not_enabled"] = err(lambda: mgmt_sts.assume_root(TargetPrincipal=d, TaskPolicyArn=task))
            out["no_trusted_access"] = err(lambda: iam.enable_organizations_root_credentials_management())
            org.enable_aws_service_access(ServicePrincipal="iam.amazonaws.com")
            iam.enable_organizations_root_credentials_management()
            iam.enable_organizations_root_sessions()
            out["features"] = sorted(iam.list_organizations_features()["EnabledFeatures"])
            out["root_caller"] = err(lambda: client("sts").assume_root(TargetPrincipal=d, TaskPolicyArn=task))
            c = mgmt_sts.assume_root(TargetPrincipal=d, TaskPolicyArn=task, DurationSeconds=900)["Credentials"]
            rs = (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
            out["identity"] = client("sts", *rs).get_caller_identity()["Arn"]
            rsqs = client("sqs", *rs)
            rsqs.set_queue_attributes(QueueUrl=urls["locked"], Attributes={"Policy": ""})
            out["policy_after"] = rsqs.get_queue_attributes(QueueUrl=urls["locked"], AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
            out["held"] = err(lambda: rsqs.set_queue_attributes(QueueUrl=urls["held-locked"], Attributes={"Policy": ""}))
            out["root_send"] = err(lambda: rsqs.send_message(QueueUrl=urls["locked"], MessageBody="x"))
            out["unlocked_send"] = err(lambda: dsqs.send_message(QueueUrl=urls["locked"], MessageBody="x"))
            print(json.dumps(out))
            """);
        var d = S(r, "d");
        Assert.Equal($"User: arn:aws:sts::{d}:assumed-role/OrganizationAccountAccessRole/tests is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:{d}:locked with an explicit deny in a resource-based policy",
            S(r.GetProperty("locked_out"), "Message"));
        Assert.Equal("AccessDenied", S(r.GetProperty("not_enabled"), "Code"));
        Assert.Equal("ServiceAccessNotEnabledException", S(r.GetProperty("no_trusted_access"), "Code"));
        Assert.Equal(["RootCredentialsManagement", "RootSessions"], r.GetProperty("features").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("AccessDenied", S(r.GetProperty("root_caller"), "Code"));
        Assert.Equal($"arn:aws:iam::{d}:root", S(r, "identity"));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("policy_after").ValueKind);
        Assert.Equal($"User: arn:aws:iam::{d}:root is not authorized to perform: sqs:setqueueattributes on resource: arn:aws:sqs:us-east-1:{d}:held-locked with an explicit deny in a service control policy",
            S(r.GetProperty("held"), "Message"));
        Assert.Equal($"User: arn:aws:iam::{d}:root is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:{d}:locked with an explicit deny in a sessions policy",
            S(r.GetProperty("root_send"), "Message"));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("unlocked_send").ValueKind);
    }
}
