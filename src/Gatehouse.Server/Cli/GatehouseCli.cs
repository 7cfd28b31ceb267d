using System.CommandLine;
using System.CommandLine.Parsing;

namespace Gatehouse.Server.Cli;

/// <summary>The <c>gatehouse</c> command: <c>serve</c> (the default), the client commands and the diagnostics
/// commands. A mistake on the command line is one line on stderr and exit code 2 (README, "Exit codes").</summary>
public static class GatehouseCli
{
    public static async Task<int> RunAsync(string[] args, Func<string, string?> env, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("Gatehouse: an Amazon SQS-compatible server with AWS-exact access control. "
            + "Without a command it runs the server (gatehouse serve).");
        foreach (var option in ServeCommand.Options())
        {
            root.Options.Add(option);
        }

        root.SetAction((result, ct) => ServeCommand.RunAsync(result, env, stderr, ct));
        root.Subcommands.Add(ServeCommand.Create(env, stdout, stderr));
        foreach (var command in ClientCommands.Create(env, stdout, stderr))
        {
            root.Subcommands.Add(command);
        }

        foreach (var command in DiagnosticsCommands.All)
        {
            root.Subcommands.Add(command);
        }

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            await stderr.WriteLineAsync("gatehouse: " + Explain(result));
            return ExitCodes.Usage;
        }

        // The host handles SIGINT and SIGTERM (graceful shutdown), so the parser must not end the process.
        return await result.InvokeAsync(new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        });
    }

    /// <summary>The first parse error in one line, with the nearest known option or command for a misspelling.</summary>
    internal static string Explain(ParseResult result)
    {
        var hint = $" (run '{CommandPath(result.CommandResult)} --help' for the options)";
        if (result.UnmatchedTokens is [var token, ..])
        {
            var command = result.CommandResult.Command;
            var candidates = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))
                .Concat(token.StartsWith('-') ? [] : command.Subcommands.Select(c => c.Name));
            var nearest = candidates.Select(c => (Name: c, Distance: Distance(token, c))).Where(c => c.Distance <= Math.Max(2, token.Length / 3))
                .OrderBy(c => c.Distance).FirstOrDefault().Name;
            var kind = token.StartsWith('-') ? "option" : "command or argument";
            return nearest is null ? $"unknown {kind} '{token}'{hint}" : $"unknown {kind} '{token}'; did you mean '{nearest}'?{hint}";
        }

        return result.Errors[0].Message.TrimEnd('.') + hint;
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is CommandResult c; r = r.Parent)
        {
            names.Add(c.Command is RootCommand ? "gatehouse" : c.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }
}
