using System.Collections.Concurrent;
using Gatehouse.Services.Sqs;
using Npgsql;

namespace Gatehouse.Storage.Postgres;

public sealed partial class PostgresQueueStore
{
    // ---- Send -----------------------------------------------------------------------------------------------------

    /// <summary>A standard queue's batch: one multi-row INSERT over arrays.</summary>
    private const string InsertStandardSql =
        "INSERT INTO sqs_messages(queue_id, message_id, body, attributes, trace, sender, sent_ms, visible_ms) " +
        "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::bigint[], $8::bigint[])";

    /// <summary>The general send (FIFO, or messages with a group or deduplication id), one statement for the batch.
    /// Each message is a duplicate when an unexpired deduplication entry of its scope and id exists, or when an
    /// earlier message of the batch has the same scope and id (it then gets that one's id and sequence number).
    /// The others are inserted with consecutive sequence numbers from the queue's counter (FIFO; $13), and their
    /// deduplication entries written. The statement runs after the queue row was locked by the statement before it
    /// in the same transaction, so it sees every send committed before, and a concurrent duplicate from another
    /// node waits for this transaction and then finds its entry. Each message's entry is probed by its key, one
    /// probe each: written as a join, a plan made while the table was small read all the queue's entries through the
    /// expiry index instead (for every message, and plans are kept for the connection's life: docs/postgres.md,
    /// "Plans").</summary>
    internal const string SendSql = """
        WITH q AS (SELECT next_seq FROM sqs_queues WHERE id = $1),
        input AS (
            SELECT * FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::bigint[])
                WITH ORDINALITY AS i(message_id, body, attributes, trace, sender, sent_ms, visible_ms, group_id, dedup_id, scope, expires_ms, idx)),
        classified AS (
            SELECT i.*, d.message_id AS dup_message_id, d.seq AS dup_seq,
                i.dedup_id IS NOT NULL AND row_number() OVER (PARTITION BY i.scope, i.dedup_id ORDER BY i.idx) > 1 AS repeated
            FROM input i
            LEFT JOIN LATERAL (
                SELECT d.message_id, d.seq, d.expires_ms FROM sqs_dedup d
                WHERE d.queue_id = $1 AND d.scope = i.scope AND d.dedup_id = i.dedup_id LIMIT 1) d ON d.expires_ms > i.sent_ms),
        fresh AS (
            SELECT c.*, CASE WHEN $13 THEN (SELECT next_seq FROM q) + row_number() OVER (ORDER BY c.idx) - 1 ELSE 0 END AS seq
            FROM classified c WHERE c.dup_message_id IS NULL AND NOT c.repeated),
        ins AS (
            INSERT INTO sqs_messages(queue_id, message_id, body, attributes, trace, sender, sent_ms, visible_ms, group_id, dedup_id, seq)
            SELECT $1, message_id, body, attributes, trace, sender, sent_ms, visible_ms, group_id, dedup_id, seq FROM fresh
            WHERE NOT $13 OR EXISTS (SELECT 1 FROM q) ORDER BY idx),
        ded AS (
            INSERT INTO sqs_dedup(queue_id, scope, dedup_id, message_id, seq, expires_ms)
            SELECT $1, scope, dedup_id, message_id, seq, expires_ms FROM fresh
            WHERE dedup_id IS NOT NULL AND (NOT $13 OR EXISTS (SELECT 1 FROM q))
            ON CONFLICT (queue_id, scope, dedup_id) DO UPDATE SET message_id = EXCLUDED.message_id, seq = EXCLUDED.seq, expires_ms = EXCLUDED.expires_ms),
        bump AS (UPDATE sqs_queues SET next_seq = next_seq + (SELECT count(*) FROM fresh) WHERE id = $1 AND $13)
        SELECT COALESCE(c.dup_message_id, first.message_id, c.message_id), COALESCE(c.dup_seq, first.seq, f.seq, 0),
            c.dup_message_id IS NOT NULL OR c.repeated, EXISTS (SELECT 1 FROM q)
        FROM classified c
        LEFT JOIN fresh f ON f.idx = c.idx
        LEFT JOIN fresh first ON c.repeated AND c.dup_message_id IS NULL AND first.scope = c.scope AND first.dedup_id = c.dedup_id
        ORDER BY c.idx
        """;

    public Task<IReadOnlyList<SendOutcome>> SendAsync(long queueId, bool isFifo, IReadOnlyList<NewMessage> messages, CancellationToken ct = default)
    {
        if (messages.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<SendOutcome>>([]);
        }

        var notice = TakeNotice(queueId);

        // A standard queue's message may carry a MessageGroupId (fair queues); such a batch takes the general
        // statement, which stores it.
        var general = isFifo || messages.Any(m => m.DeduplicationId is not null || m.MessageGroupId is not null);
        var operation = new SendOperation(this, queueId, isFifo, general, messages, notice, ct);
        var sent = Submit(operation);
        return notice ? sent : AfterCommit(sent, queueId);
    }

    /// <summary>One caller's send, or the sends of several callers to one queue that a flush merged into one
    /// statement (<see cref="Merge"/>): their messages in arrival order, as if each caller's batch were sent right
    /// after the one before (a FIFO deduplication id repeated by a later caller finds the earlier caller's message;
    /// sequence numbers run on in that order).</summary>
    private sealed class SendOperation(PostgresQueueStore store, long queueId, bool isFifo, bool general, IReadOnlyList<NewMessage> messages, bool notice, CancellationToken ct)
        : MergeableOperation<SendOperation, SendOutcome>(queueId, RankSend, messages.Count, ct)
    {
        private readonly List<SendOutcome> _outcomes = new(messages.Count);
        private bool _exists = true;

        public bool IsFifo { get; } = isFifo;

        public bool General { get; } = general;

        public IReadOnlyList<NewMessage> Messages { get; } = messages;

        public bool Notice { get; } = notice;

        public override int ResultSets => (General ? (IsFifo ? 2 : 1) : 0) + (Notice ? 1 : 0);

        /// <summary>Whether <paramref name="other"/> (later in the flush) can share this one's statement.</summary>
        public bool CanMerge(SendOperation other) => other.QueueId == QueueId && other.IsFifo == IsFifo && other.General == General;

        public static SendOperation Merge(PostgresQueueStore store, List<SendOperation> members)
        {
            var first = members[0];
            return new SendOperation(store, first.QueueId, first.IsFifo, first.General, [.. members.SelectMany(m => m.Messages)],
                members.Any(m => m.Notice), CancellationToken.None)
            {
                Members = members,
            };
        }

        public override void AddCommands(NpgsqlBatch batch)
        {
            _outcomes.Clear();
            _exists = true;
            var n = Messages.Count;
            var ids = new string?[n];
            var bodies = new string?[n];
            var attributes = new byte[]?[n];
            var traces = new string?[n];
            var senders = new string?[n];
            var sentMs = new long[n];
            var visibleMs = new long[n];
            for (var i = 0; i < n; i++)
            {
                var m = Messages[i];
                ids[i] = m.MessageId;
                bodies[i] = m.Body;
                attributes[i] = MessageAttributeCodec.Encode(m.Attributes);
                traces[i] = m.AwsTraceHeader;
                senders[i] = m.SenderId;
                sentMs[i] = m.SentMs;
                visibleMs[i] = m.VisibleAtMs;
            }

            NpgsqlParameter[] common = [Int64(QueueId), TextArray(ids), TextArray(bodies), ByteaArray(attributes), TextArray(traces), TextArray(senders), Int64Array(sentMs), Int64Array(visibleMs)];
            if (!General)
            {
                batch.BatchCommands.Add(Command(InsertStandardSql, common));
            }
            else
            {
                if (IsFifo)
                {
                    batch.BatchCommands.Add(Command("SELECT 1 FROM sqs_queues WHERE id = $1 FOR NO KEY UPDATE", Int64(QueueId)));
                }

                var groupIds = new string?[n];
                var dedupIds = new string?[n];
                var scopes = new string?[n];
                var expires = new long[n];
                for (var i = 0; i < n; i++)
                {
                    var m = Messages[i];
                    groupIds[i] = m.MessageGroupId;
                    dedupIds[i] = m.DeduplicationId;
                    scopes[i] = m.DeduplicationId is null ? null : m.DeduplicationScopeKey ?? "";
                    expires[i] = m.DeduplicationExpiresMs;
                }

                batch.BatchCommands.Add(Command(SendSql, [.. common, TextArray(groupIds), TextArray(dedupIds), TextArray(scopes), Int64Array(expires), Bool(IsFifo)]));
            }

            if (Notice)
            {
                batch.BatchCommands.Add(store.NotifyCommand(MessagesArrived, QueueId));
            }
        }

        public override async Task ReadAsync(NpgsqlDataReader reader, int set, CancellationToken ct)
        {
            if (!General || set != (IsFifo ? 1 : 0))
            {
                return;
            }

            while (await reader.ReadAsync(ct))
            {
                _outcomes.Add(new SendOutcome(reader.GetString(0), reader.GetInt64(1), reader.GetBoolean(2)));
                _exists &= reader.GetBoolean(3);
            }
        }

        public override void Finish()
        {
            if (!_exists)
            {
                Fail(new InvalidOperationException("The queue does not exist."));
                return;
            }

            Distribute(General ? _outcomes : [.. Messages.Select(m => new SendOutcome(m.MessageId, 0, Duplicate: false))]);
        }
    }

