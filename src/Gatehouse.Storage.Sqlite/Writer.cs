using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite;

/// <summary>
/// The store's one connection, used only by the writer (one thread at a time). Statements are prepared once, kept
/// for the life of the store and bound by position: the n-th value goes to the parameter named <c>$p</c>n. This
/// talks to SQLite's C interface directly (<see cref="Native"/>), not through ADO.NET commands: per statement, the
/// command layer's name lookups, reader objects, value conversions and handle reference counting cost more than
/// SQLite's own work for the small single-row statements a queue runs (bench/README.md, "Where the time goes").
/// </summary>
internal sealed unsafe class Writer : IDisposable
{
    private IntPtr _db;
    private readonly Dictionary<string, Prepared> _statements = new(StringComparer.Ordinal);

    private Writer(IntPtr db) => _db = db;

    /// <summary>A prepared statement and, for each <c>$pN</c>, its SQLite parameter index (0 when unused).</summary>
    private sealed record Prepared(IntPtr Statement, int[] Index);

    /// <summary>Opens (or creates) the database; <paramref name="path"/> null opens a private in-memory one.
    /// <paramref name="busyTimeoutMs"/> is how long a lock another process holds is waited for.</summary>
    public static Writer Open(string? path, int busyTimeoutMs)
    {
        var flags = Native.OpenReadWrite | Native.OpenCreate | Native.OpenNoMutex | (path is null ? Native.OpenMemory : 0);
        var name = Encoding.UTF8.GetBytes((path ?? ":memory:") + "\0");
        var vfs = path is not null && LogVfs.Register() ? Encoding.UTF8.GetBytes(LogVfs.Name + "\0") : null;
        IntPtr db;
        int rc;
        fixed (byte* p = name)
        fixed (byte* v = vfs)
        {
            rc = Native.Open(p, out db, flags, v);
        }

        var writer = new Writer(db);
        if (rc != Native.Ok)
        {
            var error = writer.Error(rc);
            writer.Dispose();
            throw error;
        }

        _ = Native.BusyTimeout(db, busyTimeoutMs);
        return writer;
    }

    /// <summary>Runs a script of statements once (set-up: pragmas and schema).</summary>
    public void ExecuteScript(string sql)
    {
        var bytes = Encoding.UTF8.GetBytes(sql + "\0");
        fixed (byte* p = bytes)
        {
            var rc = Native.Exec(_db, p, IntPtr.Zero, IntPtr.Zero, out var message);
            if (rc != Native.Ok)
            {
                var text = message == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(message);
                Native.Free(message);
                throw new SqliteException(text ?? "SQLite error " + rc, rc, Native.ExtendedErrorCode(_db));
            }
        }
    }

    /// <summary>Makes sure the last commit's log writes have reached the operating system (see <see cref="LogVfs"/>).</summary>
    public void FlushLog() => Check(LogVfs.FlushLog(_db), Native.Ok);

    /// <summary>Log writes SQLite asked for, and writes that reached the file.</summary>
    public (long Received, long Issued) LogWrites => LogVfs.Counts(_db);

    /// <summary>Runs a statement to completion and returns the number of rows it changed.</summary>
    public int Execute(string sql, params ReadOnlySpan<object?> values)
    {
        var stmt = Bind(sql, values);
        try
        {
            int rc;
            while ((rc = Native.Step(stmt)) == Native.Row)
            {
            }

            Check(rc, Native.Done);
            return Native.Changes(_db);
        }
        finally
        {
            _ = Native.Reset(stmt);
        }
    }

    /// <summary>The first column of the first row as an integer, or 0 when there is no row or it is NULL.</summary>
    public long Scalar(string sql, params ReadOnlySpan<object?> values)
    {
        using var rows = Query(sql, values);
        return rows.Read() && !rows.IsNull(0) ? rows.GetInt64(0) : 0;
    }

    /// <summary>SQLite's counters (<c>sqlite3_stmt_status</c>) of every statement this writer has prepared, by its
    /// text.</summary>
    public Dictionary<string, (int Sorts, int FullScanSteps, int Reprepares)> StatementStatuses() =>
        _statements.ToDictionary(
            s => s.Key,
            s => (Native.StatementStatus(s.Value.Statement, Native.StatusSorts, 0),
                Native.StatementStatus(s.Value.Statement, Native.StatusFullScanSteps, 0),
                Native.StatementStatus(s.Value.Statement, Native.StatusReprepares, 0)),
            StringComparer.Ordinal);

    /// <summary>Starts a query; the caller reads its rows and disposes it (which resets the statement).</summary>
    public Rows Query(string sql, params ReadOnlySpan<object?> values) => new(this, Bind(sql, values));

