using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Gatehouse.SigV4;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Server.Tests;

/// <summary>
/// Two Gatehouse nodes, each its own process on its own loopback port, over one PostgreSQL database
/// (docs/postgres.md): messages are shared and delivered once, long polls wake across nodes, a revoked permission is
/// refused on the other node within the stated bound, and when one node is killed with kill -9 the other carries on.
/// </summary>
public sealed class MultiNodeTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>docs/postgres.md: an IAM or queue-policy change is in force on every other node within this, normally
    /// (a change notice; measured in milliseconds).</summary>
    private static readonly TimeSpan StatedBound = TimeSpan.FromSeconds(1);

    private readonly string _key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private readonly List<string> _dirs = [];
    private readonly List<ServerProcess> _nodes = [];
    private readonly List<AmazonSQSClient> _clients = [];
    private PostgresTestDatabase? _db;

    public async Task InitializeAsync()
    {
        if (PostgresTestServer.SkipReason is null)
        {
            _db = await PostgresTestServer.CreateDatabaseAsync();
        }
    }

    public async Task DisposeAsync()
    {
        _clients.ForEach(c => c.Dispose());
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        foreach (var dir in _dirs.Where(Directory.Exists))
        {
            Directory.Delete(dir, recursive: true);
        }

        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private async Task<ServerProcess> NodeAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "gatehouse-node-" + Guid.NewGuid().ToString("N"));
        _dirs.Add(dir);
        var node = await ServerProcess.StartAsync(dir, environment ?? new Dictionary<string, string>(), null, "--store", _db!.Url, "--server-key", _key, "--no-cooldowns");
        _nodes.Add(node);
        return node;
    }

    /// <summary>Two nodes over the test database, and an SQS client of each (disposed with the nodes).</summary>
    private async Task<(ServerProcess One, AmazonSQSClient SqsOne, AmazonSQSClient SqsTwo)> TwoNodesAsync()
    {
        var one = await NodeAsync();
        var two = await NodeAsync();
        AmazonSQSClient[] clients = [Client(one), Client(two)];
        _clients.AddRange(clients);
        return (one, clients[0], clients[1]);
    }

    private static AmazonSQSClient Client(ServerProcess node, string accessKey = "test", string secret = "test") =>
        new(new BasicAWSCredentials(accessKey, secret), new AmazonSQSConfig { ServiceURL = node.Endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    [PostgresFact]
    public async Task Producers_on_one_node_and_consumers_on_both_get_every_message_once_standard_and_fifo()
    {
        var (_, sqsOne, sqsTwo) = await TwoNodesAsync();
        var standard = (await sqsOne.CreateQueueAsync(new CreateQueueRequest { QueueName = "orders", Attributes = new() { ["VisibilityTimeout"] = "60" } })).QueueUrl;
        var fifo = (await sqsOne.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = "orders.fifo",
            Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true", ["VisibilityTimeout"] = "60" },
        })).QueueUrl;
        // The queue made on node one is known to node two (its URL names node one's host; the path is what counts).
        Assert.Equal("60", (await sqsTwo.GetQueueAttributesAsync(standard, ["VisibilityTimeout"])).Attributes["VisibilityTimeout"]);

        const int StandardCount = 400, Groups = 4, PerGroup = 50;
        var producers = new List<Task>
        {
            Task.Run(async () =>
            {
                for (var i = 0; i < StandardCount; i += 10)
                {
                    var r = await sqsOne.SendMessageBatchAsync(standard, [.. Enumerable.Range(i, 10).Select(n => new SendMessageBatchRequestEntry("e" + n, "s" + n))]);
                    Assert.Empty(r.Failed ?? []);
                }
            }),
        };
        producers.AddRange(Enumerable.Range(0, Groups).Select(g => Task.Run(async () =>
        {
            for (var i = 0; i < PerGroup; i++)
            {
                await sqsOne.SendMessageAsync(new SendMessageRequest(fifo, $"g{g}-{i}") { MessageGroupId = "g" + g });
            }
        })));

        var received = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var byNode = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var fifoOrder = new ConcurrentDictionary<string, List<int>>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        async Task Consume(AmazonSQSClient mine, AmazonSQSClient other, string name, string url, bool isFifo)
        {
            var emptyPolls = 0;
            while (!stop.IsCancellationRequested && (emptyPolls < 3 || !producers.All(p => p.IsCompleted)))
            {
                var r = await mine.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, stop.Token);
                var messages = r.Messages ?? [];
                emptyPolls = messages.Count == 0 ? emptyPolls + 1 : 0;
                foreach (var m in messages)
                {
                    received.AddOrUpdate(m.Body, 1, (_, n) => n + 1);
                    byNode.AddOrUpdate(name, 1, (_, n) => n + 1);
                    if (isFifo)
                    {
                        var group = m.Body[..m.Body.IndexOf('-', StringComparison.Ordinal)];
                        var list = fifoOrder.GetOrAdd(group, _ => []);
                        lock (list)
                        {
                            list.Add(int.Parse(m.Body[(group.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture));
                        }
                    }
                }

                if (messages.Count > 0)
                {
                    // Half the deletes go through the other node: a receipt handle of one node works on the other
                    // (both were given the same server key).
                    var deleter = messages[0].Body.GetHashCode(StringComparison.Ordinal) % 2 == 0 ? mine : other;
                    var d = await deleter.DeleteMessageBatchAsync(url, [.. messages.Select((m, i) => new DeleteMessageBatchRequestEntry("d" + i, m.ReceiptHandle))], stop.Token);
                    Assert.Empty(d.Failed ?? []);
                }
            }
        }

        var consumers = new[]
        {
            Consume(sqsOne, sqsTwo, "one", standard, false), Consume(sqsTwo, sqsOne, "two", standard, false), Consume(sqsTwo, sqsOne, "two", standard, false),
            Consume(sqsOne, sqsTwo, "one", fifo, true), Consume(sqsTwo, sqsOne, "two", fifo, true),
        };
        await Task.WhenAll(producers);
        await Task.WhenAll(consumers);

        Assert.Equal(StandardCount + (Groups * PerGroup), received.Count);
        Assert.All(received, kv => Assert.True(kv.Value == 1, $"{kv.Key} delivered {kv.Value} times within its visibility timeout"));
        Assert.True(byNode.GetValueOrDefault("one") > 0 && byNode.GetValueOrDefault("two") > 0, "both nodes delivered messages");
        foreach (var (group, order) in fifoOrder)
        {
            Assert.True(order.SequenceEqual(Enumerable.Range(0, PerGroup)), $"group {group} in order across nodes");
        }
    }

    [PostgresFact]
    public async Task A_fifo_receive_retried_with_its_attempt_id_on_the_other_node_gets_the_same_messages()
    {
        var (_, sqsOne, sqsTwo) = await TwoNodesAsync();
        var url = (await sqsOne.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = "retry.fifo",
            Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" },
        })).QueueUrl;
        for (var i = 0; i < 6; i++)
        {
            await sqsOne.SendMessageAsync(new SendMessageRequest(url, "m" + i) { MessageGroupId = "g" + (i % 2) });
        }

        var first = await sqsOne.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 3, ReceiveRequestAttemptId = "attempt-1" });
        Assert.Equal(3, first.Messages.Count);
        var retried = await sqsTwo.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 3, ReceiveRequestAttemptId = "attempt-1" });
        Assert.Equal(first.Messages.Select(m => (m.MessageId, m.ReceiptHandle, m.Body)), retried.Messages.Select(m => (m.MessageId, m.ReceiptHandle, m.Body)));

        // A delete through node two ends the attempt everywhere: retried on node one it is a new receive.
        await sqsTwo.DeleteMessageAsync(url, first.Messages[0].ReceiptHandle);
        var after = await sqsOne.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 3, ReceiveRequestAttemptId = "attempt-1" });
        Assert.DoesNotContain(after.Messages ?? [], m => first.Messages.Any(f => f.ReceiptHandle == m.ReceiptHandle));
    }

    [PostgresFact]
    public async Task A_node_on_postgres_names_its_store_without_the_password_and_stops_cleanly()
    {
        var node = await NodeAsync();
        var status = await Http.SendAsync(SignedRequests.Get(node.Endpoint, "/_gatehouse/status", "test", "test"));
        var text = await status.Content.ReadAsStringAsync();
        Assert.Contains($"postgres://{new Uri(_db!.Url).Host}:{new Uri(_db.Url).Port}/{_db.Name}", text, StringComparison.Ordinal);
        Assert.Contains("storeRoundTrips", text, StringComparison.Ordinal);
        var password = new Npgsql.NpgsqlConnectionStringBuilder(_db.ConnectionString).Password!;
        Assert.DoesNotContain(":" + password + "@", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Password=", text, StringComparison.OrdinalIgnoreCase);

        await node.TerminateAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, node.ExitCode);
        Assert.Contains("Stopped; store postgres://", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("error occurred", node.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(":" + password + "@", node.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Password=", node.Output, StringComparison.OrdinalIgnoreCase);
    }

    [PostgresFact]
    public async Task A_queue_the_other_node_created_is_usable_at_once_even_before_its_notice_arrives()
    {
        var (_, sqsOne, sqsTwo) = await TwoNodesAsync();
        await sqsOne.CreateQueueAsync("template");

        // Right after a create on another node, the notice may still be on the way. Rows written straight into the
        // table send none, and the periodic check is 30 s away: node two can only know these by looking them up.
        await using var db = new Npgsql.NpgsqlConnection(_db!.ConnectionString);
        await db.OpenAsync();
        foreach (var name in new[] { "unannounced", "dead-unannounced" })
        {
            await Scalar(db, "INSERT INTO sqs_queues(account, region, name, attributes, tags, created, modified) " +
                "SELECT account, region, $1, attributes, tags, created, modified FROM sqs_queues WHERE name = 'template'", name);
        }

        var url = (await sqsTwo.GetQueueUrlAsync("unannounced")).QueueUrl;
        Assert.EndsWith("/000000000000/unannounced", url, StringComparison.Ordinal);
        var sent = await sqsTwo.SendMessageAsync(url, "hello");
        var got = await sqsTwo.ReceiveMessageAsync(new ReceiveMessageRequest(url) { WaitTimeSeconds = 1 });
        Assert.Equal(sent.MessageId, Assert.Single(got.Messages).MessageId);

        // A redrive policy may name a dead-letter queue this node has not heard of yet.
        const string Redrive = """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dead-unannounced","maxReceiveCount":"3"}""";
        var redriven = await sqsTwo.CreateQueueAsync(new CreateQueueRequest { QueueName = "redriven", Attributes = new() { ["RedrivePolicy"] = Redrive } });
        Assert.EndsWith("/000000000000/redriven", redriven.QueueUrl, StringComparison.Ordinal);

        // A queue no node has is still reported missing, with SQS's error.
        var missing = await Assert.ThrowsAsync<QueueDoesNotExistException>(() => sqsTwo.GetQueueUrlAsync("never-created"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [PostgresFact]
    public async Task A_long_poll_on_one_node_wakes_within_100_ms_of_a_send_through_the_other()
    {
        var (_, sqsOne, sqsTwo) = await TwoNodesAsync();
        var url = (await sqsOne.CreateQueueAsync("wake")).QueueUrl;
        await sqsTwo.GetQueueUrlAsync("wake");
        // Warm both paths (connections, JIT).
        await sqsOne.SendMessageAsync(url, "warm");
        var warm = await sqsTwo.ReceiveMessageAsync(new ReceiveMessageRequest(url) { WaitTimeSeconds = 5 });
        await sqsTwo.DeleteMessageAsync(url, warm.Messages[0].ReceiptHandle);

        var latencies = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var poll = sqsTwo.ReceiveMessageAsync(new ReceiveMessageRequest(url) { WaitTimeSeconds = 20 });
            await Task.Delay(300);
            Assert.False(poll.IsCompleted);
            await sqsOne.SendMessageAsync(url, "m" + i);
            var sent = Stopwatch.StartNew();
            var got = await poll.WaitAsync(TimeSpan.FromSeconds(10));
            latencies.Add(sent.Elapsed.TotalMilliseconds);
            Assert.Equal("m" + i, Assert.Single(got.Messages).Body);
            await sqsTwo.DeleteMessageAsync(url, got.Messages[0].ReceiptHandle);
        }

        latencies.Sort();
        var median = latencies[latencies.Count / 2];
        output.WriteLine($"cross-node long-poll wake-up (send acknowledged to receive answered): median {median:F1} ms, max {latencies[^1]:F1} ms");
        Assert.True(median < 100, $"cross-node wake-up: median {median:F1} ms, max {latencies[^1]:F1} ms (all: {string.Join(", ", latencies.Select(l => l.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))})");
        Assert.True(latencies[^1] < 1000, $"every long poll woke on the send, not at its timeout (max {latencies[^1]:F1} ms)");
    }

    [PostgresFact]
    public async Task A_permission_revoked_on_one_node_is_refused_on_the_other_within_the_stated_bound()
    {
        var one = await NodeAsync();
        var two = await NodeAsync();
        using var sqsOne = Client(one);
        var url = (await sqsOne.CreateQueueAsync("guarded")).QueueUrl;

        // An identity policy: granted and revoked through IAM on node one, used on node two.
        await Iam(one, ("Action", "CreateUser"), ("UserName", "worker"));
        var (accessKey, secret) = await NewAccessKey(one, "worker");
        await Iam(one, ("Action", "CreatePolicy"), ("PolicyName", "send"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"""));
        await Iam(one, ("Action", "AttachUserPolicy"), ("UserName", "worker"), ("PolicyArn", "arn:aws:iam::000000000000:policy/send"));
        using var worker = Client(two, accessKey, secret);
        var granted = await Until(async () => await Sends(worker, url), true);
        Assert.True(granted < StatedBound, $"grant took {granted.TotalMilliseconds:F0} ms to reach node two");

        await Iam(one, ("Action", "DetachUserPolicy"), ("UserName", "worker"), ("PolicyArn", "arn:aws:iam::000000000000:policy/send"));
        var revoked = await Until(async () => await Sends(worker, url), false);
        output.WriteLine($"IAM grant in force on node two after {granted.TotalMilliseconds:F0} ms, revocation after {revoked.TotalMilliseconds:F0} ms");
        Assert.True(revoked < StatedBound, $"revocation took {revoked.TotalMilliseconds:F0} ms to reach node two");
        for (var i = 0; i < 20; i++)
        {
            Assert.False(await Sends(worker, url)); // and it stays revoked
        }

        // A queue policy: granted and removed on node one, used on node two.
        await Iam(one, ("Action", "CreateUser"), ("UserName", "partner"));
        var (partnerKey, partnerSecret) = await NewAccessKey(one, "partner");
        using var partner = Client(two, partnerKey, partnerSecret);
        await sqsOne.SetQueueAttributesAsync(url, new Dictionary<string, string>
        {
            ["Policy"] = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/partner"},"Action":"sqs:SendMessage","Resource":"*"}]}""",
        });
        var queueGrant = await Until(async () => await Sends(partner, url), true);
        Assert.True(queueGrant < StatedBound, $"queue-policy grant took {queueGrant.TotalMilliseconds:F0} ms");
        await sqsOne.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["Policy"] = "" });
        var queueRevoked = await Until(async () => await Sends(partner, url), false);
        output.WriteLine($"queue policy grant in force on node two after {queueGrant.TotalMilliseconds:F0} ms, removal after {queueRevoked.TotalMilliseconds:F0} ms");
        Assert.True(queueRevoked < StatedBound, $"queue-policy revocation took {queueRevoked.TotalMilliseconds:F0} ms");

        // Deleting the user on node one ends its key on node two as well.
        await Iam(one, ("Action", "AttachUserPolicy"), ("UserName", "worker"), ("PolicyArn", "arn:aws:iam::000000000000:policy/send"));
        await Until(async () => await Sends(worker, url), true);
        await Iam(one, ("Action", "DetachUserPolicy"), ("UserName", "worker"), ("PolicyArn", "arn:aws:iam::000000000000:policy/send"));
        await Iam(one, ("Action", "DeleteAccessKey"), ("UserName", "worker"), ("AccessKeyId", accessKey));
        await Iam(one, ("Action", "DeleteUser"), ("UserName", "worker"));
        var deleted = await Until(async () => await Sends(worker, url), false);
        Assert.True(deleted < StatedBound, $"deleted user refused after {deleted.TotalMilliseconds:F0} ms");
    }

    [PostgresFact]
    public async Task When_one_node_is_killed_mid_load_the_other_carries_on_and_nothing_is_lost()
    {
        var (one, sqsOne, sqsTwo) = await TwoNodesAsync();
        var url = (await sqsTwo.CreateQueueAsync(new CreateQueueRequest { QueueName = "survive", Attributes = new() { ["VisibilityTimeout"] = "3" } })).QueueUrl;
        await sqsOne.GetQueueUrlAsync("survive");

        var acked = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var done = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var deleting = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal); // a delete was sent (it may have run unacknowledged)
        using var stopProducing = new CancellationTokenSource();
        async Task Produce(AmazonSQSClient client, string prefix)
        {
            for (var i = 0; !stopProducing.IsCancellationRequested && i < 100_000; i++)
            {
                var body = $"{prefix}-{i}";
                try
                {
                    await client.SendMessageAsync(url, body);
                    acked[body] = true;
                }
                catch (Exception e) when (e is HttpRequestException or AmazonServiceException or AmazonClientException or IOException or TaskCanceledException)
                {
                    return; // its node died: an unacknowledged send may or may not have happened
                }
            }
        }

        async Task Consume(AmazonSQSClient client, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    // Messages taken by the killed node and not deleted come back after their visibility timeout.
                    var r = await client.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }, stop);
                    foreach (var m in r.Messages ?? [])
                    {
                        deleting[m.Body] = true;
                        await client.DeleteMessageAsync(url, m.ReceiptHandle, stop);
                        done[m.Body] = true;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or AmazonServiceException or AmazonClientException or IOException or TaskCanceledException or OperationCanceledException)
                {
                    if (client == sqsOne)
                    {
                        return; // the killed node
                    }
                }
            }
        }

        using var stopConsuming = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var producing = new[] { Produce(sqsOne, "a"), Produce(sqsOne, "b"), Produce(sqsTwo, "c") };
        var consuming = new[] { Consume(sqsOne, stopConsuming.Token), Consume(sqsTwo, stopConsuming.Token) };
        await Task.Delay(TimeSpan.FromSeconds(2));
        one.KillHard();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stopProducing.CancelAsync();
        await Task.WhenAll(producing);

        // Node two drains the queue, including what node one had received but not deleted.
        var clock = Stopwatch.StartNew();
        bool Accounted(string body) => done.ContainsKey(body) || deleting.ContainsKey(body);
        while (clock.Elapsed < TimeSpan.FromSeconds(40) && !acked.Keys.All(Accounted))
        {
            await Task.Delay(200);
        }

        await stopConsuming.CancelAsync();
        await Task.WhenAll(consuming);
        Assert.True(acked.Count > 50, $"load ran ({acked.Count} sends acknowledged)");
        // Only a delete that node one received just before it died may be unacknowledged; every other message
        // was received and deleted through node two.
        Assert.True(deleting.Keys.Count(k => !done.ContainsKey(k)) <= 10, "at most one receive's worth of deletes were cut off by the kill");
        var lost = acked.Keys.Where(k => !Accounted(k)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged messages lost, e.g. {string.Join(", ", lost.Take(5))}");

        // Node two still serves, and took over the sweeper lease once node one's ran out.
        Assert.NotNull((await sqsTwo.SendMessageAsync(url, "after")).MessageId);
    }

    [PostgresFact]
    public async Task When_the_node_holding_the_sweeper_lease_is_killed_the_other_takes_the_lease_and_sweeps()
    {
        // Sweeps every 0.5 s under a 1 s lease (GATEHOUSE_SWEEP_INTERVAL, docs/postgres.md, "Leases"), so the
        // takeover takes seconds, not the default's two minutes.
        const double SweepSeconds = 0.5;
        var environment = new Dictionary<string, string> { ["GATEHOUSE_SWEEP_INTERVAL"] = SweepSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var one = await NodeAsync(environment);
        var two = await NodeAsync(environment);
        using var sqsOne = Client(one);
        using var sqsTwo = Client(two);
        await sqsOne.CreateQueueAsync("swept");
        await sqsTwo.GetQueueUrlAsync("swept");
        var ids = new Dictionary<string, ServerProcess> { [await NodeIdAsync(one)] = one, [await NodeIdAsync(two)] = two };

        await using var db = new Npgsql.NpgsqlConnection(_db!.ConnectionString);
        await db.OpenAsync();
        var queueId = (long)(await Scalar(db, "SELECT id FROM sqs_queues WHERE name = 'swept'"))!;

        // One of the two holds the lease, and it sweeps: an expired message (sent ten days ago, the retention
        // period is four days), written directly into the table, is removed.
        string? holder = null;
        var clock = Stopwatch.StartNew();
        while ((holder = await Scalar(db, "SELECT holder FROM leases WHERE name = 'sweeper' AND expires > clock_timestamp()") as string) is null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "no node took the sweeper lease");
            await Task.Delay(100);
        }

        Assert.Contains(holder, ids.Keys);
        var expired = await InsertExpiredAsync(db, queueId, "before");
        await UntilGoneAsync(db, expired, TimeSpan.FromSeconds(10));

        // kill -9 the holder: its lease is not released, so the other node gets it only once it has run out.
        var survivor = ids.Single(kv => kv.Key != holder);
        ids[holder].KillHard();
        var killed = Stopwatch.StartNew();
        expired = await InsertExpiredAsync(db, queueId, "after");
        await UntilGoneAsync(db, expired, TimeSpan.FromSeconds(20));
        var swept = killed.Elapsed;
        Assert.Equal(survivor.Key, await Scalar(db, "SELECT holder FROM leases WHERE name = 'sweeper'") as string);
        output.WriteLine($"sweeper lease taken over and the expired message swept {swept.TotalMilliseconds:F0} ms after the kill");
        // The bound: the lease's time to live (two sweep intervals) plus one sweep interval, with room for this
        // shared, loaded machine.
        Assert.True(swept < TimeSpan.FromSeconds((3 * SweepSeconds) + 5), $"took {swept.TotalMilliseconds:F0} ms");
        Assert.NotNull((await sqsTwo.SendMessageAsync((await sqsTwo.GetQueueUrlAsync("swept")).QueueUrl, "after")).MessageId);
    }

    private static async Task<string> NodeIdAsync(ServerProcess node)
    {
        var status = await Http.SendAsync(SignedRequests.Get(node.Endpoint, "/_gatehouse/status", "test", "test"));
        using var json = System.Text.Json.JsonDocument.Parse(await status.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("node").GetString()!;
    }

    private static async Task<object?> Scalar(Npgsql.NpgsqlConnection db, string sql, params object[] parameters)
    {
        await using var command = new Npgsql.NpgsqlCommand(sql, db);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = p });
        }

        return await command.ExecuteScalarAsync();
    }

    /// <summary>A message row sent ten days ago, past the default four-day retention, written without any node.</summary>
    private static async Task<long> InsertExpiredAsync(Npgsql.NpgsqlConnection db, long queueId, string body)
    {
        const string TenDaysAgo = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint - 864000000";
        return (long)(await Scalar(db,
            $"INSERT INTO sqs_messages(queue_id, message_id, body, sender, sent_ms, visible_ms) VALUES ($1, $2, $3, 'test', {TenDaysAgo}, {TenDaysAgo}) RETURNING id",
            queueId, Guid.NewGuid().ToString(), body))!;
    }

    private static async Task UntilGoneAsync(Npgsql.NpgsqlConnection db, long messageRowId, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while ((long)(await Scalar(db, "SELECT count(*) FROM sqs_messages WHERE id = $1", messageRowId))! > 0)
        {
            Assert.True(clock.Elapsed < within, $"the expired message was not swept within {within.TotalSeconds} s");
            await Task.Delay(100);
        }
    }

    /// <summary>How long until <paramref name="probe"/> gives <paramref name="wanted"/> (polled every 5 ms, at most 10 s).</summary>
    private static async Task<TimeSpan> Until(Func<Task<bool>> probe, bool wanted)
    {
        var clock = Stopwatch.StartNew();
        while (await probe() != wanted)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"still {!wanted} after 10 s");
            await Task.Delay(5);
        }

        return clock.Elapsed;
    }

    private static async Task<bool> Sends(AmazonSQSClient client, string url)
    {
        try
        {
            await client.SendMessageAsync(url, "probe");
            return true;
        }
        catch (AmazonSQSException e) when (e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
        {
            return false;
        }
    }

    private static async Task<(string Key, string Secret)> NewAccessKey(ServerProcess node, string user)
    {
        var xml = await Iam(node, ("Action", "CreateAccessKey"), ("UserName", user));
        static string Element(string xml, string name)
        {
            var start = xml.IndexOf("<" + name + ">", StringComparison.Ordinal) + name.Length + 2;
            return xml[start..xml.IndexOf("</" + name + ">", start, StringComparison.Ordinal)];
        }

        return (Element(xml, "AccessKeyId"), Element(xml, "SecretAccessKey"));
    }

    private static readonly HttpClient Http = new();

    /// <summary>An IAM Query-protocol call as the management account's root user; fails the test unless it succeeds.</summary>
    private static async Task<string> Iam(ServerProcess node, params (string Name, string Value)[] parameters)
    {
        var form = string.Join("&", parameters.Append(("Version", "2010-05-08")).Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
        var body = Encoding.UTF8.GetBytes(form);
        const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";
        using var request = new HttpRequestMessage(HttpMethod.Post, node.Endpoint + "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        var headers = new SigV4Headers().Add("Host", new Uri(node.Endpoint).Authority).Add("Content-Type", ContentType);
        var signature = SigV4Signer.Sign(new SigV4Request { Method = "POST", RawPath = "/", Headers = headers, Body = body },
            new SigV4SigningCredentials("test", "test"), "us-east-1", "iam", TimeProvider.System.GetUtcNow());
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"IAM {parameters[0].Value}: {(int)response.StatusCode} {text}");
        return text;
    }
}
