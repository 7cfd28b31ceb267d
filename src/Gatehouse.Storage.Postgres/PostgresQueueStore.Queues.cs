using System.Collections.Immutable;
using System.Text.Json;
using Gatehouse.Services.Sqs;
using Npgsql;

namespace Gatehouse.Storage.Postgres;

public sealed partial class PostgresQueueStore
{
    /// <summary>The columns <see cref="ReadQueue"/> reads, then the row's version (bumped by a trigger whenever the
    /// attributes, tags or name change: <see cref="Migrations"/>, step 2).</summary>
    private const string QueueColumns = "id, account, region, name, attributes, tags, created, modified, version";

    private const int VersionColumn = 8;

    private static string Json(ImmutableSortedDictionary<string, string> map) => JsonSerializer.Serialize(map);

    private static ImmutableSortedDictionary<string, string> Map(string json) =>
        (JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? []).ToImmutableSortedDictionary(StringComparer.Ordinal);

    private static QueueRecord ReadQueue(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt64(0),
        AccountId = r.GetString(1),
        Region = r.GetString(2),
        Name = r.GetString(3),
        Attributes = Map(r.GetString(4)),
        Tags = Map(r.GetString(5)),
        CreatedTimestamp = r.GetInt64(6),
        LastModifiedTimestamp = r.GetInt64(7),
    };

    public Task<IReadOnlyList<QueueRecord>> LoadQueuesAsync(CancellationToken ct = default) => RunAsync<IReadOnlyList<QueueRecord>>(async c =>
    {
        await using var batch = Batch(c, Command($"SELECT {QueueColumns} FROM sqs_queues ORDER BY id"));
        await using var r = await ReadAsync(batch, ct);
        var list = new List<QueueRecord>();
        while (await r.ReadAsync(ct))
        {
            var q = ReadQueue(r);
            var version = r.GetInt64(VersionColumn);
            lock (_catalogueGate)
            {
                // Deleted by this node while the list was read (on a reload after a reconnection): left out.
                if (_deletedQueues.Contains(q.Id))
                {
                    continue;
                }

                _knownQueues[q.Id] = version;
            }

            list.Add(q);
        }

        return list;
    }, ct);

    /// <summary>The queue's current row and version; null when it no longer exists (ids are never reused).</summary>
    private Task<(QueueRecord Queue, long Version)?> LoadQueueAsync(long queueId) =>
        LoadQueueWhereAsync("id = $1", [Int64(queueId)], default);

    /// <summary>The queue of that name and its version; null when there is none.</summary>
    private Task<(QueueRecord Queue, long Version)?> LoadQueueAsync(string account, string region, string name, CancellationToken ct) =>
        LoadQueueWhereAsync("account = $1 AND region = $2 AND name = $3", [Text(account), Text(region), Text(name)], ct);

    private Task<(QueueRecord Queue, long Version)?> LoadQueueWhereAsync(string where, NpgsqlParameter[] values, CancellationToken ct) =>
        RunAsync<(QueueRecord, long)?>(async c =>
        {
            await using var batch = Batch(c, Command($"SELECT {QueueColumns} FROM sqs_queues WHERE {where}", values));
            await using var r = await ReadAsync(batch, ct);
            return await r.ReadAsync(ct) ? (ReadQueue(r), r.GetInt64(VersionColumn)) : null;
        }, ct);

    /// <summary>Every queue's id and version: what the periodic catalogue check compares with what this node holds.</summary>
    private Task<Dictionary<long, long>> LoadQueueVersionsAsync() => RunAsync(async c =>
    {
        await using var batch = Batch(c, Command("SELECT id, version FROM sqs_queues"));
        await using var r = await ReadAsync(batch, default);
        var versions = new Dictionary<long, long>();
        while (await r.ReadAsync())
        {
            versions[r.GetInt64(0)] = r.GetInt64(1);
        }

        return versions;
    }, default);

