using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite;

/// <summary>
/// Numbered schema steps for a SQLite file, the same shape as the PostgreSQL stores' (docs/postgres.md, "Schema and
/// migrations"): the file's <c>schema_version</c> (in its meta table) says which steps it has; each missing step runs
/// once, in order, in its own transaction with the new version. Files made before steps were numbered say version 1,
/// which is their first step, so they open unchanged.
/// </summary>
internal static class SqliteMigrations
{
    /// <summary>Opens (creating it and its directory when missing) one of the small SQLite files beside the queue
    /// database, in WAL mode with the given <c>synchronous</c> level (FULL where each change must survive a power
    /// loss, NORMAL where a process crash is what matters).</summary>
    public static SqliteConnection OpenFile(string path, string synchronous)
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
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous={synchronous};
            PRAGMA busy_timeout=5000;
            """;
        cmd.ExecuteNonQuery();
        return connection;
    }

    public static void Apply(SqliteConnection connection, string metaTable, IReadOnlyList<string> steps)
    {
        using (var create = connection.CreateCommand())
        {
            create.CommandText = $"CREATE TABLE IF NOT EXISTS {metaTable} (key TEXT PRIMARY KEY, value TEXT NOT NULL)";
            create.ExecuteNonQuery();
        }

        int current;
        using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT value FROM {metaTable} WHERE key = 'schema_version'";
            current = read.ExecuteScalar() is string v ? int.Parse(v, CultureInfo.InvariantCulture) : 0;
        }

        if (current > steps.Count)
        {
            throw new InvalidOperationException(
                $"{connection.DataSource} is at schema version {current}, newer than this Gatehouse knows ({steps.Count}); upgrade Gatehouse.");
        }

        for (var version = current + 1; version <= steps.Count; version++)
        {
            using var tx = connection.BeginTransaction();
            using var step = connection.CreateCommand();
            step.Transaction = tx;
            step.CommandText = steps[version - 1] + $"""
                ;
                INSERT INTO {metaTable}(key, value) VALUES ('schema_version', '{version}')
                    ON CONFLICT(key) DO UPDATE SET value = excluded.value;
                """;
            step.ExecuteNonQuery();
            tx.Commit();
        }
    }
}
