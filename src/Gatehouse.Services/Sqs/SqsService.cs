using System.Collections.Concurrent;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

/// <summary>
/// SQS for standard and FIFO queues: validation with AWS's errors, and the queue semantics, over an
/// <see cref="IQueueStore"/>. Queue definitions are cached here (they are few); messages stay in the store.
/// Authorization happens before any method here is called.
/// </summary>
public sealed partial class SqsService : IAsyncDisposable
{
    private readonly IQueueStore _store;
    private readonly TimeProvider _time;
    private readonly ReceiptHandleKey _handleKey;
    private readonly Lock _queuesLock = new();
    private readonly Dictionary<(string Account, string Region, string Name), QueueRecord> _queues = [];
    private readonly ConcurrentDictionary<(string Account, string Region, string Name), long> _recentlyDeleted = new();
    private readonly ConcurrentDictionary<long, long> _lastPurgeMs = new();
    private readonly ConcurrentDictionary<long, QueueSignal> _signals = new();
    private readonly CancellationTokenSource _stopping = new();

    private readonly ITimer _sweeper;

    /// <summary>How often expired messages and deduplication entries are removed. Expired messages are never
    /// delivered in between (receive skips them); the sweep frees their space and keeps the counts honest.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(60);

    private SqsService(IQueueStore store, TimeProvider time, ReceiptHandleKey handleKey)
    {
        _store = store;
        _time = time;
        _handleKey = handleKey;
        _sweeper = time.CreateTimer(_ => _ = SweepAsync(), null, SweepInterval, SweepInterval);
        store.ChangedElsewhere += OnChangedElsewhere;
    }

    /// <summary>Another node changed the shared store: the catalogue (and with it the queue policy authorization
    /// reads) follows, and long polls on a queue that received messages wake.</summary>
    private void OnChangedElsewhere(QueueChange change)
    {
        if (change.Queue is { } queue)
        {
            Replace(queue);
        }
        else if (change.Deleted)
        {
            lock (_queuesLock)
            {
                foreach (var (key, q) in _queues.Where(kv => kv.Value.Id == change.QueueId).ToList())
                {
                    _queues.Remove(key);
                }
            }
        }

        if (change.MessagesArrived || change.Deleted)
        {
            Signal(change.QueueId).Pulse();
        }
    }

    /// <summary>Which node runs background work that must run once in a cluster (the sweeper, each move task); by
    /// default every lease is this process's (one node owns its store).</summary>
    public ILeaseStore Leases { get; private init; } = LocalLeaseStore.Instance;

    /// <summary>This node's name as a lease holder.</summary>
    public string NodeId { get; private set; } = Guid.NewGuid().ToString("N");

    /// <summary>How long the sweeper's lease lasts: two sweeps, so its holder renews it in time and a node that died
    /// hands the sweeping over within this plus one <see cref="SweepInterval"/>.</summary>
    public static readonly TimeSpan SweeperLeaseTtl = SweepInterval * 2;

    private TimeSpan _sweeperLeaseTtl = SweeperLeaseTtl;

    /// <summary>Sweeps every <paramref name="interval"/> from now on, under a sweeper lease of twice that (a test and
    /// tuning knob: docs/postgres.md, "Leases").</summary>
    public void SetSweepInterval(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _sweeperLeaseTtl = interval * 2;
        _sweeper.Change(interval, interval);
    }

