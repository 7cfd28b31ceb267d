using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite;

/// <summary>
/// The one connection, used only by the store's writer thread. Statements are prepared once and reused; their
/// parameters are positional (<c>$p0</c>, <c>$p1</c>, …).
/// </summary>
internal sealed class Writer(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection => connection;

    public SqliteCommand Command(string sql, params object?[] values)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            for (var i = 0; i < values.Length; i++)
            {
                cmd.Parameters.Add(new SqliteParameter("$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null));
            }

            cmd.Prepare();
            _commands[sql] = cmd;
        }

        for (var i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return cmd;
    }

    public int Execute(string sql, params object?[] values) => Command(sql, values).ExecuteNonQuery();

    public long Scalar(string sql, params object?[] values) => Command(sql, values).ExecuteScalar() is long n ? n : 0;

    public void Dispose()
    {
        foreach (var c in _commands.Values)
        {
            c.Dispose();
        }

        _commands.Clear();
    }
}
