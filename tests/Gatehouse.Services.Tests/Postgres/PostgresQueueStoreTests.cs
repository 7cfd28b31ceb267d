using System.Collections.Concurrent;
using System.Collections.Immutable;
using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>What only the PostgreSQL queue store has: round trips per operation, sessions killed under it, and
/// missed notices after the listener reconnects. The behaviour it shares with SQLite is in the store contract
/// (Stores/QueueStoreContract.cs).</summary>
public sealed class PostgresQueueStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long T0 = 1_000_000;
    private readonly PostgresStoreNodes _nodes = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _nodes.DisposeAsync().AsTask();

    private Task<(PostgresQueueStore Store, PostgresDatabase Database)> OpenNodeAsync() => _nodes.OpenAsync();

    private static QueueRecord NewQueue(string name) => TestQueues.New(name);

    private static NewMessage Message(string body, string? group = null, string? dedup = null) =>
        new(Uuids.NewV4(), body, [], null, "AIDAEXAMPLE", T0, T0, group, dedup, dedup is null ? null : "", T0 + 300_000);

    private static ReceiveCommand Receive(long queueId, bool fifo = false, long now = T0) => new(queueId, fifo, now, 10, 30_000, 0, null, null, 0);

    private static async Task<long> Measure(PostgresQueueStore store, Func<Task> operation)
    {
        var before = store.RoundTrips;
        await operation();
        return store.RoundTrips - before;
    }

    [PostgresFact]
    public async Task Every_operation_on_a_batch_is_one_round_trip()
    {
        var (store, _) = await OpenNodeAsync();
        var standard = 0L;
        var fifo = 0L;
        Assert.Equal(1, await Measure(store, async () => standard = (await store.CreateQueueAsync(NewQueue("q"))).Id));
        Assert.Equal(1, await Measure(store, async () => fifo = (await store.CreateQueueAsync(NewQueue("q.fifo"))).Id));

        // Sends of ten, with their change notice, in one round trip each.
        Assert.Equal(1, await Measure(store, () => store.SendAsync(standard, false, [.. Enumerable.Range(0, 10).Select(i => Message("m" + i))])));
        Assert.Equal(1, await Measure(store, () => store.SendAsync(fifo, true, [.. Enumerable.Range(0, 10).Select(i => Message("f" + i, "g" + (i % 3), "d" + i))])));

        IReadOnlyList<StoredMessage> got = [];
        IReadOnlyList<StoredMessage> gotFifo = [];
        Assert.Equal(1, await Measure(store, async () => got = (await store.ReceiveAsync(Receive(standard))).Messages));
        Assert.Equal(1, await Measure(store, async () => gotFifo = (await store.ReceiveAsync(Receive(fifo, fifo: true))).Messages));
        Assert.Equal(10, got.Count);
        Assert.Equal(10, gotFifo.Count);

        Assert.Equal(1, await Measure(store, () => store.ChangeVisibilityAsync(standard,
            [.. got.Take(5).Select(m => new VisibilityChange(new ReceiptHandle(standard, m.RowId, m.Nonce), T0 + 60_000, 60))], T0, false)));
        Assert.Equal(1, await Measure(store, () => store.DeleteAsync(standard, [.. got.Select(m => new ReceiptHandle(standard, m.RowId, m.Nonce))], T0, false)));
        Assert.Equal(1, await Measure(store, () => store.DeleteAsync(fifo, [.. gotFifo.Select(m => new ReceiptHandle(fifo, m.RowId, m.Nonce))], T0, true)));
        Assert.Equal(1, await Measure(store, () => store.CountAsync(standard, T0, 0)));
        Assert.Equal(1, await Measure(store, () => store.PeekAsync(standard, 10)));
        Assert.Equal(1, await Measure(store, () => store.ReceiveAsync(Receive(standard))));
    }

    [PostgresFact]
    public async Task Round_trips_per_message_for_a_send_receive_delete_cycle()
    {
        var (store, _) = await OpenNodeAsync();
        foreach (var (name, fifo) in new[] { ("q", false), ("q.fifo", true) })
        {
            var queue = (await store.CreateQueueAsync(NewQueue(name))).Id;
            const int Messages = 500;
            var before = store.RoundTrips;
            for (var i = 0; i < Messages; i += 10)
            {
                await store.SendAsync(queue, fifo, [.. Enumerable.Range(i, 10).Select(n => Message("m" + n, fifo ? "g" + (n % 7) : null, fifo ? "d" + n : null))]);
            }

            var sends = store.RoundTrips - before;
            before = store.RoundTrips;
            var received = 0;
            while (received < Messages)
            {
                var got = (await store.ReceiveAsync(Receive(queue, fifo))).Messages;
                received += got.Count;
                await store.DeleteAsync(queue, [.. got.Select(m => new ReceiptHandle(queue, m.RowId, m.Nonce))], T0, fifo);
            }

            var consumed = store.RoundTrips - before;

            // Trailing change notices of coalesced sends (one per 20 ms window) come on top of the sends.
            Assert.InRange(sends, Messages / 10, (Messages / 10) * 2);
            Assert.InRange(consumed, Messages / 10 * 2, Messages / 10 * 3);
            output.WriteLine($"{name}: {(double)sends / Messages:F3} round trips per message sent in batches of 10, " +
                $"{(double)consumed / Messages:F3} per message received and deleted in batches of 10");
        }
    }

    [PostgresFact]
    public async Task A_send_killed_in_the_middle_of_its_transaction_leaves_nothing_behind_and_is_retried_once()
    {
        var (store, database) = await OpenNodeAsync();
        var q = (await store.CreateQueueAsync(NewQueue("q.fifo"))).Id;

        // Another session holds an uncommitted deduplication entry, so the send stops inside its transaction after it
        // inserted its messages and took the queue's row lock.
        await using var blocker = await database.DataSource.OpenConnectionAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand(
            "INSERT INTO sqs_dedup(queue_id, scope, dedup_id, message_id, seq, expires_ms) VALUES ($1, '', 'd1', 'x', 99, $2)", blocker, tx))
        {
            hold.Parameters.Add(new NpgsqlParameter<long> { TypedValue = q });
            hold.Parameters.Add(new NpgsqlParameter<long> { TypedValue = T0 + 300_000 });
            await hold.ExecuteNonQueryAsync();
        }

        var send = store.SendAsync(q, true, [Message("a", "g", "d0"), Message("b", "g", "d1")]);
        var pid = await WaitingSendAsync(database, except: 0);
        Assert.True(await TerminateAsync(database, pid));

        // The retry waits on the same entry; once the other session gives up, it lands, exactly once.
        var retried = await WaitingSendAsync(database, except: pid);
        Assert.NotEqual(pid, retried);
        await tx.RollbackAsync();
        var outcomes = await send.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([(1L, false), (2L, false)], outcomes.Select(o => (o.SequenceNumber, o.Duplicate)));
        Assert.Equal(2, (await store.CountAsync(q, T0, 0)).Visible);
        Assert.Equal(3, Assert.Single(await store.SendAsync(q, true, [Message("c", "g", "d2")])).SequenceNumber);
    }

    /// <summary>The session of a send waiting on a lock (other than <paramref name="except"/>, one already ended).</summary>
    private static async Task<int> WaitingSendAsync(PostgresDatabase database, int except)
    {
        for (var i = 0; i < 500; i++)
        {
            await using var find = database.DataSource.CreateCommand(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH q AS (SELECT next_seq FROM sqs_queues%' AND pid <> $1");
            find.Parameters.Add(new NpgsqlParameter<int> { TypedValue = except });
            if (await find.ExecuteScalarAsync() is int pid)
            {
                return pid;
            }

            await Task.Delay(20);
        }

        await using var all = database.DataSource.CreateCommand("SELECT string_agg(coalesce(wait_event_type, '-') || ' ' || state || ' ' || left(query, 60), ' | ') FROM pg_stat_activity WHERE datname = current_database()");
        throw new TimeoutException("The send never waited on the held entry: " + await all.ExecuteScalarAsync());
    }

    private static async Task<bool> TerminateAsync(PostgresDatabase database, int pid)
    {
        await using var kill = database.DataSource.CreateCommand("SELECT pg_terminate_backend($1)");
        kill.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pid });
        return await kill.ExecuteScalarAsync() is true;
    }

    [PostgresFact]
    public async Task Sessions_killed_under_load_lose_no_acknowledged_send_and_split_no_batch()
    {
        var (store, database) = await OpenNodeAsync();
        var q = (await store.CreateQueueAsync(NewQueue("q"))).Id;
        var acknowledged = new ConcurrentBag<string>();
        var attempted = new ConcurrentBag<string[]>();
        var failures = 0;
        using var stop = new CancellationTokenSource();

        // The killer ends every other session of the database, again and again, while three writers send.
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_nodes.ConnectionString) { Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        var killer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var kill = new NpgsqlCommand(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() " +
                    "AND backend_type = 'client backend'", admin);
                await kill.ExecuteScalarAsync();
                await Task.Delay(15);
            }
        });
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                var batch = Enumerable.Range(0, 10).Select(n => Message($"{w}-{i}-{n}")).ToList();
                attempted.Add([.. batch.Select(m => m.MessageId)]);
                try
                {
                    await store.SendAsync(q, false, batch);
                    foreach (var m in batch)
                    {
                        acknowledged.Add(m.MessageId);
                    }
                }
                catch (NpgsqlException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();
        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await killer;

        var stored = (await store.PeekAsync(q, 10_000)).Messages.Select(m => m.Message.MessageId).ToList();
        var counts = stored.GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(acknowledged, id => Assert.True(counts.ContainsKey(id), $"acknowledged message {id} is missing"));

        // A batch is all or nothing (a send retried after its commit was cut off may be stored twice, whole).
        Assert.All(attempted, batch => Assert.Single(batch.Select(id => counts.GetValueOrDefault(id)).Distinct()));
        output.WriteLine($"{acknowledged.Count / 10} of {attempted.Count} batches acknowledged, {failures} failed, {stored.Count} messages stored");

        // And the store goes on working.
        await store.SendAsync(q, false, [Message("after")]);
        Assert.Equal(stored.Count + 1, (await store.CountAsync(q, T0, 0)).Visible);
    }

    [PostgresFact]
    public async Task After_the_listener_reconnects_every_queue_is_announced_again()
    {
        var (a, _) = await OpenNodeAsync();
        var (b, databaseB) = await OpenNodeAsync();
        var changes = new ConcurrentQueue<QueueChange>();
        b.ChangedElsewhere += changes.Enqueue;
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        databaseB.Notifications.Reconnected += () => reconnected.TrySetResult();

        var kept = await a.CreateQueueAsync(NewQueue("kept"));
        var dropped = await a.CreateQueueAsync(NewQueue("dropped"));
        await b.LoadQueuesAsync();
        await Stores.QueueStoreContract.WaitForChange(changes, c => c.QueueId == dropped.Id && c.Queue is not null);
        changes.Clear();

        await using (var kill = databaseB.DataSource.CreateCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"))
        {
            await kill.ExecuteNonQueryAsync();
        }

        await a.DeleteQueueAsync(dropped.Id);
        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // Only the reload after the reconnect announces an unchanged queue, with its messages to look at.
        var again = await Stores.QueueStoreContract.WaitForChange(changes, c => c.QueueId == kept.Id);
        Assert.Equal(("kept", true), (again.Queue?.Name, again.MessagesArrived));
        await Stores.QueueStoreContract.WaitForChange(changes, c => c.QueueId == dropped.Id && c.Deleted);
    }

    [PostgresTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_receive_reads_on_after_the_last_row_handled_and_what_it_passed_over_comes_back(bool hintExpires)
    {
        var (store, database) = await OpenNodeAsync();
        var clock = new FakeTimeProvider();
        store.HintClock = clock;
        store.ReceiveHintLifetime = TimeSpan.FromSeconds(1);
        var queue = (await store.CreateQueueAsync(NewQueue("q"))).Id;
        for (var i = 0; i < 30; i++)
        {
            await store.SendAsync(queue, false, [Message($"m{i:D2}") with { VisibleAtMs = T0 - 100 + i }]);
        }

        // Another transaction holds the oldest message while the first receive goes by.
        await using (var holder = await database.DataSource.OpenConnectionAsync())
        await using (var tx = await holder.BeginTransactionAsync())
        {
            await using (var hold = new NpgsqlCommand($"SELECT id FROM sqs_messages WHERE queue_id = {queue} AND body = 'm00' FOR UPDATE", holder, tx))
            {
                Assert.NotNull(await hold.ExecuteScalarAsync());
            }

            var first = await store.ReceiveAsync(Receive(queue));
            Assert.Equal([.. Enumerable.Range(1, 10).Select(i => $"m{i:D2}")], first.Messages.Select(m => m.Body));
            await tx.RollbackAsync();
        }

        if (hintExpires)
        {
            // Once the hint's time is up, a receive scans the whole queue again and takes the oldest first.
            clock.Advance(TimeSpan.FromSeconds(1));
            var whole = await store.ReceiveAsync(Receive(queue));
            Assert.Equal("m00", whole.Messages[0].Body);
            return;
        }

        // The next receives read on after m10: the message passed over waits while there are others...
        var second = await store.ReceiveAsync(Receive(queue));
        Assert.Equal([.. Enumerable.Range(11, 10).Select(i => $"m{i:D2}")], second.Messages.Select(m => m.Body));
        var third = await store.ReceiveAsync(Receive(queue));
        Assert.DoesNotContain("m00", third.Messages.Select(m => m.Body));
        Assert.Equal(30 - 1 - 20, third.Messages.Count);

        // ...and when nothing is left after the hint, the same statement looks again from the start: no false empty
        // answer, no second round. (Rounds, not round trips: a send's trailing change notice may go out meanwhile.)
        var before = store.ReceiveRounds;
        var last = await store.ReceiveAsync(Receive(queue));
        Assert.Equal(["m00"], last.Messages.Select(m => m.Body));
        Assert.Equal(1, store.ReceiveRounds - before);
        var empty = await store.ReceiveAsync(Receive(queue));
        Assert.Empty(empty.Messages);
        Assert.Equal(T0 + 30_000, empty.NextVisibleAtMs);
    }

    [PostgresTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_receive_plan_reads_the_queue_indexes_in_order_whatever_the_statistics(bool fifo)
    {
        var (store, database) = await OpenNodeAsync();
        var queue = (await store.CreateQueueAsync(NewQueue(fifo ? "q.fifo" : "q"))).Id;
        await store.SendAsync(queue, fifo, [.. Enumerable.Range(0, 10).Select(i => Message("m" + i, fifo ? "g" + i : null, fifo ? "d" + i : null))]);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await ExecuteAsync(connection, "ALTER TABLE sqs_messages SET (autovacuum_enabled = false)");
        await ExecuteAsync(connection, "ANALYZE sqs_messages");

        // 100,000 more messages than when the statistics were taken.
        await ExecuteAsync(connection,
            "INSERT INTO sqs_messages(queue_id, message_id, body, sender, sent_ms, visible_ms, group_id, seq) " +
            $"SELECT {queue}, 'x' || n, 'b', 's', {T0}, {T0} + n, {(fifo ? "'g' || (n % 1000)" : "NULL")}, {(fifo ? "100 + n" : "0")} " +
            "FROM generate_series(1, 100000) n");

        var cand = fifo ? "Index Scan using sqs_messages_by_sequence on sqs_messages m" : "Index Scan using sqs_messages_by_visibility on sqs_messages ";
        var plan = await ExplainAsync(connection, fifo, queue, serverDefaults: false);
        if (!fifo)
        {
            // A receive that reads on after a hint starts its index scan there.
            var after = await ExplainAsync(connection, fifo, queue, serverDefaults: false, hinted: true);
            output.WriteLine(after);
            Assert.Contains("Index Cond: ((queue_id = $1) AND (visible_ms <= $2) AND (ROW(visible_ms, receive_count, id) > ROW($12, $13, $14)))", after, StringComparison.Ordinal);
            Assert.DoesNotContain("Seq Scan", after, StringComparison.Ordinal);

            // The scan from the start runs only when nothing after the hint could be taken.
            Assert.Contains("One-Time Filter: (NOT ", after, StringComparison.Ordinal);
        }

        output.WriteLine(plan);
        Assert.Contains(cand, plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Bitmap", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);

        if (fifo)
        {
            // A row's group is looked up among the blocked groups in a hash table.
            Assert.Contains("hashed SubPlan", plan, StringComparison.Ordinal);

            // With the server's defaults the FIFO receive's plan reads the whole table to find the blocked groups
            // (it guesses a third of the queue in flight).
            var unguarded = await ExplainAsync(connection, fifo, queue, serverDefaults: true);
            output.WriteLine(unguarded);
            Assert.True(unguarded.Contains("Seq Scan", StringComparison.Ordinal) || unguarded.Contains("Bitmap", StringComparison.Ordinal), unguarded);
        }

        static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        // The generic plan (the connection's plan_cache_mode) of the receive as sent for a receive of ten, with the
        // connection's planner settings or (for this transaction) the server's defaults.
        static async Task<string> ExplainAsync(NpgsqlConnection connection, bool fifo, long queue, bool serverDefaults, bool hinted = false)
        {
            await using var tx = await connection.BeginTransactionAsync();
            if (serverDefaults)
            {
                await using var set = new NpgsqlCommand(
                    "SELECT set_config('enable_seqscan', 'on', true), set_config('enable_bitmapscan', 'on', true), set_config('enable_sort', 'on', true)",
                    connection, tx);
                await set.ExecuteNonQueryAsync();
            }

            var types = "bigint, bigint, int, bigint, bigint, int, int, bigint, text, boolean, int, bigint, int, bigint, int[]";
            await using (var prepare = new NpgsqlCommand($"PREPARE gh_receive({types}) AS {PostgresQueueStore.ReceiveSql(fifo, fifo ? 42 : 12, hinted)}", connection, tx))
            {
                await prepare.ExecuteNonQueryAsync();
            }

            var args = $"{queue}, {T0 + 200_000}, {(fifo ? 42 : 12)}, 0, NULL, 0, 10, 30000, NULL, {(fifo ? "true" : "false")}, 1, {T0 + 50_000}, 0, 0, '{{10}}'";
            var lines = new List<string>();
            await using (var explain = new NpgsqlCommand($"EXPLAIN EXECUTE gh_receive({args})", connection, tx))
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    lines.Add(reader.GetString(0));
                }
            }

            // A prepared statement outlives the transaction: removed before the next EXPLAIN and the pool.
            await using (var deallocate = new NpgsqlCommand("DEALLOCATE gh_receive", connection, tx))
            {
                await deallocate.ExecuteNonQueryAsync();
            }

            await tx.RollbackAsync();
            return string.Join('\n', lines);
        }
    }

    [PostgresTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_fifo_send_probes_each_deduplication_key_whatever_the_statistics(bool analyzed)
    {
        var (store, database) = await OpenNodeAsync();
        var queue = (await store.CreateQueueAsync(NewQueue("q.fifo"))).Id;
        await using var connection = await database.DataSource.OpenConnectionAsync();

        // A few thousand entries of one queue, as on a new database: not analysed yet (no statistics; as planned
        // by a node started on it), or analysed (small enough that reading them all may look cheap).
        await using (var fill = new NpgsqlCommand(
            "ALTER TABLE sqs_dedup SET (autovacuum_enabled = false); INSERT INTO sqs_dedup(queue_id, scope, dedup_id, message_id, seq, expires_ms) " +
            $"SELECT {queue}, '', 'd' || n, 'm' || n, n, {T0} + n FROM generate_series(1, 2000) n" + (analyzed ? "; ANALYZE sqs_dedup" : ""), connection))
        {
            await fill.ExecuteNonQueryAsync();
        }

        // The generic plan (the connection's plan_cache_mode), as a prepared send keeps it.
        await using var tx = await connection.BeginTransactionAsync();
        var types = "bigint, text[], text[], bytea[], text[], text[], bigint[], bigint[], text[], text[], text[], bigint[], boolean";
        await using (var prepare = new NpgsqlCommand($"PREPARE gh_send({types}) AS {PostgresQueueStore.SendSql}", connection, tx))
        {
            await prepare.ExecuteNonQueryAsync();
        }

        var lines = new List<string>();
        var args = $"{queue}, '{{a,b,c}}', '{{x,y,z}}', '{{NULL,NULL,NULL}}', '{{NULL,NULL,NULL}}', '{{s,s,s}}', '{{{T0},{T0},{T0}}}', " +
            $"'{{{T0},{T0},{T0}}}', '{{g,g,h}}', '{{d1,n2,n3}}', '{{\"\",\"\",\"\"}}', '{{{T0 + 300_000},{T0 + 300_000},{T0 + 300_000}}}', true";
        await using (var explain = new NpgsqlCommand($"EXPLAIN EXECUTE gh_send({args})", connection, tx))
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        await tx.RollbackAsync();
        await using (var deallocate = new NpgsqlCommand("DEALLOCATE gh_send", connection))
        {
            await deallocate.ExecuteNonQueryAsync();
        }

        var plan = string.Join('\n', lines);
        output.WriteLine(plan);
        Assert.Contains("Index Scan using sqs_dedup_pkey", plan, StringComparison.Ordinal);
        Assert.Contains("Index Cond: ((queue_id = $1) AND (scope = i.scope) AND (dedup_id = i.dedup_id))", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("sqs_dedup_by_expiry", plan, StringComparison.Ordinal);
    }
}
