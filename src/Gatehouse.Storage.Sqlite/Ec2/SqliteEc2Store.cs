using Gatehouse.Services.Ec2;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite.Ec2;

/// <summary>
/// <see cref="IEc2Store"/> in its own SQLite file (<c>ec2.db</c> beside the queue database): VPCs, subnets and VPC
/// endpoints, one row each. Changes are rare, so each is its own fsynced transaction.
/// </summary>
public sealed class SqliteEc2Store : IEc2Store
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteEc2Store(SqliteConnection connection, string description)
    {
        _connection = connection;
        Description = description;
    }

    public string Description { get; }

    public static SqliteEc2Store Open(string path)
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
                CREATE TABLE IF NOT EXISTS ec2_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS ec2_objects (
                    kind TEXT NOT NULL,
                    id   TEXT NOT NULL,
                    json TEXT NOT NULL,
                    PRIMARY KEY (kind, id)
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO ec2_meta(key, value) VALUES ('schema_version', '1');
                """;
            cmd.ExecuteNonQuery();
        }

        return new SqliteEc2Store(connection, "sqlite:" + path);
    }

    public IReadOnlyList<Ec2Row> LoadAll()
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT kind, id, json FROM ec2_objects ORDER BY kind, id";
            using var reader = cmd.ExecuteReader();
            var rows = new List<Ec2Row>();
            while (reader.Read())
            {
                rows.Add(new Ec2Row(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            return rows;
        }
    }

    public void Put(string kind, string id, string json)
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "INSERT INTO ec2_objects(kind, id, json) VALUES ($k, $id, $j) ON CONFLICT(kind, id) DO UPDATE SET json = excluded.json";
            cmd.Parameters.AddWithValue("$k", kind);
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$j", json);
            cmd.ExecuteNonQuery();
        }
    }

    public void Delete(string kind, string id)
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "DELETE FROM ec2_objects WHERE kind = $k AND id = $id";
            cmd.Parameters.AddWithValue("$k", kind);
            cmd.Parameters.AddWithValue("$id", id);
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
