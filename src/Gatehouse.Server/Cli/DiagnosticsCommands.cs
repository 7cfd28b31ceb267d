using System.CommandLine;

namespace Gatehouse.Server.Cli;

/// <summary>The diagnostics commands (explain, troubleshoot, recent, lint, suggest-policy) the root command includes.</summary>
internal static class DiagnosticsCommands
{
    public static IReadOnlyList<Command> All { get; } = [];
}
