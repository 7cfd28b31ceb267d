using Gatehouse.Services;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Storage.Sqlite;

public sealed partial class SqliteQueueStore
{
    private const string MessageColumns =
        "id, nonce, message_id, body, attributes, trace, sender, sent_ms, receive_count, first_receive_ms, group_id, dedup_id, seq, dlq_source, visible_ms";

    public Task<IReadOnlyList<SendOutcome>> SendAsync(long queueId, bool isFifo, IReadOnlyList<NewMessage> messages, CancellationToken ct = default) =>
        Run<IReadOnlyList<SendOutcome>>(w =>
        {
            // A standard queue's message may carry a MessageGroupId (fair queues); such a batch takes the general
            // path below, which stores it.
            if (!isFifo && messages.All(m => m.DeduplicationId is null && m.MessageGroupId is null))
            {
                InsertStandard(w, queueId, messages);
                return [.. messages.Select(m => new SendOutcome(m.MessageId, 0, Duplicate: false))];
            }

            // Standard queues need no sequence numbers: skipping the counter keeps a send to one row and its index.
            var seq = isFifo ? w.Scalar("SELECT next_seq FROM queues WHERE id = $p0", queueId) : 0;
            if (isFifo && seq == 0)
            {
                throw new InvalidOperationException("The queue does not exist.");
            }

            var outcomes = new List<SendOutcome>(messages.Count);
            foreach (var m in messages)
            {
                if (m.DeduplicationId is { } dedup)
                {
                    using var reader = w.Query(
                        "SELECT message_id, seq FROM dedup WHERE queue_id = $p0 AND scope = $p1 AND dedup_id = $p2 AND expires_ms > $p3",
                        queueId, m.DeduplicationScopeKey ?? "", dedup, m.SentMs);
                    if (reader.Read())
                    {
                        outcomes.Add(new SendOutcome(reader.GetString(0), reader.GetInt64(1), Duplicate: true));
                        continue;
                    }
                }

                var mySeq = isFifo ? seq++ : 0;
                w.Execute(
                    "INSERT INTO messages(queue_id, message_id, body, attributes, trace, sender, sent_ms, visible_ms, group_id, dedup_id, seq) " +
                    "VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10)",
                    queueId, m.MessageId, m.Body, MessageAttributeCodec.Encode(m.Attributes), m.AwsTraceHeader, m.SenderId, m.SentMs, m.VisibleAtMs,
                    m.MessageGroupId, m.DeduplicationId, mySeq);
                if (m.DeduplicationId is not null)
                {
                    w.Execute("INSERT OR REPLACE INTO dedup(queue_id, scope, dedup_id, message_id, seq, expires_ms) VALUES ($p0, $p1, $p2, $p3, $p4, $p5)",
                        queueId, m.DeduplicationScopeKey ?? "", m.DeduplicationId, m.MessageId, mySeq, m.DeduplicationExpiresMs);
                }

                outcomes.Add(new SendOutcome(m.MessageId, mySeq, Duplicate: false));
            }

            if (isFifo)
            {
                w.Execute("UPDATE queues SET next_seq = $p0 WHERE id = $p1", seq, queueId);
            }

            return outcomes;
        });

    private const string InsertColumns = "INSERT INTO messages(queue_id, message_id, body, attributes, trace, sender, sent_ms, visible_ms) VALUES ";
    private const int InsertValues = 8;
    private static readonly string[] InsertStatements = [.. Enumerable.Range(0, 11).Select(InsertSql)];

