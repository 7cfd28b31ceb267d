using System.CommandLine;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Gatehouse.Server.Cli;

/// <summary><c>gatehouse serve</c>, also what <c>gatehouse</c> alone runs: every setting is a flag or a
/// <c>GATEHOUSE_*</c> environment variable (README, "Configuration").</summary>
internal static class ServeCommand
{
    /// <summary>Flag, environment variable, value name (null for a switch) and help text.</summary>
    public static readonly IReadOnlyList<(string Flag, string Variable, string? Value, string Help)> Settings =
    [
        ("--port", "GATEHOUSE_PORT", "port", "TCP port (0: any free port) [default: 4566]"),
        ("--bind", "GATEHOUSE_BIND", "address", "address to listen on (0.0.0.0 for all) [default: 127.0.0.1]"),
        ("--data-dir", "GATEHOUSE_DATA_DIR", "dir", "directory of the databases, server key and certificate [default: data]"),
        ("--store", "GATEHOUSE_STORE", "sqlite|postgres://…", "where state is kept: SQLite in the data directory, or a PostgreSQL database several nodes share [default: sqlite]"),
        ("--in-memory", "GATEHOUSE_IN_MEMORY", null, "keep everything in memory; nothing survives a restart"),
        ("--fsync", "GATEHOUSE_FSYNC", null, "fsync every group commit (survives a power cut too)"),
        ("--region", "GATEHOUSE_REGION", "region", "region of requests without a SigV4 scope [default: us-east-1]"),
        ("--account", "GATEHOUSE_ACCOUNT", "id", "the management account [default: 000000000000]"),
        ("--root-access-key", "GATEHOUSE_ROOT_ACCESS_KEY", "key", "the management account's root access key [default: test]"),
        ("--root-secret-key", "GATEHOUSE_ROOT_SECRET_KEY", "secret", "the management account's root secret key [default: test]"),
        ("--world", "GATEHOUSE_WORLD", "file", "JSON world file applied at start-up (docs/identity.md)"),
        ("--server-key", "GATEHOUSE_SERVER_KEY", "base64", "key that encrypts secrets at rest [default: generated in the data directory]"),
        ("--enforcement", "GATEHOUSE_ENFORCEMENT", "on|soft|off", "refuse (on), log but allow (soft) or only record (off) denials [default: on]"),
        ("--legacy-access-denied-message", "GATEHOUSE_LEGACY_ACCESS_DENIED_MESSAGE", null, "pre-2023 SQS denial text"),
        ("--legacy-kms-access-denied-message", "GATEHOUSE_LEGACY_KMS_ACCESS_DENIED_MESSAGE", null, "older KMS denial text"),
        ("--sse-sqs-requires-https", "GATEHOUSE_SSE_SQS_REQUIRES_HTTPS", null, "refuse plain-HTTP message requests to SSE-SQS queues"),
        ("--https-port", "GATEHOUSE_HTTPS_PORT", "port", "also listen with TLS on this port (0: any free port)"),
        ("--certificate", "GATEHOUSE_CERTIFICATE", "pfx", "certificate for HTTPS [default: self-signed for localhost]"),
        ("--certificate-password", "GATEHOUSE_CERTIFICATE_PASSWORD", "password", "password of the PFX"),
        ("--trusted-proxies", "GATEHOUSE_TRUSTED_PROXIES", "addresses", "comma-separated proxies whose X-Forwarded-For is believed"),
        ("--advertised-url", "GATEHOUSE_ADVERTISED_URL", "url", "scheme and host used in queue URLs [default: the request's Host]"),
        ("--log-level", "GATEHOUSE_LOG_LEVEL", "level", "trace, debug, information, warning, error or none [default: information]"),
        ("--log-format", "GATEHOUSE_LOG_FORMAT", "text|json", "log lines as text or one JSON object each [default: text]"),
        ("--request-log", "GATEHOUSE_REQUEST_LOG", null, "log every request: action, principal, status, latency"),
        ("--metrics", "GATEHOUSE_METRICS", null, "serve Prometheus metrics at /metrics"),
        ("--decision-retention", "GATEHOUSE_DECISION_RETENTION", "count", "authorization decisions the decision log keeps [default: 100000]"),
        ("--decision-log-all", "GATEHOUSE_DECISION_LOG_ALL", null, "persist every allowed decision, not each (principal, action, resource) once a minute"),
        ("--shutdown-timeout", "GATEHOUSE_SHUTDOWN_TIMEOUT", "seconds", "how long shutdown waits for in-flight requests [default: 5]"),
        ("--no-cooldowns", "GATEHOUSE_NO_COOLDOWNS", null, "tests: no 60 s wait after DeleteQueue or between PurgeQueue calls"),
        ("--allow-reset", "GATEHOUSE_ALLOW_RESET", null, "tests: allow POST /_gatehouse/reset (root only) to empty the server"),
        ("--any-access-key", "GATEHOUSE_ANY_ACCESS_KEY", null, "LocalStack-style: any unknown access key is the management account's root"),
        ("--force-any-access-key", "GATEHOUSE_FORCE_ANY_ACCESS_KEY", null, "allow --any-access-key with --enforcement on"),
    ];

