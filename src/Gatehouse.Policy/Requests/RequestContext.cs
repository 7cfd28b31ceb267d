using System.Globalization;

namespace Gatehouse.Policy;

/// <summary>
/// Condition keys of one request: a case-insensitive (IAM User Guide, "IAM JSON policy elements: Condition": key names ignore case), multi-valued map.
/// Time is an input (design rule 9, docs/architecture.md): call <see cref="SetTime"/> with the server's clock reading.
/// </summary>
public sealed class RequestContext
{
    internal readonly Dictionary<string, ContextValue> Values = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Sets a single-valued key (String, Numeric, Date, Bool, IP or ARN typed).</summary>
    public RequestContext Set(string key, string value)
    {
        Values[key] = new ContextValue([value], isMultivalued: false);
        return this;
    }

    public RequestContext Set(string key, bool value) => Set(key, value ? "true" : "false");

    public RequestContext Set(string key, long value) => Set(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Sets a multivalued key (<c>ArrayOf…</c> types such as <c>aws:TagKeys</c>, <c>aws:CalledVia</c>).</summary>
    public RequestContext SetMany(string key, IEnumerable<string> values)
    {
        Values[key] = new ContextValue([.. values], isMultivalued: true);
        return this;
    }

    /// <summary>Sets <c>aws:CurrentTime</c> (ISO-8601 UTC) and <c>aws:EpochTime</c> (seconds).</summary>
    public RequestContext SetTime(DateTimeOffset now)
    {
        Set("aws:CurrentTime", now.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        return Set("aws:EpochTime", now.ToUnixTimeSeconds());
    }

    public bool Remove(string key) => Values.Remove(key);

    public bool Contains(string key) => Values.ContainsKey(key);

    /// <summary>The values of <paramref name="key"/>, or null when absent.</summary>
    public IReadOnlyList<string>? Get(string key) => Values.TryGetValue(key, out var v) ? v.Values : null;

    public IEnumerable<string> Keys => Values.Keys;
}

/// <summary>One key's values with lazily cached typed parses (shared by every policy evaluated).</summary>
internal sealed class ContextValue(string[] values, bool isMultivalued)
{
    internal string[] Values { get; } = values;

    internal bool IsMultivalued { get; } = isMultivalued;

    private decimal?[]? numbers;
    private DateTimeOffset?[]? dates;
    private IpNetwork?[]? ips;

    internal decimal? Number(int i)
    {
        numbers ??= Values.Select(v => ConditionValueParsers.ParseNumber(v)).ToArray();
        return numbers[i];
    }

    internal DateTimeOffset? Date(int i)
    {
        dates ??= Values.Select(v => ConditionValueParsers.ParseDate(v)).ToArray();
        return dates[i];
    }

    internal IpNetwork? Ip(int i)
    {
        ips ??= Values.Select(v => IpNetwork.TryParse(v, out var n) ? n : (IpNetwork?)null).ToArray();
        return ips[i];
    }
}
