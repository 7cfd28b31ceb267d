using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gatehouse.Protocol;

/// <summary>Writes an AWS JSON 1.0 response body.</summary>
public sealed class JsonResponseWriter : IResponseWriter, IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;

    public JsonResponseWriter()
    {
        _json = new Utf8JsonWriter(_buffer, Options);
        _json.WriteStartObject();
    }

    /// <summary>Closes the top-level object and returns the UTF-8 body.</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        _json.WriteEndObject();
        _json.Flush();
        return _buffer.WrittenMemory;
    }

    public void Dispose() => _json.Dispose();

    public void String(string name, string? value)
    {
        if (value is not null)
        {
            _json.WriteString(name, value);
        }
    }

    /// <summary>A member whose value is already JSON (a stored document), written as is.</summary>
    public void RawJsonList(string name, IEnumerable<string> documents)
    {
        _json.WriteStartArray(name);
        foreach (var document in documents)
        {
            _json.WriteRawValue(document, skipInputValidation: true);
        }

        _json.WriteEndArray();
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
        if (map is null || map.Count == 0)
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

    public void Structure(string name, Action<IResponseWriter> write)
    {
        _json.WriteStartObject(name);
        write(this);
        _json.WriteEndObject();
    }

    /// <summary>A nested structure written with this writer's JSON-only members (timestamps, item lists).</summary>
    public void Object(string name, Action<JsonResponseWriter> write)
    {
        _json.WriteStartObject(name);
        write(this);
        _json.WriteEndObject();
    }

    /// <summary>A timestamp as AWS JSON protocols send it: epoch seconds with milliseconds.</summary>
    public void Timestamp(string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            _json.WriteNumber(name, Math.Round(v.ToUnixTimeMilliseconds() / 1000.0, 3));
        }
    }

    /// <summary>A list of structures that is always written, also when empty (Organizations' lists).</summary>
    public void Items<T>(string name, IEnumerable<T> items, Action<JsonResponseWriter, T> write)
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

    public void List<T>(string name, string queryName, IReadOnlyCollection<T>? items, Action<IResponseWriter, T> write, bool emitEmpty = false)
    {
        if (items is null || (items.Count == 0 && !emitEmpty))
        {
            return;
        }

        _json.WriteStartArray(name);
        foreach (var item in items)
        {
            _json.WriteStartObject();
            write(this, item);
            _json.WriteEndObject();
        }

        _json.WriteEndArray();
    }

    public void Map<T>(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, T>>? map, Action<IResponseWriter, T> write)
    {
        if (map is null || map.Count == 0)
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