    /// <summary>Removes what retention and the deduplication window have expired, queue by queue; in a cluster
    /// only on the node holding the sweeper lease.</summary>
    public async Task SweepAsync()
    {
        try
        {
            if (!await Leases.TryAcquireAsync("sweeper", NodeId, _sweeperLeaseTtl, _stopping.Token))
            {
                return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException or IOException
            or System.Data.Common.DbException)
        {
            // Stopping, or the database is unreachable: the next sweep tries again.
            return;
        }

        List<QueueRecord> queues;
        lock (_queuesLock)
        {
            queues = [.. _queues.Values];
        }

        foreach (var q in queues)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            var now = NowMs;
            try
            {
                await _store.ExpireAsync(q.Id, now - (q.MessageRetentionPeriod * 1000L), now, _stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    /// <summary>Loads queue definitions from the store. Receipt handles are authenticated with a key derived from
    /// <paramref name="serverKey"/>: nodes that share a store must share it.</summary>
    public static Task<SqsService> StartAsync(IQueueStore store, TimeProvider time, ReadOnlyMemory<byte> serverKey, CancellationToken ct = default) =>
        StartAsync(store, time, serverKey, LocalLeaseStore.Instance, null, ct);

    /// <summary>As <see cref="StartAsync(IQueueStore, TimeProvider, ReadOnlyMemory{byte}, CancellationToken)"/>, for a
    /// node of a cluster: background work runs under <paramref name="leases"/>, and running move tasks whose node died
    /// are taken over.</summary>
    /// <param name="nodeId">This node's name as a lease holder (a fresh one when null).</param>
    public static async Task<SqsService> StartAsync(IQueueStore store, TimeProvider time, ReadOnlyMemory<byte> serverKey, ILeaseStore leases, string? nodeId = null,
        CancellationToken ct = default)
    {
        var service = new SqsService(store, time, new ReceiptHandleKey(serverKey.Span)) { Leases = leases };
        if (nodeId is not null)
        {
            service.NodeId = nodeId;
        }

        foreach (var q in await store.LoadQueuesAsync(ct))
        {
            service._queues[(q.AccountId, q.Region, q.Name)] = q;
        }

        await service.ResumeMoveTasksAsync(ct);
        service.StartMoveTaskTakeover();
        return service;
    }

    public string StoreDescription => _store.Description;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long NowSeconds => _time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Shutdown has begun: open long polls end now with an empty reply (as when their wait runs out), and
    /// new ones do not wait.</summary>
    public void EndLongPolls() => _stopping.Cancel();

    /// <summary>Long polls waiting now.</summary>
    public int OpenLongPolls => Volatile.Read(ref _openLongPolls);

    private int _openLongPolls;

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        if (_moveTakeover is not null)
        {
            await _moveTakeover.DisposeAsync();
        }

        await _stopping.CancelAsync();
        _stopping.Dispose();
    }

    /// <summary>The queue a <c>QueueUrl</c> names: a full URL (any host; the last two path segments are account and
    /// name) or a bare queue name in the caller's account (SQS Developer Guide, "Amazon SQS queue and message identifiers").</summary>
    public QueueRecord ResolveQueue(SqsCaller caller, string? queueUrl) =>
        TryResolveQueue(caller, queueUrl) ?? throw new AwsErrorException(SqsErrors.QueueDoesNotExist(caller.QueryProtocol));

    public QueueRecord? TryResolveQueue(SqsCaller caller, string? queueUrl)
    {
        if (string.IsNullOrEmpty(queueUrl))
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("QueueUrl"));
        }

        var (account, name) = ParseQueueUrl(caller, queueUrl);
        return name is null ? null : Find(account, caller.Region, name);
    }

    /// <summary>Splits a queue URL or name into (account, name); name is null when the text names no queue.</summary>
    public static (string Account, string? Name) ParseQueueUrl(SqsCaller caller, string queueUrl)
    {
        var path = queueUrl;
        var scheme = queueUrl.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var slash = queueUrl.IndexOf('/', scheme + 3);
            path = slash < 0 ? "" : queueUrl[slash..];
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length switch
        {
            1 when scheme < 0 => (caller.AccountId, parts[0]),
            2 => (parts[0], parts[1]),
            _ => (caller.AccountId, null),
        };
    }

    public QueueRecord? Find(string account, string region, string name)
    {
        lock (_queuesLock)
        {
            return _queues.GetValueOrDefault((account, region, name));
        }
    }

    /// <summary>
    /// Before a request looks a queue up: when this node does not hold the queue and the store is shared with other
    /// nodes, asks the store, which adds a queue created through another node moments ago (its change notice still on
    /// the way) to this node's catalogue. So a queue created on one node can be used on another at once, instead of
    /// after the notice (milliseconds) or the periodic check (docs/postgres.md, "Caches and how stale they can be").
    /// Names no queue can have are not looked up.
    /// </summary>
    public async Task LearnQueueAsync(string account, string region, string name, CancellationToken ct = default)
    {
        if (!SharesQueues || name.Length is 0 or > 80 || account.Length is 0 or > 12 || region.Length is 0 or > 64 || Find(account, region, name) is not null)
        {
            return;
        }

        await _store.LearnQueueAsync(account, region, name, ct);
    }

    /// <summary>Whether other nodes create queues in this node's store too (<see cref="IQueueStore.SharesQueues"/>).</summary>
    public bool SharesQueues => _store.SharesQueues;

    /// <summary><see cref="LearnQueueAsync"/> for the queue an ARN names.</summary>
    public Task LearnQueueByArnAsync(string? arn, CancellationToken ct = default) =>
        ParseQueueArn(arn) is { } q ? LearnQueueAsync(q.Account, q.Region, q.Name, ct) : Task.CompletedTask;

    /// <summary>The queue an ARN names, if it exists.</summary>
    public QueueRecord? FindByArn(string? arn) =>
        ParseQueueArn(arn) is { } q ? Find(q.Account, q.Region, q.Name) : null;

    /// <summary>The parts of <c>arn:aws:sqs:REGION:ACCOUNT:NAME</c>, or null when the text is not a queue ARN.</summary>
    public static (string Region, string Account, string Name)? ParseQueueArn(string? arn)
    {
        var parts = arn?.Split(':');
        return parts is { Length: 6 } && parts[0] == "arn" && parts[2] == "sqs" ? (parts[3], parts[4], parts[5]) : null;
    }

    /// <summary>The queue's current definition (attributes may have changed during a long poll), or null once it
    /// was deleted, even if a queue of the same name was created since.</summary>
    private QueueRecord? Current(QueueRecord queue) =>
        Find(queue.AccountId, queue.Region, queue.Name) is { } current && current.Id == queue.Id ? current : null;

    public static string QueueUrl(SqsCaller caller, QueueRecord queue) => $"{caller.UrlBase}/{queue.AccountId}/{queue.Name}";

    /// <summary>Holds <paramref name="queue"/> under its name, unless a queue created after it (a higher id: stores
    /// hand out ids in increasing order and never reuse one) holds the name: in a cluster a definition read just before
    /// its queue was deleted and the name created again may arrive after the newer queue.</summary>
    private void Replace(QueueRecord queue)
    {
        lock (_queuesLock)
        {
            var key = (queue.AccountId, queue.Region, queue.Name);
            if (!_queues.TryGetValue(key, out var held) || held.Id <= queue.Id)
            {
                _queues[key] = queue;
            }
        }
    }

    private QueueSignal Signal(long queueId) => _signals.GetOrAdd(queueId, _ => new QueueSignal());

    /// <summary>Wakes long pollers of a queue when messages arrive or become visible.</summary>
    private sealed class QueueSignal
    {
        private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Current => Volatile.Read(ref _tcs).Task;

        public void Pulse() => Interlocked.Exchange(ref _tcs, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
