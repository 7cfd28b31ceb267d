using System.CommandLine;

namespace Gatehouse.Server.Cli;

/// <summary><c>gatehouse troubleshoot --principal ARN --action ACTION --resource URL-OR-ARN [--context KEY=VALUE]…</c>:
/// the explanation of a request that has not been made, evaluated by the server with the stored policies.</summary>
internal static class TroubleshootCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var principal = new Option<string>("--principal") { Description = "The caller: a user, role or root ARN", Required = true };
        var action = new Option<string>("--action") { Description = "The action, e.g. sqs:SendMessage", Required = true };
        var resource = new Option<string>("--resource") { Description = "A queue URL or a resource ARN", Required = true };
        var context = new Option<string[]>("--context") { Description = "A condition key of the request, KEY=VALUE (repeatable), e.g. aws:SourceIp=10.1.2.3", AllowMultipleArgumentsPerToken = false };
        var command = common.AddTo(new Command("troubleshoot", "Explain a request that has not been made: the same layer-by-layer walk, a verdict and the fix"));
        command.Options.Add(principal);
        command.Options.Add(action);
        command.Options.Add(resource);
        command.Options.Add(context);
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, async output =>
        {
            var query = new List<KeyValuePair<string, string>>
            {
                new("principal", parse.GetValue(principal)!),
                new("action", parse.GetValue(action)!),
                new("resource", parse.GetValue(resource)!),
            };
            var n = 1;
            foreach (var entry in parse.GetValue(context) ?? [])
            {
                query.Add(new("context." + n++.ToString(System.Globalization.CultureInfo.InvariantCulture), entry));
            }

            var json = await DiagnosticsClient.Create(parse, common).GetAsync("troubleshoot", query, ct);
            if (parse.GetValue(common.Output) == "json")
            {
                await output.WriteLineAsync(DecisionRenderer.Json(json));
                return 0;
            }

            var renderer = DecisionRenderer.For(output);
            foreach (var d in json.GetProperty("decisions").EnumerateArray())
            {
                renderer.Decision(d);
            }

            return 0;
        }));
        return command;
    }
}
