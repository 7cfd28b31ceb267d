using System.CommandLine;
using System.Text.Json;
using Gatehouse.Server.Cli;

namespace Gatehouse.Identity.Tests;

/// <summary>
/// "Why was I denied": each common denial, reproduced against the server with boto3, is explained by one
/// <c>gatehouse explain REQUEST-ID</c> that names the deciding layer and the failing element, and its fix, applied
/// by the test exactly as given, makes the retried request pass (or it says only the owner's root user can fix it).
/// </summary>
public sealed class ExplainTests : IAsyncLifetime
{
    private readonly IdentityServer server = new(TimeProvider.System, o => o with { HttpsPort = FreePort() });

    public Task InitializeAsync() => server.InitializeAsync();

    public Task DisposeAsync() => server.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Python helpers: make a user with inline policies and keys, catch a denial's request id, and apply a
    /// suggested fix as given (identity, queue or boundary policy).</summary>
    private const string Helpers = """
        import uuid
        def new_user(policies, account_iam=None, boundary=None):
            i = account_iam or iam
            name = "u" + uuid.uuid4().hex[:10]
            i.create_user(UserName=name)
            for n, doc in policies.items():
                i.put_user_policy(UserName=name, PolicyName=n, PolicyDocument=json.dumps(doc))
            if boundary:
                i.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
            k = i.create_access_key(UserName=name)["AccessKey"]
            return name, k["AccessKeyId"], k["SecretAccessKey"]
        def request_id(f):
            try:
                f()
                return None
            except botocore.exceptions.ClientError as e:
                return e.response["ResponseMetadata"]["RequestId"]
        def statements(doc):
            s = doc["Statement"]
            return s if isinstance(s, list) else [s]
        def edit(doc, fix):
            st = statements(doc)
            if fix["change"] == "AddStatement":
                st.append(json.loads(fix["statement"]))
            elif fix["change"] == "ReplaceStatement":
                st[fix["statementIndex"]] = json.loads(fix["statement"])
            else:
                del st[fix["statementIndex"]]
            doc["Statement"] = st
            return doc
        def apply_fix(fix, owner_sqs=None, owner_iam=None):
            layer, target, name = fix["layer"], fix["target"], fix.get("policyName")
            i = owner_iam or iam
            if layer == "IdentityPolicy":
                kind, entity = target.split(":")[5].split("/", 1)
                entity = entity.split("/")[-1]
                if fix["change"] == "AddStatement":
                    doc = {"Version": "2012-10-17", "Statement": [json.loads(fix["statement"])]}
                    getattr(i, "put_" + kind + "_policy")(**{kind.capitalize() + "Name": entity, "PolicyName": "gatehouse-fix", "PolicyDocument": json.dumps(doc)})
                else:
                    policy = name.split("/inline/")[1]
                    doc = getattr(i, "get_" + kind + "_policy")(**{kind.capitalize() + "Name": entity, "PolicyName": policy})["PolicyDocument"]
                    getattr(i, "put_" + kind + "_policy")(**{kind.capitalize() + "Name": entity, "PolicyName": policy, "PolicyDocument": json.dumps(edit(doc, fix))})
            elif layer == "ResourcePolicy":
                s = owner_sqs or client("sqs")
                account, queue = target.split(":")[4], target.split(":")[5]
                url = s.meta.endpoint_url + "/" + account + "/" + queue  # GetQueueUrl is refused by a lockout policy too
                current = s.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {}).get("Policy")
                doc = json.loads(current) if current else {"Version": "2012-10-17", "Statement": []}
                doc = edit(doc, fix)
                s.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(doc) if doc["Statement"] else ""})
            elif layer == "VpcEndpointPolicy":
                ec2 = client("ec2")
                current = ec2.describe_vpc_endpoints(VpcEndpointIds=[target])["VpcEndpoints"][0]["PolicyDocument"]
                ec2.modify_vpc_endpoint(VpcEndpointId=target, PolicyDocument=json.dumps(edit(json.loads(current), fix)))
            elif layer == "ServiceControlPolicy":
                orgs = client("organizations")
                policy = [p for p in orgs.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"] if name in (p["Id"], p["Name"], p["Arn"])][0]
                doc = edit(json.loads(orgs.describe_policy(PolicyId=policy["Id"])["Policy"]["Content"]), fix)
                if doc["Statement"]:
                    orgs.update_policy(PolicyId=policy["Id"], Content=json.dumps(doc))
                else:
                    for t in orgs.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]:
                        orgs.detach_policy(PolicyId=policy["Id"], TargetId=t["TargetId"])
            elif layer == "PermissionsBoundary":
                p = i.get_policy(PolicyArn=name)["Policy"]
                doc = i.get_policy_version(PolicyArn=name, VersionId=p["DefaultVersionId"])["PolicyVersion"]["Document"]
                i.create_policy_version(PolicyArn=name, PolicyDocument=json.dumps(edit(doc, fix)), SetAsDefault=True)
            else:
                raise Exception("no applier for " + layer)

        """;

