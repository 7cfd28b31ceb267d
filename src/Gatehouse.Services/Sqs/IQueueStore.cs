namespace Gatehouse.Services.Sqs;

/// <summary>
/// The port SQS keeps its state through. Every method that changes state returns only once the change is
/// durable (INVARIANT durability: an acknowledged call survives a crash of the process). Implementations keep
/// messages on disk, not in memory, so a queue of millions of messages costs little memory; queue definitions
/// are few and the service caches them.
/// </summary>
public interface IQueueStore : IAsyncDisposable
{
    /// <summary>A short description for the health endpoint ("sqlite:/path", "sqlite:memory").</summary>
    string Description { get; }

    Task<IReadOnlyList<QueueRecord>> LoadQueuesAsync(CancellationToken ct = default);

    /// <summary>Stores a new queue and returns it with its assigned <see cref="QueueRecord.Id"/>. A store that several
    /// nodes share throws <see cref="QueueNameTakenException"/> (with the stored queue) when another node stored a
    /// queue of that name first, so that the service answers as for any CreateQueue of an existing name.</summary>
    Task<QueueRecord> CreateQueueAsync(QueueRecord queue, CancellationToken ct = default);

    Task UpdateQueueAsync(QueueRecord queue, CancellationToken ct = default);

    /// <summary>Removes the queue and all of its messages.</summary>
    Task DeleteQueueAsync(long queueId, CancellationToken ct = default);

    /// <summary>Enqueues messages atomically (all or none). On FIFO queues each message gets the next sequence
    /// number and deduplication happens here, inside the same transaction, so that two concurrent duplicates cannot
    /// both be enqueued.</summary>
    Task<IReadOnlyList<SendOutcome>> SendAsync(long queueId, bool isFifo, IReadOnlyList<NewMessage> messages, CancellationToken ct = default);

    Task<ReceiveOutcome> ReceiveAsync(ReceiveCommand command, CancellationToken ct = default);

    Task<IReadOnlyList<HandleOutcome>> DeleteAsync(long queueId, IReadOnlyList<ReceiptHandle> handles, long nowMs, bool isFifo, CancellationToken ct = default);

    Task<IReadOnlyList<HandleOutcome>> ChangeVisibilityAsync(long queueId, IReadOnlyList<VisibilityChange> changes, long nowMs, bool isFifo, CancellationToken ct = default);

    /// <summary>Deletes every message of the queue; returns how many.</summary>
    Task<long> PurgeAsync(long queueId, CancellationToken ct = default);

    Task<QueueCounts> CountAsync(long queueId, long nowMs, long oldestAliveSentMs, CancellationToken ct = default);

    /// <summary>Moves up to <paramref name="max"/> messages out of a dead-letter queue, to
    /// <paramref name="destinationQueueId"/> or, when it is null, back to each message's source queue
    /// (looked up with <paramref name="sourceQueueIdByArn"/>). Returns how many moved.</summary>
    Task<int> MoveMessagesAsync(long fromQueueId, long? destinationQueueId, Func<string, long?> sourceQueueIdByArn, int max, long nowMs, CancellationToken ct = default);

    /// <summary>Deletes messages older than their queue's retention period and deduplication entries whose window
    /// has passed.</summary>
    Task<long> ExpireAsync(long queueId, long oldestAliveSentMs, long nowMs, CancellationToken ct = default);

    /// <summary>Records a message move task (inserted or updated by id); the ten newest of its source queue are kept.</summary>
    Task SaveMoveTaskAsync(MoveTaskRecord task, CancellationToken ct = default);

    /// <summary>Every recorded move task, newest first.</summary>
    Task<IReadOnlyList<MoveTaskRecord>> LoadMoveTasksAsync(CancellationToken ct = default);

    /// <summary>Whether the move tasks recorded here are shared with other nodes (a database several nodes use): then
    /// ListMessageMoveTasks reads them from the store, and CancelMessageMoveTask cancels through it, whichever node
    /// started or runs the task, and saving a new task throws <see cref="MoveTaskActiveException"/> when another
    /// node's task for the same source is active. Saving a task's progress must then never undo a cancellation
    /// recorded meanwhile: a RUNNING save leaves a CANCELLING task CANCELLING, and a COMPLETED save makes it
    /// CANCELLED.</summary>
    bool SharesMoveTasks => false;

    /// <summary>The recorded move tasks of one source queue, newest first.</summary>
    async Task<IReadOnlyList<MoveTaskRecord>> LoadMoveTasksAsync(string sourceArn, CancellationToken ct = default) =>
        [.. (await LoadMoveTasksAsync(ct)).Where(t => t.SourceArn == sourceArn)];

    /// <summary>Marks the task of that source queue CANCELLING if it is RUNNING, and returns its record as it then stands; null when no
    /// running task has that id (unknown, or no longer running). Its runner, on whichever node, sees the status
    /// between two steps and stops. Only stores that <see cref="SharesMoveTasks"/> implement it.</summary>
    Task<MoveTaskRecord?> CancelMoveTaskAsync(string sourceArn, string taskId, CancellationToken ct = default) =>
        throw new NotSupportedException("This store's move tasks are the one node's own.");

    /// <summary>
    /// Raised when another process changed a store that several Gatehouse nodes share: a queue created, changed
    /// (attributes, the queue policy that authorization reads, tags) or deleted, or messages that became receivable,
    /// so this node's catalogue and long polls follow at once. A store that only this process writes never raises it.
    /// </summary>
    event Action<QueueChange>? ChangedElsewhere;

