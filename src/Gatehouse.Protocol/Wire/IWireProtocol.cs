namespace Gatehouse.Protocol.Wire;

/// <summary>How a protocol carries a request's members: a JSON document body, or form/query parameters.</summary>
public enum WireFormat
{
    /// <summary>AWS JSON 1.0 / 1.1: the body is one JSON object, the operation is in <c>X-Amz-Target</c>.</summary>
    Json,

    /// <summary>AWS Query and EC2 Query: <c>Action=</c> and the members as URL query or form parameters.</summary>
    Form,
}

/// <summary>
/// One AWS wire protocol (awsJson1_0, awsJson1_1, awsQuery, ec2Query, and Gatehouse's own REST JSON): how it
/// renders a result and an error. Success and error rendering each live in exactly one place per protocol, so every
/// service that speaks a protocol answers in the same shapes.
/// </summary>
public interface IWireProtocol
{
    /// <summary>The protocol's name as the AWS service models spell it (<c>json</c>, <c>query</c>, <c>ec2</c>).</summary>
    string Name { get; }

    WireFormat Format { get; }

    /// <summary>Renders a successful result; <paramref name="write"/> is null for actions without output.</summary>
    /// <param name="accept">The request's <c>Accept</c> header (a Query request may ask for JSON).</param>
    WireResponse Success(string action, string requestId, Action<IResponseWriter>? write, string? accept);

    /// <summary>Renders an error.</summary>
    WireResponse Error(AwsError error, string requestId);
}

/// <summary>A rendered response. <see cref="Owner"/>, when set, owns <see cref="Body"/>'s memory and is disposed
/// once the body has been written.</summary>
public sealed record WireResponse(int Status, string ContentType, ReadOnlyMemory<byte> Body, IDisposable? Owner = null)
{
    /// <summary>Extra headers (<c>x-amzn-query-error</c>, <c>x-amzn-ErrorType</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
}
