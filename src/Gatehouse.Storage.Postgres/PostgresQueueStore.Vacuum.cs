using Npgsql;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// Vacuuming the message tables as fast as a queue dirties them (docs/postgres.md, "Vacuum"). Every receive rewrites
/// its messages' rows (new visibility time, so a new entry in the visibility index) and every delete ends a row; the
/// entries left behind stay in the index until the table is vacuumed, and each receive walks over the ones in front
/// of the first visible message. PostgreSQL's autovacuum looks at a table at most once per
/// <c>autovacuum_naptime</c> (a minute by default), while a busy queue leaves tens of thousands of such entries a
/// second: receives then grow slower by the second. So one node at a time (under an advisory lock) checks the
/// tables' dead-row counts every <see cref="VacuumCheckInterval"/> and vacuums a table whose dead rows passed
/// <see cref="VacuumMinDeadRows"/> and <see cref="VacuumDeadFraction"/> of its live rows; the fraction keeps the cost
/// of each vacuum (which reads the table's indexes whole) in proportion to the work it saves.
/// </summary>
public sealed partial class PostgresQueueStore
{
    /// <summary>First key of the two-key session advisory lock that makes one node at a time vacuum (the second is
    /// 0).</summary>
    private const int VacuumLockClass = 0x47485156; // "GHQV"

    private readonly CancellationTokenSource _stopping = new();
    private Task _vacuumLoop = Task.CompletedTask;
    private long _vacuums;

    /// <summary>How often a node looks at the message tables' dead rows; <see cref="TimeSpan.Zero"/> leaves the
    /// tables to autovacuum alone.</summary>
    public TimeSpan VacuumCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Dead rows a table must have before it is vacuumed.</summary>
    public long VacuumMinDeadRows { get; set; } = 5_000;

    /// <summary>Dead rows a table must have, as a share of its live rows, before it is vacuumed. 2%: on a queue of a
    /// million messages receive + delete ran 7% faster than with 10% (docs/postgres.md, "Vacuum"); the tables'
    /// own autovacuum threshold is 1%.</summary>
    public double VacuumDeadFraction { get; set; } = 0.02;

    /// <summary>Vacuums this node ran (for tests).</summary>
    public long Vacuums => Interlocked.Read(ref _vacuums);

    private void StartVacuuming() => _vacuumLoop = Task.Run(() => VacuumLoopAsync(_stopping.Token), CancellationToken.None);

    private async Task StopVacuumingAsync()
    {
        await _stopping.CancelAsync();
        await _vacuumLoop;
        _stopping.Dispose();
    }

    private async Task VacuumLoopAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var interval = VacuumCheckInterval;
                await Task.Delay(interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1), ct);

                // Read again: the setting may have been turned off meanwhile.
                if (VacuumCheckInterval <= TimeSpan.Zero)
                {
                    continue;
                }

                try
                {
                    await VacuumIfDueAsync(ct);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    // The database is away (autovacuum still runs, and the next tick tries again), or the store is
                    // closing and the vacuum was cancelled (the loop ends).
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Vacuums the message tables that are due, unless another node is doing so.</summary>
    /// <returns>The tables vacuumed.</returns>
    public async Task<int> VacuumIfDueAsync(CancellationToken ct = default)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync(ct);
        if (!await ScalarAsync<bool>(connection, $"SELECT pg_try_advisory_lock({VacuumLockClass}, 0)", ct))
        {
            return 0;
        }

        try
        {
            var due = new List<string>();
            await using (var stats = new NpgsqlCommand(
                "SELECT relname, n_live_tup, n_dead_tup FROM pg_stat_user_tables " +
                "WHERE relid IN ('sqs_messages'::regclass, 'sqs_dedup'::regclass)", connection))
            await using (var r = await stats.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    var (live, dead) = (r.GetInt64(1), r.GetInt64(2));
                    if (dead >= VacuumMinDeadRows && dead >= live * VacuumDeadFraction)
                    {
                        due.Add(r.GetString(0));
                    }
                }
            }

            foreach (var table in due)
            {
                // Only the two names read above; SKIP_LOCKED: a table another vacuum (autovacuum) holds is left to it.
                await using var vacuum = new NpgsqlCommand($"VACUUM (SKIP_LOCKED) {(table == "sqs_dedup" ? "sqs_dedup" : "sqs_messages")}", connection)
                {
                    CommandTimeout = 0,
                };
                await vacuum.ExecuteNonQueryAsync(ct);
                Interlocked.Increment(ref _vacuums);
            }

            return due.Count;
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ScalarAsync<bool>(connection, $"SELECT pg_advisory_unlock({VacuumLockClass}, 0)", CancellationToken.None);
            }
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }
}
