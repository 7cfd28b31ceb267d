using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;
using Gatehouse.Services.Organizations;

namespace Gatehouse.Server.Organizations;

/// <summary>
/// AWS JSON 1.1 as Organizations speaks it: results may nest structures (<c>{"Organization": {…}}</c>), and errors
/// carry the model's <c>Message</c> member (capitalised, as every Organizations error shape names it) and, for
/// <c>ConstraintViolationException</c> and <c>InvalidInputException</c>, the <c>Reason</c> member.
/// </summary>
internal sealed class OrganizationsWireProtocol : IWireProtocol
{
    public static OrganizationsWireProtocol Instance { get; } = new();

    public string Name => "json";

    public WireFormat Format => WireFormat.Json;

    public string ContentType { get; } = "application/x-amz-json-1.1";

    public WireResponse Success(string action, string requestId, Action<IResponseWriter>? write, string? accept)
    {
        var writer = new OrganizationsJsonWriter();
        write?.Invoke(writer);
        return new WireResponse(200, ContentType, writer.Finish(), writer);
    }

    public WireResponse Error(AwsError error, string requestId)
    {
        var body = new Dictionary<string, string> { ["__type"] = error.ShortType, ["Message"] = error.Message };
        if (OrganizationErrors.ReasonOf(error) is { } reason)
        {
            body["Reason"] = reason;
        }

        return new WireResponse(error.HttpStatus, ContentType, JsonSerializer.SerializeToUtf8Bytes(body));
    }
}

/// <summary>A JSON response writer that can also write a nested object (<see cref="Object"/>).</summary>
internal sealed class OrganizationsJsonWriter : IResponseWriter, IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;

    public OrganizationsJsonWriter()
    {
        _json = new Utf8JsonWriter(_buffer, Options);
        _json.WriteStartObject();
    }

    public ReadOnlyMemory<byte> Finish()
    {
        _json.WriteEndObject();
        _json.Flush();
        return _buffer.WrittenMemory;
    }

    public void Dispose() => _json.Dispose();

    public void Structure(string name, Action<IResponseWriter> write)
    {
        _json.WriteStartObject(name);
        write(this);
        _json.WriteEndObject();
    }

    /// <summary>A nested structure member written with this writer's own members (timestamps, item lists).</summary>
    public void Object(string name, Action<OrganizationsJsonWriter> write)
    {
        _json.WriteStartObject(name);
        write(this);
        _json.WriteEndObject();
    }

    /// <summary>A timestamp, as AWS JSON sends them: epoch seconds with milliseconds.</summary>
    public void Timestamp(string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            _json.WriteNumber(name, Math.Round(v.ToUnixTimeMilliseconds() / 1000.0, 3));
        }
    }

    /// <summary>A list of structures, always written (Organizations lists are present even when empty).</summary>
    public void Items<T>(string name, IEnumerable<T> items, Action<OrganizationsJsonWriter, T> write)
    {
        _json.WriteStartArray(name);
        foreach (var item in items)
        {
            _json.WriteStartObject();
            write(this, item);
            _json.WriteEndObject();
        }

        _json.WriteEndArray();
    }

    public void String(string name, string? value)
    {
        if (value is not null)
        {
            _json.WriteString(name, value);
        }
    }

    public void Number(string name, long? value)
    {
        if (value is { } v)
        {
            _json.WriteNumber(name, v);
        }
    }

    public void Bool(string name, bool? value)
    {
        if (value is { } v)
        {
            _json.WriteBoolean(name, v);
        }
    }

    public void Blob(string name, ReadOnlyMemory<byte>? value)
    {
        if (value is { } v)
        {
            _json.WriteBase64String(name, v.Span);
        }
    }

    public void StringList(string name, string queryName, IReadOnlyCollection<string>? values, bool emitEmpty = false)
    {
        if (values is null || (values.Count == 0 && !emitEmpty))
        {
            return;
        }

        _json.WriteStartArray(name);
        foreach (var v in values)
        {
            _json.WriteStringValue(v);
        }

        _json.WriteEndArray();
    }

    public void StringMap(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, string>>? map)
    {
        if (map is null)
        {
            return;
        }

        _json.WriteStartObject(name);
        foreach (var (k, v) in map)
        {
            _json.WriteString(k, v);
        }

        _json.WriteEndObject();
    }

    public void List<T>(string name, string queryName, IReadOnlyCollection<T>? items, Action<IResponseWriter, T> write, bool emitEmpty = false)
    {
        if (items is null || (items.Count == 0 && !emitEmpty))
        {
            return;
        }

        Items(name, items, (w, item) => write(w, item));
    }

    public void Map<T>(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, T>>? map, Action<IResponseWriter, T> write)
    {
        if (map is null)
        {
            return;
        }

        _json.WriteStartObject(name);
        foreach (var (k, v) in map)
        {
            _json.WriteStartObject(k);
            write(this, v);
            _json.WriteEndObject();
        }

        _json.WriteEndObject();
    }
}
