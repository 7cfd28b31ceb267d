using System.CommandLine;

namespace Gatehouse.Server.Cli;

/// <summary><c>gatehouse explain REQUEST-ID</c>: why a request was allowed or denied, and what would allow it.</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var requestId = new Argument<string>("request-id") { Description = "The request id from the SDK exception or x-amzn-RequestId" };
        var command = common.AddTo(new Command("explain", "Explain one request's authorization decision: each policy layer's verdict, the element that failed, and the smallest fix"));
        command.Arguments.Add(requestId);
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, async output =>
        {
            var id = parse.GetValue(requestId)!;
            var client = DiagnosticsClient.Create(parse, common);
            var json = await client.GetAsync("decision", [new("requestId", id)], ct);
            var decisions = json.GetProperty("decisions");
            if (decisions.GetArrayLength() == 0)
            {
                throw new CliException($"No decision recorded for request {id} (it may be older than the retention, or from another server).");
            }

            if (parse.GetValue(common.Output) == "json")
            {
                await output.WriteLineAsync(DecisionRenderer.Json(json));
                return 0;
            }

            var renderer = DecisionRenderer.For(output);
            foreach (var d in decisions.EnumerateArray())
            {
                renderer.Decision(d);
            }

            return 0;
        }));
        return command;
    }
}
