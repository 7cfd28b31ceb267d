using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite;

/// <summary>
/// One SQLite file of JSON rows keyed by (kind, key): the shape the identity, KMS and EC2 stores share. Their services
/// keep everything in memory and write through on each change, so a store loads everything once and applies
/// single-row changes. Changes are rare, so each is its own fsynced transaction (WAL, synchronous=FULL).
/// </summary>
internal sealed class JsonRowFile : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private readonly string _selectAll;
    private readonly string _upsert;
    private readonly string _delete;

    private JsonRowFile(SqliteConnection connection, string path, string rowsTable, string keyColumn)
    {
        _connection = connection;
        Description = "sqlite:" + path;
        _selectAll = $"SELECT kind, {keyColumn}, json FROM {rowsTable} ORDER BY kind, {keyColumn}";
        _upsert = $"INSERT INTO {rowsTable}(kind, {keyColumn}, json) VALUES ($k, $key, $j) ON CONFLICT(kind, {keyColumn}) DO UPDATE SET json = excluded.json";
        _delete = $"DELETE FROM {rowsTable} WHERE kind = $k AND {keyColumn} = $key";
    }

    public string Description { get; }

    /// <summary>Opens (and creates or migrates, <see cref="SqliteMigrations"/>) the file with its tables: <paramref name="metaTable"/> holds the schema version,
    /// <paramref name="rowsTable"/> the rows keyed by (kind, <paramref name="keyColumn"/>). The names are the ones each
    /// store has always used, so existing files open unchanged.</summary>
    public static JsonRowFile Open(string path, string metaTable, string rowsTable, string keyColumn)
    {
        var connection = SqliteMigrations.OpenFile(path, "FULL");

        SqliteMigrations.Apply(connection, metaTable,
        [
            $"""
            CREATE TABLE IF NOT EXISTS {rowsTable} (
                kind TEXT NOT NULL,
                {keyColumn} TEXT NOT NULL,
                json TEXT NOT NULL,
                PRIMARY KEY (kind, {keyColumn})
            ) WITHOUT ROWID
            """,
        ]);

        return new JsonRowFile(connection, path, rowsTable, keyColumn);
    }

    public IReadOnlyList<(string Kind, string Key, string Json)> LoadAll()
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = _selectAll;
            using var reader = cmd.ExecuteReader();
            var rows = new List<(string, string, string)>();
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            return rows;
        }
    }

    public void Put(string kind, string key, string json)
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = _upsert;
            cmd.Parameters.AddWithValue("$k", kind);
            cmd.Parameters.AddWithValue("$key", key);
            cmd.Parameters.AddWithValue("$j", json);
            cmd.ExecuteNonQuery();
        }
    }

    public void Delete(string kind, string key)
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = _delete;
            cmd.Parameters.AddWithValue("$k", kind);
            cmd.Parameters.AddWithValue("$key", key);
            cmd.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }
}
