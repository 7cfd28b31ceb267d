using System.Text;

namespace Gatehouse.Protocol.Wire;

/// <summary>
/// The AWS Query protocol (SQS's legacy protocol, IAM, STS): <c>&lt;{Action}Response xmlns="…"&gt;</c> with an
/// optional <c>&lt;{Action}Result&gt;</c> and the request id; errors are an <c>ErrorResponse</c> document. How lists
/// are written (SQS's flattened lists, IAM's <c>member</c> lists) is the action's business, through
/// <see cref="IResponseWriter"/> and <see cref="QueryListWriterExtensions"/>.
/// </summary>
/// <param name="xmlNamespace">The service's namespace (<c>http://queue.amazonaws.com/doc/2012-11-05/</c>).</param>
/// <param name="jsonWhenAccepted">SQS renders a Query response as JSON when the request accepts
/// <c>application/json</c> (the structure of the XML document, as JSON).</param>
public sealed class AwsQueryProtocol(string xmlNamespace, bool jsonWhenAccepted = false) : IWireProtocol
{
    public string Name => "query";

    public WireFormat Format => WireFormat.Form;

    public string XmlNamespace => xmlNamespace;

    public WireResponse Success(string action, string requestId, Action<IResponseWriter>? write, string? accept)
    {
        if (jsonWhenAccepted && accept?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var writer = new JsonResponseWriter();
            write?.Invoke(writer);
            var result = Encoding.UTF8.GetString(writer.Finish().Span);
            var doc = $"{{\"{action}Response\":{{\"{action}Result\":{result},\"ResponseMetadata\":{{\"RequestId\":\"{requestId}\"}}}}}}";
            return new WireResponse(200, "application/json", Encoding.UTF8.GetBytes(doc));
        }

        return new WireResponse(200, "text/xml", Encoding.UTF8.GetBytes(XmlResponseWriter.Render(action, xmlNamespace, requestId, write)));
    }

    public WireResponse Error(AwsError error, string requestId) =>
        new(error.HttpStatus, "text/xml", Encoding.UTF8.GetBytes(XmlResponseWriter.RenderError(error, xmlNamespace, requestId)));
}