    /// <summary>The serve options, for the root command and for <c>serve</c>.</summary>
    public static IEnumerable<Option> Options() => Settings.Select(s => s.Value is null
        ? (Option)new Option<bool>(s.Flag) { Description = $"{s.Help} [env: {s.Variable}=true]" }
        : new Option<string>(s.Flag) { Description = $"{s.Help} [env: {s.Variable}]", HelpName = s.Value });

    public static Command Create(Func<string, string?> env, TextWriter stdout, TextWriter stderr)
    {
        var serve = new Command("serve", "Run the server (the default command).");
        foreach (var option in Options())
        {
            serve.Options.Add(option);
        }

        serve.SetAction((result, ct) => RunAsync(result, env, stderr, ct));
        return serve;
    }

    public static GatehouseOptions Resolve(ParseResult result, Func<string, string?> env) => GatehouseOptions.Resolve(
        flag => result.GetValue<string>(flag),
        flag => result.GetValue<bool>(flag),
        env);

    public static async Task<int> RunAsync(ParseResult result, Func<string, string?> env, TextWriter stderr, CancellationToken ct)
    {
        _ = ct; // The host handles SIGINT/SIGTERM itself (graceful shutdown).
        try
        {
            var options = Resolve(result, env);
            await using var app = await Build(options);
            try
            {
                await app.StartAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                throw Classify(ex, options);
            }

            await app.WaitForShutdownAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }
        catch (StartupException ex)
        {
            await stderr.WriteLineAsync("gatehouse: " + ex.Message);
            return ex.ExitCode;
        }
    }

    private static async Task<WebApplication> Build(GatehouseOptions options)
    {
        try
        {
            return await GatehouseApp.BuildAsync(options, TimeProvider.System);
        }
        catch (Exception ex)
        {
            throw Classify(ex, options);
        }
    }

    /// <summary>A start-up failure as one line and an exit code.</summary>
    internal static StartupException Classify(Exception ex, GatehouseOptions options)
    {
        if (ex is StartupException s)
        {
            return s;
        }

        var socket = Chain(ex).OfType<SocketException>().FirstOrDefault();
        if (socket is not null || ex is IOException { Message: var m } && m.Contains("bind", StringComparison.OrdinalIgnoreCase))
        {
            var reason = socket?.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the address is already in use (another server? choose another with --port)",
                SocketError.AddressNotAvailable => "the address is not one of this machine's (see --bind)",
                SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
                _ => socket?.Message ?? ex.Message,
            };
            return new StartupException(ExitCodes.Listen, $"cannot listen on {options.BindAddress} port {options.Port}"
                + (options.HttpsPort is { } h ? $" (or HTTPS port {h})" : "") + $": {reason}", ex);
        }

        return Chain(ex).FirstOrDefault(e => e is World.WorldFileException or System.Security.Cryptography.CryptographicException) is { } config
            ? new StartupException(ExitCodes.Configuration, OneLine(config.Message), ex)
            : Chain(ex).OfType<Microsoft.Data.Sqlite.SqliteException>().Any() || ex is UnauthorizedAccessException
                || ex is IOException && !options.InMemory
            ? new StartupException(ExitCodes.DataDirectory, OneLine(ex.Message), ex)
            : ex is InvalidOperationException && ex.Message.Contains("server key", StringComparison.Ordinal)
            ? new StartupException(ExitCodes.Configuration, OneLine(ex.Message), ex)
            : new StartupException(ExitCodes.Failure, $"start-up failed ({ex.GetType().Name}): {OneLine(ex.Message)}", ex);
    }

    private static string OneLine(string message) =>
        string.Join("; ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Replace(":; ", ": ", StringComparison.Ordinal);

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>Every address the server listens on, with the real port when 0 was asked.</summary>
    public static IReadOnlyList<string> Addresses(IServiceProvider services) =>
        [.. services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
}
