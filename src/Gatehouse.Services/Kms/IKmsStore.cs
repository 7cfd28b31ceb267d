namespace Gatehouse.Services.Kms;

/// <summary>
/// The KMS store port: keys, aliases and grants as JSON rows keyed by (kind, key). <see cref="KmsService"/> keeps
/// everything in memory and writes through on each change, so a store loads everything once and applies single-row
/// changes. Key material inside a key row is already encrypted under the server key.
/// </summary>
public interface IKmsStore : IDisposable
{
    string Description { get; }

    IReadOnlyList<KmsRow> LoadAll();

    void Put(string kind, string key, string json);

    void Delete(string kind, string key);

    /// <summary>Raised when another Gatehouse node sharing the store changed a row (key policies are authorization
    /// inputs, so each node's cache follows). A store only this process writes never raises it.</summary>
    event Action<KmsChange>? ChangedElsewhere
    {
        add { }
        remove { }
    }
}

public sealed record KmsRow(string Kind, string Key, string Json);

/// <summary>One row changed by another node: its new JSON, or null when it was deleted.</summary>
public sealed record KmsChange(string Kind, string Key, string? Json);

/// <summary>Nothing survives a restart (<c>--in-memory</c>, tests).</summary>
public sealed class InMemoryKmsStore : IKmsStore
{
    private readonly Dictionary<(string, string), string> _rows = [];
    private readonly Lock _gate = new();

    public string Description => "memory";

    public IReadOnlyList<KmsRow> LoadAll()
    {
        lock (_gate)
        {
            return [.. _rows.Select(r => new KmsRow(r.Key.Item1, r.Key.Item2, r.Value))];
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
