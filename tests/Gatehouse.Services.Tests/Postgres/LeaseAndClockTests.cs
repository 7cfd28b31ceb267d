using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>Leases (one runner of each piece of background work across nodes) and the database clock.</summary>
public sealed class LeaseAndClockTests
{
    [PostgresFact]
    public async Task A_lease_has_one_holder_until_it_expires_or_is_released()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var nodeA = PostgresDatabase.Open(test.ConnectionString);
        await using var nodeB = PostgresDatabase.Open(test.ConnectionString);
        var a = await PostgresLeaseStore.OpenAsync(nodeA);
        var b = await PostgresLeaseStore.OpenAsync(nodeB);
        var ttl = TimeSpan.FromMilliseconds(600);

        Assert.True(await a.TryAcquireAsync("sweeper", "A", ttl));
        Assert.False(await b.TryAcquireAsync("sweeper", "B", ttl));
        Assert.True(await a.TryAcquireAsync("sweeper", "A", ttl)); // renewal
        Assert.True(await b.TryAcquireAsync("move:1", "B", TimeSpan.FromSeconds(30))); // another lease is independent
        Assert.Equal("A", await b.HolderAsync("sweeper"));

        // A stops renewing (as a node killed with kill -9 does): B takes over once the lease has expired, not before.
        await Task.Delay(ttl + TimeSpan.FromMilliseconds(200));
        Assert.Null(await b.HolderAsync("sweeper"));
        Assert.True(await b.TryAcquireAsync("sweeper", "B", ttl));
        Assert.False(await a.TryAcquireAsync("sweeper", "A", ttl));

        await b.ReleaseAsync("sweeper", "B");
        await a.ReleaseAsync("move:1", "A"); // not A's: no effect
        Assert.True(await a.TryAcquireAsync("sweeper", "A", ttl));
        Assert.False(await a.TryAcquireAsync("move:1", "A", ttl));
    }

    [PostgresFact]
    public async Task Two_nodes_racing_for_a_lease_get_one_holder()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var db = PostgresDatabase.Open(test.ConnectionString);
        var leases = await PostgresLeaseStore.OpenAsync(db);

        var won = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => leases.TryAcquireAsync("race", "node" + i, TimeSpan.FromSeconds(30))));

        Assert.Equal(1, won.Count(w => w));
    }

    [PostgresFact]
    public async Task A_node_whose_clock_is_an_hour_wrong_follows_the_database_clock()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var db = PostgresDatabase.Open(test.ConnectionString);
        var skew = TimeSpan.FromHours(1);
        await using var ahead = await DatabaseClock.StartAsync(db, new SkewedClock(skew));
        await using var behind = await DatabaseClock.StartAsync(db, new SkewedClock(-skew));

        await using var now = db.DataSource.CreateCommand("SELECT clock_timestamp()");
        var before = (DateTime)(await now.ExecuteScalarAsync())!;
        var a = ahead.GetUtcNow();
        var b = behind.GetUtcNow();
        var after = (DateTime)(await now.ExecuteScalarAsync())!;

        var tolerance = TimeSpan.FromMilliseconds(50);
        Assert.InRange(a.UtcDateTime, before - tolerance, after + tolerance);
        Assert.InRange(b.UtcDateTime, before - tolerance, after + tolerance);
        Assert.InRange((a - b).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
        Assert.InRange((ahead.Offset + skew).Duration(), TimeSpan.Zero, tolerance);
        Assert.True(ahead.Uncertainty < TimeSpan.FromMilliseconds(50));
    }

    private sealed class SkewedClock(TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + skew;
    }
}
