using System.Globalization;
using System.Text.Json;

namespace Gatehouse.Protocol;

/// <summary>Reads an AWS JSON 1.0 request body (awsJson1_0): member names verbatim, blobs as base64.</summary>
public sealed class JsonRequestReader : IRequestReader
{
    private readonly JsonElement _element;

    private JsonRequestReader(JsonElement element) => _element = element;

    /// <summary>Parses a request body; an empty body is an empty object, as AWS treats it.</summary>
    public static JsonRequestReader Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return new JsonRequestReader(EmptyObject);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException)
        {
            throw new AwsErrorException(CommonErrors.Serialization("Start of structure or map found where not expected."));
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new AwsErrorException(CommonErrors.Serialization("Start of structure or map found where not expected."));
        }

        CheckText(doc.RootElement);
        return new JsonRequestReader(doc.RootElement);
    }

    /// <summary>One pass over every member name and string (the depth is bounded by the parser): an escaped lone
    /// surrogate such as <c>"\ud800"</c> is valid JSON but not text, and is refused up front as AWS refuses it, with a
    /// 400 SerializationException, wherever it stands.</summary>
    private static void CheckText(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    _ = Name(p);
                    CheckText(p.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CheckText(item);
                }

                break;
            case JsonValueKind.String:
                _ = Text(element);
                break;
            default:
                break;
        }
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;

    public IEnumerable<string> MemberNames
    {
        get
        {
            foreach (var p in _element.EnumerateObject())
            {
                yield return p.Name;
            }
        }
    }

    private JsonElement? Member(string name) =>
        _element.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    /// <summary>A string value; an escaped lone surrogate (<c>"\ud800"</c>) is not text, and is refused as AWS refuses
    /// it, with a 400 SerializationException rather than a failure of the server.</summary>
    private static string Text(JsonElement v)
    {
        try
        {
            return v.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new AwsErrorException(CommonErrors.Serialization("Invalid UTF-8 or UTF-16 in a string value."));
        }
    }

    private static string Name(JsonProperty p)
    {
        try
        {
            return p.Name;
        }
        catch (InvalidOperationException)
        {
            throw new AwsErrorException(CommonErrors.Serialization("Invalid UTF-8 or UTF-16 in a member name."));
        }
    }

    private static AwsErrorException Mistyped(string name, string expected) =>
        new(CommonErrors.Serialization($"Unexpected value type for member '{name}': expected {expected}."));

    public string? GetString(string name)
    {
        if (Member(name) is not { } v)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? Text(v) : throw Mistyped(name, "a string");
    }

    public int? GetInt(string name)
    {
        var l = GetLong(name);
        if (l is null)
        {
            return null;
        }

        if (l > int.MaxValue || l < int.MinValue)
        {
            throw new AwsErrorException(CommonErrors.InvalidParameterValue(
                $"Value {l} for parameter {name} is invalid. Reason: the value is out of range."));
        }

        return (int)l;
    }

    public long? GetLong(string name)
    {
        if (Member(name) is not { } v)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n))
        {
            return n;
        }

        // Coral accepts numeric strings for integer members; SDKs never send them, hand-written clients do.
        if (v.ValueKind == JsonValueKind.String && long.TryParse(Text(v), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n))
        {
            return n;
        }

        throw Mistyped(name, "an integer");
    }

    public bool? GetBool(string name)
    {
        if (Member(name) is not { } v)
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Mistyped(name, "a boolean"),
        };
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
            throw new AwsErrorException(CommonErrors.Serialization($"Base64 encoded value for member '{name}' is invalid."));
        }
    }

    public IReadOnlyList<string>? GetStringList(string name, string queryName)
    {
        if (Member(name) is not { } v)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Mistyped(name, "a list");
        }

        var list = new List<string>(v.GetArrayLength());
        foreach (var item in v.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? Text(item) : throw Mistyped(name, "a list of strings"));
        }

        return list;
    }

    public IReadOnlyList<KeyValuePair<string, string>>? GetStringMap(string name, string queryName, string keyName, string valueName)
    {
        if (Member(name) is not { } v)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            throw Mistyped(name, "a map");
        }

        var list = new List<KeyValuePair<string, string>>();
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                throw Mistyped(name, "a map of strings");
            }

            list.Add(new(Name(p), Text(p.Value)));
        }

        return list;
    }

    public IReadOnlyList<IRequestReader>? GetList(string name, string queryName)
    {
        if (Member(name) is not { } v)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Mistyped(name, "a list");
        }

        var list = new List<IRequestReader>(v.GetArrayLength());
        foreach (var item in v.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.Object ? new JsonRequestReader(item) : throw Mistyped(name, "a list of structures"));
        }

        return list;
    }

    public IReadOnlyList<KeyValuePair<string, IRequestReader>>? GetMap(string name, string queryName, string keyName, string valueName)
    {
        if (Member(name) is not { } v)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            throw Mistyped(name, "a map");
        }

        var list = new List<KeyValuePair<string, IRequestReader>>();
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Object)
            {
                throw Mistyped(name, "a map of structures");
            }

            list.Add(new(Name(p), new JsonRequestReader(p.Value)));
        }

        return list;
    }

    public IRequestReader? GetStructure(string name)
    {
        if (Member(name) is not { } v)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Object ? new JsonRequestReader(v) : throw Mistyped(name, "a structure");
    }
}
