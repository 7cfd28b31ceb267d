using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;

namespace Gatehouse.Server;

/// <summary>
/// Every store of a node that shares one PostgreSQL database with other nodes (<c>--store postgres://…</c>,
/// docs/postgres.md): queues and messages, identities, KMS, EC2, the decision log and the leases, each with its
/// versioned schema migrated at start, and the database clock every node follows.
/// </summary>
internal sealed class PostgresCluster : IAsyncDisposable
{
    private PostgresCluster(PostgresDatabase database, DatabaseClock clock)
    {
        Database = database;
        Clock = clock;
    }

    public PostgresDatabase Database { get; }

    /// <summary>This machine's clock corrected to the database's: visibility, delays and retention agree across nodes.</summary>
    public DatabaseClock Clock { get; }

    public IQueueStore Queues { get; private set; } = null!;

    public PostgresIdentityStore Identity { get; private set; } = null!;

    public PostgresKmsStore Kms { get; private set; } = null!;

    public PostgresEc2Store Ec2 { get; private set; } = null!;

    public PostgresDecisionStore Decisions { get; private set; } = null!;

    public PostgresLeaseStore Leases { get; private set; } = null!;

    public PostgresReceiveAttemptStore Attempts { get; private set; } = null!;

    /// <summary>The node's id in change notices and as a lease holder.</summary>
    public string NodeId => Database.Notifications.NodeId;

    /// <summary>Opens every store; a database that cannot be used is a <see cref="StartupException"/> with
    /// <see cref="ExitCodes.Database"/> and one line naming it (without its password).</summary>
    public static async Task<PostgresCluster> OpenAsync(string connectionString, TimeProvider local, CancellationToken ct = default)
    {
        var database = PostgresDatabase.Open(connectionString);
        try
        {
            var clock = await DatabaseClock.StartAsync(database, local, ct);
            var cluster = new PostgresCluster(database, clock);
            cluster.Queues = await PostgresQueueStore.OpenAsync(database, ct);
            cluster.Identity = await PostgresIdentityStore.OpenAsync(database, local, ct);
            cluster.Kms = await PostgresKmsStore.OpenAsync(database, local, ct);
            cluster.Ec2 = await PostgresEc2Store.OpenAsync(database, local, ct);
            cluster.Decisions = await PostgresDecisionStore.OpenAsync(database, ct);
            cluster.Leases = await PostgresLeaseStore.OpenAsync(database, ct);
            cluster.Attempts = await PostgresReceiveAttemptStore.OpenAsync(database, clock, ct);
            return cluster;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException
            or IOException)
        {
            await database.DisposeAsync();
            var reason = e is Npgsql.PostgresException pg ? pg.MessageText : e.InnerException is { } inner && e is Npgsql.NpgsqlException ? inner.Message : e.Message;
            throw new StartupException(ExitCodes.Database, $"cannot use the database {database.Description}: {reason.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>Database round trips made by the queue store so far (bench/README.md reports them per message).</summary>
    public long QueueRoundTrips => Queues is PostgresQueueStore postgres ? postgres.RoundTrips : 0;

    /// <summary>Closes the database (the identity, KMS and EC2 services have closed their stores already; closing them
    /// again is harmless).</summary>
    public async ValueTask DisposeAsync()
    {
        Identity?.Dispose();
        Kms?.Dispose();
        Ec2?.Dispose();
        Decisions?.Dispose();
        await Clock.DisposeAsync();
        await Database.DisposeAsync();
    }
}