    private static string InsertSql(int rows) => rows == 0 ? "" : InsertColumns + string.Join(", ", Enumerable.Range(0, rows).Select(r =>
        "(" + string.Join(", ", Enumerable.Range(r * InsertValues, InsertValues).Select(i => "$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ")"));

    /// <summary>A standard queue's messages, up to ten rows per statement (a batch is one statement, not ten).</summary>
    private static void InsertStandard(Writer w, long queueId, IReadOnlyList<NewMessage> messages)
    {
        for (var start = 0; start < messages.Count; start += 10)
        {
            var rows = Math.Min(10, messages.Count - start);
            var values = new object?[rows * InsertValues];
            for (var r = 0; r < rows; r++)
            {
                var m = messages[start + r];
                var at = r * InsertValues;
                values[at] = queueId;
                values[at + 1] = m.MessageId;
                values[at + 2] = m.Body;
                values[at + 3] = MessageAttributeCodec.Encode(m.Attributes);
                values[at + 4] = m.AwsTraceHeader;
                values[at + 5] = m.SenderId;
                values[at + 6] = m.SentMs;
                values[at + 7] = m.VisibleAtMs;
            }

            w.Execute(InsertStatements[rows], values);
        }
    }

    private static StoredMessage ReadMessage(Writer.Rows r, int nonce, int receiveCount, long firstReceive) => new(
        r.GetInt64(0),
        nonce,
        r.GetString(2),
        r.GetString(3),
        MessageAttributeCodec.Decode(r.GetBlobOrNull(4)),
        r.GetStringOrNull(5),
        r.GetString(6),
        r.GetInt64(7),
        receiveCount,
        firstReceive,
        r.GetStringOrNull(10),
        r.GetStringOrNull(11),
        r.GetInt64(12),
        r.GetStringOrNull(13));

    /// <summary>A FIFO receive's scan: a page of the queue's messages in sequence order after position <c>$p2</c>
    /// (0 for the first page). The literal <c>seq &gt; 0</c>, ahead of the parameter, is what lets SQLite read it from
    /// the partial index <c>messages_by_sequence</c>: a partial index serves a query only when the query's WHERE clause
    /// implies the index's (SQLite documentation, "Partial Indexes"), and from <c>seq &gt; $p2</c> alone SQLite
    /// decides that from the value bound. Without it every bind made SQLite compile the statement again, and each
    /// page after the first read the queue's whole visibility index and sorted it: with many groups in flight
    /// (32 consumers), receives took hundreds of milliseconds on a big queue.</summary>
    internal const string FifoScanSql =
        $"SELECT {MessageColumns} FROM messages WHERE queue_id = $p0 AND seq > 0 AND seq > $p2 ORDER BY seq LIMIT 256";

    public Task<ReceiveOutcome> ReceiveAsync(ReceiveCommand command, CancellationToken ct = default) => Run(w =>
    {
        var c = command;
        var picked = new List<StoredMessage>(c.MaxMessages);
        var moved = 0;
        var expired = new List<long>();
        var redrive = new List<long>();
        // FIFO: a group is blocked from its first message in flight on (that message and everything after it);
        // messages ahead of it whose visibility ran out are receivable again. On AWS, with foo, bar, baz of one
        // group received and only bar's visibility extended, the next receive returns foo alone.
        Dictionary<string, long>? blockedFrom = null;
        if (c.IsFifo)
        {
            blockedFrom = new Dictionary<string, long>(StringComparer.Ordinal);
            using var g = w.Query(
                "SELECT group_id, MIN(seq) FROM messages WHERE queue_id = $p0 AND visible_ms > $p1 AND receive_count > 0 GROUP BY group_id",
                c.QueueId, c.NowMs);
            while (g.Read())
            {
                blockedFrom[g.IsNull(0) ? "" : g.GetString(0)] = g.GetInt64(1);
            }
        }

        // Standard queues serve the longest-visible messages first; FIFO queues serve in sequence order, a whole
        // group's run of messages before the next group's (SQS Developer Guide, "Exactly-once processing in Amazon SQS" and "Amazon SQS FIFO queues"). The limit is part of the text, not
        // a parameter: SQLite plans with a bound LIMIT's value, so rebinding one recompiles the statement each time.
        var sql = c.IsFifo
            ? FifoScanSql
            : $"SELECT {MessageColumns} FROM messages WHERE queue_id = $p0 AND visible_ms <= $p1 ORDER BY visible_ms LIMIT {c.MaxMessages + 32}";
        string? fifoGroup = null;
        long after = 0;
        const int Page = 256;
        var more = true;
        while (more && picked.Count < c.MaxMessages)
        {
            var rows = 0;

            // Standard queues read once, with room for rows that turn out expired or due for the dead-letter queue.
            using var r = w.Query(sql, c.QueueId, c.NowMs, after);
            while (r.Read() && picked.Count < c.MaxMessages)
            {
                rows++;
                var id = r.GetInt64(0);
                after = r.GetInt64(12);
                var group = r.IsNull(10) ? "" : r.GetString(10);
                if (c.IsFifo)
                {
                    if (blockedFrom!.TryGetValue(group, out var from) && after >= from)
                    {
                        continue;
                    }

                    if (r.GetInt64(14) > c.NowMs)
                    {
                        // Not visible yet (delayed): later messages of its group must wait behind it.
                        blockedFrom[group] = after;
                        continue;
                    }

                    fifoGroup ??= group;
                }

                if (r.GetInt64(7) < c.OldestAliveSentMs)
                {
                    expired.Add(id);
                    continue;
                }

                var count = r.GetInt32(8);
                if (c.DeadLetterQueueId is not null && count >= c.MaxReceiveCount)
                {
                    redrive.Add(id);
                    if (c.IsFifo)
                    {
                        // The group's head moved away; what follows it waits for the next receive.
                        blockedFrom![group] = after;
                    }

                    continue;
                }

                var nonce = r.GetInt32(1) + 1;
                var first = r.GetInt64(9) == 0 ? c.NowMs : r.GetInt64(9);
                picked.Add(ReadMessage(r, nonce, count + 1, first));
            }

            more = c.IsFifo && rows == Page;
        }

        if (c.IsFifo && fifoGroup is not null)
        {
            // Prefer one group's messages together, in order, as AWS does.
            picked = [.. picked.OrderBy(m => (m.MessageGroupId ?? "") == fifoGroup ? 0 : 1).ThenBy(m => m.SequenceNumber)];
        }

        foreach (var id in expired)
        {
            w.Execute("DELETE FROM messages WHERE id = $p0", id);
        }

        foreach (var id in redrive)
        {
            moved += w.Execute("UPDATE messages SET queue_id = $p0, dlq_source = $p1, visible_ms = $p2 WHERE id = $p3",
                c.DeadLetterQueueId, c.SourceQueueArn, c.NowMs, id);
        }

        foreach (var m in picked)
        {
            w.Execute(
                "UPDATE messages SET visible_ms = $p0, receive_count = $p1, first_receive_ms = $p2, last_receive_ms = $p3, nonce = $p4 WHERE id = $p5",
                c.NowMs + c.VisibilityTimeoutMs, m.ReceiveCount, m.FirstReceiveMs, c.NowMs, m.Nonce, m.RowId);
        }

        long? next = null;
        if (picked.Count == 0)
        {
            var n = w.Scalar("SELECT MIN(visible_ms) FROM messages WHERE queue_id = $p0 AND visible_ms > $p1", c.QueueId, c.NowMs);
            next = n == 0 ? null : n;
        }

        return new ReceiveOutcome(picked, next, moved);
    });

    public Task<IReadOnlyList<HandleOutcome>> DeleteAsync(long queueId, IReadOnlyList<ReceiptHandle> handles, long nowMs, bool isFifo, CancellationToken ct = default) =>
        Run<IReadOnlyList<HandleOutcome>>(w =>
        {
            var outcomes = new List<HandleOutcome>(handles.Count);
            foreach (var h in handles)
            {
                // The common case in one statement: the latest handle of a message that is still in flight
                // (FIFO), or any handle the message was received with (standard: AWS deletes the message with an
                // older handle too, although the DeleteMessage API reference asks for the most recent one).
                var deleted = isFifo
                    ? w.Execute("DELETE FROM messages WHERE id = $p0 AND queue_id = $p1 AND nonce = $p2 AND visible_ms > $p3", h.RowId, queueId, h.Nonce, nowMs)
                    : w.Execute("DELETE FROM messages WHERE id = $p0 AND queue_id = $p1 AND nonce >= $p2", h.RowId, queueId, h.Nonce);
                if (deleted == 1)
                {
                    outcomes.Add(HandleOutcome.Ok);
                    continue;
                }

                var state = State(w, queueId, h);
                if (state is null)
                {
                    outcomes.Add(HandleOutcome.MessageGone);
                    continue;
                }

                var (nonce, visibleMs, _) = state.Value;
                if (nonce != h.Nonce)
                {
                    // FIFO: an older handle no longer deletes (standard queues deleted it above).
                    outcomes.Add(HandleOutcome.Stale);
                    continue;
                }

                if (isFifo && visibleMs <= nowMs)
                {
                    outcomes.Add(HandleOutcome.NotInFlight);
                    continue;
                }

                w.Execute("DELETE FROM messages WHERE id = $p0", h.RowId);
                outcomes.Add(HandleOutcome.Ok);
            }

            return outcomes;
        });

    public Task<IReadOnlyList<HandleOutcome>> ChangeVisibilityAsync(long queueId, IReadOnlyList<VisibilityChange> changes, long nowMs, bool isFifo, CancellationToken ct = default) =>
        Run<IReadOnlyList<HandleOutcome>>(w =>
        {
            var outcomes = new List<HandleOutcome>(changes.Count);
            foreach (var c in changes)
            {
                var state = State(w, queueId, c.Handle);
                if (state is null)
                {
                    outcomes.Add(HandleOutcome.MessageGone);
                    continue;
                }

                // Standard queues: an older handle of the message changes its visibility too, as on AWS (a handle
                // from a later receive than the message's latest cannot exist). FIFO: only the latest.
                var (nonce, visibleMs, lastReceiveMs) = state.Value;
                if (isFifo ? nonce != c.Handle.Nonce : nonce < c.Handle.Nonce)
                {
                    outcomes.Add(HandleOutcome.Stale);
                    continue;
                }

                if (visibleMs <= nowMs && isFifo)
                {
                    outcomes.Add(HandleOutcome.NotInFlight);
                    continue;
                }

                if (c.VisibleAtMs - lastReceiveMs > SqsService.MaxVisibilityTimeout * 1000L)
                {
                    outcomes.Add(HandleOutcome.TotalVisibilityExceeded);
                    continue;
                }

                w.Execute("UPDATE messages SET visible_ms = $p0 WHERE id = $p1", c.VisibleAtMs, c.Handle.RowId);
                outcomes.Add(visibleMs <= nowMs ? HandleOutcome.NotInFlight : HandleOutcome.Ok);
            }

            return outcomes;
        });

    private static (int Nonce, long VisibleMs, long LastReceiveMs)? State(Writer w, long queueId, ReceiptHandle h)
    {
        using var r = w.Query("SELECT nonce, visible_ms, last_receive_ms FROM messages WHERE id = $p0 AND queue_id = $p1", h.RowId, queueId);
        return r.Read() ? (r.GetInt32(0), r.GetInt64(1), r.GetInt64(2)) : null;
    }

    /// <summary>Deletes the queue's messages in slices of <see cref="SqliteStoreOptions.SliceRows"/>, each an
    /// operation of its own, so other queues' requests run in between. Messages sent after the purge began are
    /// kept: ids only grow, so they are the ones above the largest id at the start (AWS: messages sent after
    /// PurgeQueue was called "might be deleted while the queue is being purged", PurgeQueue API reference).</summary>
    public async Task<long> PurgeAsync(long queueId, CancellationToken ct = default)
    {
        var upTo = await Run(w => w.Scalar("SELECT COALESCE(MAX(id), 0) FROM messages"));
        var sql = $"DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE queue_id = $p0 AND id <= $p1 LIMIT {_deleteSliceRows})";
        long total = 0;
        while (true)
        {
            var deleted = await Run(w => w.Execute(sql, queueId, upTo));
            total += deleted;
            if (deleted < _deleteSliceRows)
            {
                return total;
            }
        }
    }

    /// <summary>The counts GetQueueAttributes reports, from the (queue, visible time) index in slices (see
    /// <see cref="PurgeAsync"/>): a big queue's counts never hold the writer for a whole scan. The slices are
    /// read at slightly different moments; the counts are approximate, as AWS's are ("Approximate…" attributes,
    /// GetQueueAttributes API reference).</summary>
    /// <remarks>Callers that ask while a count of the same queue is running, for a moment at most a second
    /// apart, share it (four clients polling one big queue cost one scan, not four).</remarks>
    public Task<QueueCounts> CountAsync(long queueId, long nowMs, long oldestAliveSentMs, CancellationToken ct = default) =>
        _counting.GetAsync(queueId, nowMs, () => CountInSlicesAsync(queueId, nowMs));

    private readonly SharedCounts _counting = new();

    private async Task<QueueCounts> CountInSlicesAsync(long queueId, long nowMs)
    {
        var sql = "SELECT visible_ms, receive_count, id FROM messages WHERE queue_id = $p0 AND (visible_ms, receive_count, id) > ($p1, $p2, $p3) " +
            $"ORDER BY visible_ms, receive_count, id LIMIT {_sliceRows}";
        long visible = 0, notVisible = 0, delayed = 0;
        var after = (VisibleMs: long.MinValue, ReceiveCount: long.MinValue, Id: long.MinValue);
        while (true)
        {
            var (v, n, d, rows, last) = await Run(w =>
            {
                long v = 0, n = 0, d = 0;
                var rows = 0;
                var last = after;
                using var r = w.Query(sql, queueId, after.VisibleMs, after.ReceiveCount, after.Id);
                while (r.Read())
                {
                    rows++;
                    last = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
                    if (last.VisibleMs <= nowMs)
                    {
                        v++;
                    }
                    else if (last.ReceiveCount > 0)
                    {
                        n++;
                    }
                    else
                    {
                        d++;
                    }
                }

                return (v, n, d, rows, last);
            });
            visible += v;
            notVisible += n;
            delayed += d;
            if (rows < _sliceRows)
            {
                return new QueueCounts(visible, notVisible, delayed);
            }

            after = last;
        }
    }

    public Task<int> MoveMessagesAsync(long fromQueueId, long? destinationQueueId, Func<string, long?> sourceQueueIdByArn, int max, long nowMs, CancellationToken ct = default) =>
        Run(w =>
        {
            var rows = new List<(long Id, string? Source)>();
            using (var r = w.Query("SELECT id, dlq_source FROM messages WHERE queue_id = $p0 AND visible_ms <= $p1 ORDER BY visible_ms LIMIT $p2",
                fromQueueId, nowMs, max))
            {
                while (r.Read())
                {
                    rows.Add((r.GetInt64(0), r.GetStringOrNull(1)));
                }
            }

            var moved = 0;
            foreach (var (id, source) in rows)
            {
                var target = destinationQueueId ?? (source is null ? null : sourceQueueIdByArn(source));
                if (target is null)
                {
                    continue;
                }

                // A move task re-sends the message: a new MessageId and enqueue time, and no receives yet, so a
                // redriven message is not dead-lettered again on its first receive (AWS dev guide, "DLQ redrive").
                moved += w.Execute(
                    "UPDATE messages SET queue_id = $p0, dlq_source = NULL, visible_ms = $p1, sent_ms = $p1, message_id = $p2, " +
                    "receive_count = 0, first_receive_ms = 0, last_receive_ms = 0 WHERE id = $p3",
                    target, nowMs, Uuids.NewV4(), id);
            }

            return moved;
        });

    /// <summary>The retention sweep, in slices (see <see cref="PurgeAsync"/>): sent time has no index, so each
    /// slice walks the next <see cref="SqliteStoreOptions.SliceRows"/> entries of the queue's index and deletes
    /// those of its messages that retention expired.</summary>
    public async Task<long> ExpireAsync(long queueId, long oldestAliveSentMs, long nowMs, CancellationToken ct = default)
    {
        await Run(w => w.Execute("DELETE FROM dedup WHERE queue_id = $p0 AND expires_ms <= $p1", queueId, nowMs));
        var sql = "SELECT visible_ms, receive_count, id, sent_ms FROM messages WHERE queue_id = $p0 AND (visible_ms, receive_count, id) > ($p1, $p2, $p3) " +
            $"ORDER BY visible_ms, receive_count, id LIMIT {_sliceRows}";
        long total = 0;
        var after = (VisibleMs: long.MinValue, ReceiveCount: long.MinValue, Id: long.MinValue);
        while (!ct.IsCancellationRequested)
        {
            var (deleted, rows, last) = await Run(w =>
            {
                var expired = new List<long>();
                var rows = 0;
                var last = after;
                using (var r = w.Query(sql, queueId, after.VisibleMs, after.ReceiveCount, after.Id))
                {
                    while (r.Read())
                    {
                        rows++;
                        last = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
                        if (r.GetInt64(3) < oldestAliveSentMs)
                        {
                            expired.Add(last.Id);
                        }
                    }
                }

                foreach (var id in expired)
                {
                    w.Execute("DELETE FROM messages WHERE id = $p0", id);
                }

                return (expired.Count, rows, last);
            });
            total += deleted;
            if (rows < _sliceRows)
            {
                break;
            }

            after = last;
        }

        return total;
    }
}
