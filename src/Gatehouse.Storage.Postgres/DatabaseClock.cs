namespace Gatehouse.Storage.Postgres;

/// <summary>
/// The cluster's one clock: this machine's clock corrected by its measured offset from the database server's
/// (<c>clock_timestamp()</c>), so that visibility timeouts, delays, retention and signing-time checks agree across
/// nodes whose clocks differ. The offset is measured at start and every <see cref="SyncInterval"/>: the local time
/// halfway through the query is taken to be the moment the database read its clock, so the error is at most half the
/// round trip (well under a millisecond on a local network) plus drift between measurements.
/// </summary>
public sealed class DatabaseClock : TimeProvider, IAsyncDisposable
{
    /// <summary>How often the offset is measured again.</summary>
    public static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(60);

    private readonly PostgresDatabase _database;
    private readonly TimeProvider _local;
    private long _offsetTicks;
    private ITimer? _timer;

    private DatabaseClock(PostgresDatabase database, TimeProvider local)
    {
        _database = database;
        _local = local;
    }

    /// <summary>The database's time minus this machine's, as last measured.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Half the round trip of the last measurement: the most the offset can be wrong by (drift aside).</summary>
    public TimeSpan Uncertainty { get; private set; }

    /// <summary>Measures the offset once and keeps measuring it.</summary>
    /// <param name="local">This machine's clock (tests pass a deliberately wrong one).</param>
    public static async Task<DatabaseClock> StartAsync(PostgresDatabase database, TimeProvider? local = null, CancellationToken ct = default)
    {
        var clock = new DatabaseClock(database, local ?? System);
        await clock.SyncAsync(ct);
        clock._timer = clock._local.CreateTimer(_ => _ = clock.TrySyncAsync(), null, SyncInterval, SyncInterval);
        return clock;
    }

    /// <summary>Measures the offset now (the best of three round trips).</summary>
    public async Task SyncAsync(CancellationToken ct = default)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand("SELECT clock_timestamp()", connection);
        TimeSpan? best = null, bestOffset = null;
        for (var i = 0; i < 3; i++)
        {
            var before = _local.GetUtcNow();
            var start = _local.GetTimestamp();
            var database = (DateTime)(await command.ExecuteScalarAsync(ct))!;
            var roundTrip = _local.GetElapsedTime(start);
            var localMiddle = before + (roundTrip / 2);
            var offset = new DateTimeOffset(DateTime.SpecifyKind(database, DateTimeKind.Utc)) - localMiddle;
            if (best is null || roundTrip < best)
            {
                best = roundTrip;
                bestOffset = offset;
            }
        }

        Interlocked.Exchange(ref _offsetTicks, bestOffset!.Value.Ticks);
        Uncertainty = best!.Value / 2;
    }

    private async Task TrySyncAsync()
    {
        try
        {
            await SyncAsync();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException or ObjectDisposedException)
        {
            // Unreachable for now: the last offset stays in force.
        }
    }

    public override DateTimeOffset GetUtcNow() => _local.GetUtcNow() + Offset;

    public override long GetTimestamp() => _local.GetTimestamp();

    public override long TimestampFrequency => _local.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _local.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _local.CreateTimer(callback, state, dueTime, period);

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }
    }
}
