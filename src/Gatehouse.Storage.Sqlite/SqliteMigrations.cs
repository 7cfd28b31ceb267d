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