    /// <summary>Whether other nodes write this store too (a database several nodes share): then a queue this node
    /// does not hold may exist all the same, and <see cref="LearnQueueAsync"/> looks for it.</summary>
    bool SharesQueues => false;

    /// <summary>
    /// A store that several nodes share: looks up, by name, a queue the service did not find in its catalogue
    /// (created through another node moments ago, its change notice still on the way) and announces it through
    /// <see cref="ChangedElsewhere"/> before returning, unless it was deleted or changed again meanwhile (then what
    /// this node heard last stands), so that a signed request is not told <c>QueueDoesNotExist</c> for a queue the
    /// database already held. Returns whether it announced one. A store only this process writes holds every queue
    /// already: nothing to look up.
    /// </summary>
    Task<bool> LearnQueueAsync(string account, string region, string name, CancellationToken ct = default) => Task.FromResult(false);

    /// <summary>A queue's messages in send order, each with when it becomes visible, without changing any of them
    /// (<c>gatehouse peek</c>, docs/operations.md), and the send time of the oldest message (null when empty).</summary>
    Task<(IReadOnlyList<PeekedMessage> Messages, long? OldestSentMs)> PeekAsync(long queueId, int max, CancellationToken ct = default) =>
        throw new NotSupportedException("This store cannot show messages without receiving them.");
}

/// <summary>CreateQueue lost a race for the name: another node stored <see cref="Existing"/> under it first (its
/// change notice had not arrived yet).</summary>
public sealed class QueueNameTakenException(QueueRecord existing)
    : Exception($"A queue named {existing.Name} exists already (id {existing.Id}).")
{
    public QueueRecord Existing { get; } = existing;
}

/// <summary>A new move task could not be recorded: another node recorded an active (RUNNING or CANCELLING) task for the
/// same source queue first.</summary>
public sealed class MoveTaskActiveException(string sourceArn)
    : Exception($"A move task for {sourceArn} is active already.")
{
    public string SourceArn { get; } = sourceArn;
}

/// <summary>What another node changed: a queue's new definition (<see cref="Queue"/>), its deletion, or messages that
/// arrived in it.</summary>
public sealed record QueueChange(long QueueId, QueueRecord? Queue, bool Deleted = false, bool MessagesArrived = false);

/// <summary>A message move task as recorded, so that a restart neither forgets nor stops it.</summary>
public sealed record MoveTaskRecord(
    string Id,
    string SourceArn,
    string? DestinationArn,
    int? Rate,
    long ToMove,
    long StartedMs,
    long Moved,
    string Status,
    string? FailureReason);

/// <summary>A message about to be stored.</summary>
public sealed record NewMessage(
    string MessageId,
    string Body,
    IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> Attributes,
    string? AwsTraceHeader,
    string SenderId,
    long SentMs,
    long VisibleAtMs,
    string? MessageGroupId,
    string? DeduplicationId,
    string? DeduplicationScopeKey,
    long DeduplicationExpiresMs);

/// <summary>A message as stored, and when it becomes (or became) visible.</summary>
public sealed record PeekedMessage(StoredMessage Message, long VisibleAtMs);

/// <summary>The result of storing one message: its id and, on FIFO queues, its sequence number. A duplicate
/// within the deduplication window returns the original's id and sequence number.</summary>
public sealed record SendOutcome(string MessageId, long SequenceNumber, bool Duplicate);

/// <summary>What ReceiveMessage asks the store for.</summary>
public sealed record ReceiveCommand(
    long QueueId,
    bool IsFifo,
    long NowMs,
    int MaxMessages,
    long VisibilityTimeoutMs,
    long OldestAliveSentMs,
    long? DeadLetterQueueId,
    string? SourceQueueArn,
    int MaxReceiveCount);

/// <summary>A message handed to a consumer. <see cref="Nonce"/> identifies this receive; the service turns
/// (queue, row, nonce) into the opaque receipt handle.</summary>
public sealed record StoredMessage(
    long RowId,
    int Nonce,
    string MessageId,
    string Body,
    IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> Attributes,
    string? AwsTraceHeader,
    string SenderId,
    long SentMs,
    int ReceiveCount,
    long FirstReceiveMs,
    string? MessageGroupId,
    string? DeduplicationId,
    long SequenceNumber,
    string? DeadLetterQueueSourceArn);

/// <summary>Messages received, and when the next invisible message becomes visible (for long polling).</summary>
public sealed record ReceiveOutcome(IReadOnlyList<StoredMessage> Messages, long? NextVisibleAtMs, int MovedToDeadLetterQueue);

public sealed record VisibilityChange(ReceiptHandle Handle, long VisibleAtMs, long TimeoutSeconds);

/// <summary>How a delete or visibility change went for one receipt handle.</summary>
public enum HandleOutcome
{
    /// <summary>Done.</summary>
    Ok,

    /// <summary>The message no longer exists (deleted, expired, moved).</summary>
    MessageGone,

    /// <summary>The handle is not the latest one for the message (a later receive replaced it).</summary>
    Stale,

    /// <summary>The message is not in flight (its visibility timeout ran out).</summary>
    NotInFlight,

    /// <summary>The total visibility time since the first receive would pass 12 hours.</summary>
    TotalVisibilityExceeded,
}

public sealed record QueueCounts(long Visible, long NotVisible, long Delayed);
