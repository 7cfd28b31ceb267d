using System.Text.Json;

namespace Gatehouse.Protocol.Wire;

/// <summary>
/// AWS JSON 1.0 and 1.1 (the service models' <c>json</c> protocol): results are a JSON object; errors are
/// <c>{"__type": …, "message": …}</c> with the error's HTTP status. SQS alone also sends its Query-protocol error
/// code in <c>x-amzn-query-error</c> (<c>awsQueryCompatible</c> in its service model), so older clients keep their
/// error codes.
/// </summary>
public sealed class AwsJsonProtocol : IWireProtocol
{
    /// <summary>Error texts as AWS writes them: only what JSON requires is escaped (quotes, backslashes, controls).</summary>
    internal static readonly JsonSerializerOptions ErrorJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly bool _queryCompatibleErrors;

    private AwsJsonProtocol(string version, bool queryCompatibleErrors)
    {
        ContentType = "application/x-amz-json-" + version;
        _queryCompatibleErrors = queryCompatibleErrors;
    }

    /// <summary>AWS JSON 1.0 (SQS) with the <c>x-amzn-query-error</c> header.</summary>
    public static AwsJsonProtocol V10QueryCompatible { get; } = new("1.0", queryCompatibleErrors: true);

    /// <summary>AWS JSON 1.0 (DynamoDB-style services).</summary>
    public static AwsJsonProtocol V10 { get; } = new("1.0", queryCompatibleErrors: false);

    /// <summary>AWS JSON 1.1 (KMS, Organizations).</summary>
    public static AwsJsonProtocol V11 { get; } = new("1.1", queryCompatibleErrors: false);

    public string Name => "json";

    public WireFormat Format => WireFormat.Json;

    public string ContentType { get; }

    public WireResponse Success(string action, string requestId, Action<IResponseWriter>? write, string? accept)
    {
        var writer = new JsonResponseWriter();
        write?.Invoke(writer);
        return new WireResponse(200, ContentType, writer.Finish(), writer);
    }

    public WireResponse Error(AwsError error, string requestId)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["__type"] = error.JsonType, ["message"] = error.Message }, ErrorJson);
        return new WireResponse(error.HttpStatus, ContentType, body)
        {
            Headers = _queryCompatibleErrors
                ? [new("x-amzn-query-error", $"{error.QueryCode};{(error.SenderFault ? "Sender" : "Receiver")}")]
                : [],
        };
    }
}
