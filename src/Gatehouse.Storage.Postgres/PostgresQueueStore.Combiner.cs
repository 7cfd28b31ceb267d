using System.Collections.Concurrent;
using Npgsql;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// Group commit (docs/postgres.md, "Group commit"): sends, receives (unless <see cref="CombineReceives"/> is turned
/// off), deletes and visibility changes that callers start while others are running are queued, and a flush takes
/// everything pending (at most <see cref="MaxCombinedOperations"/> operations, about
/// <see cref="MaxCombinedMessages"/> messages) and runs their statements as one batch: one round trip, one
/// transaction, one commit for all of them. At most <see cref="MaxConcurrentFlushes"/> flushes run at once; a flush
/// starts as soon as one is free, so a lone call is never held back by a timer. Each operation's statements stay in
/// their order, and the operations of a batch are ordered by queue and kind, so batches of two nodes take the locks of
/// several queues in the same order. When a combined batch fails, the database rolled all of it back and each
/// operation runs again alone, in its own transaction with the usual retries, so a failing operation fails only its
/// own caller.
/// </summary>
public sealed partial class PostgresQueueStore
{
    /// <summary>Operations one combined transaction takes at most.</summary>
    public const int MaxCombinedOperations = 64;

    /// <summary>Messages one combined transaction takes (about: the operation that reaches it is still taken).</summary>
    public const int MaxCombinedMessages = 640;

    private const int RankSend = 0;
    private const int RankReceive = 1;
    private const int RankDelete = 2;
    private const int RankChangeVisibility = 3;

    private readonly ConcurrentQueue<Operation> _pending = new();
    private int _flushing;
    private long _combinedOperations;
    private long _commits;
    private long _merged;

    /// <summary>Flushes (connections) that may run at once; 0 turns combining off (each operation alone). One is the
    /// default: while a flush runs the next calls gather, so more share each commit — measured on a quiet machine,
    /// one flush at a time gave 46% of SQLite's unbatched sends and 13% of its FIFO sends, two flushes 38% and 4%
    /// (bench/README.md, "PostgreSQL").</summary>
    public int MaxConcurrentFlushes { get; set; } = 1;

    /// <summary>Whether receives join combined batches (on by default; off: each receive is its own transaction,
    /// beside the flushes). Correct either way (tests run both). Measured with one plan per statement
    /// (docs/postgres.md, "Plans"): receive + delete 24,000–28,000 messages/s combined against about 20,000 alone
    /// (bench/README.md, "PostgreSQL").</summary>
    public bool CombineReceives { get; set; } = true;

    /// <summary>Operations that shared a transaction with others so far (for tests and the benchmark).</summary>
    public long CombinedOperations => Interlocked.Read(ref _combinedOperations);

    /// <summary>Sends, receives and deletes that shared another one's statements so far (for tests and the
    /// benchmark).</summary>
    public long MergedOperations => Interlocked.Read(ref _merged);

    /// <summary>Transactions the combiner committed or tried so far (a combined batch counts once).</summary>
    public long Flushes => Interlocked.Read(ref _commits);

    /// <summary>One call's statements and how to read its results. <see cref="AddCommands"/> builds the commands
    /// anew for each attempt and forgets what an earlier attempt read.</summary>
    private abstract class Operation(long queueId, int rank, int weight, CancellationToken ct)
    {
        public long QueueId { get; } = queueId;

        public int Rank { get; } = rank;

        public int Weight { get; } = weight;

        public CancellationToken Ct { get; } = ct;

        /// <summary>Result sets its statements return (statements without rows, such as an INSERT, return
        /// none).</summary>
        public abstract int ResultSets { get; }

        public abstract void AddCommands(NpgsqlBatch batch);

        public abstract Task ReadAsync(NpgsqlDataReader reader, int set, CancellationToken ct);

        /// <summary>Hands the caller its result (or its own failure, such as a queue found missing).</summary>
        public abstract void Finish();

        public abstract void Fail(Exception e);

        public abstract void Cancel();
    }

    private class Operation<T>(
        long queueId, int rank, int weight, int resultSets, Action<NpgsqlBatch> add,
        Func<NpgsqlDataReader, int, CancellationToken, Task>? read, Func<T> result, CancellationToken ct)
        : Operation(queueId, rank, weight, ct)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _done.Task;

        /// <summary>Hands the caller <paramref name="value"/>.</summary>
        protected void Complete(T value) => _done.TrySetResult(value);

        public override int ResultSets => resultSets;

        public override void AddCommands(NpgsqlBatch batch) => add(batch);

