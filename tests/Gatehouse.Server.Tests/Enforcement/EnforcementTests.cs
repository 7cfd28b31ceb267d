namespace Gatehouse.Server.Tests.Enforcement;

/// <summary>
/// One scenario per seed point and per row of the reference's evaluation tables, each run through the AWS SDK for
/// .NET (JSON) and a Query-protocol client, checking the error code, HTTP status and AWS's message.
/// </summary>
[Collection("enforcement")]
public sealed class EnforcementTests(EnforcementFixture f)
{
    public static TheoryData<string> Protocols => new() { "json", "query" };

    private static string Allow(string principal, string action, string resource = "QUEUE_ARN") =>
        $$"""{"Version":"2012-10-17","Statement":[{"Sid":"grant","Effect":"Allow","Principal":{{principal}},"Action":"{{action}}","Resource":"{{resource}}"}]}""";

    private static void Denied(Outcome o, string message)
    {
        Assert.False(o.Ok, "the request was allowed");
        Assert.Equal("AccessDenied", o.Code);
        Assert.Equal(403, o.Status);
        Assert.Equal(message, o.Message);
    }

    private static string Msg(string who, string action, string arn, string reason) =>
        $"User: {who} is not authorized to perform: {action} on resource: {arn} {reason}";

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task No_policy_anywhere_is_denied_by_identity(string p)
    {
        var (url, arn) = await f.NewQueueAsync();
        Denied(await f.As(p, "alice").SendMessage(url, "x"),
            Msg("arn:aws:iam::000000000000:user/alice", "sqs:sendmessage", arn, "because no identity-based policy allows the sqs:sendmessage action"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Identity_allow_grants_and_SenderId_is_the_caller(string p)
    {
        var (url, _) = await f.NewQueueAsync();
        Assert.True((await f.As(p, "bob").SendMessage(url, "from bob")).Ok);
        var got = await f.As(p, "bob").ReceiveMessage(url);
        Assert.Equal("from bob", got.Values["Body"]);
        Assert.Equal(f.Identities.PrincipalOf("bob").UserId, got.Values["SenderId"]);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Queue_policy_alone_grants_a_same_account_user(string p)
    {
        var (url, _) = await f.NewQueueAsync(Allow("""{"AWS":"arn:aws:iam::000000000000:user/alice"}""", "sqs:SendMessage"));
        Assert.True((await f.As(p, "alice").SendMessage(url, "x")).Ok);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Explicit_deny_in_identity_policy_wins(string p)
    {
        var (url, arn) = await f.NewQueueAsync(Allow("""{"AWS":"arn:aws:iam::000000000000:user/carol"}""", "sqs:*"));
        Denied(await f.As(p, "carol").SendMessage(url, "x"),
            Msg("arn:aws:iam::000000000000:user/carol", "sqs:sendmessage", arn, "with an explicit deny in an identity-based policy"));
        Assert.True((await f.As(p, "carol").GetQueueAttributes(url, "QueueArn")).Ok);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Explicit_deny_in_queue_policy_wins(string p)
    {
        var (url, arn) = await f.NewQueueAsync("""{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/bob"},"Action":"sqs:SendMessage","Resource":"QUEUE_ARN"}]}""");
        Denied(await f.As(p, "bob").SendMessage(url, "x"),
            Msg("arn:aws:iam::000000000000:user/bob", "sqs:sendmessage", arn, "with an explicit deny in a resource-based policy"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Cross_account_needs_both_sides(string p)
    {
        var (url, arn) = await f.NewQueueAsync();
        Denied(await f.As(p, "erin").SendMessage(url, "x"),
            Msg("arn:aws:iam::111111111111:user/erin", "sqs:sendmessage", arn, "because no resource-based policy allows the sqs:sendmessage action"));

        var (granted, grantedArn) = await f.NewQueueAsync(Allow("""{"AWS":"arn:aws:iam::111111111111:root"}""", "sqs:SendMessage"));
        Denied(await f.As(p, "frank").SendMessage(granted, "x"),
            Msg("arn:aws:iam::111111111111:user/frank", "sqs:sendmessage", grantedArn, "because no identity-based policy allows the sqs:sendmessage action"));
        Assert.True((await f.As(p, "erin").SendMessage(granted, "x")).Ok);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Actions_that_never_work_across_accounts_are_refused(string p)
    {
        var (url, _) = await f.NewQueueAsync(Allow("""{"AWS":"arn:aws:iam::111111111111:root"}""", "sqs:*"));
        var outcome = await f.As(p, "erin").DeleteQueue(url);
        Assert.False(outcome.Ok);
        Assert.Equal("AccessDenied", outcome.Code);
        Assert.Equal(403, outcome.Status);
        Assert.True((await f.As(p, "erin").SendMessage(url, "shareable")).Ok);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Source_ip_condition_restricts(string p)
    {
        var (url, arn) = await f.NewQueueAsync();
        Denied(await f.As(p, "heidi").SendMessage(url, "x"),
            Msg("arn:aws:iam::000000000000:user/heidi", "sqs:sendmessage", arn, "because no identity-based policy allows the sqs:sendmessage action"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Secure_transport_condition_fails_over_http(string p)
    {
        var (url, _) = await f.NewQueueAsync();
        Assert.Equal("AccessDenied", (await f.As(p, "mallory").SendMessage(url, "x")).Code);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Queue_policy_with_current_time_condition(string p)
    {
        var (expired, arn) = await f.NewQueueAsync(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"sqs:SendMessage","Resource":"QUEUE_ARN","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}""");
        Denied(await f.As(p, "alice").SendMessage(expired, "x"),
            Msg("arn:aws:iam::000000000000:user/alice", "sqs:sendmessage", arn, "because no identity-based policy allows the sqs:sendmessage action"));
        var (open, _) = await f.NewQueueAsync(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"sqs:SendMessage","Resource":"QUEUE_ARN","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}""");
        Assert.True((await f.As(p, "alice").SendMessage(open, "x")).Ok);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Principal_tags_against_resource_tags(string p)
    {
        var (orders, _) = await f.NewQueueAsync(tags: new() { ["team"] = "orders" });
        Assert.True((await f.As(p, "ivan").SendMessage(orders, "x")).Ok);
        var (billing, arn) = await f.NewQueueAsync(tags: new() { ["team"] = "billing" });
        Denied(await f.As(p, "ivan").SendMessage(billing, "x"),
            Msg("arn:aws:iam::000000000000:user/ivan", "sqs:sendmessage", arn, "because no identity-based policy allows the sqs:sendmessage action"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Permissions_boundary_caps_the_identity_policy(string p)
    {
        var (url, arn) = await f.NewQueueAsync();
        Denied(await f.As(p, "dave").SendMessage(url, "x"),
            Msg("arn:aws:iam::000000000000:user/dave", "sqs:sendmessage", arn, "because no permissions boundary allows the sqs:sendmessage action"));
        Assert.True((await f.As(p, "dave").ReceiveMessage(url)).Ok);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Session_policy_caps_the_role(string p)
    {
        var (url, arn) = await f.NewQueueAsync();
        Assert.True((await f.As(p, "session").SendMessage(url, "x")).Ok);
        Denied(await f.As(p, "narrow-session").SendMessage(url, "x"),
            Msg("arn:aws:sts::000000000000:assumed-role/app-role/narrow", "sqs:sendmessage", arn, "because no session policy allows the sqs:sendmessage action"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Queue_policy_naming_the_role_or_the_session(string p)
    {
        var (byRole, _) = await f.NewQueueAsync(Allow("""{"AWS":"arn:aws:iam::000000000000:role/plain-role"}""", "sqs:SendMessage"));
        Assert.True((await f.As(p, "plain-role-session").SendMessage(byRole, "x")).Ok);
        var (bySession, _) = await f.NewQueueAsync(Allow("""{"AWS":"arn:aws:sts::000000000000:assumed-role/plain-role/p1"}""", "sqs:SendMessage"));
        Assert.True((await f.As(p, "plain-role-session").SendMessage(bySession, "x")).Ok);
        var (otherSession, arn) = await f.NewQueueAsync(Allow("""{"AWS":"arn:aws:sts::000000000000:assumed-role/plain-role/other"}""", "sqs:SendMessage"));
        Denied(await f.As(p, "plain-role-session").SendMessage(otherSession, "x"),
            Msg("arn:aws:sts::000000000000:assumed-role/plain-role/p1", "sqs:sendmessage", arn, "because no identity-based policy allows the sqs:sendmessage action"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task NotAction_statements(string p)
    {
        var (url, arn) = await f.NewQueueAsync();
        Assert.True((await f.As(p, "judy").GetQueueAttributes(url, "QueueArn")).Ok);
        Denied(await f.As(p, "judy").SendMessage(url, "x"),
            Msg("arn:aws:iam::000000000000:user/judy", "sqs:sendmessage", arn, "because no identity-based policy allows the sqs:sendmessage action"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ListQueues_is_granted_only_on_the_account_wildcard(string p)
    {
        Assert.True((await f.As(p, "ken").ListQueues()).Ok);
        Denied(await f.As(p, "leo").ListQueues(),
            Msg("arn:aws:iam::000000000000:user/leo", "sqs:listqueues", "arn:aws:sqs:us-east-1:000000000000:", "because no identity-based policy allows the sqs:listqueues action"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ForAnyValue_IfExists_on_an_absent_key_does_not_match(string p)
    {
        // AWS: ForAnyValue is false when the key is absent, whatever IfExists says. The Allow does not allow an
        // untagged ListQueues; the Deny on an absent aws:SourceVpce does not deny.
        Denied(await f.As(p, "nina").ListQueues(),
            Msg("arn:aws:iam::000000000000:user/nina", "sqs:listqueues", "arn:aws:sqs:us-east-1:000000000000:", "because no identity-based policy allows the sqs:listqueues action"));
        Assert.True((await f.As(p, "olga").ListQueues()).Ok);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Deny_all_policy_locks_out_admins_but_not_the_root_user_from_removing_it(string p)
    {
        const string denyAll = """{"Version":"2012-10-17","Statement":[{"Sid":"deny-sqs-actions","Effect":"Deny","Principal":"*","Action":"SQS:*","Resource":"QUEUE_ARN"}]}""";
        var (url, arn) = await f.NewQueueAsync(denyAll);
        Denied(await f.As(p, "admin").SendMessage(url, "x"),
            Msg("arn:aws:iam::000000000000:user/admin", "sqs:sendmessage", arn, "with an explicit deny in a resource-based policy"));
        Assert.Equal("AccessDenied", (await f.As(p, "admin").SetQueueAttributes(url, "Policy", "")).Code);
        Assert.Equal("AccessDenied", (await f.As(p, "root-a").SendMessage(url, "x")).Code);

        var read = await f.As(p, "root-a").GetQueueAttributes(url, "Policy");
        Assert.True(read.Ok);
        Assert.Contains("deny-sqs-actions", read.Values["Policy"], StringComparison.Ordinal);
        Assert.True((await f.As(p, "root-a").SetQueueAttributes(url, "Policy", "")).Ok);
        Assert.True((await f.As(p, "admin").SendMessage(url, "back in")).Ok);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Anonymous_access_only_where_the_queue_policy_grants_everyone(string p)
    {
        var (closed, arn) = await f.NewQueueAsync();
        var refused = await f.As(p, null).SendMessage(closed, "x");
        Assert.Equal("AccessDenied", refused.Code);
        Assert.Equal(403, refused.Status);
        var (open, _) = await f.NewQueueAsync(Allow("\"*\"", "sqs:SendMessage"));
        Assert.True((await f.As(p, null).SendMessage(open, "anonymous hello")).Ok);
        Assert.NotNull(arn);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Wildcard_resource_in_identity_policy_and_batch_as_single_action(string p)
    {
        var (url, _) = await f.NewQueueAsync();
        Assert.True((await f.As(p, "bob").SendMessage(url, "x")).Ok);
        Assert.True((await f.As(p, "bob").GetQueueAttributes(url, "All")).Ok);
    }

    [Fact]
    public async Task Secure_transport_is_true_over_the_https_listener()
    {
        var (url, _) = await f.NewQueueAsync();
        Assert.Equal("AccessDenied", (await new QueryCaller(f.Endpoint, "mallory").SendMessage(url, "plain")).Code);
        Assert.True((await new QueryCaller(f.HttpsEndpoint, "mallory").SendMessage(url, "over tls")).Ok);
    }

    [Fact]
    public async Task Every_decision_is_recorded_with_its_reason()
    {
        var (url, arn) = await f.NewQueueAsync();
        await f.As("json", "alice").SendMessage(url, "x");
        using var http = new HttpClient();
        using var res = await http.SendAsync(SignedRequests.Get(f.Endpoint, "/_gatehouse/decisions", "root-a", "secret-root-a"));
        using var doc = System.Text.Json.JsonDocument.Parse(await res.Content.ReadAsStringAsync());
        var denial = doc.RootElement.GetProperty("decisions").EnumerateArray().Last(d => d.GetProperty("resource").GetString() == arn);
        Assert.Equal("ImplicitDeny", denial.GetProperty("decision").GetString());
        Assert.True(denial.GetProperty("refused").GetBoolean());
        Assert.Contains("because no identity-based policy allows", denial.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
