using System.Text.Json;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>
/// Why a request was decided as it was: the decision log's record of one request id (Gatehouse's
/// <c>GetDecision</c>, authorized as <c>gatehouse:GetDecision</c> like any call), with its explanation, each
/// layer's verdict and the suggested fixes (docs/console.md, "Refusals").
/// </summary>
public sealed class WhyModel : ConsolePage
{
    public string RequestId { get; private set; } = "";

    public IReadOnlyList<JsonElement> Decisions { get; private set; } = [];

    public Refusal? Refusal { get; private set; }

    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public async Task OnGetAsync(string requestId)
    {
        RequestId = requestId;
        var result = await Api.AdminAsync(Session, "decision", [new("requestId", requestId)], Aborted);
        if (!result.Ok)
        {
            Refusal = Refused("gatehouse:GetDecision", result);
            return;
        }

        Decisions = result.Json.TryGetProperty("decisions", out var d) ? [.. d.EnumerateArray()] : [];
    }

    public static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
            : null;

    public static IEnumerable<JsonElement> Items(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];

    public static JsonElement Child(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;
}