    private async Task<T> AfterCommit<T>(Task<T> sent, long queueId)
    {
        var result = await sent;
        AfterCoalescedSend(queueId);
        return result;
    }

    // ---- Receive --------------------------------------------------------------------------------------------------

    private const string GotColumns =
        "m.id, m.nonce, m.message_id, m.body, m.attributes, m.trace, m.sender, m.sent_ms, m.receive_count, m.first_receive_ms, m.group_id, m.dedup_id, m.seq, m.dlq_source";

    /// <summary>The statements shared by both receives: of the rows to do (<c>todo</c>: kind 0 receive, 1 expired,
    /// 2 dead-letter), delete the expired, move the dead-lettered, and receive the rest. Each change finds its row by
    /// id and repeats the conditions that made it a candidate (this queue, visible now): should another transaction
    /// have changed the row after the statement's snapshot (a move task, a purge, the retention sweep; on standard
    /// queues also a concurrent receive or visibility change before this scan locked the row), PostgreSQL applies the
    /// change to the row's latest version only if that version still meets them (READ COMMITTED re-check). (Changing
    /// rows through the scanned version's address, <c>ctid</c>, was tried and dropped: a row changed after the
    /// snapshot then either slipped through, on servers whose TID-scan re-check is a no-op, or was locked and left
    /// unreceived.)
    /// The final row carries the count moved and, when fewer than $11 messages were received (1: nothing, for a
    /// caller's own receive; see <see cref="StandardReceiveOperation"/> for merged ones), the next time an invisible
    /// message becomes visible (from the statement's snapshot, taken before these changes). That look-up is skipped
    /// otherwise: it walks the index from the present on, past the entries of messages received and deleted since
    /// the table was last vacuumed.</summary>
    private static string ReceiveTail(string fromStart) => $"""
        expired AS (DELETE FROM sqs_messages m USING todo t WHERE m.id = t.id AND m.queue_id = $1 AND m.visible_ms <= $2 AND t.kind = 1),
        moved AS (
            UPDATE sqs_messages m SET queue_id = $5, dlq_source = $9, visible_ms = $2
            FROM todo t WHERE m.id = t.id AND m.queue_id = $1 AND m.visible_ms <= $2 AND t.kind = 2 RETURNING m.id),
        got AS (
            UPDATE sqs_messages m SET visible_ms = $2 + $8, receive_count = m.receive_count + 1,
                first_receive_ms = CASE WHEN m.first_receive_ms = 0 THEN $2 ELSE m.first_receive_ms END, last_receive_ms = $2, nonce = m.nonce + 1
            FROM todo t WHERE m.id = t.id AND m.queue_id = $1 AND m.visible_ms <= $2 AND t.kind = 0
            RETURNING t.pos, t.member, {GotColumns}),
        last AS (SELECT visible_ms, receive_count, id FROM todo ORDER BY pos DESC LIMIT 1)
        SELECT (SELECT count(*) FROM moved)::int, (SELECT count(*) FROM cand)::int, (SELECT group_id FROM todo ORDER BY pos LIMIT 1),
            CASE WHEN (SELECT count(*) FROM got) >= $11 THEN NULL ELSE (SELECT MIN(visible_ms) FROM sqs_messages WHERE queue_id = $1 AND visible_ms > $2) END,
            (SELECT visible_ms FROM last), (SELECT receive_count FROM last), (SELECT id FROM last), {fromStart}, g.*
        FROM (SELECT 1) one LEFT JOIN got g ON true
        """;

    /// <summary>Standard queues: the longest-visible messages first. Claimed rows are locked and rows another
    /// receive holds are skipped, so concurrent receives (on any node) take different messages. The scan reads
    /// room for rows that turn out expired or due for the dead-letter queue; a row is handled only while fewer
    /// than the requested number were received before it, as the SQLite store does.</summary>
    private static readonly LimitedSql ReceiveStandardSql = new(StandardReceiveText(hinted: false));

    /// <summary>The same, reading on after a row of the queue's index ($12–$14: see <see cref="_receiveHints"/>);
    /// when no row after it can be taken, from the start, in the same statement.</summary>
    private static readonly LimitedSql ReceiveStandardAfterSql = new(StandardReceiveText(hinted: true));

    /// <summary>The first visible rows of the queue in index order, locked, skipping rows others hold; <paramref name="and"/>
    /// narrows them further.</summary>
    private static string StandardCandidates(string and) => $"""
        SELECT id, visible_ms, receive_count, sent_ms FROM sqs_messages
            WHERE queue_id = $1 AND visible_ms <= $2{and}
            ORDER BY visible_ms, receive_count, id LIMIT $limit
            FOR UPDATE SKIP LOCKED
        """;

