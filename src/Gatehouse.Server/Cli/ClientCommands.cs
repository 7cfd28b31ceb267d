using System.CommandLine;

namespace Gatehouse.Server.Cli;

/// <summary>Commands that talk to a running server.</summary>
internal static class ClientCommands
{
    public static IEnumerable<Command> Create(Func<string, string?> env, TextWriter stdout, TextWriter stderr)
    {
        _ = (env, stdout, stderr);
        return [];
    }
}
