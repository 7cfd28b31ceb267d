using System.Globalization;
using Gatehouse.Services.Authorization;

namespace Gatehouse.Server;

/// <summary>Server settings, from command-line flags (<c>--port 4566</c>) or environment variables
/// (<c>GATEHOUSE_PORT=4566</c>); flags win.</summary>
public sealed record GatehouseOptions
{
    public string BindAddress { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 4566;

    /// <summary>Where the SQLite database lives (<c>gatehouse.db</c> inside it).</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary>Where state is kept: null for SQLite in <see cref="DataDirectory"/> (the default), else a PostgreSQL
    /// connection string (<c>postgres://user:password@host:port/database</c> or Npgsql's <c>Host=…;…</c> form) that
    /// several nodes share (docs/postgres.md).</summary>
    public string? Store { get; init; }

    /// <summary>Whether <see cref="Store"/> names a PostgreSQL database.</summary>
    public bool UsesPostgres => Store is not null;

    /// <summary>Keep everything in memory: nothing survives a restart.</summary>
    public bool InMemory { get; init; }

    /// <summary>
    /// Fsync every group commit, so that acknowledged changes survive a power cut too. Off (the default), a commit
    /// is written to SQLite's write-ahead log before the caller is answered, which survives a crash or
    /// <c>kill -9</c> of the server; the log is fsynced at checkpoints.
    /// </summary>
    public bool Fsync { get; init; }

    /// <summary>The region used when a request carries no SigV4 credential scope.</summary>
    public string DefaultRegion { get; init; } = "us-east-1";

    /// <summary>The account that owns queues until identities arrive.</summary>
    public string AccountId { get; init; } = "000000000000";

    /// <summary>Access key id of the management account's root user.</summary>
    public string RootAccessKeyId { get; init; } = "test";

    /// <summary>Secret access key of the management account's root user.</summary>
    public string RootSecretAccessKey { get; init; } = "test";

    /// <summary>Whether denials are enforced (<c>on</c>), only recorded and logged (<c>soft</c>) or only recorded (<c>off</c>).</summary>
    public EnforcementMode Enforcement { get; init; } = EnforcementMode.On;

    /// <summary>Answer SQS denials with the pre-2023 text "Access to the resource https://sqs.REGION.amazonaws.com/ is denied.".</summary>
    public bool LegacyAccessDeniedMessage { get; init; }

    /// <summary>KMS denials (and SQS's <c>KMS.AccessDeniedException</c>) in KMS's older form: a bare
    /// "… with an explicit deny." without the policy type, as the SQS troubleshooting page quotes it.</summary>
    public bool LegacyKmsAccessDeniedMessage { get; init; }

    /// <summary>
    /// Refuse plain-HTTP requests to SSE-SQS queues too, not only to SSE-KMS queues. The SQS developer guide says
    /// requests to encrypted queues must use HTTPS, but SSE-SQS is the default for every new queue and plain-HTTP
    /// use of default queues is widely relied on; no capture shows AWS refusing it, so it is off by default.
    /// </summary>
    public bool SseSqsRequiresHttps { get; init; }

    /// <summary>Proxy addresses whose <c>X-Forwarded-For</c> header is believed for <c>aws:SourceIp</c>.</summary>
    public IReadOnlySet<string> TrustedProxies { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Port of the optional HTTPS listener (<c>aws:SecureTransport</c> is true only there).</summary>
    public int? HttpsPort { get; init; }

    /// <summary>PFX certificate for HTTPS; by default one is generated on first start in the data directory.</summary>
    public string? CertificatePath { get; init; }

    public string? CertificatePassword { get; init; }

    /// <summary>The scheme and host queue URLs use, e.g. <c>http://sqs.local:4566</c>; by default the Host the
    /// client used.</summary>
    public string? AdvertisedUrl { get; init; }

    /// <summary>A world file (accounts, users, roles, policies, queues) applied idempotently at start-up.</summary>
    public string? WorldFile { get; init; }

    /// <summary>The 256-bit key (base64) that encrypts secrets at rest; by default <c>server.key</c> in the data
    /// directory, created on first start.</summary>
    public string? ServerKey { get; init; }

    /// <summary>How long a response may take to reach a client: this grace period plus the body's length at
    /// <see cref="ResponseMinBytesPerSecond"/>. A client that stops reading (a large ReceiveMessage it never
    /// reads) has its connection closed after that, so the server does not hold the response for it.</summary>
    public TimeSpan ResponseWriteGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The slowest rate, in bytes a second, at which a response body may be read (see
    /// <see cref="ResponseWriteGrace"/>).</summary>
    public int ResponseMinBytesPerSecond { get; init; } = 64 * 1024;

    /// <summary>Minimum level of Gatehouse's own log lines (<c>trace</c>, <c>debug</c>, <c>information</c>,
    /// <c>warning</c>, <c>error</c>).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Write log lines as one JSON object each (for log collectors) instead of plain text.</summary>
    public bool JsonLogs { get; init; }

    /// <summary>Log one line per request: action, principal, status and latency.</summary>
    public bool RequestLog { get; init; }

    /// <summary>How long shutdown waits for in-flight requests once long polls have been answered.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Test setting: turn off the 60-second waits AWS imposes after DeleteQueue (QueueDeletedRecently) and
    /// between two PurgeQueue calls (PurgeQueueInProgress). Never the default.</summary>
    public bool NoCooldowns { get; init; }

    /// <summary>How often the expiry sweeper runs (its lease lasts twice this): <c>GATEHOUSE_SWEEP_INTERVAL</c>, in
    /// seconds, from the environment only. A test and tuning knob, not a user option: the multi-node test shortens it
    /// to see a sweeper lease taken over within seconds (docs/postgres.md, "Leases"). Null keeps
    /// <see cref="Gatehouse.Services.Sqs.SqsService.SweepInterval"/>.</summary>
    public TimeSpan? SweepInterval { get; init; }

    /// <summary>Test setting: allow <c>POST /_gatehouse/reset</c> (root of the management account only), which
    /// empties the running server.</summary>
    public bool AllowReset { get; init; }

    /// <summary>LocalStack-compatible credentials: any access key the server does not know is accepted, without
    /// checking its signature, as the management account's root user. Refused with enforcement on unless
    /// <see cref="ForceAnyAccessKey"/>.</summary>
    public bool AnyAccessKey { get; init; }

    /// <summary>Allow <see cref="AnyAccessKey"/> with enforcement on.</summary>
    public bool ForceAnyAccessKey { get; init; }

    /// <summary>Serve Prometheus metrics at <c>/metrics</c> (unauthenticated, like any scrape endpoint).</summary>
    public bool Metrics { get; init; }

    /// <summary>How many authorization decisions the decision log keeps (<c>decisions.db</c>); older ones are pruned.</summary>
    public int DecisionRetention { get; init; } = 100_000;

    /// <summary>Persist every allowed authorization decision, not only each (principal, action, resource) once a
    /// minute (denials are always persisted). Costs throughput.</summary>
    public bool DecisionLogAll { get; init; }

    /// <summary>How long a console session may sit unused before it must sign in again (docs/console.md).</summary>
    public TimeSpan ConsoleIdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Options from flags in <c>--name value</c>, <c>--name=value</c> or <c>--switch</c> form and the
    /// environment (flags win). Unknown flags are ignored here; the command line (<c>gatehouse serve</c>) refuses them.</summary>
    public static GatehouseOptions FromArgs(IReadOnlyList<string> args, Func<string, string?> env) => Resolve(
        flag =>
        {
            for (var i = 0; i < args.Count; i++)
            {
                if (args[i] == flag && i + 1 < args.Count)
                {
                    return args[i + 1];
                }

                if (args[i].StartsWith(flag + "=", StringComparison.Ordinal))
                {
                    return args[i][(flag.Length + 1)..];
                }
            }

            return null;
        },
        args.Contains,
        env);

    /// <summary>Options from a flag reader and the environment; a value that cannot be used throws a
    /// <see cref="StartupException"/> with <see cref="ExitCodes.Usage"/> and one line naming the flag.</summary>
    public static GatehouseOptions Resolve(Func<string, string?> flagValue, Func<string, bool> flagPresent, Func<string, string?> env)
    {
        var o = new GatehouseOptions();
        (string? Value, string Source) Get(string flag, string variable) =>
            flagValue(flag) is { } v ? (v, flag) : env(variable) is { } e ? (e, variable) : (null, flag);
        string? Str(string flag, string variable) => Get(flag, variable).Value;
        bool Flag(string flag, string variable)
        {
            if (flagPresent(flag))
            {
                return true;
            }

            var value = env(variable);
            return value is null || value.Length == 0 ? false
                : value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1" ? true
                : value.Equals("false", StringComparison.OrdinalIgnoreCase) || value == "0" ? false
                : throw new StartupException(ExitCodes.Usage, $"{variable} must be true or false (got '{value}')");
        }

        int? Port(string flag, string variable)
        {
            var (value, source) = Get(flag, variable);
            return value is null ? null
                : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535 ? p
                : throw new StartupException(ExitCodes.Usage, $"{source} must be a port number from 0 to 65535 (got '{value}')");
        }

        int? Count(string flag, string variable)
        {
            var (value, source) = Get(flag, variable);
            return value is null ? null
                : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n
                : throw new StartupException(ExitCodes.Usage, $"{source} must be a whole number of at least 1 (got '{value}')");
        }

        var bind = Get("--bind", "GATEHOUSE_BIND");
        if (bind.Value is not null && !System.Net.IPAddress.TryParse(bind.Value, out _))
        {
            throw new StartupException(ExitCodes.Usage, $"{bind.Source} must be an IP address such as 127.0.0.1 or 0.0.0.0 (got '{bind.Value}')");
        }

        var enforcement = Get("--enforcement", "GATEHOUSE_ENFORCEMENT");
        var mode = enforcement.Value switch
        {
            null => o.Enforcement,
            { } m when m.Equals("on", StringComparison.OrdinalIgnoreCase) => EnforcementMode.On,
            { } m when m.Equals("soft", StringComparison.OrdinalIgnoreCase) => EnforcementMode.Soft,
            { } m when m.Equals("off", StringComparison.OrdinalIgnoreCase) => EnforcementMode.Off,
            { } m => throw new StartupException(ExitCodes.Usage, $"{enforcement.Source} must be on, soft or off (got '{m}')"),
        };
        var level = Get("--log-level", "GATEHOUSE_LOG_LEVEL");
        var logLevel = level.Value switch
        {
            null => o.LogLevel,
            { } l when l.Equals("info", StringComparison.OrdinalIgnoreCase) => LogLevel.Information,
            { } l when l.Equals("warn", StringComparison.OrdinalIgnoreCase) => LogLevel.Warning,
            { } l when Enum.TryParse<LogLevel>(l, ignoreCase: true, out var parsed) && !int.TryParse(l, CultureInfo.InvariantCulture, out _) => parsed,
            { } l => throw new StartupException(ExitCodes.Usage, $"{level.Source} must be trace, debug, information, warning, error or none (got '{l}')"),
        };
        var format = Get("--log-format", "GATEHOUSE_LOG_FORMAT");
        var json = format.Value switch
        {
            null => false,
            { } f when f.Equals("text", StringComparison.OrdinalIgnoreCase) => false,
            { } f when f.Equals("json", StringComparison.OrdinalIgnoreCase) => true,
            { } f => throw new StartupException(ExitCodes.Usage, $"{format.Source} must be text or json (got '{f}')"),
        };
        var timeout = Get("--shutdown-timeout", "GATEHOUSE_SHUTDOWN_TIMEOUT");
        var shutdown = timeout.Value is null ? o.ShutdownTimeout
            : double.TryParse(timeout.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 3600
                ? TimeSpan.FromSeconds(seconds)
                : throw new StartupException(ExitCodes.Usage, $"{timeout.Source} must be a number of seconds from 0 to 3600 (got '{timeout.Value}')");
        var sweepText = env("GATEHOUSE_SWEEP_INTERVAL");
        TimeSpan? sweep = sweepText is null or "" ? null
            : double.TryParse(sweepText, NumberStyles.Float, CultureInfo.InvariantCulture, out var sweepSeconds) && sweepSeconds is >= 0.1 and <= 3600
                ? TimeSpan.FromSeconds(sweepSeconds)
                : throw new StartupException(ExitCodes.Usage, $"GATEHOUSE_SWEEP_INTERVAL must be a number of seconds from 0.1 to 3600 (got '{sweepText}')");
        var advertised = Get("--advertised-url", "GATEHOUSE_ADVERTISED_URL");
        if (advertised.Value is not null && (!Uri.TryCreate(advertised.Value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new StartupException(ExitCodes.Usage, $"{advertised.Source} must be an http:// or https:// URL (got '{advertised.Value}')");
        }

        var store = Get("--store", "GATEHOUSE_STORE");
        string? storeValue = null;
        if (store.Value is { Length: > 0 } sv && !sv.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            if (!Gatehouse.Storage.Postgres.PostgresConnectionString.IsPostgresUrl(sv) && !sv.Contains('=', StringComparison.Ordinal))
            {
                throw new StartupException(ExitCodes.Usage,
                    $"{store.Source} must be sqlite, a postgres://user:password@host:port/database URL or an Npgsql connection string (Host=…;Database=…)");
            }

            try
            {
                _ = Gatehouse.Storage.Postgres.PostgresConnectionString.Normalize(sv);
            }
            catch (ArgumentException e)
            {
                throw new StartupException(ExitCodes.Usage, $"{store.Source}: {e.Message.Split(" (Parameter", 2)[0]}");
            }

            storeValue = sv;
        }

        var account = Str("--account", "GATEHOUSE_ACCOUNT") ?? o.AccountId;
        if (account.Length != 12 || !account.All(char.IsAsciiDigit))
        {
            throw new StartupException(ExitCodes.Usage, $"the account must be 12 digits (got '{account}')");
        }

        var result = o with
        {
            Port = Port("--port", "GATEHOUSE_PORT") ?? o.Port,
            BindAddress = bind.Value ?? o.BindAddress,
            DataDirectory = Str("--data-dir", "GATEHOUSE_DATA_DIR") ?? o.DataDirectory,
            Store = storeValue,
            InMemory = Flag("--in-memory", "GATEHOUSE_IN_MEMORY"),
            Fsync = Flag("--fsync", "GATEHOUSE_FSYNC"),
            DefaultRegion = Str("--region", "GATEHOUSE_REGION") ?? o.DefaultRegion,
            AccountId = account,
            RootAccessKeyId = Str("--root-access-key", "GATEHOUSE_ROOT_ACCESS_KEY") ?? o.RootAccessKeyId,
            RootSecretAccessKey = Str("--root-secret-key", "GATEHOUSE_ROOT_SECRET_KEY") ?? o.RootSecretAccessKey,
            Enforcement = mode,
            LegacyAccessDeniedMessage = Flag("--legacy-access-denied-message", "GATEHOUSE_LEGACY_ACCESS_DENIED_MESSAGE"),
            LegacyKmsAccessDeniedMessage = Flag("--legacy-kms-access-denied-message", "GATEHOUSE_LEGACY_KMS_ACCESS_DENIED_MESSAGE"),
            SseSqsRequiresHttps = Flag("--sse-sqs-requires-https", "GATEHOUSE_SSE_SQS_REQUIRES_HTTPS"),
            TrustedProxies = (Str("--trusted-proxies", "GATEHOUSE_TRUSTED_PROXIES") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
            HttpsPort = Port("--https-port", "GATEHOUSE_HTTPS_PORT"),
            CertificatePath = Str("--certificate", "GATEHOUSE_CERTIFICATE"),
            CertificatePassword = Str("--certificate-password", "GATEHOUSE_CERTIFICATE_PASSWORD"),
            AdvertisedUrl = advertised.Value?.TrimEnd('/'),
            WorldFile = Str("--world", "GATEHOUSE_WORLD"),
            ServerKey = Str("--server-key", "GATEHOUSE_SERVER_KEY"),
            LogLevel = logLevel,
            JsonLogs = json,
            RequestLog = Flag("--request-log", "GATEHOUSE_REQUEST_LOG"),
            ShutdownTimeout = shutdown,
            NoCooldowns = Flag("--no-cooldowns", "GATEHOUSE_NO_COOLDOWNS"),
            SweepInterval = sweep,
            AllowReset = Flag("--allow-reset", "GATEHOUSE_ALLOW_RESET"),
            AnyAccessKey = Flag("--any-access-key", "GATEHOUSE_ANY_ACCESS_KEY"),
            ForceAnyAccessKey = Flag("--force-any-access-key", "GATEHOUSE_FORCE_ANY_ACCESS_KEY"),
            Metrics = Flag("--metrics", "GATEHOUSE_METRICS"),
            DecisionRetention = Count("--decision-retention", "GATEHOUSE_DECISION_RETENTION") ?? o.DecisionRetention,
            DecisionLogAll = Flag("--decision-log-all", "GATEHOUSE_DECISION_LOG_ALL"),
        };
        if (result.HttpsPort is { } h && h != 0 && h == result.Port)
        {
            throw new StartupException(ExitCodes.Usage, $"--https-port must differ from --port (both are {h})");
        }

        if (result.UsesPostgres && result.InMemory)
        {
            throw new StartupException(ExitCodes.Usage, "--in-memory and --store postgres://… exclude each other: choose one place for the state");
        }

        if (result.UsesPostgres && result.ServerKey is null)
        {
            throw new StartupException(ExitCodes.Usage,
                "with --store postgres://… every node must be given the same server key: set --server-key or GATEHOUSE_SERVER_KEY (openssl rand -base64 32; docs/postgres.md)");
        }

        if (result.AnyAccessKey && result.Enforcement == EnforcementMode.On && !result.ForceAnyAccessKey)
        {
            throw new StartupException(ExitCodes.Usage,
                "--any-access-key accepts unsigned guesses as root, which makes enforcement meaningless: use it with --enforcement off (or soft), or add --force-any-access-key");
        }

        return result;
    }
}

