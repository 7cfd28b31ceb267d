using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Sqlite;

namespace Gatehouse.Services.Tests;

/// <summary>The SQLite store's statements keep one compiled plan each, on the indexes meant for them. A FIFO receive
/// reads the queue in sequence order from the partial index <c>messages_by_sequence</c>, on every page of its scan. The scan's WHERE clause once named the position only as a
/// parameter, from which SQLite cannot tell that the index's <c>seq &gt; 0</c> holds: it compiled the statement again
/// on every bind, and a page after the first (needed when a whole page belongs to groups in flight) read the queue's
/// whole visibility index and sorted it — hundreds of milliseconds per receive on a big queue with many consumers.
/// SQLite's own statement counters (<c>sqlite3_stmt_status</c>) say which of that happened.</summary>
public sealed class SqliteStatementPlanTests
{
    private static NewMessage Message(int n, string group) =>
        new(Uuids.NewV4(), "m" + n, [], null, "AIDAEXAMPLE", 1, 1, group, null, null, 0);

    [Fact]
    public async Task Every_page_of_a_fifo_scan_reads_the_sequence_index_in_order_with_one_compiled_plan()
    {
        await using var store = SqliteQueueStore.Open(new SqliteStoreOptions());
        var queue = (await store.CreateQueueAsync(TestQueues.New("plans.fifo"))).Id;

        // 600 messages of group "a" (more than two pages of the scan), then one message each of ten other groups.
        for (var i = 0; i < 600; i += 100)
        {
            await store.SendAsync(queue, true, [.. Enumerable.Range(i, 100).Select(n => Message(n, "a"))]);
        }

        await store.SendAsync(queue, true, [.. Enumerable.Range(0, 10).Select(n => Message(600 + n, "g" + n))]);

        // The first receive takes group a's first ten messages, which blocks the group.
        var first = await store.ReceiveAsync(new ReceiveCommand(queue, true, 10, 10, 60_000, 0, null, null, 0));
        Assert.Equal(Enumerable.Repeat("a", 10), first.Messages.Select(m => m.MessageGroupId));

        // The next one must read past the rest of group a, three pages, to reach the other groups.
        var second = await store.ReceiveAsync(new ReceiveCommand(queue, true, 20, 10, 60_000, 0, null, null, 0));
        Assert.Equal(Enumerable.Range(0, 10).Select(n => "g" + n).Order(StringComparer.Ordinal),
            second.Messages.Select(m => m.MessageGroupId!).Order(StringComparer.Ordinal));

        var status = (await store.StatementStatusesAsync())[SqliteQueueStore.FifoScanSql];
        Assert.Equal(0, status.Sorts);
        Assert.Equal(0, status.FullScanSteps);
        Assert.Equal(0, status.Reprepares);
    }

    /// <summary>No statement of the store depends on a bound value for its plan: each is compiled once, however
    /// the values change from call to call (a recompile costs more than most of the statements themselves).</summary>
    [Fact]
    public async Task No_statement_is_compiled_again_when_its_values_change()
    {
        await using var store = SqliteQueueStore.Open(new SqliteStoreOptions());
        var standard = (await store.CreateQueueAsync(TestQueues.New("plans"))).Id;
        var fifo = (await store.CreateQueueAsync(TestQueues.New("plans.fifo"))).Id;
        var dead = (await store.CreateQueueAsync(TestQueues.New("plans-dead"))).Id;

        for (var round = 1; round <= 3; round++)
        {
            var now = round * 100_000L;
            await store.SendAsync(standard, false, [.. Enumerable.Range(0, 30).Select(n =>
                new NewMessage(Uuids.NewV4(), "s" + n, [], null, "AIDAEXAMPLE", now, n % 5 == 0 ? now + 50_000 : now, null, null, null, 0))]);
            await store.SendAsync(fifo, true, [.. Enumerable.Range(0, 30).Select(n =>
                new NewMessage(Uuids.NewV4(), "f" + n, [], null, "AIDAEXAMPLE", now, now, "g" + (n % 7), "d" + round + "-" + n, "", now + 300_000))]);
            foreach (var (queue, isFifo) in new[] { (standard, false), (fifo, true) })
            {
                for (var take = 0; take < 3; take++)
                {
                    var received = await store.ReceiveAsync(new ReceiveCommand(
                        queue, isFifo, now + take, 10, 30_000 + (round * 1000), now - 1_000_000, dead, "arn:aws:sqs:us-east-1:000000000000:plans-dead", 5));
                    var handles = received.Messages.Select(m => new ReceiptHandle(queue, m.RowId, m.Nonce)).ToList();
                    await store.ChangeVisibilityAsync(queue, [.. handles.Take(3).Select(h => new VisibilityChange(h, now + take + 5_000, 5))], now + take, isFifo);
                    await store.DeleteAsync(queue, [.. handles.Skip(3)], now + take, isFifo);
                }

                await store.CountAsync(queue, now + 10, now - 1_000_000);
                await store.PeekAsync(queue, 5 + round);
            }
        }

        var recompiled = (await store.StatementStatusesAsync()).Where(s => s.Value.Reprepares > 0).Select(s => s.Key).ToList();
        Assert.True(recompiled.Count == 0, "compiled again: " + string.Join(" | ", recompiled));
    }
}
