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
}

public sealed record IdentityRow(string Kind, string Key, string Json);

/// <summary>Nothing survives a restart (<c>--in-memory</c>, tests).</summary>
public sealed class InMemoryIdentityStore : IIdentityStore
{
    private readonly Dictionary<(string, string), string> _rows = [];
    private readonly Lock _gate = new();

    public string Description => "memory";

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
