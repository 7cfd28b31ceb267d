using Amazon.SQS.Model;

namespace Gatehouse.Server.Tests;

/// <summary>FIFO order, deduplication state and deletions survive kill -9.</summary>
public sealed class FifoDurabilityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gatehouse-fifo-durability-" + Guid.NewGuid().ToString("N"));

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
    public async Task Order_dedup_and_deletes_survive_kill_9()
    {
        const int Groups = 5, PerGroup = 20, Deleted = 5;
        var ids = new Dictionary<string, string>();
        string url;
        int port;
        using (var server = await ServerProcess.StartAsync(_dir))
        {
            port = new Uri(server.Endpoint).Port;
            using var sqs = server.Client();
            url = (await sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = "durable.fifo",
                Attributes = new() { ["FifoQueue"] = "true", ["VisibilityTimeout"] = "1" },
            })).QueueUrl;
            for (var i = 0; i < PerGroup; i++)
            {
                var batch = await sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, Groups).Select(g => new SendMessageBatchRequestEntry($"g{g}", $"{g}:{i}")
                {
                    MessageGroupId = $"g{g}",
                    MessageDeduplicationId = $"d-{g}-{i}",
                })]);
                foreach (var s in batch.Successful)
                {
                    ids[$"{s.Id[1..]}:{i}"] = s.MessageId;
                }
            }

            // Process (receive + delete) the first messages of every group, then kill the server at once.
            var deleted = 0;
            while (deleted < Groups * Deleted)
            {
                var got = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 1, VisibilityTimeout = 30 });
                foreach (var m in got.Messages ?? [])
                {
                    if (int.Parse(m.Body.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture) < Deleted)
                    {
                        await sqs.DeleteMessageAsync(url, m.ReceiptHandle);
                        deleted++;
                    }
                    else
                    {
                        await sqs.ChangeMessageVisibilityAsync(url, m.ReceiptHandle, 0);
                    }
                }
            }

            server.KillHard();
        }

        using var again = await ServerProcess.StartAsync(_dir, port);
        using var client = again.Client();

        // Deduplication state survived: a retry of an acknowledged send returns the original id.
        var retry = await client.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "0:7", MessageGroupId = "g0", MessageDeduplicationId = "d-0-7" });
        Assert.Equal(ids["0:7"], retry.MessageId);

        var next = new int[Groups];
        Array.Fill(next, Deleted);
        var remaining = Groups * (PerGroup - Deleted);
        for (var attempts = 0; remaining > 0 && attempts < 500; attempts++)
        {
            var got = await client.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            foreach (var m in got.Messages ?? [])
            {
                var parts = m.Body.Split(':').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Assert.Equal(next[parts[0]], parts[1]);
                Assert.Equal(ids[m.Body], m.MessageId);
                next[parts[0]]++;
                remaining--;
                await client.DeleteMessageAsync(url, m.ReceiptHandle);
            }
        }

        Assert.Equal(0, remaining);
        Assert.All(next, n => Assert.Equal(PerGroup, n));
    }
}
