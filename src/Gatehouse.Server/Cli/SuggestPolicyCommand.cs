using System.CommandLine;

namespace Gatehouse.Server.Cli;

/// <summary><c>gatehouse suggest-policy --principal ARN [--since 2h]</c>: the smallest identity policy (and the
/// queue-policy statements other accounts' queues need) that allows what the principal did or was denied.</summary>
internal static class SuggestPolicyCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var principal = new Option<string>("--principal") { Description = "The user or role (a role ARN covers its sessions)", Required = true };
        var since = new Option<string?>("--since") { Description = "Only decisions since a time or a duration back (30m, 2h, 7d)" };
        var command = common.AddTo(new Command("suggest-policy", "Build a least-privilege policy from what a principal did or was denied (the decision log)"));
        command.Options.Add(principal);
        command.Options.Add(since);
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, async output =>
        {
            var query = new List<KeyValuePair<string, string>> { new("principal", parse.GetValue(principal)!) };
            if (parse.GetValue(since) is { } s)
            {
                query.Add(new("since", s));
            }

            var answer = await DiagnosticsClient.Create(parse, common).GetAsync("suggest-policy", query, ct);
            var suggestion = answer.GetProperty("suggestions")[0];
            if (parse.GetValue(common.Output) == "json")
            {
                await output.WriteLineAsync(DecisionRenderer.Json(suggestion));
                return 0;
            }

            await output.WriteLineAsync($"# Identity policy for {suggestion.GetProperty("principal").GetString()} ({suggestion.GetProperty("decisions").GetInt32()} decisions)");
            await output.WriteLineAsync(DecisionRenderer.Json(suggestion.GetProperty("identityPolicy")));
            foreach (var r in suggestion.GetProperty("resourcePolicyStatements").EnumerateArray())
            {
                await output.WriteLineAsync($"# Add to the policy of {r.GetProperty("resource").GetString()} (another account's resource):");
                await output.WriteLineAsync(DecisionRenderer.Json(r.GetProperty("statement")));
            }

            return 0;
        }));
        return command;
    }
}
