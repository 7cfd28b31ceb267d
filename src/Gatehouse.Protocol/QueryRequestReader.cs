using System.Globalization;

namespace Gatehouse.Protocol;

/// <summary>
/// Reads an AWS Query request (form POST or GET query string): flattened lists as <c>Name.N</c>, maps as
/// <c>Name.N.Key</c>/<c>Name.N.Value</c>, structures as dotted prefixes. Indices are 1-based; they are read in
/// numeric order and gaps are allowed, as AWS's Query parser does.
/// </summary>
public sealed class QueryRequestReader : IRequestReader
{
    /// <summary>How many numbered levels of one parameter name are indexed (<c>Entry.1.MessageAttribute.2.Value.
    /// StringListValue.3</c> has three); AWS's shapes nest no deeper, and the bound keeps indexing linear.</summary>
    private const int MaxIndexedLevels = 4;

    private readonly IReadOnlyDictionary<string, string> _parameters;
    private readonly string _prefix;
    private readonly ListIndex _lists;

    public QueryRequestReader(IReadOnlyDictionary<string, string> parameters)
        : this(parameters, "", new ListIndex(parameters))
    {
    }

    private QueryRequestReader(IReadOnlyDictionary<string, string> parameters, string prefix, ListIndex lists)
    {
        _parameters = parameters;
        _prefix = prefix;
        _lists = lists;
    }

    /// <summary>
    /// Every list's indices, found in one pass over the parameter names when first needed and shared by the
    /// readers of nested members: reading a request costs time linear in its size, however many list members it
    /// has (a scan of every name per list would be quadratic, and a request is decoded before it is authorized).
    /// </summary>
    private sealed class ListIndex(IReadOnlyDictionary<string, string> parameters)
    {
        private Dictionary<string, SortedSet<int>>? _heads;

        private static readonly SortedSet<int> None = [];

        public SortedSet<int> Of(string head)
        {
            _heads ??= Build(parameters);
            return _heads.TryGetValue(head, out var set) ? set : None;
        }

        private static Dictionary<string, SortedSet<int>> Build(IReadOnlyDictionary<string, string> parameters)
        {
            var heads = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
            foreach (var key in parameters.Keys)
            {
                var levels = 0;
                for (var dot = key.IndexOf('.', StringComparison.Ordinal); dot >= 0 && levels < MaxIndexedLevels; dot = key.IndexOf('.', dot + 1))
                {
                    var end = key.IndexOf('.', dot + 1);
                    var digits = end < 0 ? key.AsSpan(dot + 1) : key.AsSpan(dot + 1, end - dot - 1);
                    if (digits.Length is > 0 and <= 9 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= 1)
                    {
                        var head = key[..(dot + 1)];
                        if (!heads.TryGetValue(head, out var set))
                        {
                            heads[head] = set = [];
                        }

                        set.Add(i);
                        levels++;
                    }
                }
            }

            return heads;
        }
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
    private SortedSet<int> Indices(string queryName) => _lists.Of(_prefix + queryName + ".");

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

        return [.. indices.Select(i => new QueryRequestReader(_parameters, string.Create(CultureInfo.InvariantCulture, $"{_prefix}{queryName}.{i}."), _lists))];
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
                list.Add(new(k, new QueryRequestReader(_parameters, entry + valueName + ".", _lists)));
            }
        }

        return list;
    }
}