    /// <summary>Inserts the queue and announces it in the same statement. A name already taken (by a node whose
    /// notice has not arrived yet) inserts nothing and throws <see cref="QueueNameTakenException"/> with the queue
    /// stored under it, which the service answers as CreateQueue of an existing name (docs/postgres.md, "Creating one
    /// queue on two nodes at once").</summary>
    public async Task<QueueRecord> CreateQueueAsync(QueueRecord queue, CancellationToken ct = default)
    {
        while (true)
        {
            var (created, existing) = await RunAsync<(QueueRecord?, QueueRecord?)>(async c =>
            {
                // ON CONFLICT DO NOTHING waits for an uncommitted insert of the same name and then does nothing
                // (it committed) or inserts (it rolled back): the unique key is never reported as an error.
                await using (var batch = Batch(c, Command(
                    "WITH ins AS (INSERT INTO sqs_queues(account, region, name, attributes, tags, created, modified) " +
                    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account, region, name) DO NOTHING RETURNING id, version) " +
                    "SELECT id, version, pg_notify($8, $9 || id) IS NULL FROM ins",
                    Text(queue.AccountId), Text(queue.Region), Text(queue.Name), Text(Json(queue.Attributes)), Text(Json(queue.Tags)),
                    Int64(queue.CreatedTimestamp), Int64(queue.LastModifiedTimestamp), Text(Channel), Text(Prefix(QueueChanged)))))
                {
                    await using var r = await ReadAsync(batch, ct);
                    if (await r.ReadAsync(ct))
                    {
                        var id = r.GetInt64(0);
                        _knownQueues[id] = r.GetInt64(1);
                        return (queue with { Id = id }, null);
                    }
                }

                // The name is taken: a new statement (a new snapshot) sees the row that won.
                await using var read = Batch(c, Command($"SELECT {QueueColumns} FROM sqs_queues WHERE account = $1 AND region = $2 AND name = $3",
                    Text(queue.AccountId), Text(queue.Region), Text(queue.Name)));
                await using var row = await ReadAsync(read, ct);
                return await row.ReadAsync(ct) ? (null, ReadQueue(row)) : (null, null);
            }, ct);

            if (created is not null)
            {
                return created;
            }

            if (existing is not null)
            {
                throw new QueueNameTakenException(existing);
            }

