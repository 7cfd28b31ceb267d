using System.Threading.Channels;
using Gatehouse.Services.Sqs;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite;

/// <summary>
/// <see cref="IQueueStore"/> over one SQLite database. Every operation runs in a single writer loop;
/// the operations waiting when a transaction starts are committed together (group commit: one fsync for many
/// requests), and each caller is answered only after that commit (INVARIANT durability). Each operation runs
/// inside its own savepoint so one that fails leaves the others' changes in the transaction. Checkpoints (copying
/// the write-ahead log back into the database file, with its fsyncs) run on a connection of their own in the
/// background, so a commit never waits for one.
/// </summary>
public sealed partial class SqliteQueueStore : IQueueStore
{
    private readonly Channel<Operation> _channel = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private Task _loop = Task.CompletedTask;
    private readonly SqliteConnection _connection;
    private readonly Writer _writer;
    private readonly int _maxBatch;
    private readonly Checkpointer? _checkpointer;

    public string Description { get; }

    private SqliteQueueStore(SqliteConnection connection, SqliteStoreOptions options)
    {
        _connection = connection;
        _writer = new Writer(connection);
        _maxBatch = options.MaxBatch;
        Description = options.Path is null ? "sqlite:memory" : "sqlite:" + options.Path;
        _checkpointer = options.Path is null ? null : new Checkpointer(ConnectionString(options), options.CheckpointInterval);
    }

    private static string ConnectionString(SqliteStoreOptions options) => new SqliteConnectionStringBuilder
    {
        DataSource = options.Path ?? ":memory:",
        Mode = options.Path is null ? SqliteOpenMode.Memory : SqliteOpenMode.ReadWriteCreate,
        Pooling = false,
    }.ToString();

    public static SqliteQueueStore Open(SqliteStoreOptions options)
    {
        SQLitePCL.Batteries_V2.Init();
        if (options.Path is { } path && Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        var connection = new SqliteConnection(ConnectionString(options));
        connection.Open();
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = $"""
                PRAGMA journal_mode=WAL;
                PRAGMA wal_autocheckpoint={(options.Path is null ? 1000 : 0)};
                PRAGMA synchronous={(options.FsyncEachCommit ? "FULL" : "NORMAL")};
                PRAGMA temp_store=MEMORY;
                PRAGMA cache_size=-65536;
                PRAGMA mmap_size=268435456;
                {Schema.Create}
                INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '{Schema.Version}');
                """;
            cmd.ExecuteNonQuery();
        }

        var store = new SqliteQueueStore(connection, options);
        store._loop = Task.Run(store.LoopAsync);
        return store;
    }

    private abstract class Operation
    {
        public abstract void Execute(Writer w);

        public abstract void Complete();

        public abstract void Fail(Exception ex);
    }

    private sealed class Operation<T>(Func<Writer, T> body) : Operation
    {
        private readonly TaskCompletionSource<T> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _tcs.Task;

        public override void Execute(Writer w)
        {
            _error = null;
            try
            {
                _result = body(w);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _error = ex;
                throw;
            }
        }

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

            try
            {
                _writer.Execute("BEGIN IMMEDIATE");
                foreach (var op in batch)
                {
                    _writer.Execute("SAVEPOINT op");
                    try
                    {
                        op.Execute(_writer);
                        _writer.Execute("RELEASE op");
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        _writer.Execute("ROLLBACK TO op");
                        _writer.Execute("RELEASE op");
                    }
                }

                _writer.Execute("COMMIT");
                _checkpointer?.Committed();
                foreach (var op in batch)
                {
                    op.Complete();
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                try
                {
                    _writer.Execute("ROLLBACK");
                }
                catch (SqliteException)
                {
                    // The transaction is already gone.
                }

                foreach (var op in batch)
                {
                    op.Fail(ex);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
        if (_checkpointer is not null)
        {
            await _checkpointer.DisposeAsync();
        }

        _writer.Dispose();
        await _connection.DisposeAsync();
    }
}
