using System.Collections.Concurrent;
using Gatehouse.Services.Sqs;
using Npgsql;
using NpgsqlTypes;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// <see cref="IReceiveAttemptStore"/> in the table <c>receive_attempts</c>, expiring by the database's clock. Saving an
/// attempt tells the other nodes (a notice on <c>gatehouse_attempts</c>) that the queue has remembered attempts for the
/// next five minutes, so deletes and visibility changes on queues without any skip the database.
/// </summary>
public sealed class PostgresReceiveAttemptStore : IReceiveAttemptStore
{
    private const string Channel = "gatehouse_attempts";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<long, DateTimeOffset> _queuesWithAttempts = new();

    private PostgresReceiveAttemptStore(PostgresDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    public static async Task<PostgresReceiveAttemptStore> OpenAsync(PostgresDatabase database, TimeProvider time, CancellationToken ct = default)
    {
        await database.MigrateAsync("receive_attempts",
        [
            new(1, """
                CREATE TABLE receive_attempts (
                    queue_id   bigint NOT NULL,
                    attempt_id text NOT NULL,
                    response   text NOT NULL,
                    handles    text[] NOT NULL,
                    expires    timestamptz NOT NULL,
                    PRIMARY KEY (queue_id, attempt_id)
                );
                CREATE INDEX receive_attempts_handles ON receive_attempts USING gin (handles);
                """),
        ], ct);
        var store = new PostgresReceiveAttemptStore(database, time);
        await database.Notifications.SubscribeAsync(Channel, store.OnNotice, ct);

        // Attempts remembered before this node listened (or while its listener was away) are read from the table:
        // the notices cover what is saved from the LISTEN on. Until that read is done, every queue may have some.
        var generation = store.AssumeEveryQueueHasAttempts();
        await store.TryReadQueuesWithAttemptsAsync(generation, ct);
        database.Notifications.Reconnected += store.OnReconnected;
        return store;
    }

    private readonly Lock _gate = new();
    private DateTimeOffset _everyQueueUntil;
    private long _generation;

    /// <summary>From now on, for the window, every queue may have attempts; returns this assumption's generation.</summary>
    private long AssumeEveryQueueHasAttempts()
    {
        lock (_gate)
        {
            _everyQueueUntil = _time.GetUtcNow() + Window;
            return ++_generation;
        }
    }

    private void OnReconnected() => _ = TryReadQueuesWithAttemptsAsync(AssumeEveryQueueHasAttempts(), CancellationToken.None);

    /// <summary>Marks the queues that have unexpired attempts in the table, and then stops assuming that every queue
    /// has some, unless a later reconnect made the assumption again meanwhile (its own read ends that one). Without
    /// this read, each delete and visibility change on any FIFO queue would cost a round trip for the first five
    /// minutes of a node. If the read fails, the assumption stands for its window: correct, only dearer.</summary>
    private async Task TryReadQueuesWithAttemptsAsync(long generation, CancellationToken ct)
    {
        var until = _time.GetUtcNow() + Window;
        try
        {
            await using var command = _database.DataSource.CreateCommand(
                "SELECT DISTINCT queue_id FROM receive_attempts WHERE expires > clock_timestamp()");
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                _queuesWithAttempts[reader.GetInt64(0)] = until;
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return;
        }

        lock (_gate)
        {
            if (_generation == generation)
            {
                _everyQueueUntil = DateTimeOffset.MinValue;
            }
        }
    }

    private void OnNotice(string payload)
    {
        var parts = payload.Split('\n', 2);
        if (parts.Length == 2 && long.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var queueId))
        {
            _queuesWithAttempts[queueId] = _time.GetUtcNow() + Window;
        }
    }

    public bool MayHaveAttempts(long queueId)
    {
        var now = _time.GetUtcNow();
        DateTimeOffset everyQueueUntil;
        lock (_gate)
        {
            everyQueueUntil = _everyQueueUntil;
        }

        return now < everyQueueUntil || (_queuesWithAttempts.TryGetValue(queueId, out var until) && now < until);
    }

    public async Task<string?> FindAsync(long queueId, string attemptId, CancellationToken ct = default)
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT response FROM receive_attempts WHERE queue_id = $1 AND attempt_id = $2 AND expires > clock_timestamp()");
        command.Parameters.Add(new NpgsqlParameter { Value = queueId });
        command.Parameters.Add(new NpgsqlParameter { Value = attemptId });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    public async Task SaveAsync(long queueId, string attemptId, string response, IReadOnlyList<string> receiptHandles, TimeSpan window, CancellationToken ct = default)
    {
        _queuesWithAttempts[queueId] = _time.GetUtcNow() + Window;
        await using var command = _database.DataSource.CreateCommand("""
            WITH expired AS (DELETE FROM receive_attempts WHERE queue_id = $1 AND expires <= clock_timestamp()),
            saved AS (
                INSERT INTO receive_attempts(queue_id, attempt_id, response, handles, expires)
                VALUES ($1, $2, $3, $4, clock_timestamp() + $5)
                ON CONFLICT (queue_id, attempt_id) DO UPDATE SET response = excluded.response, handles = excluded.handles, expires = excluded.expires
                RETURNING 1)
            SELECT pg_notify($6, $7) FROM saved
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = queueId });
        command.Parameters.Add(new NpgsqlParameter { Value = attemptId });
        command.Parameters.Add(new NpgsqlParameter { Value = response });
        command.Parameters.Add(new NpgsqlParameter { Value = receiptHandles.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = window });
        command.Parameters.Add(new NpgsqlParameter { Value = Channel });
        command.Parameters.Add(new NpgsqlParameter { Value = _database.Notifications.NodeId + "\n" + queueId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task ForgetAsync(long queueId, IReadOnlyList<string> receiptHandles, CancellationToken ct = default)
    {
        await using var command = _database.DataSource.CreateCommand("DELETE FROM receive_attempts WHERE queue_id = $1 AND handles && $2");
        command.Parameters.Add(new NpgsqlParameter { Value = queueId });
        command.Parameters.Add(new NpgsqlParameter { Value = receiptHandles.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(ct);
    }
}
