using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Gatehouse.Services.Sqs;
using Npgsql;
using NpgsqlTypes;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// <see cref="IQueueStore"/> over a PostgreSQL database that several Gatehouse nodes share (docs/postgres.md,
/// "Queue store"). Each operation's statements are one statement or one pipelined batch wherever its messages can
/// share it, run in one transaction (shared with the operations of other callers that arrive meanwhile: group
/// commit, PostgresQueueStore.Combiner.cs), and acknowledged only after the commit (INVARIANT durability; the server keeps
/// <c>synchronous_commit</c> on). Receives claim rows with <c>FOR UPDATE SKIP LOCKED</c>, so no message goes to two
/// consumers at once; FIFO receives and sends of one queue take that queue's lock inside their transaction. Changes
/// are announced with <c>pg_notify</c> in the changing transaction, and other nodes raise
/// <see cref="ChangedElsewhere"/> when they hear them.
/// </summary>
public sealed partial class PostgresQueueStore : IQueueStore
{
    /// <summary>The notification channel of queue changes.</summary>
    public const string Channel = "gatehouse_queues";

    /// <summary>First key of the two-key advisory locks that serialise FIFO receives of one queue (the second is the
    /// queue id). Two-key advisory locks are a key space of their own, apart from the one-key locks.</summary>
    private const int FifoReceiveLockClass = 0x47485146; // "GHQF"