        public override Task ReadAsync(NpgsqlDataReader reader, int set, CancellationToken ct) =>
            read is null ? System.Threading.Tasks.Task.CompletedTask : read(reader, set, ct);

        public override void Finish()
        {
            T value;
            try
            {
                value = result();
            }
            catch (Exception e)
            {
                _done.TrySetException(e);
                return;
            }

            _done.TrySetResult(value);
        }

        public override void Fail(Exception e) => _done.TrySetException(e);

        public override void Cancel() => _done.TrySetCanceled(Ct);
    }

    /// <summary>An operation that may stand for several callers' operations merged into one (<see cref="Members"/>,
    /// in the order they stood in the flush): its own task then has no caller, and a failure fails every member.</summary>
    private abstract class MergedOperation<TSelf, T>(long queueId, int rank, int weight, int resultSets, Func<T> result, CancellationToken ct)
        : Operation<T>(queueId, rank, weight, resultSets, _ => { }, null, result, ct)
        where TSelf : MergedOperation<TSelf, T>
    {
        /// <summary>The calls merged into this one, in order; null for a caller's own operation.</summary>
        protected List<TSelf>? Members { get; init; }

        public override void Fail(Exception e)
        {
            if (Members is null)
            {
                base.Fail(e);
            }
            else
            {
                Members.ForEach(m => m.Fail(e));
            }
        }
    }

    /// <summary>An operation on a batch of items (messages, receipt handles) whose neighbours in a flush — same queue,
    /// same kind — can share its statements (<see cref="Merge"/>). The merged operation carries the members' items in
    /// their order and hands each member its slice of the outcomes.</summary>
    private abstract class MergeableOperation<TSelf, TOutcome>(long queueId, int rank, int items, CancellationToken ct)
        : MergedOperation<TSelf, IReadOnlyList<TOutcome>>(queueId, rank, items, 0, () => [], ct)
        where TSelf : MergeableOperation<TSelf, TOutcome>
    {
        public int Items { get; } = items;

        /// <summary>Completes the caller, or each member with its slice of <paramref name="outcomes"/>.</summary>
        protected void Distribute(IReadOnlyList<TOutcome> outcomes)
        {
            if (Members is null)
            {
                Complete(outcomes);
                return;
            }

            var at = 0;
            foreach (var member in Members)
            {
                member.Complete([.. outcomes.Skip(at).Take(member.Items)]);
                at += member.Items;
            }
        }
    }

    /// <summary>Queues the operation for the next flush (or runs it alone when combining is off, or not wanted).</summary>
    private Task<T> Submit<T>(Operation<T> operation, bool combine = true)
    {
        if (MaxConcurrentFlushes <= 0 || !combine)
        {
            _ = RunAloneAsync(operation);
            return operation.Task;
        }

        _pending.Enqueue(operation);
        StartFlushing();
        return operation.Task;
    }

    private void StartFlushing()
    {
        while (!_pending.IsEmpty)
        {
            var running = Volatile.Read(ref _flushing);
            if (running >= Math.Max(1, MaxConcurrentFlushes))
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _flushing, running + 1, running) == running)
            {
                _ = Task.Run(FlushLoopAsync, CancellationToken.None);
                return;
            }
        }
    }

    private async Task FlushLoopAsync()
    {
        try
        {
            var taken = new List<Operation>();
            while (Take(taken))
            {
                await FlushAsync(taken);
                taken.Clear();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _flushing);

            // An operation queued while this flush was ending found every flush busy: start one for it.
            StartFlushing();
        }
    }

    private bool Take(List<Operation> taken)
    {
        var weight = 0;
        while (taken.Count < MaxCombinedOperations && weight < MaxCombinedMessages && _pending.TryDequeue(out var operation))
        {
            if (operation.Ct.IsCancellationRequested)
            {
                operation.Cancel();
                continue;
            }

            taken.Add(operation);
            weight += operation.Weight;
        }

        return taken.Count > 0;
    }

    private async Task FlushAsync(List<Operation> taken)
    {
        if (taken.Count == 1)
        {
            await RunAloneAsync(taken[0]);
            return;
        }

        // The same order on every node: locks of several queues are taken in queue order (no deadlock between
        // two batches that hold one queue each and wait for the other's), and within a queue sends before
        // receives before deletes.
        var ordered = taken.OrderBy(o => o.QueueId).ThenBy(o => o.Rank).ToList();
        var statements = Merge(ordered);
        Interlocked.Increment(ref _commits);
        try
        {
            await using (var connection = await _database.DataSource.OpenConnectionAsync())
            await using (var batch = new NpgsqlBatch(connection))
            {
                foreach (var operation in statements)
                {
                    operation.AddCommands(batch);
                }

                await using var reader = await ReadAsync(batch, default);
                foreach (var operation in statements)
                {
                    await ReadResultsAsync(reader, operation, default);
                }
            }
        }
        catch (NpgsqlException)
        {
            // One statement failed (the batch was rolled back: nothing of it is committed), a deadlock or
            // serialisation failure, or the connection was lost: each operation on its own, with the usual retries,
            // so each caller gets its own outcome.
            foreach (var operation in ordered)
            {
                await RunAloneAsync(operation);
            }

            return;
        }
        catch (Exception e)
        {
            // Not the database's failure (the batch may have committed): nothing is run twice.
            foreach (var operation in ordered)
            {
                operation.Fail(e);
            }

            return;
        }

        Interlocked.Add(ref _combinedOperations, ordered.Count);
        foreach (var operation in statements)
        {
            operation.Finish();
        }
    }

    /// <summary>Sends to one queue that follow each other in the flush's order share one statement, and so do
    /// deletes and receives (standard, and FIFO first rounds): the statement's fixed cost (and on FIFO queues the
    /// queue row's lock or the receive's advisory lock) is paid once for all of them, and a receive does not walk
    /// past the rows the one before it in the same transaction just took. When the batch fails, the members run
    /// alone, each with its own statements.</summary>
    private List<Operation> Merge(List<Operation> ordered)
    {
        var result = new List<Operation>(ordered.Count);
        for (var i = 0; i < ordered.Count;)
        {
            var start = i;
            switch (ordered[i])
            {
                case SendOperation send:
                    {
                        var run = TakeRun<SendOperation>(ordered, ref i, (next, _) => send.CanMerge(next), _ => 0);
                        result.Add(run.Count == 1 ? send : SendOperation.Merge(this, run));
                        break;
                    }

                case DeleteOperation delete:
                    {
                        var run = TakeRun<DeleteOperation>(ordered, ref i, (next, _) => delete.CanMerge(next), _ => 0);
                        result.Add(run.Count == 1 ? delete : DeleteOperation.Merge(run));
                        break;
                    }

                case StandardReceiveOperation receive:
                    {
                        var run = TakeRun<StandardReceiveOperation>(ordered, ref i, receive.CanMerge, r => r.Wanted);
                        result.Add(run.Count == 1 ? receive : StandardReceiveOperation.Merge(this, run));
                        break;
                    }

                case FifoReceiveOperation receive:
                    {
                        var run = TakeRun<FifoReceiveOperation>(ordered, ref i, receive.CanMerge, r => r.Wanted);
                        result.Add(run.Count == 1 ? receive : FifoReceiveOperation.Merge(run));
                        break;
                    }

                default:
                    result.Add(ordered[i++]);
                    break;
            }

            Interlocked.Add(ref _merged, i - start - 1);
        }

        return result;
    }

    /// <summary>The operation at <paramref name="i"/> and those of its kind right after it that may join it
    /// (<paramref name="canMerge"/>, told how many items the run holds so far, counted by <paramref name="items"/>);
    /// <paramref name="i"/> ends on the first operation not taken.</summary>
    private static List<T> TakeRun<T>(List<Operation> ordered, ref int i, Func<T, int, bool> canMerge, Func<T, int> items)
        where T : Operation
    {
        var first = (T)ordered[i];
        var run = new List<T> { first };
        var held = items(first);
        for (i++; i < ordered.Count && ordered[i] is T next && canMerge(next, held); i++)
        {
            run.Add(next);
            held += items(next);
        }

        return run;
    }

    private async Task RunAloneAsync(Operation operation)
    {
        try
        {
            Interlocked.Increment(ref _commits);
            await RunAsync(async c =>
            {
                await using var batch = new NpgsqlBatch(c);
                operation.AddCommands(batch);
                await using var reader = await ReadAsync(batch, operation.Ct);
                await ReadResultsAsync(reader, operation, operation.Ct);
                return true;
            }, operation.Ct);
        }
        catch (Exception e)
        {
            operation.Fail(e);
            return;
        }

        operation.Finish();
    }

    /// <summary>Reads the operation's result sets; the reader stands on its first and ends on the next
    /// operation's.</summary>
    private static async Task ReadResultsAsync(NpgsqlDataReader reader, Operation operation, CancellationToken ct)
    {
        for (var set = 0; set < operation.ResultSets; set++)
        {
            await operation.ReadAsync(reader, set, ct);
            await reader.NextResultAsync(ct);
        }
    }
}
