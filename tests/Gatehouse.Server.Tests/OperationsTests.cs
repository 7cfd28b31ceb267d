using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Tests;

/// <summary>Test-friendly settings and operator views: --no-cooldowns, reset, --any-access-key, queues/peek, and the
/// answer to a request for a service Gatehouse does not serve (docs/operations.md).</summary>
public sealed class OperationsTests
{
    private static async Task<(WebApplication App, string Endpoint)> Start(GatehouseOptions options)
    {
        var app = await GatehouseApp.BuildAsync(options with { Port = 0, InMemory = true }, TimeProvider.System);
        await app.StartAsync();
        return (app, Cli.ServeCommand.Addresses(app.Services)[0]);
    }

    private static AmazonSQSClient Sqs(string endpoint, string key = "test", string secret = "test") =>
        new(new BasicAWSCredentials(key, secret), new AmazonSQSConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    [Fact]
    public async Task A_request_signed_for_a_service_gatehouse_does_not_serve_gets_an_error_naming_it()
    {
        var (app, endpoint) = await Start(new GatehouseOptions());
        await using var _ = app;
        using var http = new HttpClient();
        using var response = await http.SendAsync(SignedRequests.Get(endpoint, "/", "test", "test", service: "s3"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<Code>UnknownService</Code>", body, StringComparison.Ordinal);
        Assert.Contains("Gatehouse does not serve the s3 API", body, StringComparison.Ordinal);

        // An unsigned bare GET of a queue URL keeps AWS's answer.
        using var bare = await http.GetAsync(endpoint + "/000000000000/q");
        Assert.Equal(HttpStatusCode.NotFound, bare.StatusCode);
    }

    [Fact]
    public async Task Without_no_cooldowns_a_deleted_queue_name_waits_60_seconds_and_with_it_does_not()
    {
        foreach (var noCooldowns in new[] { false, true })
        {
            var (app, endpoint) = await Start(new GatehouseOptions { NoCooldowns = noCooldowns });
            await using var _ = app;
            using var sqs = Sqs(endpoint);
            var url = (await sqs.CreateQueueAsync("again")).QueueUrl;
            await sqs.PurgeQueueAsync(url);
            if (noCooldowns)
            {
                await sqs.PurgeQueueAsync(url);
                await sqs.DeleteQueueAsync(url);
                await sqs.CreateQueueAsync("again");
            }
            else
            {
                await Assert.ThrowsAsync<PurgeQueueInProgressException>(() => sqs.PurgeQueueAsync(url));
                await sqs.DeleteQueueAsync(url);
                await Assert.ThrowsAsync<QueueDeletedRecentlyException>(() => sqs.CreateQueueAsync("again"));
            }
        }
    }

    [Fact]
    public async Task Reset_empties_the_server_when_allowed_and_only_for_the_management_root()
    {
        var (app, endpoint) = await Start(new GatehouseOptions { AllowReset = true });
        await using var _ = app;
        using var sqs = Sqs(endpoint);
        await sqs.CreateQueueAsync("a");
        await sqs.CreateQueueAsync("b");
        using var http = new HttpClient();

        using (var get = await http.SendAsync(SignedRequests.Get(endpoint, "/_gatehouse/reset", "test", "test")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
        }

        using (var anonymous = await http.PostAsync(endpoint + "/_gatehouse/reset", null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        }

        using var post = SignedRequests.Get(endpoint, "/_gatehouse/reset", "test", "test");
        post.Method = HttpMethod.Post;
        using var reset = await http.SendAsync(Resign(post, endpoint, "/_gatehouse/reset"));
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(await reset.Content.ReadAsStringAsync()).RootElement.GetProperty("deletedQueues").GetInt32());
        Assert.Empty((await sqs.ListQueuesAsync(new ListQueuesRequest())).QueueUrls ?? []);
        await sqs.CreateQueueAsync("a"); // no QueueDeletedRecently after a reset

        // An IAM user of the management account allowed everything is still refused: the server's own resource
        // policy keeps reset for the root user, and the one authorizer says so.
        var registry = app.Services.GetRequiredService<Gatehouse.Services.Iam.IdentityRegistry>();
        registry.CreateUser("000000000000", "admin", "/");
        registry.PutInlinePolicy(Gatehouse.Services.Iam.IamEntityKind.User, "000000000000", "admin", "all",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");
        var key = registry.CreateAccessKey("000000000000", "admin");
        using var asAdmin = SignedRequests.Get(endpoint, "/_gatehouse/reset", key.AccessKeyId, key.SecretAccessKey);
        asAdmin.Method = HttpMethod.Post;
        using var refused = await http.SendAsync(Resign(asAdmin, endpoint, "/_gatehouse/reset", key.AccessKeyId, key.SecretAccessKey!));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("gatehouse:Reset", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("with an explicit deny in a resource-based policy", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single((await sqs.ListQueuesAsync(new ListQueuesRequest())).QueueUrls ?? []);
    }

    [Fact]
    public async Task Reset_is_refused_unless_allowed()
    {
        var (app, endpoint) = await Start(new GatehouseOptions());
        await using var _ = app;
        using var http = new HttpClient();
        using var reset = await http.SendAsync(Resign(new HttpRequestMessage(HttpMethod.Post, endpoint + "/_gatehouse/reset"), endpoint, "/_gatehouse/reset"));
        Assert.Equal(HttpStatusCode.BadRequest, reset.StatusCode);
        Assert.Contains("--allow-reset", await reset.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_access_key_makes_an_unknown_key_the_management_root_and_is_refused_otherwise()
    {
        var (strict, strictEndpoint) = await Start(new GatehouseOptions { Enforcement = Services.Authorization.EnforcementMode.Off });
        await using (strict)
        {
            using var refused = Sqs(strictEndpoint, "AKIAWHATEVER", "anything");
            var ex = await Assert.ThrowsAnyAsync<AmazonSQSException>(() => refused.CreateQueueAsync("q"));
            Assert.Equal("InvalidClientTokenId", ex.ErrorCode);
        }

        var (app, endpoint) = await Start(new GatehouseOptions { AnyAccessKey = true, Enforcement = Services.Authorization.EnforcementMode.Off });
        await using var _ = app;
        using var sqs = Sqs(endpoint, "AKIAWHATEVER", "anything");
        var url = (await sqs.CreateQueueAsync("q")).QueueUrl;
        Assert.Contains("/000000000000/q", url, StringComparison.Ordinal);
        await sqs.SendMessageAsync(url, "hi");
        using var wrongSecretForKnownKey = Sqs(endpoint, "test", "wrong");
        await Assert.ThrowsAnyAsync<AmazonSQSException>(() => wrongSecretForKnownKey.ListQueuesAsync(new ListQueuesRequest()));
    }

    [Fact]
    public async Task Queues_and_peek_show_depths_and_messages_without_changing_their_visibility()
    {
        var (app, endpoint) = await Start(new GatehouseOptions());
        await using var _ = app;
        using var sqs = Sqs(endpoint);
        var url = (await sqs.CreateQueueAsync("work")).QueueUrl;
        await sqs.SendMessageAsync(url, "first");
        await sqs.SendMessageAsync(new SendMessageRequest(url, "later") { DelaySeconds = 60 });
        await sqs.SendMessageAsync(url, "third");
        var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 1 });
        Assert.Single(received.Messages);

        using var http = new HttpClient();
        var queues = JsonDocument.Parse(await (await http.SendAsync(SignedRequests.Get(endpoint, "/_gatehouse/queues", "test", "test"))).Content.ReadAsStringAsync());
        var work = Assert.Single(queues.RootElement.GetProperty("queues").EnumerateArray());
        Assert.Equal("work", work.GetProperty("name").GetString());
        Assert.Equal(1, work.GetProperty("visible").GetInt64());
        Assert.Equal(1, work.GetProperty("inFlight").GetInt64());
        Assert.Equal(1, work.GetProperty("delayed").GetInt64());

        var peek = JsonDocument.Parse(await (await http.SendAsync(SignedRequests.Get(endpoint, "/_gatehouse/peek?queue=work", "test", "test"))).Content.ReadAsStringAsync());
        var states = peek.RootElement.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("body").GetString(), m.GetProperty("state").GetString())).ToList();
        Assert.Equal(3, states.Count);
        Assert.Contains(("later", "delayed"), states);
        Assert.Single(states, s => s.Item2 == "in-flight");

        // Peeking changed nothing: the one visible message is still there to receive, with its first receive.
        var next = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10, MessageSystemAttributeNames = ["ApproximateReceiveCount"] });
        var message = Assert.Single(next.Messages);
        Assert.Equal("1", message.Attributes["ApproximateReceiveCount"]);

        // An unsigned request is refused: peek is an authorized diagnostics action.
        using var anonymous = await http.GetAsync(endpoint + "/_gatehouse/peek?queue=work");
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
    }

    [Fact]
    public async Task Metrics_are_served_for_prometheus_and_the_request_log_names_action_principal_status_and_latency()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var app = await GatehouseApp.BuildAsync(new GatehouseOptions { Port = 0, InMemory = true, Metrics = true, RequestLog = true }, TimeProvider.System,
            configureServices: s => s.AddSingleton<ILoggerProvider>(new ListLoggerProvider(lines)));
        await app.StartAsync();
        await using var _ = app;
        var endpoint = Cli.ServeCommand.Addresses(app.Services)[0];
        using var sqs = Sqs(endpoint);
        var url = (await sqs.CreateQueueAsync("metered")).QueueUrl;
        await sqs.SendMessageAsync(url, "one");
        using var stranger = Sqs(endpoint, "AKIAUNKNOWN", "secret-never-logged");
        await Assert.ThrowsAnyAsync<AmazonSQSException>(() => stranger.ListQueuesAsync(new ListQueuesRequest()));

        // Instruments are matched by meter name process-wide, so other servers of this test run may add to the
        // counters; the queue gauge is this server's own queue.
        using var http = new HttpClient();
        var text = await http.GetStringAsync(endpoint + "/metrics");
        Assert.Matches(@"gatehouse_requests_total\{[^}]*action=""SendMessage""[^}]*outcome=""success""[^}]*service=""sqs""[^}]*\} [1-9]", text);
        Assert.Contains("gatehouse_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Matches(@"gatehouse_sqs_queue_messages\{[^}]*queue=""000000000000/us-east-1/metered""[^}]*state=""visible""[^}]*\} 1", text);
        Assert.Contains("gatehouse_store_commit_duration_seconds", text, StringComparison.Ordinal);

        Assert.Contains(lines, l => l.Contains("sqs:SendMessage by arn:aws:iam::000000000000:root -> 200 success in", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Authentication failed: InvalidClientTokenId for access key AKIAUNKNOWN", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("secret-never-logged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_metrics_setting_there_is_no_metrics_endpoint()
    {
        var (app, endpoint) = await Start(new GatehouseOptions());
        await using var _ = app;
        using var http = new HttpClient();
        using var response = await http.GetAsync(endpoint + "/metrics");
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }

    private sealed class ListLoggerProvider(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }

    private static HttpRequestMessage Resign(HttpRequestMessage request, string endpoint, string path, string key = "test", string secret = "test")
    {
        var headers = new SigV4.SigV4Headers().Add("Host", new Uri(endpoint).Authority);
        var signature = SigV4.SigV4Signer.Sign(new SigV4.SigV4Request { Method = request.Method.Method, RawPath = path, Headers = headers },
            new SigV4.SigV4SigningCredentials(key, secret), "us-east-1", "gatehouse", TimeProvider.System.GetUtcNow());
        request.Headers.Remove("Authorization");
        request.Headers.Remove("X-Amz-Date");
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