    private readonly PostgresDatabase _database;
    private readonly string _nodeId;
    private readonly Channel<string?> _notices = System.Threading.Channels.Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true });
    /// <summary>The queues this node holds, each with the row version it holds (the periodic check compares them).</summary>
    private readonly ConcurrentDictionary<long, long> _knownQueues = new();

    /// <summary>Held while a queue read from the database (another node's change, the catalogue read at start or after
    /// a reconnection) is recorded in <see cref="_knownQueues"/> and announced, and while a deletion is recorded, so
    /// that a queue looked up on a miss (<see cref="LearnQueueAsync"/>) is announced in order with the notices: never
    /// after a newer definition of it, nor after its deletion.</summary>
    private readonly Lock _catalogueGate = new();

    /// <summary>Ids of queues deleted since this node started (under <see cref="_catalogueGate"/>; ids are never
    /// reused), so a look-up that read a queue just before its deletion does not bring it back. Bounded: when it is
    /// full it starts again, and the periodic catalogue check removes what a look-up brought back after that.</summary>
    private readonly HashSet<long> _deletedQueues = [];

    private const int DeletedQueuesRemembered = 10_000;
    private Task _noticeLoop = Task.CompletedTask;
    private ITimer? _catalogueCheck;
    private long _roundTrips;

    /// <summary>How often the catalogue is compared with the database even without notices, by default: the bound
    /// on how long a missed notice can leave a queue definition (its policy) or deletion unseen, as for the identity,
    /// KMS and EC2 rows (<see cref="PostgresRowTable.RefreshInterval"/>).</summary>
    public static readonly TimeSpan DefaultCatalogueCheckInterval = PostgresRowTable.RefreshInterval;

    private PostgresQueueStore(PostgresDatabase database)
    {
        _database = database;
        _nodeId = database.Notifications.NodeId;
        Description = database.Description;
    }

    public string Description { get; }

    /// <summary>Commands sent to the database so far (a batch of statements sent together counts once): what the
    /// benchmark divides by the messages handled.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    public event Action<QueueChange>? ChangedElsewhere;

    /// <summary>Brings the queue tables to this build's schema and starts listening for other nodes' changes. One
    /// queue store per <see cref="PostgresDatabase"/> (a node): the notification channel takes one handler.</summary>
    public static Task<PostgresQueueStore> OpenAsync(PostgresDatabase database, CancellationToken ct = default) =>
        OpenAsync(database, DefaultCatalogueCheckInterval, ct);

    /// <summary>As <see cref="OpenAsync(PostgresDatabase, CancellationToken)"/>, comparing the catalogue with the
    /// database every <paramref name="catalogueCheckInterval"/> (tests shorten it).</summary>
    public static async Task<PostgresQueueStore> OpenAsync(PostgresDatabase database, TimeSpan catalogueCheckInterval, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(catalogueCheckInterval, TimeSpan.Zero);
        await database.MigrateAsync("queues", Migrations, ct);
        var store = new PostgresQueueStore(database);
        store._noticeLoop = Task.Run(store.HandleNoticesAsync, CancellationToken.None);
        store.StartVacuuming();
        database.Notifications.Reconnected += store.OnReconnected;
        await database.Notifications.SubscribeAsync(Channel, payload => store._notices.Writer.TryWrite(payload), ct);
        store._catalogueCheck = TimeProvider.System.CreateTimer(
            _ => store._notices.Writer.TryWrite(CheckCatalogue), null, catalogueCheckInterval, catalogueCheckInterval);
        return store;
    }

    // ---- Change notices -------------------------------------------------------------------------------------------

    private const char QueueChanged = 'q';
    private const char QueueDeleted = 'd';
    private const char MessagesArrived = 'm';

    /// <summary>Queued (not a notice) when the periodic catalogue check is due, so that it runs in turn with the
    /// notices.</summary>
    private const string CheckCatalogue = "check";

    /// <summary>"&lt;node&gt; &lt;kind&gt; " — a payload ends with the queue id.</summary>
    private string Prefix(char kind) => _nodeId + " " + kind + " ";

    private string Payload(char kind, long queueId) => Prefix(kind) + queueId.ToString(CultureInfo.InvariantCulture);

    private NpgsqlBatchCommand NotifyCommand(char kind, long queueId) =>
        Command("SELECT pg_notify($1, $2)", Text(Channel), Text(Payload(kind, queueId)));

    private void OnReconnected() => _notices.Writer.TryWrite(null);

    /// <summary>Handles notices one at a time, in the order they came: a queue change reads the queue's current row
    /// (a payload is too small for a queue policy), so a later notice never leaves an older definition behind.</summary>
    private async Task HandleNoticesAsync()
    {
        await foreach (var payload in _notices.Reader.ReadAllAsync())
        {
            try
            {
                if (payload is null)
                {
                    await ReloadEverythingAsync();
                    continue;
                }

                if (ReferenceEquals(payload, CheckCatalogue))
                {
                    await CheckCatalogueAsync();
                    continue;
                }

                var parts = payload.Split(' ');
                if (parts.Length != 3 || parts[0] == _nodeId || parts[1].Length != 1
                    || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var queueId))
                {
                    continue;
                }

                switch (parts[1][0])
                {
                    case MessagesArrived:
                        Raise(new QueueChange(queueId, null, MessagesArrived: true));
                        break;
                    case QueueDeleted:
                        Forget(queueId, always: true);
                        break;
                    case QueueChanged:
                        var queue = await LoadQueueAsync(queueId);
                        if (queue is null)
                        {
                            Forget(queueId, always: true);
                        }
                        else
                        {
                            Hold(queue.Value.Queue, queue.Value.Version);
                        }

                        break;
                }
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or ObjectDisposedException)
            {
                // The database is unreachable (the listener reconnects and a reload follows) or closing.
            }
        }
    }

    /// <summary>After the listener was away, notices may have been missed: every queue is announced again (as
    /// changed, with messages arrived, so long polls look once more), and queues gone meanwhile as deleted.</summary>
    private async Task ReloadEverythingAsync()
    {
        var queues = await LoadQueuesAsync();
        var present = queues.Select(q => q.Id).ToHashSet();
        foreach (var id in _knownQueues.Keys.Where(id => !present.Contains(id)).ToList())
        {
            Forget(id, always: true);
        }

        foreach (var q in queues)
        {
            lock (_catalogueGate)
            {
                // Deleted by this node since the list was read: not brought back.
                if (!_deletedQueues.Contains(q.Id))
                {
                    Raise(new QueueChange(q.Id, q, MessagesArrived: true));
                }
            }
        }
    }

    /// <summary>
    /// The periodic check (every <see cref="DefaultCatalogueCheckInterval"/> unless set otherwise): one query reads
    /// every queue's id and version; a queue whose version differs from the one this node holds, or that this node
    /// does not hold, is re-read and announced as changed; a queue this node holds that is gone is announced as
    /// deleted. So a definition changed (a queue policy revoked) or a queue deleted on another node is followed
    /// within the interval even when its notice was lost, without the listener having noticed a disconnection.
    /// </summary>
    private async Task CheckCatalogueAsync()
    {
        var versions = await LoadQueueVersionsAsync();
        foreach (var id in _knownQueues.Keys.Where(id => !versions.ContainsKey(id)).ToList())
        {
            // Not in the list: deleted, or created here after the list was read. Ids are never reused, so a read now
            // tells which.
            if (await LoadQueueAsync(id) is null && Forget(id, always: false))
            {
                Interlocked.Increment(ref _catalogueCorrections);
            }
        }

        foreach (var (id, version) in versions)
        {
            if (_knownQueues.TryGetValue(id, out var held) && held == version)
            {
                continue;
            }

            var current = await LoadQueueAsync(id);
            if (current is null)
            {
                if (Forget(id, always: false))
                {
                    Interlocked.Increment(ref _catalogueCorrections);
                }
            }
            else if (!_knownQueues.TryGetValue(id, out held) || held != current.Value.Version)
            {
                // (Equal now: this node's own change, recorded meanwhile.)
                Hold(current.Value.Queue, current.Value.Version);
                Interlocked.Increment(ref _catalogueCorrections);
            }
        }
    }

    /// <summary>Records another node's definition of a queue as the one this node holds, and announces it, unless
    /// the queue was deleted since it was read.</summary>
    private void Hold(QueueRecord queue, long version)
    {
        lock (_catalogueGate)
        {
            if (_deletedQueues.Contains(queue.Id))
            {
                return;
            }

            _knownQueues[queue.Id] = version;
            Raise(new QueueChange(queue.Id, queue));
        }
    }

    /// <summary>Records that a queue is gone and announces it, if this node held it or <paramref name="always"/>
    /// (a deletion notice is passed on even for a queue this node never held); returns whether this node held it.</summary>
    private bool Forget(long queueId, bool always)
    {
        lock (_catalogueGate)
        {
            RememberDeleted(queueId);
            var held = _knownQueues.TryRemove(queueId, out _);
            if (held || always)
            {
                Raise(new QueueChange(queueId, null, Deleted: true));
            }

            return held;
        }
    }

    /// <summary>Under <see cref="_catalogueGate"/>.</summary>
    private void RememberDeleted(long queueId)
    {
        if (_deletedQueues.Count >= DeletedQueuesRemembered)
        {
            _deletedQueues.Clear();
        }

        _deletedQueues.Add(queueId);
    }

    private long _queuesLearned;

    /// <summary>Queues looked up on a miss that this node had not heard of at all (for tests and metrics).</summary>
    public long QueuesLearned => Interlocked.Read(ref _queuesLearned);

    public bool SharesQueues => true;

    public async Task<bool> LearnQueueAsync(string account, string region, string name, CancellationToken ct = default)
    {
        var found = await LoadQueueAsync(account, region, name, ct);
        if (found is not { } f)
        {
            return false;
        }

        lock (_catalogueGate)
        {
            // Deleted since it was read, or a newer definition arrived meanwhile: that one stands. Otherwise it is
            // announced even if this node holds its id already (the caller did not find it by name, so the
            // announcement is what it lacks).
            var held = _knownQueues.TryGetValue(f.Queue.Id, out var version);
            if (_deletedQueues.Contains(f.Queue.Id) || (held && version > f.Version))
            {
                return false;
            }

            _knownQueues[f.Queue.Id] = f.Version;
            if (!held)
            {
                Interlocked.Increment(ref _queuesLearned);
            }

            Raise(new QueueChange(f.Queue.Id, f.Queue));
            return true;
        }
    }

    private long _catalogueCorrections;

    /// <summary>Queues the periodic catalogue check found changed, created or deleted without a notice having told
    /// this node (for tests and metrics).</summary>
    public long CatalogueCorrections => Interlocked.Read(ref _catalogueCorrections);

    private void Raise(QueueChange change)
    {
        try
        {
            ChangedElsewhere?.Invoke(change);
        }
        catch (Exception)
        {
            // A subscriber's failure must not stop the notices that follow.
        }
    }

    // MessagesArrived notices of sends are coalesced per queue: the first send of a window notifies inside its
    // transaction; later sends in the window leave one trailing notice, sent after they committed, at the window's
    // end. A long poll elsewhere thus wakes within one window, and a busy queue costs a few notices a second rather
    // than one per send (each NOTIFY takes a cluster-wide lock at commit).
    private static readonly long CoalesceTicks = System.Diagnostics.Stopwatch.Frequency / 50; // 20 ms

    private sealed class NoticeWindow
    {
        public long LastTimestamp = long.MinValue / 2;
        public bool TrailingPending;
    }

    private readonly ConcurrentDictionary<long, NoticeWindow> _windows = new();

    /// <summary>Whether this send carries the notice itself (else <see cref="AfterCoalescedSend"/> follows its
    /// commit).</summary>
    private bool TakeNotice(long queueId)
    {
        var w = _windows.GetOrAdd(queueId, _ => new NoticeWindow());
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (w)
        {
            if (now - w.LastTimestamp >= CoalesceTicks)
            {
                w.LastTimestamp = now;
                return true;
            }

            return false;
        }
    }

    private void AfterCoalescedSend(long queueId)
    {
        var w = _windows.GetOrAdd(queueId, _ => new NoticeWindow());
        long wait;
        lock (w)
        {
            if (w.TrailingPending)
            {
                return;
            }

            w.TrailingPending = true;
            wait = Math.Max(0, w.LastTimestamp + CoalesceTicks - System.Diagnostics.Stopwatch.GetTimestamp());
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds((double)wait / System.Diagnostics.Stopwatch.Frequency));
            lock (w)
            {
                w.TrailingPending = false;
                w.LastTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
            }

            await TryNotifyAsync(MessagesArrived, queueId);
        });
    }

    /// <summary>A notice outside the changing transaction (after it committed). Lost with the connection, it is
    /// made up for by the reload of the nodes that missed it, and long polls end by their wait at the latest.</summary>
    private async Task TryNotifyAsync(char kind, long queueId)
    {
        try
        {
            await NotifyAsync(kind, queueId);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or ObjectDisposedException)
        {
        }
    }

    private async Task NotifyAsync(char kind, long queueId)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(NotifyCommand(kind, queueId));
        await ExecuteAsync(batch, default);
    }

    // ---- Commands -------------------------------------------------------------------------------------------------

    /// <summary>
    /// Runs <paramref name="body"/> on a pooled connection, as one transaction. Failures that are not outages are
    /// tried again: a deadlock or serialisation failure rolled the whole transaction back (up to three tries); a
    /// connection found dead (the server restarted, or an administrator ended the session) empties the pool of its
    /// likewise dead neighbours and is tried once more on a fresh one. What still fails reaches the caller, which
    /// the server answers with a 500 (InternalFailure).
    /// </summary>
    /// <remarks>A connection lost after the commit but before its reply makes the retry run the operation twice;
    /// SQS delivery is at least once (a standard send may then store a duplicate, which AWS also allows: "more than
    /// one copy of a message might be delivered", SQS developer guide, "At-least-once delivery"), and a FIFO send
    /// retried is deduplicated by its deduplication id inside the transaction.</remarks>
    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> body, CancellationToken ct)
    {
        var reconnected = false;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _database.DataSource.OpenConnectionAsync(ct);
                return await body(connection);
            }
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
            }
            catch (Exception e) when (!reconnected && !ct.IsCancellationRequested && IsConnectionLost(e))
            {
                reconnected = true;
                _database.DataSource.Clear();
            }
        }
    }

    /// <summary>The session ended under the command (terminated, server shut down or restarted, network gone).</summary>
    private static bool IsConnectionLost(Exception e) => e switch
    {
        PostgresException p => p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException n => n.InnerException is IOException or System.Net.Sockets.SocketException or EndOfStreamException || n.IsTransient,
        _ => false,
    };

    private static NpgsqlBatch Batch(NpgsqlConnection connection, params NpgsqlBatchCommand[] commands)
    {
        var batch = new NpgsqlBatch(connection);
        foreach (var c in commands)
        {
            batch.BatchCommands.Add(c);
        }

        return batch;
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private Task<NpgsqlDataReader> ReadAsync(NpgsqlBatch batch, CancellationToken ct)
    {
        Interlocked.Increment(ref _roundTrips);
        return batch.ExecuteReaderAsync(ct);
    }

    private Task<int> ExecuteAsync(NpgsqlBatch batch, CancellationToken ct)
    {
        Interlocked.Increment(ref _roundTrips);
        return batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlParameter<long> Int64(long value) => new NpgsqlParameter<long> { TypedValue = value };

    private static NpgsqlParameter<int> Int32(int value) => new NpgsqlParameter<int> { TypedValue = value };

    private static NpgsqlParameter<bool> Bool(bool value) => new NpgsqlParameter<bool> { TypedValue = value };

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter NullableInt64(long? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = value is { } v ? v : DBNull.Value };

    private static NpgsqlParameter NullableInt32(int? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Integer, Value = value is { } v ? v : DBNull.Value };

    private static NpgsqlParameter TextArray(string?[] values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = values };

    private static NpgsqlParameter Int64Array(long[] values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = values };

    private static NpgsqlParameter Int32Array(int[] values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = values };

    private static NpgsqlParameter ByteaArray(byte[]?[] values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = values };

    private static string? StringOrNull(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public async ValueTask DisposeAsync()
    {
        if (_catalogueCheck is not null)
        {
            await _catalogueCheck.DisposeAsync();
        }

        _database.Notifications.Reconnected -= OnReconnected;
        _notices.Writer.TryComplete();
        await _noticeLoop;
        await StopVacuumingAsync();
    }
}
