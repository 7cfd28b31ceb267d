using System.Text.Json;

namespace Gatehouse.Server.Cli;

/// <summary>Renders decision documents (what <c>/_gatehouse/decision</c> returns) for a terminal: the caller, the
/// action and resource, each layer in AWS's evaluation order with its verdict, the statements that matched or nearly
/// matched with the element that failed, and the fixes as ready policy statements.</summary>
internal sealed class DecisionRenderer(TextWriter output, bool colour)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static DecisionRenderer For(TextWriter output) =>
        new(output, ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null);

    private string Paint(string text, string code) => colour ? $"\u001b[{code}m{text}\u001b[0m" : text;

    private string Green(string t) => Paint(t, "32");

    private string Red(string t) => Paint(t, "31");

    private string Yellow(string t) => Paint(t, "33");

    private string Bold(string t) => Paint(t, "1");

    private string Dim(string t) => Paint(t, "2");

    public static string Json(JsonElement element) => JsonSerializer.Serialize(element, Indented);

    public void Decision(JsonElement d)
    {
        var decision = Str(d, "decision");
        var allowed = decision == "Allow";
        if (Str(d, "requestId") is { } id)
        {
            output.WriteLine(Bold("Request ") + id + Dim("  " + Str(d, "time")));
        }

        if (d.TryGetProperty("caller", out var caller))
        {
            output.WriteLine($"  Caller    {Str(caller, "arn")}  {Dim($"(UserId {Str(caller, "userId")}, Account {Str(caller, "account")})")}");
        }
        else
        {
            output.WriteLine($"  Caller    {Str(d, "principal")}");
        }

        output.WriteLine($"  Action    {Str(d, "action")}");
        output.WriteLine($"  Resource  {Str(d, "resource")}");
        var verdict = allowed ? Green("ALLOWED") : Red(decision == "ExplicitDeny" ? "DENIED (explicit deny)" : "DENIED (implicit deny: nothing allows it)");
        var refused = d.TryGetProperty("refused", out var r) && r.ValueKind == JsonValueKind.True ? " — refused" : allowed ? "" : Yellow(" — not refused (enforcement is soft or off)");
        output.WriteLine($"  Decision  {verdict}{(d.TryGetProperty("requestId", out _) ? refused : "")}");
        if (Str(d, "message") is { } message)
        {
            output.WriteLine($"  Message   {Dim(message)}");
        }

        if (!d.TryGetProperty("explanation", out var e) || e.ValueKind != JsonValueKind.Object)
        {
            output.WriteLine();
            return;
        }

        output.WriteLine();
        output.WriteLine($"  {Bold("Why")}  {Str(e, "summary")}");
        output.WriteLine();
        output.WriteLine("  " + Bold("Layers, in AWS's evaluation order"));
        foreach (var layer in Items(e, "layers"))
        {
            var v = Str(layer, "verdict") ?? "";
            var mark = v switch
            {
                "Allow" => Green("✔ allow   "),
                "ExplicitDeny" => Red("✘ DENY    "),
                "NoMatch" => Yellow("· no allow"),
                _ => Dim("– " + v.ToLowerInvariant().PadRight(8)),
            };
            var decided = Str(e, "decidedBy") == Str(layer, "layer") && !allowed ? Red("  ◀ decided") : "";
            output.WriteLine($"    {mark}  {Str(layer, "layer"),-22} {Dim(Str(layer, "detail") ?? "")}{decided}");
            foreach (var s in Items(layer, "statements"))
            {
                var matched = s.GetProperty("matched").GetBoolean();
                var head = $"{Str(s, "policy")}#{Str(s, "sid") ?? s.GetProperty("index").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)} ({Str(s, "effect")})";
                if (matched)
                {
                    output.WriteLine($"          {(Str(s, "effect") == "Deny" ? Red("matched") : Green("matched"))}  {head}");
                }
                else
                {
                    output.WriteLine($"          {Yellow("near")}     {head}: fails at {Bold(Str(s, "failedElement") ?? "")}");
                    if (s.TryGetProperty("condition", out var c) && c.ValueKind == JsonValueKind.Object)
                    {
                        var requestValues = c.TryGetProperty("requestValues", out var rv) && rv.ValueKind == JsonValueKind.Array
                            ? string.Join(", ", rv.EnumerateArray().Select(x => x.GetString()))
                            : null;
                        var wanted = string.Join(", ", Items(c, "policyValues").Select(x => x.GetString()));
                        output.WriteLine($"                   {Str(c, "key")} was {(requestValues is null ? Red("absent") : Red(requestValues))}; {Str(c, "operator")} wanted {Green(wanted)}");
                    }
                    else
                    {
                        output.WriteLine($"                   {Dim(Str(s, "detail") ?? "")}");
                    }
                }
            }
        }

        var diagnostics = Items(e, "diagnostics").Select(x => x.GetString()).ToList();
        if (diagnostics.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("  " + Bold("Notes"));
            foreach (var n in diagnostics)
            {
                output.WriteLine("    " + n);
            }
        }

        if (d.TryGetProperty("contextKeys", out var keys) && keys.ValueKind == JsonValueKind.Object)
        {
            output.WriteLine();
            output.WriteLine("  " + Bold("Context keys of the request"));
            foreach (var k in keys.EnumerateObject())
            {
                output.WriteLine($"    {k.Name} = {string.Join(", ", k.Value.EnumerateArray().Select(x => x.GetString()))}");
            }
        }

        var fixes = Items(e, "fixes").ToList();
        if (!allowed)
        {
            output.WriteLine();
            if (e.TryGetProperty("deniedOnPurpose", out var onPurpose) && onPurpose.GetBoolean())
            {
                output.WriteLine("  " + Yellow("An explicit Deny decided. If it is there on purpose, this request should stay denied."));
            }

            output.WriteLine("  " + Bold(fixes.Count == 0 ? "No single policy change allows this request." : "Smallest change that allows it"));
            var n = 1;
            foreach (var fix in fixes)
            {
                var rootOnly = fix.TryGetProperty("rootOnly", out var ro) && ro.GetBoolean() ? Red(" [only the owner's root user / AssumeRoot]") : "";
                var where = Str(fix, "policyName") is { } policyName ? $"{policyName} ({Str(fix, "layer")} of {Str(fix, "target")})" : $"{Str(fix, "layer")} of {Str(fix, "target")}";
                var index = fix.TryGetProperty("statementIndex", out var si) && si.ValueKind == JsonValueKind.Number ? $" statement {si.GetInt32()}" : "";
                output.WriteLine($"    {n++}. {Bold(Str(fix, "change") ?? "")}{index} in {where}{rootOnly}");
                output.WriteLine($"       {Str(fix, "description")}");
                if (Str(fix, "statement") is { Length: > 0 } statement)
                {
                    using var doc = JsonDocument.Parse(statement);
                    foreach (var line in Json(doc.RootElement).Split('\n'))
                    {
                        output.WriteLine("       " + Green(line));
                    }
                }
            }
        }

        output.WriteLine();
    }

    /// <summary>One line per decision for <c>gatehouse recent</c>.</summary>
    public void Line(JsonElement d)
    {
        var decision = Str(d, "decision");
        var mark = decision == "Allow" ? Green("ALLOW") : Red(decision == "ExplicitDeny" ? "DENY!" : "DENY ");
        output.WriteLine($"{Str(d, "time")?[..Math.Min(19, Str(d, "time")!.Length)]} {mark} {Str(d, "requestId") ?? "-",-36} {Str(d, "principal")} {Bold(Str(d, "action") ?? "")} {Str(d, "resource")} {Dim(decision == "Allow" ? "" : "by " + Str(d, "decidedBy"))}");
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static List<JsonElement> Items(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : [];
}
