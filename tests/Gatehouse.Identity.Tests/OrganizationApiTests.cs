using System.Text.Json;

namespace Gatehouse.Identity.Tests;

/// <summary>The Organizations API and SCPs through boto3 (botocore's JSON clients for Organizations and SQS), on a
/// server of its own so the organization's account quota is not shared.</summary>
public sealed class OrganizationApiTests(IdentityServer server) : IClassFixture<IdentityServer>
{
    private static string S(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    [Fact]
    public async Task An_account_in_no_organization_is_told_so()
    {
        server.Registry.EnsureAccount("333333333333", "AKIASTANDALONE000001", "standalone-secret");
        var result = await OrganizationScripts.RunAsync(server, """
            o = client("organizations", "AKIASTANDALONE000001", "standalone-secret")
            print(json.dumps(err(lambda: o.describe_organization())))
            """);
        Assert.Equal("AWSOrganizationsNotInUseException", S(result, "Code"));
        Assert.Equal("Your account is not a member of an organization.", S(result, "Message"));
    }

    [Fact]
    public async Task Builds_an_organization_a_member_account_with_its_role_and_units()
    {
        var r = await OrganizationScripts.RunAsync(server, """
            root = ensure_org()
            acct, states = new_account("builder")
            out = {"states": states, "account": acct, "root": root}
            out["listed"] = [a["Id"] for a in org.list_accounts()["Accounts"]]
            d = org.describe_account(AccountId=acct)["Account"]
            out["email"], out["joined"] = d["Email"], d["JoinedMethod"]
            ou = org.create_organizational_unit(ParentId=root, Name="Workloads-b")["OrganizationalUnit"]
            out["dupou"] = err(lambda: org.create_organizational_unit(ParentId=root, Name="Workloads-b"))
            org.move_account(AccountId=acct, SourceParentId=root, DestinationParentId=ou["Id"])
            out["parents"] = org.list_parents(ChildId=acct)["Parents"]
            out["children"] = [c["Id"] for c in org.list_children(ParentId=ou["Id"], ChildType="ACCOUNT")["Children"]]
            out["notempty"] = err(lambda: org.delete_organizational_unit(OrganizationalUnitId=ou["Id"]))
            out["scps"] = [p["Name"] for p in org.list_policies_for_target(TargetId=acct, Filter="SERVICE_CONTROL_POLICY")["Policies"]]
            out["lastscp"] = err(lambda: org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=acct))
            out["malformed"] = err(lambda: org.create_policy(Name="bad", Description="", Type="SERVICE_CONTROL_POLICY", Content="{\"Statement\":[]}"))
            key = admin("builder-admin")
            session = role_session(acct, key)
            out["caller"] = client("sts", *session).get_caller_identity()["Arn"]
            mi = client("iam", *session)
            role = mi.get_role(RoleName="OrganizationAccountAccessRole")["Role"]
            out["trust"] = role["AssumeRolePolicyDocument"]
            out["rolepolicy"] = mi.get_role_policy(RoleName="OrganizationAccountAccessRole", PolicyName="AdministratorAccess")["PolicyDocument"]
            mo = client("organizations", *session)
            out["memberlist"] = err(lambda: mo.list_accounts())
            out["memberdescribe"] = mo.describe_organization()["Organization"]["MasterAccountId"]
            print(json.dumps(out))
            """);
        var account = S(r, "account");
        Assert.Equal(["IN_PROGRESS", "SUCCEEDED"], r.GetProperty("states").EnumerateArray().Select(s => s.GetString()));
        Assert.Matches("^[0-9]{12}$", account);
        Assert.Contains(account, r.GetProperty("listed").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("000000000000", r.GetProperty("listed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("builder@example.com", S(r, "email"));
        Assert.Equal("CREATED", S(r, "joined"));
        Assert.Equal("DuplicateOrganizationalUnitException", S(r.GetProperty("dupou"), "Code"));
        Assert.Equal("ORGANIZATIONAL_UNIT", S(r.GetProperty("parents")[0], "Type"));
        Assert.Equal([account], r.GetProperty("children").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("OrganizationalUnitNotEmptyException", S(r.GetProperty("notempty"), "Code"));
        Assert.Equal(["FullAWSAccess"], r.GetProperty("scps").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("ConstraintViolationException", S(r.GetProperty("lastscp"), "Code"));
        Assert.Equal("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", S(r.GetProperty("lastscp"), "Reason"));
        Assert.Equal("MalformedPolicyDocumentException", S(r.GetProperty("malformed"), "Code"));
        Assert.Equal($"arn:aws:sts::{account}:assumed-role/OrganizationAccountAccessRole/tests", S(r, "caller"));
        var trust = r.GetProperty("trust").GetRawText();
        Assert.Contains("arn:aws:iam::000000000000:root", trust, StringComparison.Ordinal);
        Assert.Contains("\"Action\":\"*\"", r.GetProperty("rolepolicy").GetRawText().Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal("AccessDeniedException", S(r.GetProperty("memberlist"), "Code"));
        Assert.Equal("You don't have permissions to access this resource.", S(r.GetProperty("memberlist"), "Message"));
        Assert.Equal("000000000000", S(r, "memberdescribe"));

        // Centralized root access: an account made by CreateAccount has no root credentials.
        Assert.Contains(server.Registry.Accounts(), a => a.Id == account && a.RootAccessKeyId is null);
    }

    [Fact]
    public async Task An_scp_deny_beats_identity_and_queue_policy_allows_binds_the_member_root_and_not_the_management_account()
    {
        var setup = await OrganizationScripts.RunAsync(server, """
            root = ensure_org()
            acct, _ = new_account("scpdeny")
            print(json.dumps({"account": acct, "root": root}))
            """);
        var account = S(setup, "account");
        // The member's root user, with credentials set as a world file would (CreateAccount gives it none).
        server.Registry.EnsureAccount(account, "AKIASCPDENYROOT00001", "scp-deny-root-secret");
        var r = await OrganizationScripts.RunAsync(server, $$"""
            acct, root = "{{account}}", "{{S(setup, "root")}}"
            session = role_session(acct, admin("scpdeny-admin"))
            msqs = client("sqs", *session)
            url = msqs.create_queue(QueueName="scp-locked-q")["QueueUrl"]
            arn = "arn:aws:sqs:us-east-1:%s:scp-locked-q" % acct
            sender = user_in(session, "sender", allow("sqs:*"))
            msqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % acct}, "Action": "sqs:SendMessage", "Resource": arn}]})})
            out = {"before": err(lambda: client("sqs", *sender).send_message(QueueUrl=url, MessageBody="x"))}
            # Deny at the root of the organization: every member account, never the management account.
            scp("deny-send-scp-locked", [{"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:*:scp-locked-*"}], root)
            out["user"] = err(lambda: client("sqs", *sender).send_message(QueueUrl=url, MessageBody="x"))
            out["root"] = err(lambda: client("sqs", "AKIASCPDENYROOT00001", "scp-deny-root-secret").send_message(QueueUrl=url, MessageBody="x"))
            out["receive"] = err(lambda: client("sqs", *sender).receive_message(QueueUrl=url))
            murl = client("sqs").create_queue(QueueName="scp-locked-management")["QueueUrl"]
            out["management"] = err(lambda: client("sqs").send_message(QueueUrl=murl, MessageBody="x"))
            print(json.dumps(out))
            """);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("before").ValueKind);
        Assert.Equal("AccessDenied", S(r.GetProperty("user"), "Code"));
        Assert.Equal($"User: arn:aws:iam::{account}:user/sender is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:{account}:scp-locked-q with an explicit deny in a service control policy",
            S(r.GetProperty("user"), "Message"));
        Assert.Equal($"User: arn:aws:iam::{account}:root is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:{account}:scp-locked-q with an explicit deny in a service control policy",
            S(r.GetProperty("root"), "Message"));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("receive").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("management").ValueKind);
    }

    [Fact]
    public async Task An_allow_list_scp_without_sqs_denies_sqs()
    {
        var r = await OrganizationScripts.RunAsync(server, """
            root = ensure_org()
            acct, _ = new_account("allowlist")
            session = role_session(acct, admin("allowlist-admin"))
            url = client("sqs", *session).create_queue(QueueName="allow-listed")["QueueUrl"]
            ou = org.create_organizational_unit(ParentId=root, Name="AllowList")["OrganizationalUnit"]["Id"]
            scp("only-iam-and-sts", [{"Effect": "Allow", "Action": ["iam:*", "sts:*"], "Resource": "*"}], ou)
            org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=ou)
            org.move_account(AccountId=acct, SourceParentId=root, DestinationParentId=ou)
            out = {"account": acct, "send": err(lambda: client("sqs", *session).send_message(QueueUrl=url, MessageBody="x"))}
            out["iam"] = err(lambda: client("iam", *session).list_users())
            print(json.dumps(out))
            """);
        var account = S(r, "account");
        Assert.Equal($"User: arn:aws:sts::{account}:assumed-role/OrganizationAccountAccessRole/tests is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:{account}:allow-listed because no service control policy allows the sqs:sendmessage action",
            S(r.GetProperty("send"), "Message"));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("iam").ValueKind);
    }
    [Fact]
    public async Task Lists_come_in_pages_that_paginators_follow_and_tokens_belong_to_their_operation()
    {
        var r = await OrganizationScripts.RunAsync(server, """
            root = ensure_org()
            for i in range(3):
                name = "paging-%d" % i
                if name not in [p["Name"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]]:
                    org.create_policy(Name=name, Description="", Type="SERVICE_CONTROL_POLICY",
                        Content='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}')
            whole = org.list_policies(Filter="SERVICE_CONTROL_POLICY")
            first = org.list_policies(Filter="SERVICE_CONTROL_POLICY", MaxResults=1)
            pages = list(org.get_paginator("list_policies").paginate(Filter="SERVICE_CONTROL_POLICY", PaginationConfig={"PageSize": 2}))
            out = {
                "whole": [p["Id"] for p in whole["Policies"]], "wholeToken": "NextToken" in whole,
                "first": [p["Id"] for p in first["Policies"]], "firstToken": first.get("NextToken"),
                "paged": [p["Id"] for page in pages for p in page["Policies"]], "pageSizes": [len(page["Policies"]) for page in pages],
                "foreign": err(lambda: org.list_roots(NextToken=first["NextToken"])),
                "garbage": err(lambda: org.list_policies(Filter="SERVICE_CONTROL_POLICY", NextToken="not-a-token")),
                "toomany": err(lambda: org.list_accounts(MaxResults=21)),
            }
            print(json.dumps(out))
            """);
        var whole = r.GetProperty("whole").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.True(whole.Count >= 4, string.Join(",", whole));
        Assert.False(r.GetProperty("wholeToken").GetBoolean());
        Assert.Single(r.GetProperty("first").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(r.GetProperty("firstToken").GetString()));
        Assert.Equal(whole, r.GetProperty("paged").EnumerateArray().Select(e => e.GetString()));
        Assert.All(r.GetProperty("pageSizes").EnumerateArray(), n => Assert.InRange(n.GetInt32(), 1, 2));
        foreach (var bad in new[] { "foreign", "garbage" })
        {
            Assert.Equal("InvalidInputException", S(r.GetProperty(bad), "Code"));
            Assert.Equal("INVALID_NEXT_TOKEN", S(r.GetProperty(bad), "Reason"));
        }

        Assert.Equal("InvalidInputException", S(r.GetProperty("toomany"), "Code"));
        Assert.Equal("MAX_VALUE_EXCEEDED", S(r.GetProperty("toomany"), "Reason"));
    }
}
