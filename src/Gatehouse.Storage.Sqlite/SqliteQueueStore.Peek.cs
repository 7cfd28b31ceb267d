using Gatehouse.Services.Sqs;

namespace Gatehouse.Storage.Sqlite;

public sealed partial class SqliteQueueStore
{
    /// <summary>A peek's messages in send order, at most 1,000 (the admin API's largest peek).</summary>
    private const string PeekSql =
        $"SELECT {MessageColumns} FROM messages WHERE queue_id = $p0 ORDER BY sent_ms, seq, id LIMIT 1000";

    /// <summary>Reads without writing: no receive count, visibility or receipt handle changes.</summary>
    public Task<(IReadOnlyList<PeekedMessage> Messages, long? OldestSentMs)> PeekAsync(long queueId, int max, CancellationToken ct = default) => Run(w =>
    {
        var messages = new List<PeekedMessage>();
        if (max > 0)
        {
            // The limit is part of the text: SQLite plans with a bound LIMIT's value and compiles the statement again
            // whenever it changes. The reader stops at max.
            using var r = w.Query(PeekSql, queueId);
            while (messages.Count < max && r.Read())
            {
                messages.Add(new PeekedMessage(ReadMessage(r, (int)r.GetInt64(1), (int)r.GetInt64(8), r.GetInt64(9)), r.GetInt64(14)));
            }
        }

        var count = w.Scalar("SELECT COUNT(*) FROM messages WHERE queue_id = $p0", queueId);
        return ((IReadOnlyList<PeekedMessage>)messages, count == 0 ? (long?)null : w.Scalar("SELECT MIN(sent_ms) FROM messages WHERE queue_id = $p0", queueId));
    });
}
