using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>The decision log with filters (Gatehouse's <c>QueryDecisions</c>, authorized as
/// <c>gatehouse:QueryDecisions</c>); each row links to its explanation.</summary>
public sealed class DecisionsModel : ConsolePage
{
    [BindProperty(SupportsGet = true)]
    public string? Principal { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool DeniedOnly { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Since { get; set; }

    [BindProperty(SupportsGet = true)]
    public int? Max { get; set; }

    public IReadOnlyList<JsonElement> Decisions { get; private set; } = [];

    public Refusal? Refusal { get; private set; }

    public async Task OnGetAsync()
    {
        var query = new List<KeyValuePair<string, string>> { new("max", (Max is > 0 ? Max.Value : 100).ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        if (!string.IsNullOrWhiteSpace(Principal))
        {
            query.Add(new("principal", Principal.Trim()));
        }

        if (DeniedOnly)
        {
            query.Add(new("denied", "true"));
        }

        if (!string.IsNullOrWhiteSpace(Since))
        {
            query.Add(new("since", Since.Trim()));
        }

        var result = await Api.AdminAsync(Session, "history", query, Aborted);
        if (!result.Ok)
        {
            Refusal = Refused("gatehouse:QueryDecisions", result);
            return;
        }

        Decisions = result.Json.TryGetProperty("decisions", out var d) ? [.. d.EnumerateArray()] : [];
    }
}
