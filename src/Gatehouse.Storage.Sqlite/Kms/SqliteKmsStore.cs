using Gatehouse.Services.Kms;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite.Kms;

/// <summary>
/// <see cref="IKmsStore"/> in its own SQLite file (<c>kms.db</c> beside the queue database). One row per key, alias
/// or grant; key material inside key rows is already encrypted under the server key. KMS changes are rare, so each
/// is its own fsynced transaction.
/// </summary>
public sealed class SqliteKmsStore : IKmsStore
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteKmsStore(SqliteConnection connection, string description)
    {
        _connection = connection;
        Description = description;
    }

    public string Description { get; }

    public static SqliteKmsStore Open(string path)
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
                CREATE TABLE IF NOT EXISTS kms_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS kms_entities (
                    kind TEXT NOT NULL,
                    key  TEXT NOT NULL,
                    json TEXT NOT NULL,
                    PRIMARY KEY (kind, key)
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO kms_meta(key, value) VALUES ('schema_version', '1');
                """;
            cmd.ExecuteNonQuery();
        }

        return new SqliteKmsStore(connection, "sqlite:" + path);
    }

    public IReadOnlyList<KmsRow> LoadAll()
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT kind, key, json FROM kms_entities ORDER BY kind, key";
            using var reader = cmd.ExecuteReader();
            var rows = new List<KmsRow>();
            while (reader.Read())
            {
                rows.Add(new KmsRow(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            return rows;
        }
    }

    public void Put(string kind, string key, string json)
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "INSERT INTO kms_entities(kind, key, json) VALUES ($k, $key, $j) ON CONFLICT(kind, key) DO UPDATE SET json = excluded.json";
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
            cmd.CommandText = "DELETE FROM kms_entities WHERE kind = $k AND key = $key";
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
