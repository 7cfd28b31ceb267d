using Gatehouse.Services.Sqs;
using Npgsql;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// <see cref="ILeaseStore"/> in the table <c>leases</c>: one row per lease with its holder and expiry, both judged by
/// the database's clock (<c>clock_timestamp()</c>), so nodes whose clocks differ still agree on who holds what. Taking
/// or renewing a lease is one conditional upsert.
/// </summary>
public sealed class PostgresLeaseStore : ILeaseStore
{
    private readonly PostgresDatabase _database;

    private PostgresLeaseStore(PostgresDatabase database) => _database = database;

    public bool Shared => true;

    public static async Task<PostgresLeaseStore> OpenAsync(PostgresDatabase database, CancellationToken ct = default)
    {
        await database.MigrateAsync("leases",
        [
            new(1, "CREATE TABLE leases (name text PRIMARY KEY, holder text NOT NULL, expires timestamptz NOT NULL)"),
        ], ct);
        return new PostgresLeaseStore(database);
    }

    public async Task<bool> TryAcquireAsync(string name, string holder, TimeSpan ttl, CancellationToken ct = default)
    {
        await using var command = _database.DataSource.CreateCommand("""
            INSERT INTO leases(name, holder, expires) VALUES ($1, $2, clock_timestamp() + $3)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
            WHERE leases.holder = excluded.holder OR leases.expires < clock_timestamp()
            RETURNING holder
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = holder });
        command.Parameters.Add(new NpgsqlParameter { Value = ttl });
        return await command.ExecuteScalarAsync(ct) is string;
    }

    public async Task ReleaseAsync(string name, string holder, CancellationToken ct = default)
    {
        await using var command = _database.DataSource.CreateCommand("DELETE FROM leases WHERE name = $1 AND holder = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = holder });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Who holds <paramref name="name"/> now, or null (for status output and tests).</summary>
    public async Task<string?> HolderAsync(string name, CancellationToken ct = default)
    {
        await using var command = _database.DataSource.CreateCommand("SELECT holder FROM leases WHERE name = $1 AND expires >= clock_timestamp()");
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