    private async Task<JsonElement> Py(string script) => await server.Boto3Async(Helpers + script);

    private static string Q(string s) => JsonSerializer.Serialize(s);

    /// <summary>Runs the CLI in process against the server with the management account's root credentials.</summary>
    private async Task<(int Code, string Output, string Error)> Cli(params string[] args)
    {
        DiagnosticsClient.EnvironmentOverride.Value = k => k switch
        {
            "AWS_ACCESS_KEY_ID" => "test",
            "AWS_SECRET_ACCESS_KEY" => "test",
            _ => null,
        };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await DiagnosticsCommands.InvokeAsync([.. args, "--endpoint-url", server.Endpoint], new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    /// <summary><c>gatehouse explain ID --output json</c>: the denied decision of the request.</summary>
    private async Task<JsonElement> ExplainAsync(string requestId)
    {
        var (code, output, error) = await Cli("explain", requestId, "--output", "json");
        Assert.True(code == 0, error);
        var decisions = JsonDocument.Parse(output).RootElement.GetProperty("decisions").EnumerateArray().ToList();
        Assert.All(decisions, d => Assert.Equal(requestId, d.GetProperty("requestId").GetString()));
        var denied = decisions.Last(d => d.GetProperty("decision").GetString() != "Allow").Clone();
        Assert.True(denied.TryGetProperty("explanation", out _), denied.GetRawText());
        return denied;
    }

    private static JsonElement Explanation(JsonElement d) => d.GetProperty("explanation");

    private static JsonElement Layer(JsonElement d, string name) =>
        Explanation(d).GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("layer").GetString() == name);

    private static JsonElement FirstFix(JsonElement d) => Explanation(d).GetProperty("fixes").EnumerateArray().First();

    private static string Str(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    [Fact]
    public async Task No_policy_is_explained_as_no_identity_allow_and_the_suggested_statement_works()
    {
        var setup = await Py("""
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            name, key, secret = new_user({})
            rid = request_id(lambda: client("sqs", key, secret).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": key, "secret": secret, "rid": rid}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("ImplicitDeny", Str(d, "decision"));
        Assert.Equal("IdentityPolicy", Str(Explanation(d), "decidedBy"));
        Assert.Equal("Absent", Str(Layer(d, "IdentityPolicy"), "verdict"));
        Assert.Equal("the caller has no identity policies", Str(Layer(d, "IdentityPolicy"), "detail"));
        Assert.Equal("Absent", Str(Layer(d, "ResourcePolicy"), "verdict"));
        var fix = FirstFix(d);
        Assert.Equal("AddStatement", Str(fix, "change"));
        Assert.Contains("sqs:SendMessage", Str(fix, "statement"), StringComparison.Ordinal);

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task A_condition_mismatch_names_the_key_its_value_and_what_the_condition_wanted()
    {
        var setup = await Py("""
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            doc = {"Version": "2012-10-17", "Statement": [{"Sid": "FromOffice", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
                   "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}
            name, key, secret = new_user({"office": doc})
            rid = request_id(lambda: client("sqs", key, secret).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": key, "secret": secret, "rid": rid}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        var near = Layer(d, "IdentityPolicy").GetProperty("statements").EnumerateArray().Single();
        Assert.Equal("FromOffice", Str(near, "sid"));
        Assert.Equal("Condition", Str(near, "failedElement"));
        var condition = near.GetProperty("condition");
        Assert.Equal("aws:SourceIp", Str(condition, "key"));
        Assert.Equal("127.0.0.1", condition.GetProperty("requestValues")[0].GetString());
        Assert.Equal("10.0.0.0/8", condition.GetProperty("policyValues")[0].GetString());
        var fix = FirstFix(d);
        Assert.Equal("ReplaceStatement", Str(fix, "change"));

        // The terminal rendering says it in words.
        var (_, text, _) = await Cli("explain", Str(setup, "rid"));
        Assert.Contains("aws:SourceIp was 127.0.0.1; IpAddress wanted 10.0.0.0/8", text, StringComparison.Ordinal);
        Assert.Contains("IdentityPolicy", text, StringComparison.Ordinal);

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task An_explicit_deny_in_an_identity_policy_says_it_may_be_on_purpose_and_removing_it_allows()
    {
        var setup = await Py("""
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
                   {"Sid": "NoSending", "Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "*"}]}
            name, key, secret = new_user({"mixed": doc})
            rid = request_id(lambda: client("sqs", key, secret).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": key, "secret": secret, "rid": rid}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("ExplicitDeny", Str(d, "decision"));
        Assert.Equal("ExplicitDeny", Str(Layer(d, "IdentityPolicy"), "verdict"));
        Assert.True(Explanation(d).GetProperty("deniedOnPurpose").GetBoolean());
        var fix = FirstFix(d);
        Assert.Equal("RemoveStatement", Str(fix, "change"));
        Assert.Equal("NoSending", Str(fix, "statementSid"));
        Assert.Contains("should stay denied", Str(fix, "description"), StringComparison.Ordinal);

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task An_explicit_deny_in_the_queue_policy_is_named_and_removing_it_allows()
    {
        var setup = await Py("""
            name, key, secret = new_user({"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}})
            arn_user = iam.get_user(UserName=name)["User"]["Arn"]
            sqs = client("sqs")
            url = sqs.create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "NotThisUser", "Effect": "Deny", "Principal": {"AWS": arn_user}, "Action": "sqs:SendMessage", "Resource": arn}]})})
            rid = request_id(lambda: client("sqs", key, secret).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": key, "secret": secret, "rid": rid}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("ExplicitDeny", Str(d, "decision"));
        Assert.Equal("ResourcePolicy", Str(Explanation(d), "decidedBy"));
        Assert.Equal("Allow", Str(Layer(d, "IdentityPolicy"), "verdict"));
        var fix = FirstFix(d);
        Assert.Equal("RemoveStatement", Str(fix, "change"));
        Assert.False(fix.GetProperty("rootOnly").GetBoolean());

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task A_cross_account_call_allowed_on_one_side_only_asks_the_queue_policy_to_name_the_caller()
    {
        server.Registry.EnsureAccount("222233334444", "AKIAEXPLAINOTHER0001", "explain-other-secret");
        var setup = await Py("""
            other_iam = client("iam", "AKIAEXPLAINOTHER0001", "explain-other-secret")
            name, key, secret = new_user({"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}}, account_iam=other_iam)
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            rid = request_id(lambda: client("sqs", key, secret).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": key, "secret": secret, "rid": rid, "user": name}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("ResourcePolicy", Str(Explanation(d), "decidedBy"));
        Assert.Equal("Allow", Str(Layer(d, "IdentityPolicy"), "verdict"));
        Assert.Contains("Cross-account", Str(Explanation(d), "summary"), StringComparison.Ordinal);
        var fix = FirstFix(d);
        Assert.Equal("AddStatement", Str(fix, "change"));
        Assert.Contains($"arn:aws:iam::222233334444:user/{Str(setup, "user")}", Str(fix, "statement"), StringComparison.Ordinal);

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task A_permissions_boundary_denial_names_the_boundary_and_adding_to_it_allows()
    {
        var setup = await Py("""
            boundary = iam.create_policy(PolicyName="b" + uuid.uuid4().hex[:10], PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]}))["Policy"]["Arn"]
            name, key, secret = new_user({"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}}, boundary=boundary)
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            rid = request_id(lambda: client("sqs", key, secret).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": key, "secret": secret, "rid": rid, "boundary": boundary}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("PermissionsBoundary", Str(Explanation(d), "decidedBy"));
        Assert.Equal("NoMatch", Str(Layer(d, "PermissionsBoundary"), "verdict"));
        Assert.Equal("Allow", Str(Layer(d, "IdentityPolicy"), "verdict"));
        var fix = FirstFix(d);
        Assert.Equal(Str(setup, "boundary"), Str(fix, "policyName"));

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task A_session_policy_denial_says_to_take_a_new_session_and_one_with_the_statement_is_allowed()
    {
        var setup = await Py("""
            role = "r" + uuid.uuid4().hex[:10]
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}]}))
            iam.put_role_policy(RoleName=role, PolicyName="all", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))
            arn = "arn:aws:iam::000000000000:role/" + role
            _, ak, sk = new_user({"assume": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn}]}})
            c = client("sts", ak, sk).assume_role(RoleArn=arn, RoleSessionName="narrow", Policy=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]}))["Credentials"]
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            rid = request_id(lambda: client("sqs", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "rid": rid, "role": arn, "key": ak, "secret": sk}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("SessionPolicy", Str(Explanation(d), "decidedBy"));
        Assert.Equal("NoMatch", Str(Layer(d, "SessionPolicy"), "verdict"));
        var fix = FirstFix(d);
        Assert.Contains("new session", Str(fix, "description"), StringComparison.Ordinal);

        var retried = await Py($$"""
            fix = json.loads({{Q(fix.GetRawText())}})
            c = client("sts", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).assume_role(RoleArn={{Q(Str(setup, "role"))}}, RoleSessionName="wider", Policy=json.dumps(
                {"Version": "2012-10-17", "Statement": [json.loads(fix["statement"])]}))["Credentials"]
            print(json.dumps(request_id(lambda: client("sqs", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task A_queue_policy_that_locks_everyone_out_says_only_the_owners_root_user_can_fix_it()
    {
        var setup = await Py("""
            name, key, secret = new_user({"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}})
            sqs = client("sqs")
            url = sqs.create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "Lockout", "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]})})
            rid = request_id(lambda: client("sqs", key, secret).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": key, "secret": secret, "rid": rid}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("ResourcePolicy", Str(Explanation(d), "decidedBy"));
        var fix = FirstFix(d);
        Assert.True(fix.GetProperty("rootOnly").GetBoolean());
        Assert.Contains("root user (arn:aws:iam::000000000000:root)", Str(fix, "description"), StringComparison.Ordinal);

        // The fix, made by the owner's root user (the only one who can), lets the user in again.
        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task ListQueues_granted_only_on_a_queue_arn_is_explained_and_the_fix_allows_it()
    {
        var setup = await Py("""
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            arn = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            name, key, secret = new_user({"list": {"Version": "2012-10-17", "Statement": [{"Sid": "ListOne", "Effect": "Allow", "Action": "sqs:ListQueues", "Resource": arn}]}})
            rid = request_id(lambda: client("sqs", key, secret).list_queues())
            print(json.dumps({"key": key, "secret": secret, "rid": rid}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        var near = Layer(d, "IdentityPolicy").GetProperty("statements").EnumerateArray().Single();
        Assert.Equal("Resource", Str(near, "failedElement"));
        var fix = FirstFix(d);
        Assert.Contains("\"Resource\":\"arn:aws:sqs:us-east-1:000000000000:*\"", Str(fix, "statement"), StringComparison.Ordinal);

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).list_queues())))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task Troubleshoot_walks_a_request_not_made_and_recent_lists_denials_one_line_each()
    {
        var setup = await Py("""
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            doc = {"Version": "2012-10-17", "Statement": [{"Sid": "FromOffice", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
                   "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}
            name, key, secret = new_user({"office": doc})
            rid = request_id(lambda: client("sqs", key, secret).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "arn": iam.get_user(UserName=name)["User"]["Arn"], "rid": rid}))
            """);
        var arn = Str(setup, "arn");
        var (code, inside, _) = await Cli("troubleshoot", "--principal", arn, "--action", "sqs:SendMessage", "--resource", Str(setup, "url"),
            "--context", "aws:SourceIp=10.1.2.3", "--output", "json");
        Assert.Equal(0, code);
        Assert.Equal("Allow", JsonDocument.Parse(inside).RootElement.GetProperty("decisions")[0].GetProperty("decision").GetString());
        var (_, outside, _) = await Cli("troubleshoot", "--principal", arn, "--action", "sqs:SendMessage", "--resource", Str(setup, "url"),
            "--context", "aws:SourceIp=192.0.2.1");
        Assert.Contains("aws:SourceIp was 192.0.2.1; IpAddress wanted 10.0.0.0/8", outside, StringComparison.Ordinal);

        var (_, recent, _) = await Cli("recent", "--denied", "--principal", arn);
        var line = Assert.Single(recent.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Str(setup, "rid"), line, StringComparison.Ordinal);
        Assert.Contains("sqs:SendMessage", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_request_id_is_an_error_and_the_decision_api_answers_by_request_id()
    {
        var (code, _, error) = await Cli("explain", "00000000-0000-5000-8000-000000000000");
        Assert.Equal(1, code);
        Assert.Contains("No decision recorded", error, StringComparison.Ordinal);
        // The API the CLI calls: /_gatehouse/decision?requestId=…
        var client = new DiagnosticsClient(server.Endpoint, "us-east-1", new SigV4.SigV4SigningCredentials("test", "test"), new HttpClient());
        var json = await client.GetAsync("decision", [new("requestId", "none")], default);
        Assert.Equal(0, json.GetProperty("decisions").GetArrayLength());
    }

    [Fact]
    public async Task Lint_checks_a_policy_file_and_a_principals_stored_policies()
    {
        var file = Path.Combine(Path.GetTempPath(), "gatehouse-lint-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(file, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMesage","Resource":"*"}]}""");
        try
        {
            var (code, text, _) = await Cli("lint", file);
            Assert.Equal(2, code);
            Assert.Contains("UnknownAction", text, StringComparison.Ordinal);
            Assert.Contains("$.Statement[0].Action[0]", text, StringComparison.Ordinal);
            Assert.Contains("sqs:SendMessage", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        var setup = await Py("""
            name, key, secret = new_user({"list": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "arn:aws:sqs:us-east-1:000000000000:one"}]}})
            print(json.dumps({"arn": iam.get_user(UserName=name)["User"]["Arn"]}))
            """);
        var (_, json, _) = await Cli("lint", "--principal", Str(setup, "arn"), "--output", "json");
        var finding = Assert.Single(JsonDocument.Parse(json).RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("ListQueuesOnQueueArn", Str(finding, "code"));
    }

    [Fact]
    public async Task Suggest_policy_builds_the_least_privilege_policy_from_what_was_denied_and_it_allows_exactly_that()
    {
        var setup = await Py("""
            sqs = client("sqs")
            url = sqs.create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            other = sqs.create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            name, key, secret = new_user({})
            mine = client("sqs", key, secret)
            denied = [request_id(lambda: mine.send_message(QueueUrl=url, MessageBody="x")), request_id(lambda: mine.receive_message(QueueUrl=url))]
            print(json.dumps({"url": url, "other": other, "key": key, "secret": secret, "user": name,
                "arn": iam.get_user(UserName=name)["User"]["Arn"], "denied": denied}))
            """);
        Assert.All(setup.GetProperty("denied").EnumerateArray(), d => Assert.Equal(JsonValueKind.String, d.ValueKind));
        var (code, json, error) = await Cli("suggest-policy", "--principal", Str(setup, "arn"), "--output", "json");
        Assert.True(code == 0, error);
        var suggestion = JsonDocument.Parse(json).RootElement;
        var statement = Assert.Single(suggestion.GetProperty("identityPolicy").GetProperty("Statement").EnumerateArray());
        Assert.Equal(["sqs:ReceiveMessage", "sqs:SendMessage"], statement.GetProperty("Action").EnumerateArray().Select(a => a.GetString()));
        Assert.Empty(suggestion.GetProperty("resourcePolicyStatements").EnumerateArray());

        var retried = await Py($$"""
            iam.put_user_policy(UserName={{Q(Str(setup, "user"))}}, PolicyName="suggested", PolicyDocument=json.dumps(json.loads({{Q(suggestion.GetProperty("identityPolicy").GetRawText())}})))
            mine = client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}})
            print(json.dumps([request_id(lambda: mine.send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x")),
                request_id(lambda: mine.receive_message(QueueUrl={{Q(Str(setup, "url"))}})),
                request_id(lambda: mine.send_message(QueueUrl={{Q(Str(setup, "other"))}}, MessageBody="x"))]))
            """);
        Assert.Equal(JsonValueKind.Null, retried[0].ValueKind);
        Assert.Equal(JsonValueKind.Null, retried[1].ValueKind);
        Assert.Equal(JsonValueKind.String, retried[2].ValueKind); // nothing more than what was used
    }

    [Fact]
    public async Task A_producer_of_an_sse_kms_queue_without_kms_permission_is_explained_with_the_key_policy_layer()
    {
        var setup = await Py($$"""
            key = client("kms").create_key()["KeyMetadata"]["Arn"]
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10], Attributes={"KmsMasterKeyId": key})["QueueUrl"]
            name, k, s = new_user({"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]} })
            rid = request_id(lambda: client("sqs", k, s, endpoint={{Q(server.HttpsEndpoint!)}}).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": k, "secret": s, "rid": rid, "kms": key}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("kms:GenerateDataKey", Str(d, "action"));
        Assert.Equal(Str(setup, "kms"), Str(d, "resource"));
        Assert.Equal("IdentityPolicy", Str(Explanation(d), "decidedBy"));
        Assert.Equal("Allow", Str(Layer(d, "KmsKeyPolicy"), "verdict"));
        var fix = FirstFix(d);
        Assert.Contains("kms:GenerateDataKey", Str(fix, "statement"), StringComparison.Ordinal);
        Assert.Contains("kms:Decrypt", Str(fix, "statement"), StringComparison.Ordinal); // SQS asks for it next

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}, endpoint={{Q(server.HttpsEndpoint!)}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task An_scp_deny_is_named_at_its_level_and_removing_the_statement_allows()
    {
        var setup = await server.Boto3Async(OrganizationScripts.Prelude + Helpers + """
            root = ensure_org()
            account, _ = new_account("explain" + uuid.uuid4().hex[:6])
            key = admin("admin" + uuid.uuid4().hex[:6])
            creds = role_session(account, key)
            url = client("sqs", *creds).create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            user = user_in(creds, "u" + uuid.uuid4().hex[:6], allow("sqs:*"))
            scp("nosend" + uuid.uuid4().hex[:6], [{"Sid": "NoSend", "Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "*"}], account)
            rid = request_id(lambda: client("sqs", *user).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": user[0], "secret": user[1], "rid": rid}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("ExplicitDeny", Str(d, "decision"));
        Assert.Equal("ServiceControlPolicy", Str(Explanation(d), "decidedBy"));
        Assert.Equal("ExplicitDeny", Str(Layer(d, "ServiceControlPolicy"), "verdict"));
        var fix = FirstFix(d);
        Assert.Equal("RemoveStatement", Str(fix, "change"));
        Assert.Equal("NoSend", Str(fix, "statementSid"));

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }

    [Fact]
    public async Task A_vpc_endpoint_policy_denial_names_the_endpoint_and_adding_the_statement_allows()
    {
        var setup = await Py("""
            ec2 = client("ec2")
            vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
            policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:ReceiveMessage", "Resource": "*"}]})
            e = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.sqs", VpcEndpointType="Interface", PolicyDocument=policy)["VpcEndpoint"]
            ep = "http://" + e["DnsEntries"][0]["DnsName"]
            url = client("sqs").create_queue(QueueName="q" + uuid.uuid4().hex[:10])["QueueUrl"]
            name, k, s = new_user({"all": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}})
            rid = request_id(lambda: client("sqs", k, s, endpoint=ep).send_message(QueueUrl=url, MessageBody="x"))
            print(json.dumps({"url": url, "key": k, "secret": s, "rid": rid, "endpoint": ep, "id": e["VpcEndpointId"]}))
            """);
        var d = await ExplainAsync(Str(setup, "rid"));
        Assert.Equal("VpcEndpointPolicy", Str(Explanation(d), "decidedBy"));
        Assert.Equal("NoMatch", Str(Layer(d, "VpcEndpointPolicy"), "verdict"));
        Assert.Equal("Allow", Str(Layer(d, "IdentityPolicy"), "verdict"));
        var fix = FirstFix(d);
        Assert.Equal(Str(setup, "id"), Str(fix, "target"));

        var retried = await Py($$"""
            apply_fix(json.loads({{Q(fix.GetRawText())}}))
            print(json.dumps(request_id(lambda: client("sqs", {{Q(Str(setup, "key"))}}, {{Q(Str(setup, "secret"))}}, endpoint={{Q(Str(setup, "endpoint"))}}).send_message(QueueUrl={{Q(Str(setup, "url"))}}, MessageBody="x"))))
            """);
        Assert.Equal(JsonValueKind.Null, retried.ValueKind);
    }
}
