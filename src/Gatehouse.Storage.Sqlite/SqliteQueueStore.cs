using System.Threading.Channels;
using Gatehouse.Services.Sqs;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite;

/// <summary>
/// <see cref="IQueueStore"/> over one SQLite database. Every operation runs in a single writer loop;
/// the operations waiting when a transaction starts are committed together (group commit: one log write for
/// many requests, one fsync with <see cref="SqliteStoreOptions.FsyncEachCommit"/>), and each caller is answered only after that commit (INVARIANT durability). When one operation of a
/// group fails, the group is rolled back and each operation runs again in a transaction of its own, so only the
/// failing one fails (failures are rare: the fast path pays for no savepoints).
/// </summary>
public sealed partial class SqliteQueueStore : IQueueStore
{
    /// <summary>One process owns the database (exclusive locking), so nothing else changes it: no change notices.</summary>
    public event Action<QueueChange>? ChangedElsewhere
    {
        add { }
        remove { }
    }

    private readonly Channel<Operation> _channel = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private Task _loop = Task.CompletedTask;
    private readonly Writer _writer;
    private readonly int _maxBatch;
    private readonly int _sliceRows;

    /// <summary>Deleting a row costs several times reading an index entry (the row, its index entries, the log
    /// pages), so deleting slices are a quarter of reading ones.</summary>
    private readonly int _deleteSliceRows;

    public string Description { get; }

    /// <summary>Write-ahead-log writes SQLite asked for and writes that reached the file (read on the writer).</summary>
    internal Task<(long Received, long Issued)> LogWritesAsync() => Run(w => w.LogWrites);

    /// <summary>SQLite's counters of the store's statements, by their text (for tests of their plans).</summary>
    internal Task<Dictionary<string, (int Sorts, int FullScanSteps, int Reprepares)>> StatementStatusesAsync() =>
        Run(w => w.StatementStatuses());

    private SqliteQueueStore(Writer writer, SqliteStoreOptions options)
    {
        _writer = writer;
        _maxBatch = options.MaxBatch;
        _sliceRows = Math.Max(1, options.SliceRows);
        _deleteSliceRows = Math.Max(1, options.SliceRows / 4);
        Description = options.Path is null ? "sqlite:memory" : "sqlite:" + options.Path;
    }

    public static SqliteQueueStore Open(SqliteStoreOptions options)
    {
        if (options.Path is { } path && Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        var writer = Writer.Open(options.Path, busyTimeoutMs: 2000);
        // One process owns the database: exclusive locking keeps SQLite's lock and shared-memory bookkeeping out of
        // every transaction (fewer system calls per commit) and makes a second server on the same data directory
        // fail at start instead of sharing it. The writer checkpoints the write-ahead log every CheckpointPages
        // pages; the log file is cut back to 128 MiB after a checkpoint that let it grow past that.
        try
        {
            writer.ExecuteScript($"""
                PRAGMA locking_mode=EXCLUSIVE;
                PRAGMA journal_mode=WAL;
                PRAGMA wal_autocheckpoint={options.CheckpointPages};
                PRAGMA journal_size_limit=134217728;
                PRAGMA synchronous={(options.FsyncEachCommit ? "FULL" : "NORMAL")};
                PRAGMA temp_store=MEMORY;
                PRAGMA cache_size=-{options.CacheKiB};
                PRAGMA mmap_size=268435456;
                """);

            // A version 1 database (ids of deleted rows reused) is rebuilt in one transaction.
            var version1 = writer.Scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'messages' AND sql NOT LIKE '%AUTOINCREMENT%'") == 1;
            writer.ExecuteScript($"""
                BEGIN IMMEDIATE;
                {(version1 ? Schema.MoveVersion1Aside : "")}
                {Schema.Create}
                INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '{Schema.Version}');
                {(version1 ? Schema.MigrateFromVersion1 : "")}
                COMMIT;
                """);

            // Take the write lock now, so that a database another process holds fails here and not on first use.
            writer.Execute("BEGIN IMMEDIATE");
            writer.Execute("COMMIT");
            writer.FlushLog();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is Native.Busy or Native.Locked)
        {
            writer.Dispose();
            throw InUse(options, ex);
        }
        catch
        {
            writer.Dispose();
            throw;
        }

        var store = new SqliteQueueStore(writer, options);
        store._loop = Task.Run(store.LoopAsync);
        return store;
    }

    private static InvalidOperationException InUse(SqliteStoreOptions options, SqliteException ex) => new(
        $"The database {options.Path} is in use by another process (is another Gatehouse running on this data directory?).", ex);

    private abstract class Operation
    {
        /// <summary>Runs the body; false when it threw (the error is kept for <see cref="Complete"/>).</summary>
        public abstract bool TryExecute(Writer w);

        public abstract void SetFailed(Exception ex);

        /// <summary>Hands the caller its result or error.</summary>
        public abstract void Complete();

        public abstract void Fail(Exception ex);
    }

    private sealed class Operation<T>(Func<Writer, T> body) : Operation
    {
        private readonly TaskCompletionSource<T> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _tcs.Task;

        public override bool TryExecute(Writer w)
        {
            _error = null;
            try
            {
                _result = body(w);
                return true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _error = ex;
                return false;
            }
        }

        public override void SetFailed(Exception ex) => _error = ex;

        public override void Complete()
        {
            if (_error is not null)
            {
                _tcs.TrySetException(_error);
            }
            else
            {
                _tcs.TrySetResult(_result!);
            }
        }

        public override void Fail(Exception ex) => _tcs.TrySetException(ex);
    }

    private Task<T> Run<T>(Func<Writer, T> body)
    {
        var op = new Operation<T>(body);
        if (!_channel.Writer.TryWrite(op))
        {
            op.Fail(new ObjectDisposedException(nameof(SqliteQueueStore)));
        }

        return op.Task;
    }

    /// <summary>The writer: one loop, so one transaction at a time. It awaits work instead of blocking a thread
    /// (a blocked wait spins first, which on a small machine takes a core from request processing).</summary>
    private async Task LoopAsync()
    {
        var batch = new List<Operation>(_maxBatch);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && reader.TryRead(out var op))
            {
                batch.Add(op);
            }

            if (!TryCommitTogether(batch))
            {
                // One of them failed: its partial changes went with the rollback. Run each alone, so that only
                // the failing one fails and the others still commit.
                foreach (var op in batch)
                {
                    TryCommitTogether([op]);
                }
            }

            foreach (var op in batch)
            {
                op.Complete();
            }
        }
    }

    /// <summary>Runs the operations in one transaction and commits it. False when an operation threw: the
    /// transaction is rolled back and nothing is recorded as done. A failure of the transaction itself fails every
    /// operation in it.</summary>
    private bool TryCommitTogether(List<Operation> ops)
    {
        try
        {
            _writer.Execute("BEGIN IMMEDIATE");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ops.ForEach(op => op.SetFailed(ex));
            return true;
        }

        foreach (var op in ops)
        {
            if (!op.TryExecute(_writer))
            {
                // Alone, the operation simply failed (its error is kept); in a group, the others run again.
                Rollback();
                return ops.Count == 1;
            }
        }

        try
        {
            // A duration for the metrics only; no behaviour depends on it.
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            _writer.Execute("COMMIT");
            _writer.FlushLog();
            StoreMetrics.CommitSeconds.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Rollback();
            ops.ForEach(op => op.SetFailed(ex));
        }

        return true;
    }

    private void Rollback()
    {
        try
        {
            _writer.Execute("ROLLBACK");
        }
        catch (SqliteException)
        {
            // The transaction is already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
        _writer.Dispose();
    }
}
