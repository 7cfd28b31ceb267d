using System.Globalization;
using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Storage.Sqlite;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>The SQLite and PostgreSQL queue stores given the same random workload (sends with delays, groups and
/// duplicates, receives with retention and dead-lettering, deletes and visibility changes with current, stale and
/// repeated handles, moves, expiry, purges) answer every call alike: same messages, row ids, nonces, sequence numbers,
/// handle outcomes and counts.</summary>
public sealed class StoreEquivalenceTests
{
    private const long T0 = 1_000_000;

    private static QueueRecord NewQueue(string name) => TestQueues.New(name);

    [PostgresTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Both_stores_answer_a_random_workload_alike(int seed)
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var database = PostgresDatabase.Open(test.ConnectionString);
        await using var postgres = await PostgresQueueStore.OpenAsync(database);
        await using var sqlite = SqliteQueueStore.Open(new SqliteStoreOptions());
        async Task<string[]> Both(Func<IQueueStore, Task<string>> call) => [await call(sqlite), await call(postgres)];

        var ids = await Both(async s =>
        {
            var created = new List<long>();
            foreach (var name in new[] { "std", "dlq", "q.fifo", "dlq.fifo" })
            {
                created.Add((await s.CreateQueueAsync(NewQueue(name))).Id);
            }

            return string.Join(",", created);
        });
        Assert.Equal(["1,2,3,4", "1,2,3,4"], ids);
        var (std, dlq, fifo, fifoDlq) = (1L, 2L, 3L, 4L);

        var random = new Random(seed);
        var now = T0;
        var handles = new List<(long Queue, bool Fifo, ReceiptHandle Handle)>();
        var counter = 0;
        for (var step = 0; step < 300; step++)
        {
            now += random.Next(0, 2500);
            var isFifo = random.Next(2) == 0;
            var (queue, deadLetter) = isFifo ? (fifo, fifoDlq) : (std, dlq);
            string[] answers;
            switch (random.Next(8))
            {
                case 0:
                case 1:
                    {
                        var messages = Enumerable.Range(0, random.Next(1, 11)).Select(_ =>
                        {
                            var n = counter++;
                            var dedup = isFifo ? "d" + random.Next(40) : null;
                            var delay = isFifo ? 0 : random.Next(3) == 0 ? random.Next(1, 6000) : 0;
                            return new NewMessage("m-" + n, "body " + n, [], null, "AIDAEXAMPLE", now, now + delay,
                                isFifo || random.Next(4) == 0 ? "g" + random.Next(4) : null, dedup, dedup is null ? null : "", now + 20_000);
                        }).ToList();
                        answers = await Both(async s => string.Join(";", (await s.SendAsync(queue, isFifo, messages)).Select(o => $"{o.MessageId}/{o.SequenceNumber}/{o.Duplicate}")));
                        break;
                    }

                case 2:
                case 3:
                    {
                        var withDeadLetter = random.Next(2) == 0;
                        var command = new ReceiveCommand(queue, isFifo, now, random.Next(1, 11), random.Next(0, 6) * 1000L, now - 40_000,
                            withDeadLetter ? deadLetter : null, withDeadLetter ? "arn:" + queue : null, withDeadLetter ? 3 : 0);
                        answers = await Both(async s =>
                        {
                            var r = await s.ReceiveAsync(command);
                            return $"next={r.NextVisibleAtMs} moved={r.MovedToDeadLetterQueue} " + string.Join(";", r.Messages.Select(m =>
                                $"{m.RowId}/{m.Nonce}/{(m.MessageId.StartsWith("m-", StringComparison.Ordinal) ? m.MessageId : "moved")}/{m.Body}/{m.ReceiveCount}/{m.FirstReceiveMs}/{m.SentMs}/{m.SequenceNumber}/{m.MessageGroupId}/{m.DeadLetterQueueSourceArn}"));
                        });
                        var received = await sqlite.PeekAsync(queue, 1000);
                        handles.AddRange(received.Messages.Where(p => p.Message.ReceiveCount > 0)
                            .Select(p => (queue, isFifo, new ReceiptHandle(queue, p.Message.RowId, p.Message.Nonce - random.Next(2)))));
                        break;
                    }

                case 4:
                case 5:
                    {
                        var mine = handles.Where(h => h.Fifo == isFifo).ToList();
                        if (mine.Count == 0)
                        {
                            continue;
                        }

                        var chosen = Enumerable.Range(0, random.Next(1, 6)).Select(_ => mine[random.Next(mine.Count)].Handle).ToList();
                        if (random.Next(2) == 0)
                        {
                            answers = await Both(async s => string.Join(";", await s.DeleteAsync(queue, chosen, now, isFifo)));
                        }
                        else
                        {
                            var changes = chosen.Select(h => new VisibilityChange(h, now + (random.Next(4) == 0 ? 43_300_000L : random.Next(0, 8) * 1000L), 0)).ToList();
                            answers = await Both(async s => string.Join(";", await s.ChangeVisibilityAsync(queue, changes, now, isFifo)));
                        }

                        break;
                    }

                case 6:
                    var max = random.Next(1, 6);
                    answers = random.Next(5) switch
                    {
                        0 => await Both(async s => "purged " + (await s.PurgeAsync(queue)).ToString(CultureInfo.InvariantCulture)),
                        1 or 2 => await Both(async s => "expired " + (await s.ExpireAsync(queue, now - 30_000, now)).ToString(CultureInfo.InvariantCulture)),
                        _ => await Both(async s => "moved " + (await s.MoveMessagesAsync(deadLetter, null, arn => arn == "arn:" + queue ? queue : null, max, now)).ToString(CultureInfo.InvariantCulture)),
                    };
                    break;

                default:
                    answers = await Both(async s => (await s.CountAsync(queue, now, 0)).ToString());
                    break;
            }

            if (answers[0] != answers[1])
            {
                var dump = await Both(async s => string.Join("\n", (await s.PeekAsync(deadLetter, 100)).Messages.Select(p => $"{p.Message.RowId} vis={p.VisibleAtMs} rc={p.Message.ReceiveCount} src={p.Message.DeadLetterQueueSourceArn} now={now}")));
                Assert.Fail($"step {step}: SQLite answered\n{answers[0]}\nPostgreSQL answered\n{answers[1]}\n{dump[0]}\n--\n{dump[1]}");
            }
        }

        // And they hold the same messages in the end (moves gave new message ids, so those are left out).
        foreach (var queue in new[] { std, dlq, fifo, fifoDlq })
        {
            var states = await Both(async s => string.Join(";", (await s.PeekAsync(queue, 10_000)).Messages.Select(p =>
                $"{p.Message.RowId}/{p.Message.Nonce}/{p.Message.Body}/{p.Message.ReceiveCount}/{p.Message.SequenceNumber}/{p.VisibleAtMs}")));
            Assert.Equal(states[0], states[1]);
        }
    }
}
