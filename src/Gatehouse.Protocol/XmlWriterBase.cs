using System.Globalization;
using System.Text;

namespace Gatehouse.Protocol;

/// <summary>
/// What the XML protocols (AWS Query, EC2 Query) write alike: scalar members as escaped elements and nested
/// structures as elements. They differ only in how lists and maps are shaped (flattened in the AWS Query protocol,
/// wrapped <c>item</c>s in EC2's), which each writer supplies.
/// </summary>
public abstract class XmlWriterBase(StringBuilder sb) : IResponseWriter
{
    /// <summary>The document being written.</summary>
    protected StringBuilder Sb { get; } = sb;

    /// <summary><c>&lt;name&gt;value&lt;/name&gt;</c>, the value escaped.</summary>
    protected void Element(string name, string value)
    {
        Sb.Append('<').Append(name).Append('>');
        XmlResponseWriter.Escape(Sb, value);
        Sb.Append("</").Append(name).Append('>');
    }

    public void String(string name, string? value)
    {
        if (value is not null)
        {
            Element(name, value);
        }
    }

    public void Number(string name, long? value)
    {
        if (value is { } v)
        {
            Element(name, v.ToString(CultureInfo.InvariantCulture));
        }
    }

    public void Bool(string name, bool? value)
    {
        if (value is { } v)
        {
            Element(name, v ? "true" : "false");
        }
    }

    public void Timestamp(string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            Element(name, v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
    }

    public void Blob(string name, ReadOnlyMemory<byte>? value)
    {
        if (value is { } v)
        {
            Element(name, Convert.ToBase64String(v.Span));
        }
    }

    public void Structure(string name, Action<IResponseWriter> write)
    {
        Sb.Append('<').Append(name).Append('>');
        write(this);
        Sb.Append("</").Append(name).Append('>');
    }

    public abstract void StringList(string name, string queryName, IReadOnlyCollection<string>? values, bool emitEmpty = false);

    public abstract void StringMap(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, string>>? map);

    public abstract void List<T>(string name, string queryName, IReadOnlyCollection<T>? items, Action<IResponseWriter, T> write, bool emitEmpty = false);

    public abstract void Map<T>(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, T>>? map, Action<IResponseWriter, T> write);
}
