using System.Text.Json;
using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;
using Gatehouse.Services.Organizations;

namespace Gatehouse.Server.Organizations;

/// <summary>
/// AWS JSON 1.1 as Organizations speaks it: results are written with <see cref="JsonResponseWriter"/>, and errors
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
        var writer = new JsonResponseWriter();
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
