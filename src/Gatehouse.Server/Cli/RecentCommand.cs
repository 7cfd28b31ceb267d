using System.CommandLine;

namespace Gatehouse.Server.Cli;

/// <summary><c>gatehouse recent [--denied] [--principal ARN]</c>: the latest decisions, one line each.</summary>
internal static class RecentCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var denied = new Option<bool>("--denied") { Description = "Only denials" };
        var principal = new Option<string?>("--principal") { Description = "Only this caller (an ARN; a role ARN matches its sessions)" };
        var since = new Option<string?>("--since") { Description = "Only since a time or a duration back (30m, 2h, 7d)" };
        var max = new Option<int>("--max") { Description = "How many", DefaultValueFactory = _ => 20 };
        var command = common.AddTo(new Command("recent", "List the latest authorization decisions, newest first"));
        command.Options.Add(denied);
        command.Options.Add(principal);
        command.Options.Add(since);
        command.Options.Add(max);
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, async output =>
        {
            var query = new List<KeyValuePair<string, string>> { new("max", parse.GetValue(max).ToString(System.Globalization.CultureInfo.InvariantCulture)) };
            if (parse.GetValue(denied))
            {
                query.Add(new("denied", "true"));
            }

            if (parse.GetValue(principal) is { } p)
            {
                query.Add(new("principal", p));
            }

            if (parse.GetValue(since) is { } s)
            {
                query.Add(new("since", s));
            }

            var json = await DiagnosticsClient.Create(parse, common).GetAsync("history", query, ct);
            if (parse.GetValue(common.Output) == "json")
            {
                await output.WriteLineAsync(DecisionRenderer.Json(json));
                return 0;
            }

            var renderer = DecisionRenderer.For(output);
            foreach (var d in json.GetProperty("decisions").EnumerateArray())
            {
                renderer.Line(d);
            }

            return 0;
        }));
        return command;
    }
}
