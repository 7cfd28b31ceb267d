using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;

namespace Gatehouse.Server.Tests.Enforcement;

/// <summary>The diagnostics API is behind the same door as every AWS action: signed, authorized as
/// <c>gatehouse:&lt;Action&gt;</c> in the management account, recorded, refused in AWS's shapes.</summary>
[Collection("enforcement")]
public sealed class DiagnosticsTests(EnforcementFixture f)
{
    private static readonly HttpClient Http = new();

    private async Task<(HttpStatusCode Status, JsonElement Body, string? ErrorType)> GetDecisions(string? key)
    {
        using var res = await Http.SendAsync(SignedRequests.Get(f.Endpoint, "/_gatehouse/decisions", key, key is null ? null : "secret-" + key));
        using var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync());
        return (res.StatusCode, doc.RootElement.Clone(), res.Headers.TryGetValues("x-amzn-ErrorType", out var t) ? t.First() : null);
    }

    [Fact]
    public async Task An_unsigned_read_of_the_decision_log_is_refused()
    {
        var (status, body, errorType) = await GetDecisions(null);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("MissingAuthenticationTokenException", body.GetProperty("__type").GetString());
        Assert.Equal("MissingAuthenticationTokenException", errorType);
        Assert.False(body.TryGetProperty("decisions", out _));
    }

    [Theory]
    [InlineData("bob")] // allowed sqs:* only
    [InlineData("root-b")] // another account's root user
    public async Task A_principal_without_the_gatehouse_permission_is_refused_and_the_refusal_is_recorded(string key)
    {
        var (status, body, errorType) = await GetDecisions(key);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("AccessDeniedException", errorType);
        Assert.Contains("is not authorized to perform: gatehouse:ListDecisions on resource: arn:aws:gatehouse:us-east-1:000000000000:server",
            body.GetProperty("message").GetString(), StringComparison.Ordinal);

        var (_, log, _) = await GetDecisions("root-a");
        Assert.Contains(log.GetProperty("decisions").EnumerateArray(), d =>
            d.GetProperty("action").GetString() == "gatehouse:ListDecisions" && d.GetProperty("refused").GetBoolean()
            && d.GetProperty("principal").GetString()!.Contains(key == "bob" ? "user/bob" : "111111111111:root", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_iam_user_allowed_the_action_reads_the_log()
    {
        var (status, body, _) = await GetDecisions("admin");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("decisions").ValueKind);
    }

    [Fact]
    public async Task A_denial_is_found_by_the_request_id_the_sdk_reports()
    {
        var (url, _) = await f.NewQueueAsync();
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("alice", "secret-alice"),
            new AmazonSQSConfig { ServiceURL = f.Endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var denied = await Assert.ThrowsAsync<AmazonSQSException>(() => sqs.SendMessageAsync(url, "x"));
        Assert.False(string.IsNullOrEmpty(denied.RequestId));

        var (_, log, _) = await GetDecisions("root-a");
        var record = Assert.Single(log.GetProperty("decisions").EnumerateArray(), d => d.GetProperty("requestId").GetString() == denied.RequestId);
        Assert.Equal("sqs:SendMessage", record.GetProperty("action").GetString());
        Assert.Equal("ImplicitDeny", record.GetProperty("decision").GetString());
    }

    private async Task<JsonElement> GetAsync(string pathAndQuery, string key = "root-a")
    {
        using var res = await Http.SendAsync(SignedRequests.Get(f.Endpoint, pathAndQuery, key, "secret-" + key));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        using var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task A_denial_is_explained_by_request_id_with_its_layers_and_a_fix()
    {
        var (url, _) = await f.NewQueueAsync();
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("alice", "secret-alice"),
            new AmazonSQSConfig { ServiceURL = f.Endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var denied = await Assert.ThrowsAsync<AmazonSQSException>(() => sqs.SendMessageAsync(url, "x"));

        var body = await GetAsync("/_gatehouse/decision?requestId=" + denied.RequestId);
        var decision = Assert.Single(body.GetProperty("decisions").EnumerateArray());
        Assert.Equal(denied.RequestId, decision.GetProperty("requestId").GetString());
        var explanation = decision.GetProperty("explanation");
        Assert.Equal("IdentityPolicy", explanation.GetProperty("decidedBy").GetString());
        Assert.Equal(
            ["ServiceControlPolicy", "ResourceControlPolicy", "VpcEndpointPolicy", "ResourcePolicy", "IdentityPolicy", "PermissionsBoundary", "SessionPolicy"],
            explanation.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("layer").GetString()));
        Assert.Equal("127.0.0.1", decision.GetProperty("contextKeys").GetProperty("aws:SourceIp")[0].GetString());
        Assert.NotEmpty(explanation.GetProperty("fixes").EnumerateArray());

        // The persisted log answers the same request, filtered.
        var history = await GetAsync("/_gatehouse/history?denied=true&max=500");
        Assert.Contains(history.GetProperty("decisions").EnumerateArray(), d => d.GetProperty("requestId").GetString() == denied.RequestId);
        Assert.DoesNotContain(history.GetProperty("decisions").EnumerateArray(), d => d.GetProperty("decision").GetString() == "Allow");
    }

    [Fact]
    public async Task Troubleshoot_evaluates_a_request_that_was_not_made()
    {
        var (_, arn) = await f.NewQueueAsync();
        var body = await GetAsync("/_gatehouse/troubleshoot?principal=" + Uri.EscapeDataString("arn:aws:iam::000000000000:root")
            + "&action=sqs%3ASendMessage&resource=" + Uri.EscapeDataString(arn));
        var decision = Assert.Single(body.GetProperty("decisions").EnumerateArray());
        Assert.Equal("Allow", decision.GetProperty("decision").GetString());
        Assert.False(decision.TryGetProperty("requestId", out _));
    }

    [Fact]
    public async Task Lint_checks_a_queues_stored_policy()
    {
        var (url, _) = await f.NewQueueAsync("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"QUEUE_ARN"}]}""");
        var body = await GetAsync("/_gatehouse/lint?queue=" + Uri.EscapeDataString(url));
        var finding = Assert.Single(body.GetProperty("findings").EnumerateArray());
        Assert.Equal("PublicAllow", finding.GetProperty("code").GetString());
        Assert.Equal("$.Statement[0].Principal", finding.GetProperty("path").GetString());

        var (clean, _) = await f.NewQueueAsync();
        Assert.Empty((await GetAsync("/_gatehouse/lint?queue=" + Uri.EscapeDataString(clean))).GetProperty("findings").EnumerateArray());
    }

    [Fact]
    public async Task Suggest_policy_answers_from_the_log_for_a_principal()
    {
        var body = await GetAsync("/_gatehouse/suggest-policy?principal=" + Uri.EscapeDataString("arn:aws:iam::000000000000:user/nobody-ever"));
        var suggestion = Assert.Single(body.GetProperty("suggestions").EnumerateArray());
        Assert.Equal(0, suggestion.GetProperty("decisions").GetInt32());
        Assert.Empty(suggestion.GetProperty("identityPolicy").GetProperty("Statement").EnumerateArray());
    }
}
