using System.Text;

namespace Gatehouse.Protocol.Wire;

/// <summary>
/// The EC2 Query protocol: requests like the AWS Query protocol (lists as <c>Name.N</c>); results are
/// <c>&lt;{Action}Response xmlns="…"&gt;&lt;requestId&gt;…&lt;/requestId&gt;…</c> with members directly inside (no
/// Result element) and lists as <c>&lt;name&gt;&lt;item&gt;…&lt;/item&gt;&lt;/name&gt;</c>; errors are
/// <c>&lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;&lt;/Error&gt;&lt;/Errors&gt;&lt;RequestID/&gt;&lt;/Response&gt;</c>
/// (EC2 API reference, "Error codes" and "Query API request" pages). Member names are written as the action
/// gives them: EC2's are the model's lower-camel <c>locationName</c>s (<c>vpcEndpointSet</c>).
/// </summary>
public sealed class Ec2QueryProtocol(string xmlNamespace) : IWireProtocol
{
    public string Name => "ec2";

    public WireFormat Format => WireFormat.Form;

    public WireResponse Success(string action, string requestId, Action<IResponseWriter>? write, string? accept)
    {
        var sb = new StringBuilder(256);
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<").Append(action).Append("Response xmlns=\"").Append(xmlNamespace).Append("\">");
        sb.Append("<requestId>").Append(requestId).Append("</requestId>");
        write?.Invoke(new Ec2XmlWriter(sb));
        sb.Append("</").Append(action).Append("Response>");
        return new WireResponse(200, "text/xml;charset=UTF-8", Encoding.UTF8.GetBytes(sb.ToString()));
    }

    public WireResponse Error(AwsError error, string requestId)
    {
        var sb = new StringBuilder(256);
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>");
        XmlResponseWriter.Escape(sb, error.QueryCode);
        sb.Append("</Code><Message>");
        XmlResponseWriter.Escape(sb, error.Message);
        sb.Append("</Message></Error></Errors><RequestID>").Append(requestId).Append("</RequestID></Response>");
        return new WireResponse(error.HttpStatus, "text/xml;charset=UTF-8", Encoding.UTF8.GetBytes(sb.ToString()));
    }

    /// <summary>EC2's shapes: every list is wrapped and its entries are <c>item</c> elements.</summary>
    private sealed class Ec2XmlWriter(StringBuilder sb) : XmlWriterBase(sb)
    {
        private void Wrapped<T>(string name, IReadOnlyCollection<T> items, Action<T> writeItem)
        {
            if (items.Count == 0)
            {
                Sb.Append('<').Append(name).Append("/>");
                return;
            }

            Sb.Append('<').Append(name).Append('>');
            foreach (var item in items)
            {
                Sb.Append("<item>");
                writeItem(item);
                Sb.Append("</item>");
            }

            Sb.Append("</").Append(name).Append('>');
        }

        public override void StringList(string name, string queryName, IReadOnlyCollection<string>? values, bool emitEmpty = false)
        {
            if (values is not null && (values.Count > 0 || emitEmpty))
            {
                Wrapped(name, values, v => XmlResponseWriter.Escape(Sb, v));
            }
        }

        public override void StringMap(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, string>>? map)
        {
            if (map is not null)
            {
                Wrapped(name, map, kv =>
                {
                    Element(keyName, kv.Key);
                    Element(valueName, kv.Value);
                });
            }
        }

        public override void List<T>(string name, string queryName, IReadOnlyCollection<T>? items, Action<IResponseWriter, T> write, bool emitEmpty = false)
        {
            if (items is not null && (items.Count > 0 || emitEmpty))
            {
                Wrapped(name, items, item => write(this, item));
            }
        }

        public override void Map<T>(string name, string queryName, string keyName, string valueName, IReadOnlyCollection<KeyValuePair<string, T>>? map, Action<IResponseWriter, T> write)
        {
            if (map is not null)
            {
                Wrapped(name, map, kv =>
                {
                    Element(keyName, kv.Key);
                    Sb.Append('<').Append(valueName).Append('>');
                    write(this, kv.Value);
                    Sb.Append("</").Append(valueName).Append('>');
                });
            }
        }
    }
}
