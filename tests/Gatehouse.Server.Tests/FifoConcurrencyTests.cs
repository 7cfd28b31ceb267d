using System.Collections.Concurrent;
using Amazon.SQS.Model;

namespace Gatehouse.Server.Tests;

/// <summary>16 consumers on 50 message groups: every message processed exactly once and each group in send
/// order. A group handed to two consumers at once would break the order check.</summary>
[Collection("server")]
public sealed class FifoConcurrencyTests(ServerFixture server)
{
    [Fact]
    public async Task Sixteen_consumers_fifty_groups_exactly_once_in_order()
    {
        using var sqs = server.Client();
        var url = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = "conc" + Guid.NewGuid().ToString("N")[..8] + ".fifo",
            Attributes = new() { ["FifoQueue"] = "true", ["VisibilityTimeout"] = "120" },
        })).QueueUrl;
        const int Groups = 50, PerGroup = 20;
        for (var i = 0; i < PerGroup; i++)
        {
            // Batches of ten, each spanning ten groups, so order must hold across batch entries too.
            for (var g0 = 0; g0 < Groups; g0 += 10)
            {
                await sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(g0, 10).Select(g => new SendMessageBatchRequestEntry($"e{g}", $"{g}:{i}")
                {
                    MessageGroupId = $"g{g}",
                    MessageDeduplicationId = $"{g}-{i}",
                })]);
            }
        }

        var seen = new ConcurrentDictionary<string, int>();
        var lastPerGroup = new ConcurrentDictionary<int, int>();
        var inFlightGroups = new ConcurrentDictionary<int, int>();
        var violations = new ConcurrentBag<string>();
        var done = 0;
        var consumers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            var idle = 0;
            while (Volatile.Read(ref done) < Groups * PerGroup && idle < 20)
            {
                var got = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 });
                if (got.Messages is not { Count: > 0 })
                {
                    idle++;
                    await Task.Delay(20);
                    continue;
                }

                idle = 0;
                foreach (var group in got.Messages.Select(m => int.Parse(m.Body.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture)).Distinct())
                {
                    if (inFlightGroups.AddOrUpdate(group, 1, (_, n) => n + 1) > 1)
                    {
                        violations.Add($"group {group} held by two consumers");
                    }
                }

                foreach (var m in got.Messages)
                {
                    var parts = m.Body.Split(':');
                    var (g, i) = (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
                    if (seen.AddOrUpdate(m.Body, 1, (_, n) => n + 1) > 1)
                    {
                        violations.Add($"{m.Body} delivered twice");
                    }

                    var last = lastPerGroup.GetOrAdd(g, -1);
                    if (i != last + 1)
                    {
                        violations.Add($"group {g}: {i} after {last}");
                    }

                    lastPerGroup[g] = i;
                }

                foreach (var group in got.Messages.Select(m => int.Parse(m.Body.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture)).Distinct())
                {
                    inFlightGroups.AddOrUpdate(group, 0, (_, n) => n - 1);
                }

                var del = await sqs.DeleteMessageBatchAsync(url, [.. got.Messages.Select((m, k) => new DeleteMessageBatchRequestEntry($"d{k}", m.ReceiptHandle))]);
                Assert.Empty(del.Failed ?? []);
                Interlocked.Add(ref done, got.Messages.Count);
            }
        })).ToList();
        await Task.WhenAll(consumers);

        Assert.Empty(violations);
        Assert.Equal(Groups * PerGroup, seen.Count);
        Assert.All(lastPerGroup.Values, v => Assert.Equal(PerGroup - 1, v));
    }
}