    private IntPtr Bind(string sql, ReadOnlySpan<object?> values)
    {
        if (!_statements.TryGetValue(sql, out var prepared))
        {
            prepared = Prepare(sql, values.Length);
            _statements[sql] = prepared;
        }

        var stmt = prepared.Statement;
        if (prepared.Index.Length != values.Length)
        {
            throw new ArgumentException($"The statement takes {prepared.Index.Length} values, not {values.Length}: {sql}", nameof(values));
        }

        for (var i = 0; i < values.Length; i++)
        {
            var at = prepared.Index[i];
            if (at == 0)
            {
                continue;
            }

            var rc = values[i] switch
            {
                null => Native.BindNull(stmt, at),
                long l => Native.BindInt64(stmt, at, l),
                int n => Native.BindInt64(stmt, at, n),
                bool b => Native.BindInt64(stmt, at, b ? 1 : 0),
                string s => BindText(stmt, at, s),
                byte[] bytes => BindBlob(stmt, at, bytes),
                double d => Native.BindDouble(stmt, at, d),
                var other => throw new ArgumentException($"Cannot bind a {other.GetType().Name}.", nameof(values)),
            };
            Check(rc, Native.Ok);
        }

        return stmt;
    }

    private Prepared Prepare(string sql, int parameters)
    {
        var bytes = Encoding.UTF8.GetBytes(sql + "\0");
        IntPtr created;
        fixed (byte* p = bytes)
        {
            Check(Native.Prepare(_db, p, bytes.Length, Native.PreparePersistent, out created, out var tail), Native.Ok);
            if (tail != null && !string.IsNullOrWhiteSpace(Marshal.PtrToStringUTF8((IntPtr)tail)))
            {
                _ = Native.Finalize(created);
                throw new ArgumentException("One statement at a time: " + sql, nameof(sql));
            }
        }

        var index = new int[parameters];
        for (var i = 0; i < index.Length; i++)
        {
            var name = Encoding.UTF8.GetBytes("$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\0");
            fixed (byte* n = name)
            {
                index[i] = Native.ParameterIndex(created, n);
            }
        }

        return new Prepared(created, index);
    }

    private static int BindText(IntPtr stmt, int at, string value)
    {
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (length <= 1024)
        {
            Span<byte> small = stackalloc byte[length];
            var written = Encoding.UTF8.GetBytes(value, small);
            fixed (byte* p = small)
            {
                return Native.BindText(stmt, at, p, written, Native.Transient);
            }
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(value, rented);
            fixed (byte* p = rented)
            {
                return Native.BindText(stmt, at, p, written, Native.Transient);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int BindBlob(IntPtr stmt, int at, byte[] value)
    {
        // A zero-length blob still binds a (non-NULL) empty blob: SQLite wants a non-null pointer for that.
        fixed (byte* p = value.Length == 0 ? [0] : value)
        {
            return Native.BindBlob(stmt, at, p, value.Length, Native.Transient);
        }
    }

    private void Check(int rc, int expected)
    {
        if (rc != expected)
        {
            throw Error(rc);
        }
    }

    private SqliteException Error(int rc)
    {
        var message = _db == IntPtr.Zero ? null : Marshal.PtrToStringUTF8((IntPtr)Native.ErrorMessage(_db));
        return new SqliteException(message ?? "SQLite error " + rc, rc, _db == IntPtr.Zero ? rc : Native.ExtendedErrorCode(_db));
    }

    public void Dispose()
    {
        foreach (var s in _statements.Values)
        {
            _ = Native.Finalize(s.Statement);
        }

        _statements.Clear();
        if (_db != IntPtr.Zero)
        {
            _ = Native.Close(_db);
            _db = IntPtr.Zero;
        }
    }

    /// <summary>The rows of one running query. Column accessors read the current row.</summary>
    internal readonly struct Rows(Writer writer, IntPtr stmt) : IDisposable
    {
        public bool Read()
        {
            var rc = Native.Step(stmt);
            if (rc == Native.Row)
            {
                return true;
            }

            writer.Check(rc, Native.Done);
            return false;
        }

        public bool IsNull(int column) => Native.ColumnType(stmt, column) == Native.Null;

        public long GetInt64(int column) => Native.ColumnInt64(stmt, column);

        public int GetInt32(int column) => (int)Native.ColumnInt64(stmt, column);

        public string GetString(int column)
        {
            var text = Native.ColumnText(stmt, column);
            return text == null ? "" : Encoding.UTF8.GetString(text, Native.ColumnBytes(stmt, column));
        }

        public string? GetStringOrNull(int column) => IsNull(column) ? null : GetString(column);

        public byte[]? GetBlobOrNull(int column)
        {
            if (IsNull(column))
            {
                return null;
            }

            var blob = Native.ColumnBlob(stmt, column);
            var length = Native.ColumnBytes(stmt, column);
            return blob == null || length == 0 ? [] : new ReadOnlySpan<byte>(blob, length).ToArray();
        }

        // Reset repeats the last step's error, which Read already reported.
        public void Dispose() => _ = Native.Reset(stmt);
    }
}
