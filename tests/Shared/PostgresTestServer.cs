using Npgsql;

namespace Gatehouse.Tests.Shared;

/// <summary>
/// The PostgreSQL server the PostgreSQL tests use, named by the environment variable
/// <c>GATEHOUSE_TEST_POSTGRES</c> (an Npgsql connection string or a postgres:// URL of a user allowed to create
/// databases). <c>.ci/run</c> starts a throwaway server with <c>scripts/postgres</c> and sets it; locally:
/// <c>export GATEHOUSE_TEST_POSTGRES=$(scripts/postgres start /tmp/gatehouse-pg)</c> (docs/testing.md).
/// Each test gets a database of its own, dropped when the test ends.
/// </summary>
public static class PostgresTestServer
{
    public const string Variable = "GATEHOUSE_TEST_POSTGRES";

    /// <summary>Why PostgreSQL tests skip here, or null when they run: they skip only when no server is named
    /// and this is not CI (under CI=true a missing server fails them instead).</summary>
    public static string? SkipReason =>
        ConnectionString is null && !IsCi
            ? $"PostgreSQL tests skipped: no server configured. Set {Variable} (docs/testing.md), e.g. export {Variable}=$(scripts/postgres start /tmp/gatehouse-pg)."
            : null;

    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    private static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Creates an empty database for one test.</summary>
    public static async Task<PostgresTestDatabase> CreateDatabaseAsync()
    {
        var server = ConnectionString
            ?? throw new InvalidOperationException($"{Variable} is not set but CI=true: .ci/run should have started a PostgreSQL server (scripts/postgres).");
        var admin = new NpgsqlConnectionStringBuilder(Gatehouse.Storage.Postgres.PostgresConnectionString.Normalize(server)) { Pooling = false };
        var name = "gh_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var test = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = name, Pooling = true };
        return new PostgresTestDatabase(name, test.ConnectionString, admin.ConnectionString);
    }
}

/// <summary>A database of one test; disposing drops it (closing any connection still open to it).</summary>
public sealed class PostgresTestDatabase(string name, string connectionString, string adminConnectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    /// <summary>Npgsql connection string of this database.</summary>
    public string ConnectionString { get; } = connectionString;

    /// <summary>The same database as a postgres:// URL, as a user would pass it to <c>--store</c>.</summary>
    public string Url
    {
        get
        {
            var b = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"postgres://{Uri.EscapeDataString(b.Username ?? "")}:{Uri.EscapeDataString(b.Password ?? "")}@{b.Host}:{b.Port}/{Name}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>A fact that needs PostgreSQL: skipped with a clear message when none is configured outside CI.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresTestServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs PostgreSQL (see <see cref="PostgresFactAttribute"/>).</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PostgresTestServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
