using System.Collections.Concurrent;
using Amazon.SQS.Model;

namespace Gatehouse.Server.Tests;

/// <summary>An acknowledged change survives kill -9 of the server (issue: durable by default).</summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gatehouse-durability-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Acknowledged_sends_and_deletes_survive_kill_9()
    {
        var acked = new ConcurrentDictionary<string, string>();   // body -> message id
        var deleted = new ConcurrentDictionary<string, bool>();    // bodies whose delete was acknowledged
        var deleting = new ConcurrentDictionary<string, bool>();   // bodies whose delete was sent (it may have run unacknowledged)
        string queueUrl;
        int port;
        using (var server = await ServerProcess.StartAsync(_dir))
        {
            port = new Uri(server.Endpoint).Port;
            using var sqs = server.Client();
            queueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = "durable", Attributes = new() { ["VisibilityTimeout"] = "2" } })).QueueUrl;
            using var stop = new CancellationTokenSource();
            var producers = Enumerable.Range(0, 6).Select(p => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested && i < 100_000; i++)
                {
                    var body = $"p{p}-{i}";
                    try
                    {
                        if (i % 2 == 0)
                        {
                            var r = await sqs.SendMessageAsync(queueUrl, body);
                            acked[body] = r.MessageId;
                        }
                        else
                        {
                            var r = await sqs.SendMessageBatchAsync(queueUrl, [new SendMessageBatchRequestEntry("a", body), new SendMessageBatchRequestEntry("b", body + "b")]);
                            foreach (var s in r.Successful)
                            {
                                acked[s.Id == "a" ? body : body + "b"] = s.MessageId;
                            }
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or IOException or TaskCanceledException)
                    {
                        return;
                    }
                }
            })).ToList();
            var consumers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var got = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10 });
                        foreach (var m in got.Messages ?? [])
                        {
                            deleting[m.Body] = true;
                            await sqs.DeleteMessageAsync(queueUrl, m.ReceiptHandle);
                            deleted[m.Body] = true;
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or IOException or TaskCanceledException)
                    {
                        return;
                    }
                }
            })).ToList();

            await Task.Delay(TimeSpan.FromSeconds(3));
            server.KillHard();
            await stop.CancelAsync();
            await Task.WhenAll(producers.Concat(consumers));
        }

        Assert.True(acked.Count > 100, $"only {acked.Count} sends were acknowledged before the kill");

        // Restart on the same data; in-flight messages reappear when their 2-second timeout ends.
        using var again = await ServerProcess.StartAsync(_dir, port);
        using var client = again.Client();
        var seen = new Dictionary<string, string>();
        var emptyStreak = 0;
        while (emptyStreak < 4)
        {
            var got = await client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            if (got.Messages is not { Count: > 0 })
            {
                emptyStreak++;
                continue;
            }

            emptyStreak = 0;
            foreach (var m in got.Messages)
            {
                seen[m.Body] = m.MessageId;
                await client.DeleteMessageAsync(queueUrl, m.ReceiptHandle);
            }
        }

        var lost = acked.Keys.Where(b => !deleting.ContainsKey(b) && !seen.ContainsKey(b)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged messages were lost, e.g. {string.Join(", ", lost.Take(5))}");
        var resurrected = seen.Keys.Where(deleted.ContainsKey).ToList();
        Assert.True(resurrected.Count == 0, $"{resurrected.Count} deleted messages came back, e.g. {string.Join(", ", resurrected.Take(5))}");
        Assert.All(seen, kv => Assert.True(!acked.TryGetValue(kv.Key, out var id) || id == kv.Value));
    }
}
