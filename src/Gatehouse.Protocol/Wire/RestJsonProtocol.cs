namespace Gatehouse.Protocol.Wire;

/// <summary>
/// Plain JSON over REST paths, for Gatehouse's own diagnostics API (<c>/_gatehouse/…</c>): results are a JSON
/// object; errors are <c>{"__type": …, "message": …}</c> with the error's HTTP status and the short error type in
/// <c>x-amzn-ErrorType</c>, as AWS's REST-JSON services answer.
/// </summary>
public sealed class RestJsonProtocol : IWireProtocol
{
    public static RestJsonProtocol Instance { get; } = new();

    public string Name => "rest-json";

    public WireFormat Format => WireFormat.Form;

    public WireResponse Success(string action, string requestId, Action<IResponseWriter>? write, string? accept)
    {
        var writer = new JsonResponseWriter();
        write?.Invoke(writer);
        return new WireResponse(200, "application/json", writer.Finish(), writer);
    }

    public WireResponse Error(AwsError error, string requestId)
    {
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["__type"] = error.ShortType, ["message"] = error.Message }, AwsJsonProtocol.ErrorJson);
        return new WireResponse(error.HttpStatus, "application/json", body) { Headers = [new("x-amzn-ErrorType", error.ShortType)] };
    }
}