            // The queue that took the name was deleted in between: try the insert again.
        }
    }

    /// <summary>Updates the queue's row and announces it; the version the trigger gave the row is what this node now
    /// holds, so the periodic catalogue check does not take this node's own change for another's.</summary>
    public Task UpdateQueueAsync(QueueRecord queue, CancellationToken ct = default) => RunAsync(async c =>
    {
        await using var batch = Batch(c,
            Command("UPDATE sqs_queues SET attributes = $1, tags = $2, modified = $3 WHERE id = $4 RETURNING version",
                Text(Json(queue.Attributes)), Text(Json(queue.Tags)), Int64(queue.LastModifiedTimestamp), Int64(queue.Id)),
            NotifyCommand(QueueChanged, queue.Id));
        await using var r = await ReadAsync(batch, ct);
        if (await r.ReadAsync(ct))
        {
            _knownQueues[queue.Id] = r.GetInt64(0);
        }

        return 0;
    }, ct);

    /// <summary>Rows deleted per statement by the long deletions (purge, queue deletion, retention), so none of
    /// them holds a transaction open for long.</summary>
    internal int SliceRows { get; init; } = 5000;

    private static readonly LimitedSql DeleteSliceSql = new(
        "DELETE FROM sqs_messages WHERE id IN (SELECT id FROM sqs_messages WHERE queue_id = $1 LIMIT $limit)");

    /// <summary>Deletes the messages in slices first, then what is left, the deduplication entries and the queue in
    /// one transaction that also announces the deletion.</summary>
    public async Task DeleteQueueAsync(long queueId, CancellationToken ct = default)
    {
        int deleted;
        do
        {
            deleted = await RunAsync(async c =>
            {
                await using var batch = Batch(c, Command(DeleteSliceSql.For(SliceRows), Int64(queueId)));
                return await ExecuteAsync(batch, ct);
            }, ct);
        }
        while (deleted == SliceRows);

        await RunAsync(async c =>
        {
            await using var batch = Batch(c,
                Command("DELETE FROM sqs_messages WHERE queue_id = $1", Int64(queueId)),
                Command("DELETE FROM sqs_dedup WHERE queue_id = $1", Int64(queueId)),
                Command("DELETE FROM sqs_queues WHERE id = $1", Int64(queueId)),
                NotifyCommand(QueueDeleted, queueId));
            return await ExecuteAsync(batch, ct);
        }, ct);
        lock (_catalogueGate)
        {
            RememberDeleted(queueId);
            _knownQueues.TryRemove(queueId, out _);
        }

        _windows.TryRemove(queueId, out _);
        _receiveHints.TryRemove(queueId, out _);
    }

    public async Task SaveMoveTaskAsync(MoveTaskRecord task, CancellationToken ct = default)
    {
        try
        {
            await SaveMoveTaskOnceAsync(task, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "sqs_move_tasks_one_active")
        {
            throw new MoveTaskActiveException(task.SourceArn);
        }
    }

    private Task<int> SaveMoveTaskOnceAsync(MoveTaskRecord task, CancellationToken ct) => RunAsync(async c =>
    {
        await using var batch = Batch(c,
            Command(
                "INSERT INTO sqs_move_tasks(id, source_arn, destination_arn, rate, to_move, started_ms, moved, status, failure_reason) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET source_arn = EXCLUDED.source_arn, " +
                "destination_arn = EXCLUDED.destination_arn, rate = EXCLUDED.rate, to_move = EXCLUDED.to_move, started_ms = EXCLUDED.started_ms, " +
                "moved = EXCLUDED.moved, status = " + KeepCancellation + ", failure_reason = EXCLUDED.failure_reason",
                Text(task.Id), Text(task.SourceArn), Text(task.DestinationArn), NullableInt32(task.Rate), Int64(task.ToMove), Int64(task.StartedMs),
                Int64(task.Moved), Text(task.Status), Text(task.FailureReason)),
            Command(
                "DELETE FROM sqs_move_tasks WHERE source_arn = $1 AND id NOT IN " +
                "(SELECT id FROM sqs_move_tasks WHERE source_arn = $1 ORDER BY started_ms DESC, id LIMIT 10)",
                Text(task.SourceArn)));
        return await ExecuteAsync(batch, ct);
    }, ct);

    /// <summary>A progress save never undoes a cancellation that another node recorded meanwhile (<see cref="CancelMoveTaskAsync"/>):
    /// RUNNING stays CANCELLING, COMPLETED becomes CANCELLED, and a CANCELLED task stays so.</summary>
    private const string KeepCancellation =
        "CASE WHEN sqs_move_tasks.status = 'CANCELLING' AND EXCLUDED.status = 'RUNNING' THEN 'CANCELLING' " +
        "WHEN sqs_move_tasks.status = 'CANCELLING' AND EXCLUDED.status = 'COMPLETED' THEN 'CANCELLED' " +
        "WHEN sqs_move_tasks.status = 'CANCELLED' AND EXCLUDED.status IN ('RUNNING', 'CANCELLING', 'COMPLETED') THEN 'CANCELLED' " +
        "ELSE EXCLUDED.status END";

    private const string MoveTaskColumns = "id, source_arn, destination_arn, rate, to_move, started_ms, moved, status, failure_reason";

    private static MoveTaskRecord ReadMoveTask(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), StringOrNull(r, 2), r.IsDBNull(3) ? null : r.GetInt32(3), r.GetInt64(4), r.GetInt64(5),
        r.GetInt64(6), r.GetString(7), StringOrNull(r, 8));

    /// <summary>Every node of the database sees (and can cancel) every node's move tasks (docs/postgres.md, "Move tasks
    /// on any node").</summary>
    public bool SharesMoveTasks => true;

    public Task<IReadOnlyList<MoveTaskRecord>> LoadMoveTasksAsync(CancellationToken ct = default) => LoadMoveTasksAsync(null, ct);

    public Task<IReadOnlyList<MoveTaskRecord>> LoadMoveTasksAsync(string? sourceArn, CancellationToken ct = default) => RunAsync<IReadOnlyList<MoveTaskRecord>>(async c =>
    {
        await using var batch = Batch(c, sourceArn is null
            ? Command($"SELECT {MoveTaskColumns} FROM sqs_move_tasks ORDER BY started_ms DESC, id")
            : Command($"SELECT {MoveTaskColumns} FROM sqs_move_tasks WHERE source_arn = $1 ORDER BY started_ms DESC, id", Text(sourceArn)));
        await using var r = await ReadAsync(batch, ct);
        var list = new List<MoveTaskRecord>();
        while (await r.ReadAsync(ct))
        {
            list.Add(ReadMoveTask(r));
        }

        return list;
    }, ct);

    public Task<MoveTaskRecord?> CancelMoveTaskAsync(string sourceArn, string taskId, CancellationToken ct = default) => RunAsync(async c =>
    {
        await using var batch = Batch(c, Command(
            $"UPDATE sqs_move_tasks SET status = 'CANCELLING' WHERE id = $1 AND source_arn = $2 AND status = 'RUNNING' RETURNING {MoveTaskColumns}",
            Text(taskId), Text(sourceArn)));
        await using var r = await ReadAsync(batch, ct);
        return await r.ReadAsync(ct) ? ReadMoveTask(r) : null;
    }, ct);
}