    private static string StandardReceiveText(bool hinted) => (hinted
        ? $"""
            WITH after AS MATERIALIZED ({StandardCandidates(" AND (visible_ms, receive_count, id) > ($12, $13, $14)")}),
            whole AS MATERIALIZED ({StandardCandidates(" AND NOT EXISTS (SELECT 1 FROM after)")}),
            cand AS MATERIALIZED (SELECT * FROM after UNION ALL SELECT * FROM whole),
            """
        : $"""
            WITH cand AS MATERIALIZED ({StandardCandidates("")}),
            """) + $"""

        kinds AS (
            SELECT id, visible_ms, receive_count, NULL::text AS group_id,
                CASE WHEN sent_ms < $4 THEN 1 WHEN $5::bigint IS NOT NULL AND receive_count >= $6 THEN 2 ELSE 0 END AS kind
            FROM cand),
        todo AS (
            SELECT id, kind, pos, group_id, visible_ms, receive_count, 0 AS member FROM (
                SELECT id, kind, group_id, visible_ms, receive_count, row_number() OVER w AS pos,
                    count(*) FILTER (WHERE kind = 0) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS picks_before
                FROM kinds WINDOW w AS (ORDER BY visible_ms, receive_count, id)) r
            WHERE picks_before < $7),
        {ReceiveTail(hinted ? "NOT EXISTS (SELECT 1 FROM after)" : "true")}
        """;

    /// <summary>FIFO queues, in sequence order. A group is blocked from its first message that is not visible (in
    /// flight or delayed) on; a message moved to the dead-letter queue blocks the rest of its group for this
    /// receive. A row read passes when its group is not among the blocked ones (a hashed look-up while the blocked
    /// groups fit in memory; a join with them had compared every row read with every blocked group), or when it comes
    /// before its group's block (looked up in the blocked groups' list, for rows of blocked groups only). A message
    /// without a group (a FIFO send requires one) counts as one of the group ''.
    /// <para>Runs after the queue's advisory lock was taken by the statement before it, in the same transaction: FIFO
    /// receives of one queue take turns (across nodes), so two can never hand out messages of one group, while other
    /// queues are not held up. So the rows read are not locked (a scan reads up to <see cref="FifoFirstScanRoom"/>
    /// more rows than it takes, and locking each cost a row change and a WAL record): the changes lock what they
    /// change, and re-check the candidate's conditions on its latest version, so a visible row that a purge, the
    /// retention sweep or a move task changed after the statement's snapshot is left alone.</para>
    /// <para>$15 says where each caller's share of the picks ends (one entry for a caller's own receive; several for
    /// a merged one, <see cref="FifoReceiveOperation"/>): a pick goes to the caller whose share it falls in, and is
    /// taken only when its group's first pick went to the same caller.</para></summary>
    private static readonly LimitedSql ReceiveFifoSql = new($"""
        WITH blocked AS MATERIALIZED (
            SELECT COALESCE(group_id, '') AS group_id, MIN(seq) AS from_seq FROM sqs_messages
            WHERE queue_id = $1 AND visible_ms > $2 GROUP BY 1),
        cand AS MATERIALIZED (
            SELECT m.id, m.seq, m.group_id, m.sent_ms, m.receive_count FROM sqs_messages m
            WHERE m.queue_id = $1 AND m.seq > 0 AND m.visible_ms <= $2
                AND (COALESCE(m.group_id, '') NOT IN (SELECT group_id FROM blocked)
                    OR m.seq < (SELECT b.from_seq FROM blocked b WHERE b.group_id = COALESCE(m.group_id, '')))
            ORDER BY m.seq LIMIT $limit),
        kinds AS (
            SELECT id, seq, group_id,
                CASE WHEN sent_ms < $4 THEN 1 WHEN $5::bigint IS NOT NULL AND receive_count >= $6 THEN 2 ELSE 0 END AS kind
            FROM cand),
        gated AS (
            SELECT id, seq, group_id, kind,
                bool_or(kind = 2) OVER (PARTITION BY group_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS behind_dead_letter
            FROM kinds),
        counted AS (
            SELECT id, seq, group_id, kind,
                CASE WHEN kind = 0 THEN width_bucket(picks_before::int, $15::int[]) END AS member
            FROM (
                SELECT id, seq, group_id, kind,
                    count(*) FILTER (WHERE kind = 0) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS picks_before
                FROM gated WHERE behind_dead_letter IS NOT TRUE) r
            WHERE picks_before < $7
                AND (NOT $10 OR (SELECT count(*) FROM cand) < $3
                    OR (SELECT count(*) FROM gated WHERE kind = 0 AND behind_dead_letter IS NOT TRUE) >= $7)),
        todo AS (
            SELECT id, kind, seq AS pos, group_id, NULL::bigint AS visible_ms, NULL::int AS receive_count, member FROM (
                SELECT id, seq, group_id, kind, member, min(member) OVER (PARTITION BY group_id) AS owner FROM counted) o
            WHERE kind <> 0 OR member = owner),
        {ReceiveTail("true")}
        """);

    /// <summary>Rows a FIFO receive reads at most per transaction (blocked groups are filtered before, so only
    /// expired or dead-lettered rows use this room up).</summary>
    private const int FifoScanRows = 1000;

    /// <summary>Rows a FIFO receive reads first, beyond the messages it asks for. A receive rarely needs more: the
    /// first round is conclusive when it saw the queue's end or enough receivable messages, and then handles exactly
    /// the rows a <see cref="FifoScanRows"/> scan would have ($10). Otherwise it changes nothing, and the receive reads
    /// again with the full scan.</summary>
    private const int FifoFirstScanRoom = 32;

    /// <summary>Rows a standard receive locks beyond the messages it asks for: room for a few expired or
    /// dead-lettered rows at the front. Every row locked is skipped by the receives running beside it, so the room is
    /// small; a scan that used it all up without receiving enough goes on in another round, until the receive handled
    /// <see cref="StandardScanRows"/> more rows than it asks for, as the SQLite store's one read does.</summary>
    private const int StandardScanRoom = 2;

    /// <summary>Rows a standard receive handles at most beyond the messages it asks for, over all its rounds.</summary>
    private const int StandardScanRows = 32;

    /// <summary>Transactions one receive runs at most when its scans end on their row limit.</summary>
    private const int MaxScanRounds = 10;

