using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;
using Npgsql;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>The queue store vacuums its message table when receives and deletes left enough dead rows, one node
/// at a time (docs/postgres.md, "Vacuum").</summary>
public sealed class VacuumTests : IAsyncLifetime
{
    private const long T0 = 1_000_000;
    private readonly PostgresStoreNodes _nodes = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _nodes.DisposeAsync().AsTask();

    private async Task<PostgresQueueStore> OpenNodeAsync()
    {
        var (store, _) = await _nodes.OpenAsync();

        // The tests call VacuumIfDueAsync themselves, and autovacuum (which would reset the dead-row counts the
        // tests wait for) stays away from this test database's message table.
        store.VacuumCheckInterval = TimeSpan.Zero;
        store.VacuumMinDeadRows = 1_000;
        await using var connection = new NpgsqlConnection(_nodes.ConnectionString);
        await connection.OpenAsync();
        await using var off = new NpgsqlCommand("ALTER TABLE sqs_messages SET (autovacuum_enabled = false)", connection);
        await off.ExecuteNonQueryAsync();
        return store;
    }

    private static NewMessage Message(int n) => new(Uuids.NewV4(), "m" + n, [], null, "AIDAEXAMPLE", T0, T0, null, null, null, T0 + 300_000);

    /// <summary>Receives and deletes <paramref name="count"/> messages of a new queue: two dead rows each (the
    /// receive's old row version and the deleted row).</summary>
    private static async Task ChurnAsync(PostgresQueueStore store, int count)
    {
        var q = (await store.CreateQueueAsync(TestQueues.New("churn"))).Id;
        for (var i = 0; i < count; i += 100)
        {
            await store.SendAsync(q, false, [.. Enumerable.Range(i, 100).Select(Message)]);
        }

        for (var left = count; left > 0;)
        {
            var got = await store.ReceiveAsync(new ReceiveCommand(q, false, T0, 10, 30_000, 0, null, null, 0));
            Assert.NotEmpty(got.Messages);
            var deleted = await store.DeleteAsync(q, [.. got.Messages.Select(m => new ReceiptHandle(q, m.RowId, m.Nonce))], T0, false);
            Assert.All(deleted, d => Assert.Equal(HandleOutcome.Ok, d));
            left -= got.Messages.Count;
        }
    }

    private async Task<long> DeadRowsAsync()
    {
        await using var connection = new NpgsqlConnection(_nodes.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'sqs_messages'::regclass", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Waits until the statistics views show the churn's dead rows (or the time is up): sessions report
    /// their counts when they end a transaction a second after their last report, or after about ten seconds idle.</summary>
    private async Task<long> DeadRowsReportedAsync(long atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long dead;
        while ((dead = await DeadRowsAsync()) < atLeast && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        return dead;
    }

    [PostgresFact]
    public async Task A_table_with_enough_dead_rows_is_vacuumed_and_its_dead_rows_are_gone()
    {
        var store = await OpenNodeAsync();
        await ChurnAsync(store, 2_000);

        // Each message left two dead rows (its row before the receive, and the deleted row).
        Assert.True(await DeadRowsReportedAsync(4_000) >= 4_000);
        Assert.Equal(1, await store.VacuumIfDueAsync());
        Assert.Equal(1, store.Vacuums);
        Assert.True(await DeadRowsAsync() < 100, "the vacuum removed the dead rows");

        // Nothing is due right after.
        Assert.Equal(0, await store.VacuumIfDueAsync());
    }

    [PostgresFact]
    public async Task A_few_dead_rows_are_left_to_autovacuum()
    {
        var store = await OpenNodeAsync();
        store.VacuumMinDeadRows = 100_000;
        await ChurnAsync(store, 2_000);
        Assert.True(await DeadRowsReportedAsync(2_000) >= 2_000);
        Assert.Equal(0, await store.VacuumIfDueAsync());
        Assert.Equal(0, store.Vacuums);
    }

    [PostgresFact]
    public async Task Only_one_node_vacuums_at_a_time()
    {
        var a = await OpenNodeAsync();
        var b = await OpenNodeAsync();
        await ChurnAsync(a, 2_000);

        // Node b is vacuuming (it holds the lock): node a leaves the table alone, however many dead rows it has.
        await using (var other = new NpgsqlConnection(_nodes.ConnectionString))
        {
            await other.OpenAsync();
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(1195921750, 0)", other))
            {
                await take.ExecuteNonQueryAsync();
            }

            Assert.True(await DeadRowsReportedAsync(4_000) >= 4_000);
            Assert.Equal(0, await a.VacuumIfDueAsync());
            Assert.Equal(0, a.Vacuums);
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(1195921750, 0)", other);
            Assert.True((bool)(await release.ExecuteScalarAsync())!);
        }

        // Released: now either may.
        Assert.Equal(1, await b.VacuumIfDueAsync());
    }
}
