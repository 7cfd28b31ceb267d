using Gatehouse.Services.Iam;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite.Identity;

/// <summary>
/// <see cref="IIdentityStore"/> in its own SQLite file (<c>identity.db</c> beside the queue database), so identity
/// writes never contend with the queue writer. One row per entity; secrets inside rows are already encrypted.
/// IAM changes are rare, so each one is its own fsynced transaction.
/// </summary>
public sealed class SqliteIdentityStore : IIdentityStore
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteIdentityStore(SqliteConnection connection, string description)
    {
        _connection = connection;
        Description = description;
    }

    public string Description { get; }

    /// <summary>One process owns the data directory, so no other node changes this file: no change notices.</summary>
    public event Action<IdentityChange>? ChangedElsewhere
    {
        add { }
        remove { }
    }

    public static SqliteIdentityStore Open(string path)
    {
        SQLitePCL.Batteries_V2.Init();
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA busy_timeout=5000;
                CREATE TABLE IF NOT EXISTS identity_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS identity_entities (
                    kind TEXT NOT NULL,
                    key  TEXT NOT NULL,
                    json TEXT NOT NULL,
                    PRIMARY KEY (kind, key)
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO identity_meta(key, value) VALUES ('schema_version', '1');
                """;
            cmd.ExecuteNonQuery();
        }

        return new SqliteIdentityStore(connection, "sqlite:" + path);
    }

    public IReadOnlyList<IdentityRow> LoadAll()
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT kind, key, json FROM identity_entities ORDER BY kind, key";
            using var reader = cmd.ExecuteReader();
            var rows = new List<IdentityRow>();
            while (reader.Read())
            {
                rows.Add(new IdentityRow(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            return rows;
        }
    }

    public void Put(string kind, string key, string json)
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "INSERT INTO identity_entities(kind, key, json) VALUES ($k, $key, $j) ON CONFLICT(kind, key) DO UPDATE SET json = excluded.json";
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
            cmd.CommandText = "DELETE FROM identity_entities WHERE kind = $k AND key = $key";
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