    public async Task<ReceiveOutcome> ReceiveAsync(ReceiveCommand command, CancellationToken ct = default)
    {
        var c = command;
        var movedTotal = 0;
        var received = new List<StoredMessage>(c.MaxMessages);
        var budget = c.MaxMessages + StandardScanRows;
        var useHint = ReceiveHintLifetime > TimeSpan.Zero;
        for (var round = 1; ; round++)
        {
            var wanted = c.MaxMessages - received.Count;
            var firstFifoRound = c.IsFifo && round == 1;
            var scan = !c.IsFifo ? Math.Min(wanted + StandardScanRoom, budget) : firstFifoRound ? wanted + FifoFirstScanRoom : FifoScanRows;
            Interlocked.Increment(ref _receiveRounds);
            var result = await (c.IsFifo
                ? Submit(new FifoReceiveOperation(c, c.NowMs, c.OldestAliveSentMs, wanted, scan, firstFifoRound, ct), combine: CombineReceives)
                : Submit(new StandardReceiveOperation(this, c, c.NowMs, c.OldestAliveSentMs, wanted, scan, 1, useHint, ct), combine: CombineReceives));

            var picked = result.Picked;
            movedTotal += result.Moved;
            if (result.Moved > 0 && c.DeadLetterQueueId is { } dlq)
            {
                // After the commit, and best effort: the received messages must reach the caller regardless.
                await TryNotifyAsync(MessagesArrived, dlq);
            }

            if (c.IsFifo)
            {
                // The short first scan was not conclusive and changed nothing: read again, fully. (A conclusive one may
                // end on its limit with fewer than asked for, when a row changed under it failed the re-check; what it
                // took is returned.)
                if (firstFifoRound && result.Scanned == scan && picked.Count == 0)
                {
                    continue;
                }

                // A FIFO scan that ended on its row limit with nothing received (all expired or dead-lettered) goes
                // on in a new transaction, as the SQLite store reads on page after page; each round removes at least
                // the first row it read, and the rounds are bounded (the next receive goes on from there).
                if (picked.Count == 0 && result.Scanned == scan && round < MaxScanRounds)
                {
                    continue;
                }

                IReadOnlyList<StoredMessage> fifo = [.. picked.OrderBy(p => p.Message.MessageGroupId == result.FirstGroup ? 0 : 1).ThenBy(p => p.Pos).Select(p => p.Message)];
                return new ReceiveOutcome(fifo, fifo.Count == 0 ? result.Next : null, movedTotal);
            }

            // A standard scan that used its room up on expired or dead-lettered rows before it had enough goes on
            // likewise, keeping what it received.
            received.AddRange(picked.OrderBy(p => p.Pos).Select(p => p.Message));
            budget -= result.Scanned;

            // A scan that began after the hint and took nothing looks again from the queue's start, so an empty
            // answer always comes from a whole scan (no false empty receives).
            if (result.Hinted && picked.Count == 0 && received.Count == 0 && budget > 0 && round < MaxScanRounds)
            {
                useHint = false;
                continue;
            }

            if (received.Count < c.MaxMessages && result.Scanned == scan && budget > 0 && round < MaxScanRounds)
            {
                continue;
            }

            return new ReceiveOutcome(received, received.Count == 0 ? result.Next : null, movedTotal);
        }
    }

    private long _receiveRounds;

    /// <summary>Rounds (statements) receives ran so far, each caller's counted on its own (for tests).</summary>
    internal long ReceiveRounds => Interlocked.Read(ref _receiveRounds);

    /// <summary>What one round of a receive did: the messages received with their place in the scan, the rows
    /// moved to the dead-letter queue, the rows the scan read, the group of the first row it handled (FIFO) and,
    /// when asked for, the next time an invisible message becomes visible; whether the scan began after a hint
    /// (<see cref="_receiveHints"/>), and the index key of the last row it handled.</summary>
    private sealed record ReceiveRound(
        List<Pick> Picked, int Moved, int Scanned, string? FirstGroup, long? Next, bool Hinted = false, ScanKey? Last = null);

    /// <summary>A message a receive statement took: its place in the scan (standard: the row's rank; FIFO: its
    /// sequence number) and, in a merged FIFO receive, the member it went to.</summary>
    private readonly record struct Pick(long Pos, int Member, StoredMessage Message);

    /// <summary>A row's place in the queue's (visible time, receive count, id) index.</summary>
    private readonly record struct ScanKey(long VisibleMs, int ReceiveCount, long Id);

    /// <summary>The parameters both receive statements share, in their order ($1 … $14; the FIFO receive adds
    /// $15).</summary>
    private static NpgsqlParameter[] ReceiveParameters(ReceiveCommand c, long nowMs, long oldestAliveSentMs, int scan, int wanted, bool firstFifoRound, int nextBelow, ScanKey after = default) =>
        [Int64(c.QueueId), Int64(nowMs), Int32(scan), Int64(oldestAliveSentMs), NullableInt64(c.DeadLetterQueueId),
            Int32(c.MaxReceiveCount), Int32(wanted), Int64(c.VisibilityTimeoutMs), Text(c.SourceQueueArn), Bool(firstFifoRound), Int32(nextBelow),
            Int64(after.VisibleMs), Int32(after.ReceiveCount), Int64(after.Id)];

    /// <summary>Reads a receive statement's rows.</summary>
    private static async Task<ReceiveRound> ReadReceiveAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        var picked = new List<Pick>();
        int moved = 0, scanned = 0;
        string? firstGroup = null;
        long? next = null;
        ScanKey? last = null;
        var hinted = false;
        while (await r.ReadAsync(ct))
        {
            moved = r.GetInt32(0);
            scanned = r.GetInt32(1);
            firstGroup = StringOrNull(r, 2);
            next = r.IsDBNull(3) ? null : r.GetInt64(3);
            last = r.IsDBNull(4) ? null : new ScanKey(r.GetInt64(4), r.GetInt32(5), r.GetInt64(6));
            hinted = !r.GetBoolean(7);
            if (!r.IsDBNull(8))
            {
                picked.Add(new Pick(r.GetInt64(8), r.GetInt32(9), ReadMessage(r, 10)));
            }
        }

