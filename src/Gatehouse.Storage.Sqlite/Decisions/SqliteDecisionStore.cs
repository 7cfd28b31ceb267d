using System.Globalization;
using Gatehouse.Services.Authorization;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Storage.Sqlite.Decisions;

/// <summary>
/// <see cref="IDecisionStore"/> in its own SQLite file (<c>decisions.db</c> beside the queue database), so the log's
/// writes never queue behind message commits. One transaction per batch; the oldest rows beyond the retention are
/// deleted in the same transaction. A lost tail of the log after a power cut is acceptable (synchronous=NORMAL).
/// </summary>
public sealed class SqliteDecisionStore : IDecisionStore
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteDecisionStore(SqliteConnection connection, string description)
    {
        _connection = connection;
        Description = description;
    }

    public string Description { get; }

    public static SqliteDecisionStore Open(string path)
    {
        var connection = SqliteMigrations.OpenFile(path, "NORMAL");

        SqliteMigrations.Apply(connection, "decision_meta",
        [
            """
            CREATE TABLE IF NOT EXISTS decisions (
                seq           INTEGER PRIMARY KEY AUTOINCREMENT,
                time          TEXT NOT NULL,
                request_id    TEXT,
                principal     TEXT NOT NULL,
                principal_arn TEXT,
                action        TEXT NOT NULL,
                resource      TEXT NOT NULL,
                decision      TEXT NOT NULL,
                refused       INTEGER NOT NULL,
                json          TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS decisions_request ON decisions(request_id);
            CREATE INDEX IF NOT EXISTS decisions_principal ON decisions(principal);
            CREATE INDEX IF NOT EXISTS decisions_principal_arn ON decisions(principal_arn)
            """,
        ]);

        return new SqliteDecisionStore(connection, "sqlite:" + path);
    }

    public void Append(IReadOnlyList<StoredDecision> batch, int retention)
    {
        if (batch.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            using var tx = _connection.BeginTransaction();
            using (var cmd = _connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = """
                    INSERT INTO decisions(time, request_id, principal, principal_arn, action, resource, decision, refused, json)
                    VALUES ($t, $r, $p, $pa, $a, $res, $d, $ref, $j)
                    """;
                var t = cmd.Parameters.Add("$t", SqliteType.Text);
                var r = cmd.Parameters.Add("$r", SqliteType.Text);
                var p = cmd.Parameters.Add("$p", SqliteType.Text);
                var pa = cmd.Parameters.Add("$pa", SqliteType.Text);
                var a = cmd.Parameters.Add("$a", SqliteType.Text);
                var res = cmd.Parameters.Add("$res", SqliteType.Text);
                var d = cmd.Parameters.Add("$d", SqliteType.Text);
                var refused = cmd.Parameters.Add("$ref", SqliteType.Integer);
                var j = cmd.Parameters.Add("$j", SqliteType.Text);
                foreach (var row in batch)
                {
                    t.Value = row.Time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
                    r.Value = (object?)row.RequestId ?? DBNull.Value;
                    p.Value = row.Principal;
                    pa.Value = (object?)row.PrincipalArn ?? DBNull.Value;
                    a.Value = row.Action;
                    res.Value = row.Resource;
                    d.Value = row.Decision;
                    refused.Value = row.Refused ? 1 : 0;
                    j.Value = row.Json;
                    cmd.ExecuteNonQuery();
                }
            }

            using (var prune = _connection.CreateCommand())
            {
                prune.Transaction = tx;
                prune.CommandText = "DELETE FROM decisions WHERE seq <= (SELECT MAX(seq) FROM decisions) - $keep";
                prune.Parameters.AddWithValue("$keep", retention);
                prune.ExecuteNonQuery();
            }

            tx.Commit();
        }
    }

    public IReadOnlyList<StoredDecision> Query(DecisionQuery query)
    {
        lock (_gate)
        {
            using var cmd = _connection.CreateCommand();
            var where = new List<string>();
            if (query.RequestId is not null)
            {
                where.Add("request_id = $r");
                cmd.Parameters.AddWithValue("$r", query.RequestId);
            }

            if (query.Principal is not null)
            {
                where.Add("(principal = $p OR principal_arn = $p)");
                cmd.Parameters.AddWithValue("$p", query.Principal);
            }

            if (query.DeniedOnly)
            {
                where.Add("decision <> 'Allow'");
            }

            if (query.Since is { } since)
            {
                where.Add("time >= $s");
                cmd.Parameters.AddWithValue("$s", since.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            }

            cmd.CommandText = "SELECT time, request_id, principal, principal_arn, action, resource, decision, refused, json FROM decisions"
                + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY seq DESC LIMIT $max";
            cmd.Parameters.AddWithValue("$max", Math.Max(1, query.Max));
            using var reader = cmd.ExecuteReader();
            var rows = new List<StoredDecision>();
            while (reader.Read())
            {
                rows.Add(new StoredDecision(
                    DateTimeOffset.Parse(reader.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetString(4),
                    reader.GetString(5),
                    reader.GetString(6),
                    reader.GetInt64(7) != 0,
                    reader.GetString(8)));
            }

            return rows;
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
