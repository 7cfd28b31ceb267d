using System.Text.RegularExpressions;
using Npgsql;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// One PostgreSQL database that several Gatehouse nodes share (README, "PostgreSQL"). Owns the connection pool,
/// applies the versioned schema migrations at start-up and carries the change notifications
/// (<see cref="PostgresNotifications"/>) that keep every node's caches and long polls current.
/// </summary>
/// <remarks>Connection strings are accepted in Npgsql's key=value form or as a URL
/// (<c>postgres://user:password@host:port/database?sslmode=…</c>, see <see cref="PostgresConnectionString"/>).</remarks>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly Lazy<PostgresNotifications> _notifications;

    private PostgresDatabase(NpgsqlDataSource dataSource, string description)
    {
        DataSource = dataSource;
        Description = description;
        _notifications = new Lazy<PostgresNotifications>(() => new PostgresNotifications(dataSource), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The pool every store draws its connections from.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>"postgres://host:port/database" without user or password, for logs and the health endpoint.</summary>
    public string Description { get; }

    /// <summary>LISTEN/NOTIFY on one dedicated connection, opened on first use.</summary>
    public PostgresNotifications Notifications => _notifications.Value;

    /// <summary>How many statements each connection keeps prepared when the connection string does not set
    /// <c>Max Auto Prepare</c> (Npgsql's automatic preparation).</summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>Seconds of inactivity after which a connection sends a keepalive query, when the connection string
    /// does not say.</summary>
    public const int DefaultKeepAliveSeconds = 10;

    /// <summary>Set on each new connection (unless the connection string's Options set them): prepared statements
    /// reuse one plan; statements are never JIT-compiled; and plans take the indexes rather than reading a table or
    /// sorting what an index gives in order (docs/postgres.md, "Plans"). Every statement of the stores finds its rows
    /// through an index by design; the reusable plan knows no parameter values and guesses, for instance, a third
    /// of a queue for <c>visible_ms &gt; $2</c>, and a plan made on such a guess (or on statistics taken while a
    /// table was small) is kept until the statistics change. Priced out, not forbidden: a statement with no index
    /// to use still reads the table, and a sort nothing else can give is still made.</summary>
    public static readonly IReadOnlyList<(string Name, string Value)> SessionSettings =
    [
        ("plan_cache_mode", "force_generic_plan"),
        ("jit", "off"),
        ("enable_seqscan", "off"),
        ("enable_bitmapscan", "off"),
        ("enable_sort", "off"),
    ];

    /// <summary>Opens the pool (no connection is made until the first command).</summary>
    public static PostgresDatabase Open(string connectionString, Action<NpgsqlDataSourceBuilder>? configure = null)
    {
        var normalized = PostgresConnectionString.Normalize(connectionString);
        var builder = new NpgsqlDataSourceBuilder(normalized);

        // Statements the stores send again and again are prepared on each connection after a few uses (parsed and
        // planned once, not per call), unless the connection string says otherwise.
        if (!normalized.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        // The listening connection is idle for long stretches: a keepalive query every 10 s (unless the connection
        // string sets one) finds a connection that died silently, so the node reconnects and reloads what it caches
        // (docs/postgres.md, "Caches and how stale they can be").
        if (!normalized.Contains("Keepalive", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionStringBuilder.KeepAlive = DefaultKeepAliveSeconds;
        }

        // Nothing here keeps state in a session between uses of a pooled connection (advisory locks are
        // transaction-scoped, LISTEN has a connection of its own), so a connection going back to the pool is not
        // reset: the reset statements otherwise ride along with the next command and cost the server a few percent.
        if (!normalized.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        // Every statement the stores prepare is planned once per connection and that plan reused, none is compiled
        // to machine code, and plans keep to the indexes (SessionSettings; docs/postgres.md, "Plans"). Left to
        // itself PostgreSQL kept planning a prepared statement anew on every call (35% of the database's time in the
        // receive + delete benchmark), and compiled (JIT) any statement whose estimated cost passed jit_above_cost —
        // on a large queue a FIFO receive, which then took 110 ms instead of under one. A setting the connection
        // string's Options make themselves ("-c name=value") is left alone.
        var options = builder.ConnectionStringBuilder.Options ?? "";
        var settings = SessionSettings
            .Where(setting => !Regex.IsMatch(options, $@"\b{setting.Name}\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            .Select(setting => $"SET {setting.Name} = {setting.Value}").ToList();
        if (settings.Count > 0)
        {
            var sql = string.Join("; ", settings);
            builder.UsePhysicalConnectionInitializer(
                connection =>
                {
                    using var command = new NpgsqlCommand(sql, connection);
                    command.ExecuteNonQuery();
                },
                async connection =>
                {
                    await using var command = new NpgsqlCommand(sql, connection);
                    await command.ExecuteNonQueryAsync();
                });
        }

        configure?.Invoke(builder);
        var csb = builder.ConnectionStringBuilder;
        var description = $"postgres://{csb.Host}:{csb.Port}/{csb.Database ?? csb.Username}";
        return new PostgresDatabase(builder.Build(), description);
    }

    /// <summary>
    /// Brings one component's tables (<paramref name="component"/>: "queues", "identity", …) to the newest of
    /// <paramref name="migrations"/>, each applied once, in order, in its own transaction. A transaction-scoped
    /// advisory lock makes nodes that start together take turns, so a migration never runs twice.
    /// </summary>
    /// <returns>The version the component was at before.</returns>
    public async Task<int> MigrateAsync(string component, IReadOnlyList<Migration> migrations, CancellationToken ct = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        // CREATE TABLE IF NOT EXISTS is not safe against itself: two sessions that both find the table missing race,
        // and the loser fails (duplicate table, or a unique violation on the catalog). Nodes that start together
        // therefore take turns under an advisory lock held for this one transaction.
        await using (var createTx = await connection.BeginTransactionAsync(ct))
        {
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('gatehouse_schema'))", connection, createTx))
            {
                await lockCommand.ExecuteNonQueryAsync(ct);
            }

            await using (var create = new NpgsqlCommand(
                "CREATE TABLE IF NOT EXISTS gatehouse_schema(component text PRIMARY KEY, version integer NOT NULL, applied timestamptz NOT NULL DEFAULT now())",
                connection, createTx))
            {
                await create.ExecuteNonQueryAsync(ct);
            }

            await createTx.CommitAsync(ct);
        }

        var before = -1;
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new ArgumentException($"Migrations of {component} must be numbered 1, 2, 3, … in order.", nameof(migrations));
            }
        }

        while (true)
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('gatehouse_schema:' || @c))", connection, tx))
            {
                lockCommand.Parameters.AddWithValue("c", component);
                await lockCommand.ExecuteNonQueryAsync(ct);
            }

            int current;
            await using (var read = new NpgsqlCommand("SELECT version FROM gatehouse_schema WHERE component = @c", connection, tx))
            {
                read.Parameters.AddWithValue("c", component);
                current = await read.ExecuteScalarAsync(ct) is int v ? v : 0;
            }

            if (before < 0)
            {
                before = current;
            }

            if (current > migrations.Count)
            {
                throw new InvalidOperationException(
                    $"The database's {component} schema is at version {current}, newer than this Gatehouse knows ({migrations.Count}); upgrade Gatehouse.");
            }

            if (current == migrations.Count)
            {
                await tx.CommitAsync(ct);
                return before;
            }

            var next = migrations[current];
            await using (var apply = new NpgsqlCommand(next.Sql, connection, tx))
            {
                await apply.ExecuteNonQueryAsync(ct);
            }

            await using (var record = new NpgsqlCommand(
                "INSERT INTO gatehouse_schema(component, version) VALUES (@c, @v) ON CONFLICT (component) DO UPDATE SET version = @v, applied = now()",
                connection, tx))
            {
                record.Parameters.AddWithValue("c", component);
                record.Parameters.AddWithValue("v", next.Version);
                await record.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_notifications.IsValueCreated)
        {
            await _notifications.Value.DisposeAsync();
        }

        await DataSource.DisposeAsync();
    }
}

/// <summary>One schema step: <paramref name="Version"/> (1, 2, …) and the SQL that takes the tables there from the
/// version before.</summary>
public sealed record Migration(int Version, string Sql);
