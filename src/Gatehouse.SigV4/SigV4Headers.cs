namespace Gatehouse.SigV4;

/// <summary>A small case-insensitive header multi-map, for tests, the load generator and other non-ASP.NET callers.</summary>
public sealed class SigV4Headers : ISigV4Headers
{
    private readonly Dictionary<string, List<string?>> _values = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds one header line; repeated names keep every value in order.</summary>
    public SigV4Headers Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list))
        {
            list = [];
            _values.Add(name, list);
        }
        list.Add(value);
        return this;
    }

    /// <summary>Replaces every value of the header with one value.</summary>
    public SigV4Headers Set(string name, string value)
    {
        _values[name] = [value];
        return this;
    }

    /// <summary>Header names as first added.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <inheritdoc />
    public IReadOnlyList<string?>? GetValues(string name) => _values.TryGetValue(name, out var list) ? list : null;
}
