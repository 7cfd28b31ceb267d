using System.Collections.Concurrent;
using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;
using Npgsql;
using Xunit.Abstractions;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>The PostgreSQL queue store's group commit (docs/postgres.md, "Group commit"): concurrent operations
/// share one transaction, lose and duplicate nothing, and a failing one fails only its own caller.</summary>
public sealed class GroupCommitTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long T0 = 1_000_000;
    private readonly PostgresStoreNodes _nodes = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _nodes.DisposeAsync().AsTask();

    private async Task<PostgresQueueStore> OpenNodeAsync() => (await _nodes.OpenAsync()).Store;

    private static QueueRecord NewQueue(string name) => TestQueues.New(name);

    private static NewMessage Message(string body, string? group = null, string? dedup = null) =>
        new(Uuids.NewV4(), body, [], null, "AIDAEXAMPLE", T0, T0, group, dedup, dedup is null ? null : "", T0 + 300_000);

    private static ReceiveCommand Receive(long queueId, bool fifo, int max = 10) => new(queueId, fifo, T0, max, 30_000, 0, null, null, 0);

    /// <summary>Starts the calls <paramref name="start"/> makes while the node's combiner is busy, so the next flush
    /// takes them all: a FIFO send waits for its queue's row, held here, and its flush holds the combiner until the
    /// row is let go.</summary>
    private static async Task<T> WhileCombinerHeldAsync<T>(PostgresQueueStore store, PostgresDatabase database, Func<T> start)
    {
        var blocker = (await store.CreateQueueAsync(NewQueue($"blocker{Guid.NewGuid():N}.fifo"))).Id;
        await using var holder = await database.DataSource.OpenConnectionAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand($"SELECT 1 FROM sqs_queues WHERE id = {blocker} FOR UPDATE", holder, tx))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var held = store.SendAsync(blocker, true, [Message("x", "g", "d")]);

        // Until the send's flush is waiting for the row lock (so no call started next can join it).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        // (Asked on a connection of its own: a transaction sees one snapshot of pg_stat_activity.)
        await using (var waiting = database.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))
        {
            while ((long)(await waiting.ExecuteScalarAsync())! == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the FIFO send never waited for the row lock");
                await Task.Delay(5);
            }
        }

        var started = start();
        await tx.RollbackAsync();
        await held;
        return started;
    }

    [PostgresTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Concurrent_sends_receives_and_deletes_on_two_nodes_lose_nothing_and_duplicate_nothing(bool combineReceives)
    {
        var nodes = new[] { await OpenNodeAsync(), await OpenNodeAsync() };
        foreach (var node in nodes)
        {
            node.CombineReceives = combineReceives;
        }

        foreach (var (name, fifo) in new[] { ("q", false), ("q.fifo", true) })
        {
            var queue = (await nodes[0].CreateQueueAsync(NewQueue(name))).Id;
            const int Producers = 16, PerProducer = 20;
            var sent = new ConcurrentDictionary<string, (int Producer, int Index, long Seq)>();
            await Task.WhenAll(Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
            {
                for (var i = 0; i < PerProducer; i++)
                {
                    var m = Message($"p{p}-{i}", fifo ? "g" + p : null, fifo ? $"d{p}-{i}" : null);
                    var outcome = Assert.Single(await nodes[(p + i) % 2].SendAsync(queue, fifo, [m]));
                    Assert.False(outcome.Duplicate);
                    Assert.True(sent.TryAdd(outcome.MessageId, (p, i, outcome.SequenceNumber)));
                }
            })));
            Assert.Equal(Producers * PerProducer, sent.Count);
            if (fifo)
            {
                // Sequence numbers are unique and follow each producer's order of sends.
                Assert.Equal(sent.Count, sent.Values.Select(v => v.Seq).Distinct().Count());
                foreach (var producer in sent.Values.GroupBy(v => v.Producer))
                {
                    var bySeq = producer.OrderBy(v => v.Seq).Select(v => v.Index).ToList();
                    Assert.Equal(Enumerable.Range(0, PerProducer), bySeq);
                }
            }

            var received = new ConcurrentDictionary<string, byte>();
            var deadline = TimeProvider.System.GetTimestamp() + (TimeProvider.System.TimestampFrequency * 60);
            await Task.WhenAll(Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
            {
                var node = nodes[c % 2];
                while (received.Count < sent.Count && TimeProvider.System.GetTimestamp() < deadline)
                {
                    var got = (await node.ReceiveAsync(Receive(queue, fifo, 3))).Messages;
                    foreach (var m in got)
                    {
                        Assert.True(received.TryAdd(m.MessageId, 0), $"{m.MessageId} received twice");
                    }

                    if (got.Count > 0)
                    {
                        var deleted = await nodes[(c + 1) % 2].DeleteAsync(queue, [.. got.Select(m => new ReceiptHandle(queue, m.RowId, m.Nonce))], T0, fifo);
                        Assert.All(deleted, d => Assert.Equal(HandleOutcome.Ok, d));
                    }
                }
            })));
            Assert.Equal(sent.Keys.Order(), received.Keys.Order());
            Assert.Empty((await nodes[0].ReceiveAsync(Receive(queue, fifo))).Messages);
        }

        Assert.True(nodes[0].CombinedOperations + nodes[1].CombinedOperations > 0, "no operations shared a transaction");
        output.WriteLine($"combined operations: {nodes[0].CombinedOperations} and {nodes[1].CombinedOperations}");
    }

    [PostgresFact]
    public async Task Receives_of_one_queue_combined_in_one_transaction_take_different_messages()
    {
        var store = await OpenNodeAsync();
        store.MaxConcurrentFlushes = 1;
        store.CombineReceives = true;
        var queue = (await store.CreateQueueAsync(NewQueue("q"))).Id;
        for (var i = 0; i < 300; i += 10)
        {
            await store.SendAsync(queue, false, [.. Enumerable.Range(i, 10).Select(n => Message("m" + n))]);
        }

        var combinedBefore = store.CombinedOperations;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => store.ReceiveAsync(Receive(queue, false))));
        var ids = outcomes.SelectMany(o => o.Messages).Select(m => m.MessageId).ToList();
        Assert.Equal(240, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(store.CombinedOperations > combinedBefore, "the receives did not share a transaction");
    }

    [PostgresFact]
    public async Task Sends_receives_deletes_and_visibility_changes_mixed_in_batches_each_get_their_own_results()
    {
        var store = await OpenNodeAsync();
        store.MaxConcurrentFlushes = 1;
        store.CombineReceives = true;
        var standard = (await store.CreateQueueAsync(NewQueue("q"))).Id;
        var fifo = (await store.CreateQueueAsync(NewQueue("q.fifo"))).Id;
        foreach (var (queue, isFifo) in new[] { (standard, false), (fifo, true) })
        {
            await store.SendAsync(queue, isFifo, [.. Enumerable.Range(0, 10).Select(i => Message("old" + i, isFifo ? "g" + i : null, isFifo ? "old" + i : null))]);
        }

        var combinedBefore = store.CombinedOperations;
        for (var round = 0; round < 5; round++)
        {
            // Statements with rows (a FIFO send, receives, deletes) and without (a standard send's INSERT) in one batch.
            var r = round;
            var sends = Enumerable.Range(0, 8).Select(i => i % 2 == 0
                ? store.SendAsync(standard, false, [Message($"s{r}-{i}")])
                : store.SendAsync(fifo, true, [Message($"s{r}-{i}", "h" + i, $"s{r}-{i}")])).ToList();
            var receives = new[] { store.ReceiveAsync(Receive(standard, false, 2)), store.ReceiveAsync(Receive(fifo, true, 2)) };
            var changes = new[]
            {
                store.ChangeVisibilityAsync(standard, [new VisibilityChange(new ReceiptHandle(standard, long.MaxValue, 1), T0, 0)], T0, false),
            };
            Assert.All(await Task.WhenAll(sends), o => Assert.False(Assert.Single(o).Duplicate));
            var got = await Task.WhenAll(receives);
            Assert.All(got, g => Assert.NotEmpty(g.Messages));
            Assert.Equal(HandleOutcome.MessageGone, Assert.Single(await changes[0]));
            var deleteStandard = store.DeleteAsync(standard, [.. got[0].Messages.Select(m => new ReceiptHandle(standard, m.RowId, m.Nonce))], T0, false);
            var deleteFifo = store.DeleteAsync(fifo, [.. got[1].Messages.Select(m => new ReceiptHandle(fifo, m.RowId, m.Nonce))], T0, true);
            var send = store.SendAsync(standard, false, [Message($"t{r}")]);
            Assert.All(await deleteStandard, d => Assert.Equal(HandleOutcome.Ok, d));
            Assert.All(await deleteFifo, d => Assert.Equal(HandleOutcome.Ok, d));
            Assert.False(Assert.Single(await send).Duplicate);
        }

        Assert.True(store.CombinedOperations > combinedBefore, "no operations shared a transaction");
    }

    [PostgresFact]
    public async Task A_failing_operation_in_a_combined_batch_fails_only_its_own_caller()
    {
        var store = await OpenNodeAsync();
        store.MaxConcurrentFlushes = 1;
        var standard = (await store.CreateQueueAsync(NewQueue("q"))).Id;
        var fifo = (await store.CreateQueueAsync(NewQueue("q.fifo"))).Id;
        var roundTripsBefore = store.RoundTrips;
        for (var round = 0; round < 3; round++)
        {
            var good = Enumerable.Range(0, 30).Select(i => i % 2 == 0
                ? store.SendAsync(standard, false, [Message($"r{round}-{i}")])
                : store.SendAsync(fifo, true, [Message($"r{round}-{i}", "g", $"r{round}-{i}")])).ToList();

            // PostgreSQL text cannot hold NUL: the statement fails, and the transaction it was in is rolled back.
            var invalid = store.SendAsync(standard, false, [Message("bad\0body")]);

            // A FIFO send to a queue that does not exist (deleted meanwhile) fails on its own.
            var missing = store.SendAsync(fifo + 1000, true, [Message("gone", "g", $"gone{round}")]);
            good.AddRange(Enumerable.Range(30, 30).Select(i => store.SendAsync(standard, false, [Message($"r{round}-{i}")])));

            await Assert.ThrowsAsync<PostgresException>(() => invalid);
            await Assert.ThrowsAsync<InvalidOperationException>(() => missing);
            Assert.All(await Task.WhenAll(good), o => Assert.False(Assert.Single(o).Duplicate));
        }

        // Every good send was committed once.
        var bodies = new List<string>();
        foreach (var (queue, isFifo) in new[] { (standard, false), (fifo, true) })
        {
            while (true)
            {
                var got = (await store.ReceiveAsync(Receive(queue, isFifo))).Messages;
                if (got.Count == 0)
                {
                    break;
                }

                bodies.AddRange(got.Select(m => m.Body));
                await store.DeleteAsync(queue, [.. got.Select(m => new ReceiptHandle(queue, m.RowId, m.Nonce))], T0, isFifo);
            }
        }

        var expected = Enumerable.Range(0, 3).SelectMany(r => Enumerable.Range(0, 60).Select(i => $"r{r}-{i}")).Order();
        Assert.Equal(expected, bodies.Order());
        output.WriteLine($"{store.RoundTrips - roundTripsBefore} round trips");
    }

    [PostgresFact]
    public async Task Fifo_sends_of_several_callers_share_one_statement_and_deduplicate_across_callers()
    {
        var store = await OpenNodeAsync();
        var queue = (await store.CreateQueueAsync(NewQueue("q.fifo"))).Id;
        var outcomes = new List<(string Dedup, SendOutcome Outcome)>();
        for (var wave = 0; wave < 5; wave++)
        {
            // 40 callers at once, two of each deduplication id: whichever comes second is the duplicate.
            var calls = Enumerable.Range(0, 40).Select(i =>
            {
                var dedup = $"w{wave}-d{i % 20}";
                return (dedup, store.SendAsync(queue, true, [Message($"w{wave}-{i}", "g" + (i % 3), dedup)]));
            }).ToList();
            foreach (var (dedup, call) in calls)
            {
                outcomes.Add((dedup, Assert.Single(await call)));
            }
        }

        Assert.True(store.MergedOperations > 0, "concurrent sends to one queue shared statements");
        foreach (var same in outcomes.GroupBy(o => o.Dedup))
        {
            Assert.Equal(2, same.Count());
            Assert.Single(same, o => !o.Outcome.Duplicate);
            Assert.Single(same.Select(o => (o.Outcome.MessageId, o.Outcome.SequenceNumber)).Distinct());
        }

        var originals = outcomes.Where(o => !o.Outcome.Duplicate).Select(o => o.Outcome.SequenceNumber).ToList();
        Assert.Equal(100, originals.Distinct().Count());

        // Exactly the originals are stored.
        var stored = 0;
        while ((await store.ReceiveAsync(Receive(queue, true))).Messages is { Count: > 0 } got)
        {
            stored += got.Count;
            await store.DeleteAsync(queue, [.. got.Select(m => new ReceiptHandle(queue, m.RowId, m.Nonce))], T0, true);
        }

        Assert.Equal(100, stored);
    }

    [PostgresFact]
    public async Task Deletes_of_several_callers_share_statements_and_a_message_deleted_twice_is_deleted_once()
    {
        var store = await OpenNodeAsync();
        foreach (var (name, fifo) in new[] { ("q", false), ("q.fifo", true) })
        {
            var queue = (await store.CreateQueueAsync(NewQueue(name))).Id;
            await store.SendAsync(queue, fifo, [.. Enumerable.Range(0, 60).Select(i => Message($"m{i}", fifo ? "g" + i : null, fifo ? "d" + i : null))]);
            var received = new List<StoredMessage>();
            while (received.Count < 60)
            {
                received.AddRange((await store.ReceiveAsync(Receive(queue, fifo))).Messages);
            }

            var mergedBefore = store.MergedOperations;

            // Every message deleted by two callers at once, each caller with one handle.
            var calls = received.SelectMany(m => new[] { m, m })
                .Select(m => (m.RowId, Task: store.DeleteAsync(queue, [new ReceiptHandle(queue, m.RowId, m.Nonce)], T0, fifo))).ToList();
            await Task.WhenAll(calls.Select(c => c.Task));
            foreach (var pair in calls.GroupBy(c => c.RowId))
            {
                var outcomes = pair.Select(c => Assert.Single(c.Task.Result)).Order().ToList();
                Assert.Equal([HandleOutcome.Ok, HandleOutcome.MessageGone], outcomes);
            }

            Assert.True(store.MergedOperations > mergedBefore, "concurrent deletes of one queue shared statements");
            Assert.Empty((await store.PeekAsync(queue, 100)).Messages);
        }
    }

    [PostgresFact]
    public async Task Receives_of_several_callers_share_statements_and_each_gets_at_most_what_it_asked_for()
    {
        var (store, database) = await _nodes.OpenAsync();
        var queue = (await store.CreateQueueAsync(NewQueue("q"))).Id;
        for (var i = 0; i < 25; i++)
        {
            // One send each: visible times in send order, so the scan order is the send order.
            await store.SendAsync(queue, false, [Message($"m{i:D2}") with { VisibleAtMs = T0 - 100 + i }]);
        }

        var mergedBefore = store.MergedOperations;
        var asked = Enumerable.Range(1, 8).ToArray(); // 36 asked for, 25 there
        var receives = await WhileCombinerHeldAsync(store, database, () => asked.Select(max => store.ReceiveAsync(Receive(queue, false, max))).ToArray());
        var outcomes = await Task.WhenAll(receives);
        Assert.Equal(asked.Length - 1, store.MergedOperations - mergedBefore);
        var all = outcomes.SelectMany(o => o.Messages).ToList();
        Assert.Equal(25, all.Count);
        Assert.Equal(25, all.Select(m => m.MessageId).Distinct().Count());
        for (var i = 0; i < asked.Length; i++)
        {
            var bodies = outcomes[i].Messages.Select(m => m.Body).ToList();
            Assert.InRange(bodies.Count, 0, asked[i]);
            Assert.Equal(bodies.Order(StringComparer.Ordinal), bodies);

            // A caller the others left nothing learns when the first message in flight comes back: one the same
            // statement gave another caller (nothing was in flight before it).
            Assert.Equal(bodies.Count == 0 ? T0 + 30_000 : null, outcomes[i].NextVisibleAtMs);
        }

        Assert.Contains(outcomes, o => o.Messages.Count == 0);

        // Everything is in flight: callers that come together all get nothing, and each the time it comes back.
        var empty = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => store.ReceiveAsync(Receive(queue, false))));
        Assert.All(empty, o =>
        {
            Assert.Empty(o.Messages);
            Assert.Equal(T0 + 30_000, o.NextVisibleAtMs);
        });
    }

    [PostgresFact]
    public async Task Fifo_receives_of_several_callers_share_a_statement_and_no_group_goes_to_two_callers()
    {
        var (store, database) = await _nodes.OpenAsync();
        var queue = (await store.CreateQueueAsync(NewQueue("q.fifo"))).Id;

        // Twelve messages of group a, then one each of groups b01 … b30, in this sequence order.
        var sent = new List<(string Body, string Group)>();
        for (var i = 0; i < 42; i++)
        {
            var group = i < 12 ? "a" : $"b{i - 11:D2}";
            var body = $"{group}-{i:D2}";
            await store.SendAsync(queue, true, [Message(body, group, body)]);
            sent.Add((body, group));
        }

        // Shares in sequence order: the first caller's ten picks are a's first ten; the second caller's two are a's
        // last two, which stay behind a's messages in flight, so it gets nothing from the shared statement and reads
        // again alone; the third caller's three are b01 … b03.
        var mergedBefore = store.MergedOperations;
        var roundsBefore = store.ReceiveRounds;
        int[] asked = [10, 2, 3];
        var outcomes = await Task.WhenAll(
            await WhileCombinerHeldAsync(store, database, () => asked.Select(max => store.ReceiveAsync(Receive(queue, true, max))).ToArray()));
        Assert.Equal(asked.Length - 1, store.MergedOperations - mergedBefore);
        Assert.Equal(asked.Length + 1, store.ReceiveRounds - roundsBefore);

        string[] Bodies(int caller) => [.. outcomes[caller].Messages.Select(m => m.Body)];
        Assert.Equal(sent.Take(10).Select(s => s.Body), Bodies(0));
        Assert.Equal(["b04-15", "b05-16"], Bodies(1));
        Assert.Equal(["b01-12", "b02-13", "b03-14"], Bodies(2));
        Assert.All(outcomes, o => Assert.Null(o.NextVisibleAtMs));

        // Group a is in flight: the next receive passes its last two and takes the next groups.
        var next = (await store.ReceiveAsync(Receive(queue, true))).Messages.Select(m => m.Body).ToList();
        Assert.Equal(sent.Skip(17).Take(10).Select(s => s.Body), next);

        // Once a's ten are deleted, its last two come, in order.
        await store.DeleteAsync(queue, [.. outcomes[0].Messages.Select(m => new ReceiptHandle(queue, m.RowId, m.Nonce))], T0, true);
        var rest = (await store.ReceiveAsync(Receive(queue, true))).Messages.Select(m => m.Body).ToList();
        Assert.Equal(["a-10", "a-11"], rest.Take(2));
    }

    [PostgresFact]
    public async Task Fifo_callers_of_a_merged_receive_whose_share_was_all_one_busy_group_read_again_and_learn_when_to_come_back()
    {
        var (store, database) = await _nodes.OpenAsync();
        var queue = (await store.CreateQueueAsync(NewQueue("q.fifo"))).Id;
        await store.SendAsync(queue, true, [.. Enumerable.Range(0, 5).Select(i => Message($"a{i}", "a", $"d{i}"))]);

        // One group, three callers of two: the first takes a0 and a1; a2 … a4 fall into the others' shares and stay,
        // behind a0 in flight. The others read again alone, find the group blocked, and get nothing.
        var roundsBefore = store.ReceiveRounds;
        var outcomes = await Task.WhenAll(
            await WhileCombinerHeldAsync(store, database, () => Enumerable.Range(0, 3).Select(_ => store.ReceiveAsync(Receive(queue, true, 2))).ToArray()));
        Assert.Equal(["a0", "a1"], outcomes[0].Messages.Select(m => m.Body));
        Assert.Null(outcomes[0].NextVisibleAtMs);
        foreach (var other in outcomes.Skip(1))
        {
            Assert.Empty(other.Messages);
            Assert.Equal(T0 + 30_000, other.NextVisibleAtMs);
        }

        Assert.Equal(5, store.ReceiveRounds - roundsBefore);

        // Once a0 and a1 are deleted, the rest of the group comes, in order.
        await store.DeleteAsync(queue, [.. outcomes[0].Messages.Select(m => new ReceiptHandle(queue, m.RowId, m.Nonce))], T0, true);
        Assert.Equal(["a2", "a3", "a4"], (await store.ReceiveAsync(Receive(queue, true))).Messages.Select(m => m.Body));
    }

    [PostgresFact]
    public async Task Merged_receives_move_what_is_due_for_the_dead_letter_queue_and_count_it_once()
    {
        var store = await OpenNodeAsync();
        var queue = (await store.CreateQueueAsync(NewQueue("q"))).Id;
        var dlq = (await store.CreateQueueAsync(NewQueue("dlq"))).Id;
        await store.SendAsync(queue, false, [.. Enumerable.Range(0, 20).Select(i => Message($"m{i:D2}"))]);

        // Each received once with no visibility timeout: visible again at once, with one receive behind it.
        var once = new List<StoredMessage>();
        while (once.Count < 20)
        {
            once.AddRange((await store.ReceiveAsync(new ReceiveCommand(queue, false, T0, 10, 0, 0, null, null, 0))).Messages);
        }

        var mergedBefore = store.MergedOperations;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            store.ReceiveAsync(new ReceiveCommand(queue, false, T0 + 1, 10, 30_000, 0, dlq, "arn:aws:sqs:us-east-1:000000000000:q", 1))));
        Assert.All(outcomes, o => Assert.Empty(o.Messages));
        Assert.Equal(20, outcomes.Sum(o => o.MovedToDeadLetterQueue));
        Assert.True(store.MergedOperations > mergedBefore, "concurrent receives of one queue shared statements");
        Assert.Empty((await store.PeekAsync(queue, 100)).Messages);
        Assert.Equal(20, (await store.PeekAsync(dlq, 100)).Messages.Count);
    }

    [PostgresFact]
    public async Task Concurrent_calls_need_fewer_round_trips_than_calls()
    {
        var store = await OpenNodeAsync();
        var queue = (await store.CreateQueueAsync(NewQueue("q"))).Id;
        const int Calls = 64, Waves = 5;
        var before = store.RoundTrips;
        for (var wave = 0; wave < Waves; wave++)
        {
            await Task.WhenAll(Enumerable.Range(0, Calls).Select(i => store.SendAsync(queue, false, [Message($"w{wave}-{i}")])));
        }

        var perSend = (double)(store.RoundTrips - before) / (Calls * Waves);
        before = store.RoundTrips;
        var received = new ConcurrentBag<StoredMessage>();
        await Task.WhenAll(Enumerable.Range(0, Calls * Waves / 10).Select(async _ =>
        {
            foreach (var m in (await store.ReceiveAsync(Receive(queue, false))).Messages)
            {
                received.Add(m);
            }
        }));
        // Receives running at once may skip rows the others hold (SKIP LOCKED): what is left comes after.
        while ((await store.ReceiveAsync(Receive(queue, false))).Messages is { Count: > 0 } more)
        {
            foreach (var m in more)
            {
                received.Add(m);
            }
        }

        var list = received.ToList();
        before = store.RoundTrips;
        await Task.WhenAll(list.Select(m => store.DeleteAsync(queue, [new ReceiptHandle(queue, m.RowId, m.Nonce)], T0, false)));
        var perDelete = (double)(store.RoundTrips - before) / list.Count;
        output.WriteLine($"{perSend:F3} round trips per concurrent send, {perDelete:F3} per concurrent delete");

        Assert.Equal(Calls * Waves, list.Select(m => m.MessageId).Distinct().Count());
        Assert.InRange(perSend, 0, 0.5);
        Assert.InRange(perDelete, 0, 0.5);
    }
}
