using System.CommandLine;

namespace Gatehouse.Server.Cli;

/// <summary>The commands that talk to a running server's diagnostics API (README, "Why was I denied").</summary>
public static class DiagnosticsCommands
{
    public static IReadOnlyList<Command> All { get; } = [ExplainCommand.Create(), TroubleshootCommand.Create(), RecentCommand.Create(), LintCommand.Create(), SuggestPolicyCommand.Create()];

    /// <summary>Runs one of <see cref="All"/> (the first argument names it).</summary>
    public static Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null)
    {
        var root = new RootCommand("Gatehouse diagnostics");
        foreach (var command in All)
        {
            root.Subcommands.Add(command);
        }

        return root.Parse(args).InvokeAsync(configuration);
    }
}
