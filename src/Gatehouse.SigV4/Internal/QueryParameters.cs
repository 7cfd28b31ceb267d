namespace Gatehouse.SigV4.Internal;

/// <summary>The query string split into decoded name/value pairs, in wire order.</summary>
internal static class QueryParameters
{
    public static List<KeyValuePair<string, string>> Parse(string rawQuery)
    {
        var result = new List<KeyValuePair<string, string>>();
        var rest = rawQuery.AsSpan();
        if (rest.Length > 0 && rest[0] == '?')
            rest = rest[1..];
        while (rest.Length > 0)
        {
            var amp = rest.IndexOf('&');
            var piece = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? [] : rest[(amp + 1)..];
            if (piece.Length == 0)
                continue;
            var eq = piece.IndexOf('=');
            var name = UriEncoding.DecodeQueryComponent(eq < 0 ? piece : piece[..eq]);
            var value = eq < 0 ? "" : UriEncoding.DecodeQueryComponent(piece[(eq + 1)..]);
            result.Add(new(name, value));
        }
        return result;
    }

    public static string? First(List<KeyValuePair<string, string>> parameters, string name)
    {
        foreach (var pair in parameters)
        {
            if (string.Equals(pair.Key, name, StringComparison.Ordinal))
                return pair.Value;
        }
        return null;
    }
}
