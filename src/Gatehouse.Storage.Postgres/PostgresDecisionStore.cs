using System.Globalization;
using Gatehouse.Services.Authorization;
using Npgsql;
using NpgsqlTypes;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// <see cref="IDecisionStore"/> in the shared table <c>decisions</c>: every node appends its decisions, so
/// <c>gatehouse recent</c> and the explain API on any node see the whole cluster's. One statement per batch (arrays
/// unnested server-side), then the rows beyond the retention are pruned.
/// </summary>
public sealed class PostgresDecisionStore : IDecisionStore
{
    private readonly PostgresDatabase _database;

    private PostgresDecisionStore(PostgresDatabase database) => _database = database;

    public string Description => _database.Description;

    public static async Task<PostgresDecisionStore> OpenAsync(PostgresDatabase database, CancellationToken ct = default)
    {
        await database.MigrateAsync("decisions",
        [
            new(1, """
                CREATE TABLE decisions (
                    seq           bigserial PRIMARY KEY,
                    time          timestamptz NOT NULL,
                    request_id    text,
                    principal     text NOT NULL,
                    principal_arn text,
                    action        text NOT NULL,
                    resource      text NOT NULL,
                    decision      text NOT NULL,
                    refused       boolean NOT NULL,
                    json          text NOT NULL
                );
                CREATE INDEX decisions_request ON decisions(request_id);
                CREATE INDEX decisions_principal ON decisions(principal);
                CREATE INDEX decisions_principal_arn ON decisions(principal_arn);
                """),
        ], ct);
        return new PostgresDecisionStore(database);
    }

    public void Append(IReadOnlyList<StoredDecision> batch, int retention)
    {
        if (batch.Count == 0)
        {
            return;
        }

        using var command = _database.DataSource.CreateCommand("""
            WITH ins AS (
                INSERT INTO decisions(time, request_id, principal, principal_arn, action, resource, decision, refused, json)
                SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::text[])
                RETURNING seq)
            DELETE FROM decisions WHERE seq <= (SELECT max(seq) FROM ins) - $10
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.Time.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.RequestId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.Principal).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.PrincipalArn).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.Action).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.Resource).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.Decision).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.Refused).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(d => d.Json).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)retention });
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<StoredDecision> Query(DecisionQuery query)
    {
        using var command = _database.DataSource.CreateCommand();
        var where = new List<string>();
        if (query.RequestId is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = query.RequestId });
            where.Add($"request_id = ${command.Parameters.Count}");
        }

        if (query.Principal is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = query.Principal });
            where.Add($"(principal = ${command.Parameters.Count} OR principal_arn = ${command.Parameters.Count})");
        }

        if (query.DeniedOnly)
        {
            where.Add("decision <> 'Allow'");
        }

        if (query.Since is { } since)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = since.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            where.Add($"time >= ${command.Parameters.Count}");
        }

        // The limit is written into the text, not passed: with one reusable plan per statement a parameter limit is
        // planned as a tenth of the table (LimitedSql).
        command.CommandText = "SELECT time, request_id, principal, principal_arn, action, resource, decision, refused, json FROM decisions"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + " ORDER BY seq DESC LIMIT " + Math.Max(1, query.Max).ToString(CultureInfo.InvariantCulture);
        using var reader = command.ExecuteReader();
        var rows = new List<StoredDecision>();
        while (reader.Read())
        {
            rows.Add(new StoredDecision(
                reader.GetFieldValue<DateTimeOffset>(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetString(6),
                reader.GetBoolean(7),
                reader.GetString(8)));
        }

        return rows;
    }

    public void Dispose()
    {
    }
}
