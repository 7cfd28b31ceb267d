using Gatehouse.Services.Sqs;

namespace Gatehouse.Services.Tests.Stores;

/// <summary>One node's view of a shared queue store: what it writes is announced to its peers, as PostgreSQL's
/// LISTEN/NOTIFY announces it to the other nodes (what SQLite, owned by one process, never needs).</summary>
internal sealed class QueueNodeView(IQueueStore shared) : IQueueStore
{
    public List<QueueNodeView> Peers { get; } = [];

    public event Action<QueueChange>? ChangedElsewhere;

    private void Announce(QueueChange change) => Peers.ForEach(p => p.ChangedElsewhere?.Invoke(change));

    /// <summary>Hands this node a notice as if another node had sent it (late, or out of order).</summary>
    public void Deliver(QueueChange change) => ChangedElsewhere?.Invoke(change);

    public string Description => shared.Description;

    public Task<IReadOnlyList<QueueRecord>> LoadQueuesAsync(CancellationToken ct = default) => shared.LoadQueuesAsync(ct);

    public async Task<QueueRecord> CreateQueueAsync(QueueRecord queue, CancellationToken ct = default)
    {
        var created = await shared.CreateQueueAsync(queue, ct);
        Announce(new QueueChange(created.Id, created));
        return created;
    }

    public async Task UpdateQueueAsync(QueueRecord queue, CancellationToken ct = default)
    {
        await shared.UpdateQueueAsync(queue, ct);
        Announce(new QueueChange(queue.Id, queue));
    }

    public async Task DeleteQueueAsync(long queueId, CancellationToken ct = default)
    {
        await shared.DeleteQueueAsync(queueId, ct);
        Announce(new QueueChange(queueId, null, Deleted: true));
    }

    public async Task<IReadOnlyList<SendOutcome>> SendAsync(long queueId, bool isFifo, IReadOnlyList<NewMessage> messages, CancellationToken ct = default)
    {
        var outcome = await shared.SendAsync(queueId, isFifo, messages, ct);
        Announce(new QueueChange(queueId, null, MessagesArrived: true));
        return outcome;
    }

    public async Task<ReceiveOutcome> ReceiveAsync(ReceiveCommand command, CancellationToken ct = default)
    {
        var outcome = await shared.ReceiveAsync(command, ct);
        if (outcome.MovedToDeadLetterQueue > 0 && command.DeadLetterQueueId is { } dlq)
        {
            Announce(new QueueChange(dlq, null, MessagesArrived: true));
        }

        return outcome;
    }

    public Task<IReadOnlyList<HandleOutcome>> DeleteAsync(long queueId, IReadOnlyList<ReceiptHandle> handles, long nowMs, bool isFifo, CancellationToken ct = default) =>
        shared.DeleteAsync(queueId, handles, nowMs, isFifo, ct);

    public async Task<IReadOnlyList<HandleOutcome>> ChangeVisibilityAsync(long queueId, IReadOnlyList<VisibilityChange> changes, long nowMs, bool isFifo, CancellationToken ct = default)
    {
        var outcomes = await shared.ChangeVisibilityAsync(queueId, changes, nowMs, isFifo, ct);
        if (changes.Any(c => c.VisibleAtMs <= nowMs))
        {
            Announce(new QueueChange(queueId, null, MessagesArrived: true));
        }

        return outcomes;
    }

    public Task<long> PurgeAsync(long queueId, CancellationToken ct = default) => shared.PurgeAsync(queueId, ct);

    public Task<QueueCounts> CountAsync(long queueId, long nowMs, long oldestAliveSentMs, CancellationToken ct = default) =>
        shared.CountAsync(queueId, nowMs, oldestAliveSentMs, ct);

    public async Task<int> MoveMessagesAsync(long fromQueueId, long? destinationQueueId, Func<string, long?> sourceQueueIdByArn, int max, long nowMs, CancellationToken ct = default)
    {
        var moved = await shared.MoveMessagesAsync(fromQueueId, destinationQueueId, sourceQueueIdByArn, max, nowMs, ct);
        if (moved > 0 && destinationQueueId is { } to)
        {
            Announce(new QueueChange(to, null, MessagesArrived: true));
        }

        return moved;
    }

    public Task<long> ExpireAsync(long queueId, long oldestAliveSentMs, long nowMs, CancellationToken ct = default) =>
        shared.ExpireAsync(queueId, oldestAliveSentMs, nowMs, ct);

    public Task SaveMoveTaskAsync(MoveTaskRecord task, CancellationToken ct = default) => shared.SaveMoveTaskAsync(task, ct);

    public Task<IReadOnlyList<MoveTaskRecord>> LoadMoveTasksAsync(CancellationToken ct = default) => shared.LoadMoveTasksAsync(ct);

    public Task<(IReadOnlyList<PeekedMessage> Messages, long? OldestSentMs)> PeekAsync(long queueId, int max, CancellationToken ct = default) =>
        shared.PeekAsync(queueId, max, ct);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
