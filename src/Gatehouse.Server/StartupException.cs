namespace Gatehouse.Server;

/// <summary>The exit codes of the <c>gatehouse</c> command (README, "Exit codes").</summary>
public static class ExitCodes
{
    /// <summary>Stopped normally (or a command succeeded).</summary>
    public const int Ok = 0;

    /// <summary>An unexpected failure (a bug): the one line names the exception.</summary>
    public const int Failure = 1;

    /// <summary>The command line or an environment variable is wrong: an unknown option, a value that cannot be used.</summary>
    public const int Usage = 2;

    /// <summary>A file the configuration names is missing or invalid: the world file, the certificate, the server key.</summary>
    public const int Configuration = 3;

    /// <summary>A listener could not be opened: the port is in use or the address is not this machine's.</summary>
    public const int Listen = 4;

    /// <summary>The data directory cannot be used: another server owns it, or it is not writable.</summary>
    public const int DataDirectory = 5;

    /// <summary>A client command (<c>queues</c>, <c>peek</c>) could not reach the server or was refused.</summary>
    public const int Unavailable = 6;

    /// <summary>The database <c>--store</c> names cannot be used: unreachable, refused the credentials, or its schema
    /// is newer than this Gatehouse.</summary>
    public const int Database = 7;
}

/// <summary>A start-up problem with a one-line explanation and its exit code.</summary>
public sealed class StartupException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