        return new ReceiveRound(picked, moved, scanned, firstGroup, next, hinted, last);
    }

    /// <summary>A round of a receive that its neighbours in a flush (same queue, same kind) may share: what both kinds
    /// of merged receive have in common. Members of a merged one are in the order they stood in the flush.</summary>
    private abstract class MergeableReceive<TSelf>(ReceiveCommand command, int wanted, int scan, int resultSets, CancellationToken ct)
        : MergedOperation<TSelf, ReceiveRound>(command.QueueId, RankReceive, wanted, resultSets, () => null!, ct)
        where TSelf : MergeableReceive<TSelf>
    {
        public ReceiveCommand Command { get; } = command;

        public int Wanted { get; } = wanted;

        public int Scan { get; } = scan;

        /// <summary>Whether <paramref name="other"/> may join a merged receive that asks for
        /// <paramref name="mergedWanted"/> messages so far.</summary>
        public abstract bool CanMerge(TSelf other, int mergedWanted);

        /// <summary>The same queue and the same visibility timeout and redrive policy, and room in the merged
        /// statement (<see cref="MaxMergedReceive"/>).</summary>
        protected bool SameTerms(TSelf other, int mergedWanted) =>
            other.QueueId == QueueId && mergedWanted + other.Wanted <= MaxMergedReceive
            && other.Command.VisibilityTimeoutMs == Command.VisibilityTimeoutMs && other.Command.DeadLetterQueueId == Command.DeadLetterQueueId
            && other.Command.MaxReceiveCount == Command.MaxReceiveCount && other.Command.SourceQueueArn == Command.SourceQueueArn;
    }

    /// <summary>
    /// One round of a FIFO receive: the queue's advisory lock, then the statement. First rounds of FIFO receives of
    /// one queue in a flush that agree on everything but their size and time share one statement (at most
    /// <see cref="MaxMergedReceive"/> messages), as standard receives do, with one rule more: a message group goes to
    /// one member only. The statement counts the picks in sequence order and gives the first ones to the first
    /// member, the next ones to the second, and so on ($15: where each member's share ends); a group belongs to the
    /// member its first pick went to, and its later picks that fell into another member's share are not taken (they
    /// stay visible, behind the group's message now in flight), as they would not be when the receives ran one after
    /// the other. A member that got nothing while others got messages, or while the scan ended on its row limit,
    /// reads again on its own (its result says its scan was used up), so messages beyond the shared scan are still
    /// found; a member that got some keeps them (a receive may return fewer messages than asked for).
    /// </summary>
    private sealed class FifoReceiveOperation(ReceiveCommand command, long nowMs, long oldestAliveSentMs, int wanted, int scan, bool firstRound, CancellationToken ct)
        : MergeableReceive<FifoReceiveOperation>(command, wanted, scan, 2, ct)
    {
        private ReceiveRound? _result;

        /// <summary>Whether this is the short first scan of a receive (<see cref="FifoFirstScanRoom"/>): only those
        /// merge, so a merged statement that was not conclusive changed nothing.</summary>
        public bool FirstRound { get; } = firstRound;

        public override bool CanMerge(FifoReceiveOperation other, int mergedWanted) => FirstRound && other.FirstRound && SameTerms(other, mergedWanted);

        public static FifoReceiveOperation Merge(List<FifoReceiveOperation> members)
        {
            var wanted = members.Sum(m => m.Wanted);
            return new(members[0].Command, members.Max(m => m.Command.NowMs), members.Max(m => m.Command.OldestAliveSentMs),
                wanted, wanted + FifoFirstScanRoom, true, CancellationToken.None)
            {
                Members = members,
            };
        }

        public override void AddCommands(NpgsqlBatch batch)
        {
            _result = null;
            var ends = new int[Members?.Count ?? 1];
            var end = 0;
            for (var i = 0; i < ends.Length; i++)
            {
                end += Members is null ? Wanted : Members[i].Wanted;
                ends[i] = end;
            }

            batch.BatchCommands.Add(PostgresQueueStore.Command($"SELECT pg_advisory_xact_lock({FifoReceiveLockClass}, $1)", Int32(LockKey(QueueId))));
            batch.BatchCommands.Add(PostgresQueueStore.Command(ReceiveFifoSql.For(Scan),
                [.. ReceiveParameters(Command, nowMs, oldestAliveSentMs, Scan, Wanted, FirstRound, 1), Int32Array(ends)]));
        }

        public override async Task ReadAsync(NpgsqlDataReader reader, int set, CancellationToken ct)
        {
            if (set == 1)
            {
                _result = await ReadReceiveAsync(reader, ct);
            }
        }

        public override void Finish()
        {
            var result = _result!;
            if (Members is null)
            {
                Complete(result);
                return;
            }

            // A member with messages keeps them and reads no more. One without reads again alone unless the statement
            // found nothing at all before the queue's end (then there was nothing to find, and the next visible
            // time was looked up).
            var conclusiveEmpty = result.Picked.Count == 0 && result.Scanned < Scan;
            for (var i = 0; i < Members.Count; i++)
            {
                var member = Members[i];
                var mine = result.Picked.Where(p => p.Member == i).OrderBy(p => p.Pos).ToList();
                var scanned = mine.Count == 0 && !conclusiveEmpty ? member.Scan : Math.Min(result.Scanned, member.Scan - 1);
                member.Complete(new ReceiveRound(mine, i == 0 ? result.Moved : 0, scanned,
                    mine.Count > 0 ? mine[0].Message.MessageGroupId : null, mine.Count == 0 ? result.Next : null));
            }
        }
    }

    /// <summary>Standard receives of one queue in a flush that follow each other share one statement when they agree
    /// on everything but their size and their time (<see cref="CanMerge"/>): at most <see cref="MaxMergedReceive"/>
    /// messages; the merged scan reads the sum of their scans, and the messages received go to the callers in
    /// scan order, each taking as many as it asked for. The statement's time is the latest of theirs (every
    /// member's call had begun by then), and so is its retention bound. The next visible time is looked up when the
    /// last member might get nothing. When the batch fails, each member runs alone.</summary>
    private sealed class StandardReceiveOperation(
        PostgresQueueStore store, ReceiveCommand command, long nowMs, long oldestAliveSentMs, int wanted, int scan, int nextBelow, bool useHint, CancellationToken ct)
        : MergeableReceive<StandardReceiveOperation>(command, wanted, scan, 1, ct)
    {
        private ReceiveRound? _result;
        private ReceiveHint? _hint;

        /// <summary>Whether the scan may begin after the queue's hint (<see cref="_receiveHints"/>).</summary>
        public bool UseHint { get; } = useHint;

        public override bool CanMerge(StandardReceiveOperation other, int mergedWanted) => SameTerms(other, mergedWanted) && other.UseHint == UseHint;

        public static StandardReceiveOperation Merge(PostgresQueueStore store, List<StandardReceiveOperation> members) =>
            new(store, members[0].Command, members.Max(m => m.Command.NowMs), members.Max(m => m.Command.OldestAliveSentMs),
                members.Sum(m => m.Wanted), members.Sum(m => m.Scan), members.Sum(m => m.Wanted) - members[^1].Wanted + 1, members[0].UseHint, CancellationToken.None)
            {
                Members = members,
            };

        public override void AddCommands(NpgsqlBatch batch)
        {
            _result = null;
            _hint = UseHint ? store.CurrentHint(QueueId) : null;
            batch.BatchCommands.Add(PostgresQueueStore.Command((_hint is null ? ReceiveStandardSql : ReceiveStandardAfterSql).For(Scan),
                ReceiveParameters(Command, nowMs, oldestAliveSentMs, Scan, Wanted, false, nextBelow, _hint?.After ?? default)));
        }

        public override async Task ReadAsync(NpgsqlDataReader reader, int set, CancellationToken ct) => _result = await ReadReceiveAsync(reader, ct);

        public override void Finish()
        {
            var result = _result!;
            store.AdvanceHint(QueueId, result.Hinted ? _hint : null, result.Last);
            if (Members is null)
            {
                Complete(result);
                return;
            }

            // In scan order, each member takes as many as it asked for. When the scan ended on its row limit, a member
            // left short may read on (its own scan counts as used up); otherwise there was nothing more to find.
            var picked = result.Picked.OrderBy(p => p.Pos).ToList();
            var endedOnLimit = result.Scanned == Scan;

            // The statement's look-up of the next visible time reads its snapshot, in which the messages it just
            // handed to the other members are not in flight yet: they come back after the visibility timeout.
            var next = picked.Count == 0 ? result.Next : Math.Min(result.Next ?? long.MaxValue, nowMs + Command.VisibilityTimeoutMs);
            var at = 0;
            for (var i = 0; i < Members.Count; i++)
            {
                var member = Members[i];
                var mine = picked.Skip(at).Take(member.Wanted).ToList();
                at += mine.Count;
                member.Complete(new ReceiveRound(mine, i == 0 ? result.Moved : 0, endedOnLimit ? member.Scan : Math.Min(mine.Count, member.Scan - 1),
                    null, next, result.Hinted));
            }
        }
    }

    /// <summary>
    /// Where this node's standard receives of a queue read on from. A receive walks the queue's index from its start
    /// to the first message it can take, and between vacuums that start is full of entries of messages received or
    /// deleted moments ago (each one a visit to the table: 20 and more per message received, measured under receive
    /// + delete load). So each receive statement reports the index key of the last row it handled, and the next
    /// standard receive of that queue on this node begins after it.
    /// <para>What the hint may pass over: a row another transaction held locked when the scan went by and then left
    /// visible (a concurrent receive's spare rows, a rollback), or a message that committed after the scan with a key
    /// below the hint (a concurrent send whose row id was drawn earlier). Such a message is only taken later, never
    /// lost: a hint lives <see cref="ReceiveHintLifetime"/> from the whole scan it began with, after which a receive
    /// walks the whole queue again (and takes the oldest first); and a receive that found nothing after the hint
    /// looks again from the start, so an empty answer always comes from a whole scan. Standard queues promise
    /// best-effort order, and a short receive may return only some of the messages there are (AWS SQS developer
    /// guide, "Short and long polling").</para>
    /// </summary>
    private readonly ConcurrentDictionary<long, ReceiveHint> _receiveHints = new();

    /// <summary>How long a receive hint is followed after the whole scan it began with (zero: receives always scan
    /// the whole queue). Bounds how long a message passed over waits.</summary>
    public TimeSpan ReceiveHintLifetime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock a hint's lifetime is measured on (the system's; tests set their own).</summary>
    public TimeProvider HintClock { get; set; } = TimeProvider.System;

    /// <summary>Read on after <paramref name="After"/>; the chain of hints began with a whole scan at
    /// <paramref name="AnchoredAt"/> (a <see cref="HintClock"/> timestamp).</summary>
    private sealed record ReceiveHint(ScanKey After, long AnchoredAt);

    private ReceiveHint? CurrentHint(long queueId) =>
        _receiveHints.TryGetValue(queueId, out var hint) && HintClock.GetElapsedTime(hint.AnchoredAt) < ReceiveHintLifetime ? hint : null;

    /// <summary>After a standard receive statement that began after <paramref name="used"/> (null: at the start):
    /// the next begins after the last row it handled, or at the start when it handled none.</summary>
    private void AdvanceHint(long queueId, ReceiveHint? used, ScanKey? last)
    {
        if (ReceiveHintLifetime <= TimeSpan.Zero)
        {
            return;
        }

        if (last is { } key)
        {
            _receiveHints[queueId] = new ReceiveHint(key, used?.AnchoredAt ?? HintClock.GetTimestamp());
        }
        else
        {
            _receiveHints.TryRemove(queueId, out _);
        }
    }

    /// <summary>Messages one merged receive (standard or FIFO) asks for at most (its scan, about that plus room, is a
    /// statement text of its own: see <see cref="LimitedSql"/>).</summary>
    private const int MaxMergedReceive = 40;

    /// <summary>A receive statement as sent for a scan of <paramref name="scan"/> rows (tests read its plan).</summary>
    internal static string ReceiveSql(bool fifo, int scan, bool hinted = false) =>
        (fifo ? ReceiveFifoSql : hinted ? ReceiveStandardAfterSql : ReceiveStandardSql).For(scan);

    private static int LockKey(long queueId) => unchecked((int)queueId ^ (int)(queueId >> 32));

    /// <summary>Reads <see cref="GotColumns"/> from column <paramref name="at"/> on.</summary>
    private static StoredMessage ReadMessage(NpgsqlDataReader r, int at) => new(
        r.GetInt64(at),
        r.GetInt32(at + 1),
        r.GetString(at + 2),
        r.GetString(at + 3),
        MessageAttributeCodec.Decode(r.IsDBNull(at + 4) ? null : r.GetFieldValue<byte[]>(at + 4)),
        StringOrNull(r, at + 5),
        r.GetString(at + 6),
        r.GetInt64(at + 7),
        r.GetInt32(at + 8),
        r.GetInt64(at + 9),
        StringOrNull(r, at + 10),
        StringOrNull(r, at + 11),
        r.GetInt64(at + 12),
        StringOrNull(r, at + 13));

    // ---- Delete and change visibility ---------------------------------------------------------------------------

    /// <summary>Splits a batch into rounds in which each message appears once, keeping the order: a message named
    /// twice is handled twice, one after the other, as the SQLite store handles one handle after another.</summary>
    private static List<List<int>> Rounds(IReadOnlyList<long> rowIds)
    {
        var rounds = new List<List<int>>();
        var seen = new Dictionary<long, int>();
        for (var i = 0; i < rowIds.Count; i++)
        {
            var round = seen.TryGetValue(rowIds[i], out var k) ? k + 1 : 0;
            seen[rowIds[i]] = round;
            if (round == rounds.Count)
            {
                rounds.Add([]);
            }

            rounds[round].Add(i);
        }

        return rounds;
    }

    /// <summary>Deletes with the handles that may delete (FIFO: the latest, while in flight at the caller's time;
    /// standard: any the message was received with) and reports, from the statement's snapshot, why the others did
    /// not. Only those others are looked up again (the look-up's condition on the outer row gates it; <c>OFFSET 0</c>
    /// keeps PostgreSQL from folding the sub-query into the join, where the condition only filtered after the probe),
    /// so a handle that deleted costs one index probe, not two.</summary>
    private const string DeleteSql = """
        WITH h AS (SELECT * FROM unnest($2::bigint[], $3::int[], $4::bigint[]) WITH ORDINALITY AS h(row_id, nonce, now_ms, idx)),
        del AS (
            DELETE FROM sqs_messages m USING h
            WHERE m.id = h.row_id AND m.queue_id = $1
                AND CASE WHEN $5 THEN m.nonce = h.nonce AND m.visible_ms > h.now_ms ELSE m.nonce >= h.nonce END
            RETURNING h.idx)
        SELECT d.idx IS NOT NULL, m.nonce, m.visible_ms
        FROM h LEFT JOIN del d ON d.idx = h.idx
        LEFT JOIN LATERAL (
            SELECT s.nonce, s.visible_ms FROM sqs_messages s WHERE d.idx IS NULL AND s.id = h.row_id AND s.queue_id = $1 OFFSET 0) m ON true
        ORDER BY h.idx
        """;

    public Task<IReadOnlyList<HandleOutcome>> DeleteAsync(long queueId, IReadOnlyList<ReceiptHandle> handles, long nowMs, bool isFifo, CancellationToken ct = default) =>
        Submit(new DeleteOperation(queueId, isFifo, [.. handles.Select(h => (h, nowMs))], ct));

    /// <summary>One caller's delete, or the deletes of several callers on one queue that a flush merged into one
    /// statement per round (<see cref="Merge"/>): a message named more than once, by one caller or by several, is
    /// deleted by the first and found gone by the others, as if the calls ran one after the other.</summary>
    private sealed class DeleteOperation(long queueId, bool isFifo, (ReceiptHandle Handle, long NowMs)[] handles, CancellationToken ct)
        : MergeableOperation<DeleteOperation, HandleOutcome>(queueId, RankDelete, handles.Length, ct)
    {
        private readonly HandleOutcome[] _outcomes = new HandleOutcome[handles.Length];
        private readonly List<List<int>> _rounds = Rounds([.. handles.Select(h => h.Handle.RowId)]);

        public bool IsFifo { get; } = isFifo;

        public (ReceiptHandle Handle, long NowMs)[] Handles { get; } = handles;

        public override int ResultSets => _rounds.Count;

        public bool CanMerge(DeleteOperation other) => other.QueueId == QueueId && other.IsFifo == IsFifo;

        public static DeleteOperation Merge(List<DeleteOperation> members) =>
            new(members[0].QueueId, members[0].IsFifo, [.. members.SelectMany(m => m.Handles)], CancellationToken.None) { Members = members };

        public override void AddCommands(NpgsqlBatch batch)
        {
            foreach (var round in _rounds)
            {
                batch.BatchCommands.Add(Command(DeleteSql, Int64(QueueId), Int64Array([.. round.Select(i => Handles[i].Handle.RowId)]),
                    Int32Array([.. round.Select(i => Handles[i].Handle.Nonce)]), Int64Array([.. round.Select(i => Handles[i].NowMs)]), Bool(IsFifo)));
            }
        }

        public override async Task ReadAsync(NpgsqlDataReader r, int set, CancellationToken ct)
        {
            foreach (var i in _rounds[set])
            {
                await r.ReadAsync(ct);
                var (handle, nowMs) = Handles[i];
                _outcomes[i] = r.GetBoolean(0) ? HandleOutcome.Ok
                    : r.IsDBNull(1) ? HandleOutcome.MessageGone
                    : r.GetInt32(1) != handle.Nonce ? HandleOutcome.Stale
                    : IsFifo && r.GetInt64(2) <= nowMs ? HandleOutcome.NotInFlight

                    // It matched in the snapshot but another transaction deleted or moved it meanwhile.
                    : HandleOutcome.MessageGone;
            }
        }

        public override void Finish() => Distribute(_outcomes);
    }

    /// <summary>Locks the messages named, changes the visibility of those the rules allow (the same rules as
    /// <see cref="VisibilityOutcome"/>) and returns each one's state as locked.</summary>
    private const string ChangeVisibilitySql = """
        WITH c AS (SELECT * FROM unnest($2::bigint[], $3::int[], $4::bigint[]) WITH ORDINALITY AS c(row_id, nonce, visible_at, idx)),
        cur AS MATERIALIZED (
            SELECT c.idx, c.row_id, c.nonce AS hn, c.visible_at, m.nonce AS mn, m.visible_ms, m.last_receive_ms
            FROM c JOIN sqs_messages m ON m.id = c.row_id AND m.queue_id = $1
            FOR UPDATE OF m),
        upd AS (
            UPDATE sqs_messages m SET visible_ms = cur.visible_at FROM cur
            WHERE m.id = cur.row_id
                AND CASE WHEN $6 THEN cur.mn = cur.hn ELSE cur.mn >= cur.hn END
                AND NOT ($6 AND cur.visible_ms <= $5)
                AND cur.visible_at - cur.last_receive_ms <= $7)
        SELECT cur.mn, cur.visible_ms, cur.last_receive_ms FROM c LEFT JOIN cur ON cur.idx = c.idx ORDER BY c.idx
        """;

    public Task<IReadOnlyList<HandleOutcome>> ChangeVisibilityAsync(long queueId, IReadOnlyList<VisibilityChange> changes, long nowMs, bool isFifo, CancellationToken ct = default)
    {
        var outcomes = new HandleOutcome[changes.Count];
        var rounds = Rounds([.. changes.Select(h => h.Handle.RowId)]);

        // Visible again now: long polls on other nodes should look.
        var notify = changes.Any(ch => ch.VisibleAtMs <= nowMs);
        return Submit(new Operation<IReadOnlyList<HandleOutcome>>(queueId, RankChangeVisibility, changes.Count, rounds.Count + (notify ? 1 : 0), batch =>
        {
            foreach (var round in rounds)
            {
                batch.BatchCommands.Add(Command(ChangeVisibilitySql,
                    Int64(queueId), Int64Array([.. round.Select(i => changes[i].Handle.RowId)]), Int32Array([.. round.Select(i => changes[i].Handle.Nonce)]),
                    Int64Array([.. round.Select(i => changes[i].VisibleAtMs)]), Int64(nowMs), Bool(isFifo), Int64(SqsService.MaxVisibilityTimeout * 1000L)));
            }

            if (notify)
            {
                batch.BatchCommands.Add(NotifyCommand(MessagesArrived, queueId));
            }
        }, async (r, set, ct) =>
        {
            if (set >= rounds.Count)
            {
                return;
            }

            foreach (var i in rounds[set])
            {
                await r.ReadAsync(ct);
                outcomes[i] = r.IsDBNull(0)
                    ? HandleOutcome.MessageGone
                    : VisibilityOutcome(changes[i], r.GetInt32(0), r.GetInt64(1), r.GetInt64(2), nowMs, isFifo);
            }
        }, () => outcomes, ct));
    }

    /// <summary>The SQLite store's rules: standard queues take an older handle too (a later one cannot exist), FIFO
    /// only the latest while in flight; a standard message whose timeout ran out changes but reports it.</summary>
    private static HandleOutcome VisibilityOutcome(VisibilityChange c, int nonce, long visibleMs, long lastReceiveMs, long nowMs, bool isFifo)
    {
        if (isFifo ? nonce != c.Handle.Nonce : nonce < c.Handle.Nonce)
        {
            return HandleOutcome.Stale;
        }

        if (visibleMs <= nowMs && isFifo)
        {
            return HandleOutcome.NotInFlight;
        }

        if (c.VisibleAtMs - lastReceiveMs > SqsService.MaxVisibilityTimeout * 1000L)
        {
            return HandleOutcome.TotalVisibilityExceeded;
        }

        return visibleMs <= nowMs ? HandleOutcome.NotInFlight : HandleOutcome.Ok;
    }

    // ---- Purge, counts, moves, expiry, peek -------------------------------------------------------------------

    private static readonly LimitedSql PurgeSliceSql = new(
        "DELETE FROM sqs_messages WHERE id IN (SELECT id FROM sqs_messages WHERE queue_id = $1 AND id <= $2 LIMIT $limit)");

    /// <summary>Deletes the queue's messages in slices of <see cref="SliceRows"/>, each a transaction of its own.
    /// Messages sent after the purge began are kept: ids only grow, so they are above the largest id at the start
    /// (AWS: messages sent after PurgeQueue was called "might be deleted while the queue is being purged", PurgeQueue
    /// API reference).</summary>
    public async Task<long> PurgeAsync(long queueId, CancellationToken ct = default)
    {
        var upTo = await RunAsync(async c =>
        {
            await using var batch = Batch(c, Command("SELECT COALESCE(MAX(id), 0) FROM sqs_messages"));
            await using var r = await ReadAsync(batch, ct);
            await r.ReadAsync(ct);
            return r.GetInt64(0);
        }, ct);
        long total = 0;
        while (true)
        {
            var deleted = await RunAsync(async c =>
            {
                await using var batch = Batch(c, Command(
                    PurgeSliceSql.For(SliceRows), Int64(queueId), Int64(upTo)));
                return await ExecuteAsync(batch, ct);
            }, ct);
            total += deleted;
            if (deleted < SliceRows)
            {
                return total;
            }
        }
    }

    /// <summary>The counts GetQueueAttributes reports, in one pass over the queue's (visible time, receive count)
    /// index. Callers that ask while a count of the same queue is running, for a moment at most a second apart,
    /// share it.</summary>
    public Task<QueueCounts> CountAsync(long queueId, long nowMs, long oldestAliveSentMs, CancellationToken ct = default) =>
        _counting.GetAsync(queueId, nowMs, () => CountOnceAsync(queueId, nowMs));

    private readonly SharedCounts _counting = new();

    private Task<QueueCounts> CountOnceAsync(long queueId, long nowMs) => RunAsync(async c =>
    {
        await using var batch = Batch(c, Command(
            "SELECT count(*) FILTER (WHERE visible_ms <= $2), count(*) FILTER (WHERE visible_ms > $2 AND receive_count > 0), " +
            "count(*) FILTER (WHERE visible_ms > $2 AND receive_count = 0) FROM sqs_messages WHERE queue_id = $1",
            Int64(queueId), Int64(nowMs)));
        await using var r = await ReadAsync(batch, default);
        await r.ReadAsync();
        return new QueueCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
    }, default);

    /// <summary>Moves up to the limit's visible messages to $4, or each to the queue its source ARN maps to ($6/$7), as a
    /// re-send: a new MessageId and enqueue time and no receives yet, so a redriven message is not dead-lettered
    /// again on its first receive (AWS dev guide, "DLQ redrive"). Each destination queue is notified when messages
    /// arrived in it.</summary>
    private static readonly LimitedSql MoveSql = new("""
        WITH cand AS (
            SELECT id, dlq_source FROM sqs_messages WHERE queue_id = $1 AND visible_ms <= $2
            ORDER BY visible_ms, receive_count, id LIMIT $limit FOR UPDATE SKIP LOCKED),
        targets AS (
            SELECT cand.id, COALESCE($4::bigint, map.target) AS target
            FROM cand LEFT JOIN unnest($5::text[], $6::bigint[]) AS map(arn, target) ON map.arn = cand.dlq_source),
        moved AS (
            UPDATE sqs_messages m SET queue_id = t.target, dlq_source = NULL, visible_ms = $2, sent_ms = $2, message_id = gen_random_uuid()::text,
                receive_count = 0, first_receive_ms = 0, last_receive_ms = 0
            FROM targets t WHERE m.id = t.id AND t.target IS NOT NULL
            RETURNING m.queue_id)
        SELECT count(*)::int, (SELECT count(*) FROM (SELECT pg_notify($7, $8 || d.queue_id) FROM (SELECT DISTINCT queue_id FROM moved) d) n)
        FROM moved
        """);

    private static readonly LimitedSql MoveSourcesSql = new(
        "SELECT DISTINCT dlq_source FROM (SELECT dlq_source FROM sqs_messages WHERE queue_id = $1 AND visible_ms <= $2 " +
        "ORDER BY visible_ms, receive_count, id LIMIT $limit) s WHERE dlq_source IS NOT NULL");

    public async Task<int> MoveMessagesAsync(long fromQueueId, long? destinationQueueId, Func<string, long?> sourceQueueIdByArn, int max, long nowMs, CancellationToken ct = default)
    {
        var arns = new List<string?>();
        var targets = new List<long>();
        if (destinationQueueId is null)
        {
            // Back to each message's source: the source ARNs among the messages about to move, mapped here.
            var sources = await RunAsync(async c =>
            {
                await using var batch = Batch(c, Command(MoveSourcesSql.For(max), Int64(fromQueueId), Int64(nowMs)));
                await using var r = await ReadAsync(batch, ct);
                var list = new List<string>();
                while (await r.ReadAsync(ct))
                {
                    list.Add(r.GetString(0));
                }

                return list;
            }, ct);
            foreach (var arn in sources)
            {
                if (sourceQueueIdByArn(arn) is { } id)
                {
                    arns.Add(arn);
                    targets.Add(id);
                }
            }

            if (arns.Count == 0)
            {
                return 0;
            }
        }

        return await RunAsync(async c =>
        {
            await using var batch = Batch(c, Command(MoveSql.For(max),
                Int64(fromQueueId), Int64(nowMs), Int32(max), NullableInt64(destinationQueueId), TextArray([.. arns]), Int64Array([.. targets]),
                Text(Channel), Text(Prefix(MessagesArrived))));
            await using var r = await ReadAsync(batch, ct);
            await r.ReadAsync(ct);
            return r.GetInt32(0);
        }, ct);
    }

    /// <summary>One slice of the retention sweep: the next <see cref="SliceRows"/> entries of the queue's
    /// (visible time, receive count, id) index after the given key, deleting those whose message retention
    /// expired (sent time has no index of its own).</summary>
    private static readonly LimitedSql ExpireSliceSql = new("""
        WITH s AS (
            SELECT id, visible_ms, receive_count, sent_ms FROM sqs_messages
            WHERE queue_id = $1 AND (visible_ms, receive_count, id) > ($2, $3, $4)
            ORDER BY visible_ms, receive_count, id LIMIT $limit),
        d AS (DELETE FROM sqs_messages m USING s WHERE m.id = s.id AND s.sent_ms < $5 RETURNING 1),
        last AS (SELECT visible_ms, receive_count, id FROM s ORDER BY visible_ms DESC, receive_count DESC, id DESC LIMIT 1)
        SELECT (SELECT count(*) FROM d)::int, (SELECT count(*) FROM s)::int, l.visible_ms, l.receive_count, l.id
        FROM (SELECT 1) one LEFT JOIN last l ON true
        """);

    public async Task<long> ExpireAsync(long queueId, long oldestAliveSentMs, long nowMs, CancellationToken ct = default)
    {
        long total = 0;
        var after = (VisibleMs: long.MinValue, ReceiveCount: int.MinValue, Id: long.MinValue);
        var first = true;
        while (!ct.IsCancellationRequested)
        {
            var (deleted, rows, last) = await RunAsync(async c =>
            {
                await using var batch = Batch(c);
                if (first)
                {
                    batch.BatchCommands.Add(Command("DELETE FROM sqs_dedup WHERE queue_id = $1 AND expires_ms <= $2", Int64(queueId), Int64(nowMs)));
                }

                batch.BatchCommands.Add(Command(ExpireSliceSql.For(SliceRows),
                    Int64(queueId), Int64(after.VisibleMs), Int32(after.ReceiveCount), Int64(after.Id), Int64(oldestAliveSentMs)));
                // The reader starts at the first statement that returns rows: the slice's.
                await using var r = await ReadAsync(batch, ct);
                await r.ReadAsync(ct);
                var last = r.IsDBNull(2) ? after : (r.GetInt64(2), r.GetInt32(3), r.GetInt64(4));
                return (r.GetInt32(0), r.GetInt32(1), last);
            }, ct);
            first = false;
            total += deleted;
            if (rows < SliceRows)
            {
                break;
            }

            after = last;
        }

        return total;
    }

    private static readonly LimitedSql PeekSql = new(
        $"SELECT {GotColumns}, m.visible_ms FROM sqs_messages m WHERE m.queue_id = $1 ORDER BY m.sent_ms, m.seq, m.id LIMIT $limit");

    /// <summary>Reads without writing: no receive count, visibility or receipt handle changes.</summary>
    public Task<(IReadOnlyList<PeekedMessage> Messages, long? OldestSentMs)> PeekAsync(long queueId, int max, CancellationToken ct = default) => RunAsync(async c =>
    {
        await using var batch = Batch(c,
            Command(PeekSql.For(max), Int64(queueId)),
            Command("SELECT MIN(sent_ms) FROM sqs_messages WHERE queue_id = $1", Int64(queueId)));
        await using var r = await ReadAsync(batch, ct);
        var messages = new List<PeekedMessage>();
        while (await r.ReadAsync(ct))
        {
            messages.Add(new PeekedMessage(ReadMessage(r, 0), r.GetInt64(14)));
        }

        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        return ((IReadOnlyList<PeekedMessage>)messages, r.IsDBNull(0) ? (long?)null : r.GetInt64(0));
    }, ct);
}
