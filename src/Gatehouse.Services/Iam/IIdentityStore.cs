namespace Gatehouse.Services.Iam;

/// <summary>
/// The identity store port: entities as JSON rows keyed by (kind, key). The registry keeps everything in memory and
/// writes through on every change, so a store only needs to load everything once and apply single-row changes.
/// </summary>
public interface IIdentityStore : IDisposable
{
    string Description { get; }

    IReadOnlyList<IdentityRow> LoadAll();

    void Put(string kind, string key, string json);

    void Delete(string kind, string key);

    /// <summary>
    /// Raised when another process changed a row of a store that several Gatehouse nodes share, so each node's
    /// registry takes the change in (the PostgreSQL store raises it from its change notifications). A store that
    /// only this process writes never raises it: its own changes are already in memory.
    /// </summary>
    event Action<IdentityChange>? ChangedElsewhere;
}

public sealed record IdentityRow(string Kind, string Key, string Json);

/// <summary>One row changed by another node: its new JSON, or null when it was deleted.</summary>
public sealed record IdentityChange(string Kind, string Key, string? Json);

/// <summary>Nothing survives a restart (<c>--in-memory</c>, tests).</summary>
public sealed class InMemoryIdentityStore : IIdentityStore
{
    private readonly Dictionary<(string, string), string> _rows = [];
    private readonly Lock _gate = new();

    public string Description => "memory";

    /// <summary>Only this process writes it: no change notices.</summary>
    public event Action<IdentityChange>? ChangedElsewhere
    {
        add { }
        remove { }
    }

    public IReadOnlyList<IdentityRow> LoadAll()
    {
        lock (_gate)
        {
            return [.. _rows.Select(r => new IdentityRow(r.Key.Item1, r.Key.Item2, r.Value))];
        }
    }

    public void Put(string kind, string key, string json)
    {
        lock (_gate)
        {
            _rows[(kind, key)] = json;
        }
    }

    public void Delete(string kind, string key)
    {
        lock (_gate)
        {
            _rows.Remove((kind, key));
        }
    }

    public void Dispose()
    {
    }
}
