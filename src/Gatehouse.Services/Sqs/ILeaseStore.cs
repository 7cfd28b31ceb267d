namespace Gatehouse.Services.Sqs;

/// <summary>
/// Leases: which node of a cluster runs a piece of background work that must run once (the expiry sweeper, each
/// message-move task). A holder renews its lease well within its time to live; a node that dies stops renewing and
/// another takes the work over once the lease has expired (docs/postgres.md, "Leases").
/// </summary>
public interface ILeaseStore
{
    /// <summary>Takes the lease <paramref name="name"/> for <paramref name="holder"/> for <paramref name="ttl"/>, or
    /// renews it when <paramref name="holder"/> holds it already. False while another holder's lease runs.</summary>
    Task<bool> TryAcquireAsync(string name, string holder, TimeSpan ttl, CancellationToken ct = default);

    /// <summary>Gives the lease up (when the work is done), so that nobody waits for it to expire.</summary>
    Task ReleaseAsync(string name, string holder, CancellationToken ct = default);

    /// <summary>Whether other processes share these leases (false: every lease is always this process's).</summary>
    bool Shared { get; }
}

/// <summary>One process owns the store (SQLite, memory): every lease is always its own.</summary>
public sealed class LocalLeaseStore : ILeaseStore
{
    public static readonly LocalLeaseStore Instance = new();

    public bool Shared => false;

    public Task<bool> TryAcquireAsync(string name, string holder, TimeSpan ttl, CancellationToken ct = default) => Task.FromResult(true);

    public Task ReleaseAsync(string name, string holder, CancellationToken ct = default) => Task.CompletedTask;
}
