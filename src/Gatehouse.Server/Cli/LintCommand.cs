using System.CommandLine;
using System.Text.Json;
using Gatehouse.Policy;

namespace Gatehouse.Server.Cli;

/// <summary><c>gatehouse lint FILE | --queue URL | --principal ARN</c>: policy checks with severity, JSON path and fix.
/// A file is checked locally (no server); a queue's or principal's stored policies by the running server.</summary>
internal static class LintCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var file = new Argument<FileInfo?>("file") { Description = "A policy document (JSON)", Arity = ArgumentArity.ZeroOrOne };
        var kind = new Option<string>("--kind") { Description = "What the file is: identity or queue", DefaultValueFactory = _ => "identity" };
        kind.AcceptOnlyFromAmong("identity", "queue");
        var queue = new Option<string?>("--queue") { Description = "Check a queue's stored policy (URL or ARN)" };
        var principal = new Option<string?>("--principal") { Description = "Check a user's or role's stored policies (ARN)" };
        var command = common.AddTo(new Command("lint", "Check policies for grants that never match, lockouts, cross-account and KMS mistakes, misspellings and open grants"));
        command.Arguments.Add(file);
        command.Options.Add(kind);
        command.Options.Add(queue);
        command.Options.Add(principal);
        command.SetAction((parse, ct) => CommonOptions.RunAsync(parse, async output =>
        {
            List<(string Policy, string Severity, string Code, string Path, string Message, string Fix)> findings;
            if (parse.GetValue(file) is { } f)
            {
                var json = await File.ReadAllTextAsync(f.FullName, ct);
                var policyKind = parse.GetValue(kind) == "queue" ? PolicyKind.QueuePolicy : PolicyKind.Identity;
                var parsed = PolicyDocument.Parse(json, policyKind, new PolicyParseOptions { Name = f.Name });
                if (parsed.Document is null)
                {
                    throw new CliException($"{f.Name} is not a valid policy: {string.Join("; ", parsed.Problems)}");
                }

                findings = [.. PolicyLinter.Lint(parsed.Document).Select(x => (f.Name, x.Severity, x.Code, x.Path, x.Message, x.Fix))];
            }
            else
            {
                var query = parse.GetValue(queue) is { } q ? new KeyValuePair<string, string>("queue", q)
                    : parse.GetValue(principal) is { } p ? new KeyValuePair<string, string>("principal", p)
                    : throw new CliException("Give a policy file, --queue URL or --principal ARN.");
                var answer = await DiagnosticsClient.Create(parse, common).GetAsync("lint", [query], ct);
                findings = [.. answer.GetProperty("findings").EnumerateArray().Select(x => (S(x, "policy"), S(x, "severity"), S(x, "code"), S(x, "path"), S(x, "message"), S(x, "fix")))];
            }

            if (parse.GetValue(common.Output) == "json")
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    findings = findings.Select(x => new { policy = x.Policy, severity = x.Severity, code = x.Code, path = x.Path, message = x.Message, fix = x.Fix }),
                }));
            }
            else
            {
                foreach (var x in findings)
                {
                    await output.WriteLineAsync($"{x.Severity.ToUpperInvariant(),-7} {x.Code} {x.Policy} {x.Path}\n        {x.Message}\n        fix: {x.Fix}");
                }

                await output.WriteLineAsync(findings.Count == 0 ? "No findings." : $"{findings.Count} finding(s).");
            }

            return findings.Any(x => x.Severity == "error") ? 2 : 0;
        }));
        return command;
    }

    private static string S(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
}
