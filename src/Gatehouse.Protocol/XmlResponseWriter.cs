using System.Text;

namespace Gatehouse.Protocol;

/// <summary>
/// Writes an AWS Query-protocol XML response: flattened lists and maps, and SQS's escaping, which also
/// escapes <c>"</c> as <c>&amp;quot;</c> and carriage return as <c>&amp;#xD;</c> inside text, as in SQS's recorded
/// responses (docs/architecture.md, "Wire protocols").
/// </summary>
public sealed class XmlResponseWriter : XmlWriterBase
{
    private XmlResponseWriter(StringBuilder sb)
        : base(sb)
    {
    }

    /// <summary>Renders a whole success document: <c>&lt;{Action}Response&gt;</c>, an optional
    /// <c>&lt;{Action}Result&gt;</c>, and the request id.</summary>
    public static string Render(string action, string xmlNamespace, string requestId, Action<IResponseWriter>? writeResult)
    {
        var sb = new StringBuilder(256);
        sb.Append("<?xml version=\"1.0\"?><").Append(action).Append("Response xmlns=\"").Append(xmlNamespace).Append("\">");
        if (writeResult is not null)
        {
            sb.Append('<').Append(action).Append("Result>");
            var mark = sb.Length;
            writeResult(new XmlResponseWriter(sb));
            if (sb.Length == mark)
            {
                // An empty result is a self-closing element, as in AWS's responses (<ReceiveMessageResult/>).
                sb.Length = mark - 1;
                sb.Append("/>");
            }
            else
            {
                sb.Append("</").Append(action).Append("Result>");
            }
        }

        sb.Append("<ResponseMetadata><RequestId>").Append(requestId).Append("</RequestId></ResponseMetadata></")
          .Append(action).Append("Response>");
        return sb.ToString();
    }

    /// <summary>Renders an <c>ErrorResponse</c> document in AWS's element order.</summary>
    public static string RenderError(AwsError error, string xmlNamespace, string requestId)
    {
        var sb = new StringBuilder(256);
        sb.Append("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"").Append(xmlNamespace).Append("\"><Error><Type>")
          .Append(error.SenderFault ? "Sender" : "Receiver").Append("</Type><Code>");
        Escape(sb, error.QueryCode);
        sb.Append("</Code><Message>");
        Escape(sb, error.Message);
        sb.Append("</Message><Detail/></Error><RequestId>").Append(requestId).Append("</RequestId></ErrorResponse>");
        return sb.ToString();
    }

    /// <summary>Writes <paramref name="text"/> as XML character data. A character XML 1.0 does not allow
    /// (<c>Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]</c>, XML 1.0 §2.2; not
    /// even as a character reference) is written as U+FFFD, so a document is well-formed whatever a stored value or
    /// an echoed request value holds.</summary>
    internal static void Escape(StringBuilder sb, string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\r': sb.Append("&#xD;"); break;
                case '\t' or '\n' or (>= '\u0020' and <= '\uD7FF') or (>= '\uE000' and <= '\uFFFD'): sb.Append(c); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(c).Append(text[++i]);
                    }
                    else
                    {
                        sb.Append('\uFFFD');
                    }

                    break;
            }
        }
    }

    public override void StringList(string name, string queryName, IReadOnlyCollection<string>? values, bool emitEmpty = false)
    {
        if (values is null)
        {
            return;
        }

        foreach (var v in values)
        {
            Element(queryName, v);
        }
    }

    public override void StringMap(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, string>>? map)
    {
        if (map is null)
        {
            return;
        }

        foreach (var (k, v) in map)
        {
            Sb.Append('<').Append(queryName).Append('>');
            Element(keyName, k);
            Element(valueName, v);
            Sb.Append("</").Append(queryName).Append('>');
        }
    }

    public override void List<T>(string name, string queryName, IReadOnlyCollection<T>? items, Action<IResponseWriter, T> write, bool emitEmpty = false)
    {
        if (items is null)
        {
            return;
        }

        foreach (var item in items)
        {
            Sb.Append('<').Append(queryName).Append('>');
            write(this, item);
            Sb.Append("</").Append(queryName).Append('>');
        }
    }

    public override void Map<T>(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, T>>? map, Action<IResponseWriter, T> write)
    {
        if (map is null)
        {
            return;
        }

        foreach (var (k, v) in map)
        {
            Sb.Append('<').Append(queryName).Append('>');
            Element(keyName, k);
            Sb.Append('<').Append(valueName).Append('>');
            write(this, v);
            Sb.Append("</").Append(valueName).Append('>');
            Sb.Append("</").Append(queryName).Append('>');
        }
    }
}
