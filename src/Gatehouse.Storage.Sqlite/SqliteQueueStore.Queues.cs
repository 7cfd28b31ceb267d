using System.Collections.Immutable;
using System.Text.Json;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Storage.Sqlite;

public sealed partial class SqliteQueueStore
{
    private static string Json(ImmutableSortedDictionary<string, string> map) => JsonSerializer.Serialize(map);

    private static ImmutableSortedDictionary<string, string> Map(string json) =>
        (JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? []).ToImmutableSortedDictionary(StringComparer.Ordinal);

    public Task<IReadOnlyList<QueueRecord>> LoadQueuesAsync(CancellationToken ct = default) => Run<IReadOnlyList<QueueRecord>>(w =>
    {
        var list = new List<QueueRecord>();
        using var reader = w.Query("SELECT id, account, region, name, attributes, tags, created, modified FROM queues");
        while (reader.Read())
        {
            list.Add(new QueueRecord
            {
                Id = reader.GetInt64(0),
                AccountId = reader.GetString(1),
                Region = reader.GetString(2),
                Name = reader.GetString(3),
                Attributes = Map(reader.GetString(4)),
                Tags = Map(reader.GetString(5)),
                CreatedTimestamp = reader.GetInt64(6),
                LastModifiedTimestamp = reader.GetInt64(7),
            });
        }

        return list;
    });

    /// <summary>Inserts the queue; a name already taken (by a concurrent CreateQueue the service had not yet recorded)
    /// throws <see cref="QueueNameTakenException"/> with the stored queue, which the service answers as CreateQueue of
    /// an existing name. The writer runs one operation at a time, so the look-up and the insert cannot be split.</summary>
    public Task<QueueRecord> CreateQueueAsync(QueueRecord queue, CancellationToken ct = default) => Run(w =>
    {
        using (var taken = w.Query(
            "SELECT id, account, region, name, attributes, tags, created, modified FROM queues WHERE account = $p0 AND region = $p1 AND name = $p2",
            queue.AccountId, queue.Region, queue.Name))
        {
            if (taken.Read())
            {
                throw new QueueNameTakenException(new QueueRecord
                {
                    Id = taken.GetInt64(0),
                    AccountId = taken.GetString(1),
                    Region = taken.GetString(2),
                    Name = taken.GetString(3),
                    Attributes = Map(taken.GetString(4)),
                    Tags = Map(taken.GetString(5)),
                    CreatedTimestamp = taken.GetInt64(6),
                    LastModifiedTimestamp = taken.GetInt64(7),
                });
            }
        }

        var id = w.Scalar(
            "INSERT INTO queues(account, region, name, attributes, tags, created, modified) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6) RETURNING id",
            queue.AccountId, queue.Region, queue.Name, Json(queue.Attributes), Json(queue.Tags), queue.CreatedTimestamp, queue.LastModifiedTimestamp);
        return queue with { Id = id };
    });

    public Task UpdateQueueAsync(QueueRecord queue, CancellationToken ct = default) => Run(w =>
        w.Execute("UPDATE queues SET attributes = $p0, tags = $p1, modified = $p2 WHERE id = $p3",
            Json(queue.Attributes), Json(queue.Tags), queue.LastModifiedTimestamp, queue.Id));

    public Task SaveMoveTaskAsync(MoveTaskRecord task, CancellationToken ct = default) => Run(w =>
    {
        w.Execute(
            "INSERT OR REPLACE INTO move_tasks(id, source_arn, destination_arn, rate, to_move, started_ms, moved, status, failure_reason) " +
            "VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8)",
            task.Id, task.SourceArn, task.DestinationArn, task.Rate, task.ToMove, task.StartedMs, task.Moved, task.Status, task.FailureReason);
        return w.Execute(
            "DELETE FROM move_tasks WHERE source_arn = $p0 AND id NOT IN (SELECT id FROM move_tasks WHERE source_arn = $p0 ORDER BY started_ms DESC, id LIMIT 10)",
            task.SourceArn);
    });

    public Task<IReadOnlyList<MoveTaskRecord>> LoadMoveTasksAsync(CancellationToken ct = default) => Run<IReadOnlyList<MoveTaskRecord>>(w =>
    {
        var list = new List<MoveTaskRecord>();
        using var r = w.Query(
            "SELECT id, source_arn, destination_arn, rate, to_move, started_ms, moved, status, failure_reason FROM move_tasks ORDER BY started_ms DESC, id");
        while (r.Read())
        {
            list.Add(new MoveTaskRecord(
                r.GetString(0), r.GetString(1), r.GetStringOrNull(2), r.IsNull(3) ? null : r.GetInt32(3), r.GetInt64(4), r.GetInt64(5),
                r.GetInt64(6), r.GetString(7), r.GetStringOrNull(8)));
        }

        return list;
    });

    /// <summary>Deletes the messages in slices first (see <see cref="PurgeAsync"/>), then what is left and the
    /// queue itself in one operation.</summary>
    public async Task DeleteQueueAsync(long queueId, CancellationToken ct = default)
    {
        var sql = $"DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE queue_id = $p0 LIMIT {_deleteSliceRows})";
        int deleted;
        do
        {
            deleted = await Run(w => w.Execute(sql, queueId));
        }
        while (deleted == _deleteSliceRows);

        await Run(w =>
        {
            w.Execute("DELETE FROM messages WHERE queue_id = $p0", queueId);
            w.Execute("DELETE FROM dedup WHERE queue_id = $p0", queueId);
            return w.Execute("DELETE FROM queues WHERE id = $p0", queueId);
        });
    }
}
