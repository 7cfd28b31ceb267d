using System.Globalization;

namespace Gatehouse.Protocol;

/// <summary>
/// Reads an AWS Query request (form POST or GET query string): flattened lists as <c>Name.N</c>, maps as
/// <c>Name.N.Key</c>/<c>Name.N.Value</c>, structures as dotted prefixes. Indices are 1-based; they are read in
/// numeric order and gaps are allowed, as AWS's Query parser does.
/// </summary>
public sealed class QueryRequestReader : IRequestReader
{
    private readonly IReadOnlyDictionary<string, string> _parameters;
    private readonly string _prefix;

    public QueryRequestReader(IReadOnlyDictionary<string, string> parameters)
        : this(parameters, "")
    {
    }

    private QueryRequestReader(IReadOnlyDictionary<string, string> parameters, string prefix)
    {
        _parameters = parameters;
        _prefix = prefix;
    }

    public IEnumerable<string> MemberNames =>
        _parameters.Keys.Where(k => k.StartsWith(_prefix, StringComparison.Ordinal)).Select(k => k[_prefix.Length..]);

    public string? GetString(string name) => _parameters.TryGetValue(_prefix + name, out var v) ? v : null;

    public int? GetInt(string name)
    {
        var s = GetString(name);
        if (s is null)
        {
            return null;
        }

        return int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new AwsErrorException(CommonErrors.InvalidParameterValue($"Value {s} for parameter {name} is invalid. Reason: must be an integer."));
    }

    public long? GetLong(string name)
    {
        var s = GetString(name);
        if (s is null)
        {
            return null;
        }

        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new AwsErrorException(CommonErrors.InvalidParameterValue($"Value {s} for parameter {name} is invalid. Reason: must be an integer."));
    }

    public bool? GetBool(string name)
    {
        var s = GetString(name);
        if (s is null)
        {
            return null;
        }

        if (string.Equals(s, "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(s, "false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        throw new AwsErrorException(CommonErrors.InvalidParameterValue($"Value {s} for parameter {name} is invalid. Reason: must be a boolean."));
    }

    public byte[]? GetBlob(string name)
    {
        var s = GetString(name);
        if (s is null)
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(s);
        }
        catch (FormatException)
        {
            throw new AwsErrorException(CommonErrors.InvalidParameterValue($"Value for parameter {name} is not valid base64."));
        }
    }

    /// <summary>The 1-based indices present under <c>prefix + queryName + "."</c>, in numeric order.</summary>
    private List<int> Indices(string queryName)
    {
        var head = _prefix + queryName + ".";
        var set = new SortedSet<int>();
        foreach (var key in _parameters.Keys)
        {
            if (!key.StartsWith(head, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = key.AsSpan(head.Length);
            var dot = rest.IndexOf('.');
            var digits = dot < 0 ? rest : rest[..dot];
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= 1)
            {
                set.Add(i);
            }
        }

        return [.. set];
    }

    public IReadOnlyList<string>? GetStringList(string name, string queryName)
    {
        var indices = Indices(queryName);
        if (indices.Count == 0)
        {
            return null;
        }

        var list = new List<string>(indices.Count);
        foreach (var i in indices)
        {
            if (_parameters.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"{_prefix}{queryName}.{i}"), out var v))
            {
                list.Add(v);
            }
        }

        return list;
    }

    public IReadOnlyList<KeyValuePair<string, string>>? GetStringMap(string name, string queryName, string keyName, string valueName)
    {
        var indices = Indices(queryName);
        if (indices.Count == 0)
        {
            return null;
        }

        var list = new List<KeyValuePair<string, string>>(indices.Count);
        foreach (var i in indices)
        {
            var entry = string.Create(CultureInfo.InvariantCulture, $"{_prefix}{queryName}.{i}.");
            if (_parameters.TryGetValue(entry + keyName, out var k))
            {
                list.Add(new(k, _parameters.TryGetValue(entry + valueName, out var v) ? v : ""));
            }
        }

        return list;
    }

    public IReadOnlyList<IRequestReader>? GetList(string name, string queryName)
    {
        var indices = Indices(queryName);
        if (indices.Count == 0)
        {
            return null;
        }

        return [.. indices.Select(i => new QueryRequestReader(_parameters, string.Create(CultureInfo.InvariantCulture, $"{_prefix}{queryName}.{i}.")))];
    }

    public IReadOnlyList<KeyValuePair<string, IRequestReader>>? GetMap(string name, string queryName, string keyName, string valueName)
    {
        var indices = Indices(queryName);
        if (indices.Count == 0)
        {
            return null;
        }

        var list = new List<KeyValuePair<string, IRequestReader>>(indices.Count);
        foreach (var i in indices)
        {
            var entry = string.Create(CultureInfo.InvariantCulture, $"{_prefix}{queryName}.{i}.");
            if (_parameters.TryGetValue(entry + keyName, out var k))
            {
                list.Add(new(k, new QueryRequestReader(_parameters, entry + valueName + ".")));
            }
        }

        return list;
    }
}
