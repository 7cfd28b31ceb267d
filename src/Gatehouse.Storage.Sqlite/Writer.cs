using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Gatehouse.Storage.Sqlite;

/// <summary>
/// The one connection, used only by the store's writer thread. Statements are prepared once, kept for the life
/// of the store and bound by position: the n-th value goes to the parameter named <c>$p</c>n. This talks to SQLite directly rather
/// than through ADO.NET commands: per statement, the command layer's name lookups, reader objects and value
/// conversions cost more than SQLite's own work for the small single-row statements a queue runs
/// (bench/README.md, "Where the time goes").
/// </summary>
internal sealed class Writer(SqliteConnection connection) : IDisposable
{
    private readonly sqlite3 _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
    private readonly Dictionary<string, Prepared> _statements = new(StringComparer.Ordinal);

    /// <summary>A prepared statement and, for each <c>$pN</c>, its SQLite parameter index (0 when unused).</summary>
    private sealed record Prepared(sqlite3_stmt Statement, int[] Index);

    /// <summary>Runs a statement to completion and returns the number of rows it changed.</summary>
    public int Execute(string sql, params ReadOnlySpan<object?> values)
    {
        var stmt = Bind(sql, values);
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(stmt)) == raw.SQLITE_ROW)
            {
            }

            Check(rc, raw.SQLITE_DONE);
            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(stmt);
        }
    }

    /// <summary>The first column of the first row as an integer, or 0 when there is no row or it is NULL.</summary>
    public long Scalar(string sql, params ReadOnlySpan<object?> values)
    {
        using var rows = Query(sql, values);
        return rows.Read() && !rows.IsNull(0) ? rows.GetInt64(0) : 0;
    }

    /// <summary>Starts a query; the caller reads its rows and disposes it (which resets the statement).</summary>
    public Rows Query(string sql, params ReadOnlySpan<object?> values) => new(this, Bind(sql, values));

    private sqlite3_stmt Bind(string sql, ReadOnlySpan<object?> values)
    {
        if (!_statements.TryGetValue(sql, out var prepared))
        {
            Check(raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var created, out var tail), raw.SQLITE_OK);
            if (!string.IsNullOrWhiteSpace(tail))
            {
                created.Dispose();
                throw new ArgumentException("One statement at a time: " + sql, nameof(sql));
            }

            var index = new int[values.Length];
            for (var i = 0; i < index.Length; i++)
            {
                index[i] = raw.sqlite3_bind_parameter_index(created, "$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            prepared = new Prepared(created, index);
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
                null => raw.sqlite3_bind_null(stmt, at),
                long l => raw.sqlite3_bind_int64(stmt, at, l),
                int n => raw.sqlite3_bind_int64(stmt, at, n),
                bool b => raw.sqlite3_bind_int64(stmt, at, b ? 1 : 0),
                string s => raw.sqlite3_bind_text(stmt, at, s),
                byte[] bytes => raw.sqlite3_bind_blob(stmt, at, bytes),
                double d => raw.sqlite3_bind_double(stmt, at, d),
                var other => throw new ArgumentException($"Cannot bind a {other.GetType().Name}.", nameof(values)),
            };
            Check(rc, raw.SQLITE_OK);
        }

        return stmt;
    }

    private void Check(int rc, int expected)
    {
        if (rc != expected)
        {
            throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(_db));
        }
    }

    public void Dispose()
    {
        foreach (var s in _statements.Values)
        {
            s.Statement.Dispose();
        }

        _statements.Clear();
    }

    /// <summary>The rows of one running query. Column accessors read the current row.</summary>
    internal readonly struct Rows(Writer writer, sqlite3_stmt stmt) : IDisposable
    {
        public bool Read()
        {
            var rc = raw.sqlite3_step(stmt);
            if (rc == raw.SQLITE_ROW)
            {
                return true;
            }

            writer.Check(rc, raw.SQLITE_DONE);
            return false;
        }

        public bool IsNull(int column) => raw.sqlite3_column_type(stmt, column) == raw.SQLITE_NULL;

        public long GetInt64(int column) => raw.sqlite3_column_int64(stmt, column);

        public int GetInt32(int column) => raw.sqlite3_column_int(stmt, column);

        public string GetString(int column) => raw.sqlite3_column_text(stmt, column).utf8_to_string();

        public string? GetStringOrNull(int column) => IsNull(column) ? null : GetString(column);

        public byte[]? GetBlobOrNull(int column) => IsNull(column) ? null : raw.sqlite3_column_blob(stmt, column).ToArray();

        public void Dispose() => raw.sqlite3_reset(stmt);
    }
}
