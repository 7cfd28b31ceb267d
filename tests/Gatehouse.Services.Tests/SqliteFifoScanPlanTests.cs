using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Sqlite;

namespace Gatehouse.Services.Tests;

/// <summary>A FIFO receive reads the queue in sequence order from the partial index <c>messages_by_sequence</c>, on
/// every page of its scan, with one compiled plan. The scan's WHERE clause once named the position only as a
/// parameter, from which SQLite cannot tell that the index's <c>seq &gt; 0</c> holds: it compiled the statement again
/// on every bind, and a page after the first (needed when a whole page belongs to groups in flight) read the queue's
/// whole visibility index and sorted it — hundreds of milliseconds per receive on a big queue with many consumers.
/// SQLite's own statement counters (<c>sqlite3_stmt_status</c>) say which of that happened.</summary>
public sealed class SqliteFifoScanPlanTests
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

        var status = await store.StatementStatusAsync(SqliteQueueStore.FifoScanSql);
        Assert.NotNull(status);
        Assert.Equal(0, status.Value.Sorts);
        Assert.Equal(0, status.Value.FullScanSteps);
        Assert.Equal(0, status.Value.Reprepares);
    }
}
