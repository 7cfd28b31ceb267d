namespace Gatehouse.Services.Sqs;

/// <summary>What a queue holds, for <c>gatehouse queues</c>.</summary>
public sealed record QueueStats(QueueRecord Queue, long Visible, long InFlight, long Delayed, long? OldestAgeSeconds);

/// <summary>A message shown by <c>gatehouse peek</c>: its visibility is not changed.</summary>
public sealed record PeekView(StoredMessage Message, string State, long VisibleAtMs);

public sealed partial class SqsService
{
    /// <summary>Test setting: no 60-second QueueDeletedRecently and PurgeQueueInProgress waits (docs/operations.md).</summary>
    public bool NoCooldowns { get; set; }

    /// <summary>Every queue, in account, region and name order.</summary>
    public IReadOnlyList<QueueRecord> AllQueues()
    {
        lock (_queuesLock)
        {
            return [.. _queues.Values.OrderBy(q => q.AccountId, StringComparer.Ordinal).ThenBy(q => q.Region, StringComparer.Ordinal)
                .ThenBy(q => q.Name, StringComparer.Ordinal)];
        }
    }

    public async Task<QueueStats> StatsAsync(QueueRecord queue, CancellationToken ct = default)
    {
        var now = NowMs;
        var counts = await _store.CountAsync(queue.Id, now, now - (queue.MessageRetentionPeriod * 1000L), ct);
        var (_, oldest) = await _store.PeekAsync(queue.Id, 0, ct);
        return new QueueStats(queue, counts.Visible, counts.NotVisible, counts.Delayed, oldest is { } o ? Math.Max(0, (now - o) / 1000) : null);
    }

    /// <summary>Up to <paramref name="max"/> messages in send order, decrypted, without receiving them.</summary>
    public async Task<IReadOnlyList<PeekView>> PeekAsync(QueueRecord queue, int max, CancellationToken ct = default)
    {
        var now = NowMs;
        var (messages, _) = await _store.PeekAsync(queue.Id, max, ct);
        return [.. messages.Select(m => new PeekView(Open(m.Message),
            m.VisibleAtMs <= now ? "visible" : m.Message.ReceiveCount > 0 ? "in-flight" : "delayed", m.VisibleAtMs))];
    }

    /// <summary>Test setting: deletes every queue and message, as if the server had just started on an empty store
    /// (<c>POST /_gatehouse/reset</c>, docs/operations.md). Open long polls on the deleted queues end.</summary>
    public async Task<int> ResetAsync(CancellationToken ct = default)
    {
        var queues = AllQueues();
        foreach (var q in queues)
        {
            await _store.DeleteQueueAsync(q.Id, ct);
        }

        lock (_queuesLock)
        {
            _queues.Clear();
        }

        _recentlyDeleted.Clear();
        _lastPurgeMs.Clear();
        _attempts.Clear();
        foreach (var q in queues)
        {
            Signal(q.Id).Pulse();
        }

        return queues.Count;
    }
}
