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

    /// <summary>How many authorization decisions the decision log keeps (<c>decisions.db</c>); older ones are pruned.</summary>
    public int DecisionRetention { get; init; } = 100_000;

    public static GatehouseOptions FromArgs(IReadOnlyList<string> args, Func<string, string?> env)
    {
        var o = new GatehouseOptions();
        string? Get(string flag, string variable)
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

            return env(variable);
        }

        bool Flag(string flag, string variable) =>
            args.Contains(flag) || string.Equals(env(variable), "true", StringComparison.OrdinalIgnoreCase) || env(variable) == "1";

        if (Get("--port", "GATEHOUSE_PORT") is { } port)
        {
            o = o with { Port = int.Parse(port, CultureInfo.InvariantCulture) };
        }

        return o with
        {
            BindAddress = Get("--bind", "GATEHOUSE_BIND") ?? o.BindAddress,
            DataDirectory = Get("--data-dir", "GATEHOUSE_DATA_DIR") ?? o.DataDirectory,
            InMemory = Flag("--in-memory", "GATEHOUSE_IN_MEMORY"),
            Fsync = Flag("--fsync", "GATEHOUSE_FSYNC"),
            DefaultRegion = Get("--region", "GATEHOUSE_REGION") ?? o.DefaultRegion,
            AccountId = Get("--account", "GATEHOUSE_ACCOUNT") ?? o.AccountId,
            RootAccessKeyId = Get("--root-access-key", "GATEHOUSE_ROOT_ACCESS_KEY") ?? o.RootAccessKeyId,
            RootSecretAccessKey = Get("--root-secret-key", "GATEHOUSE_ROOT_SECRET_KEY") ?? o.RootSecretAccessKey,
            Enforcement = Get("--enforcement", "GATEHOUSE_ENFORCEMENT") is { } mode
                ? Enum.Parse<EnforcementMode>(mode, ignoreCase: true)
                : o.Enforcement,
            LegacyAccessDeniedMessage = Flag("--legacy-access-denied-message", "GATEHOUSE_LEGACY_ACCESS_DENIED_MESSAGE"),
            LegacyKmsAccessDeniedMessage = Flag("--legacy-kms-access-denied-message", "GATEHOUSE_LEGACY_KMS_ACCESS_DENIED_MESSAGE"),
            SseSqsRequiresHttps = Flag("--sse-sqs-requires-https", "GATEHOUSE_SSE_SQS_REQUIRES_HTTPS"),
            TrustedProxies = (Get("--trusted-proxies", "GATEHOUSE_TRUSTED_PROXIES") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
            HttpsPort = Get("--https-port", "GATEHOUSE_HTTPS_PORT") is { } https ? int.Parse(https, CultureInfo.InvariantCulture) : null,
            CertificatePath = Get("--certificate", "GATEHOUSE_CERTIFICATE"),
            CertificatePassword = Get("--certificate-password", "GATEHOUSE_CERTIFICATE_PASSWORD"),
            AdvertisedUrl = Get("--advertised-url", "GATEHOUSE_ADVERTISED_URL")?.TrimEnd('/'),
            WorldFile = Get("--world", "GATEHOUSE_WORLD"),
            ServerKey = Get("--server-key", "GATEHOUSE_SERVER_KEY"),
            DecisionRetention = Get("--decision-retention", "GATEHOUSE_DECISION_RETENTION") is { } keep ? int.Parse(keep, CultureInfo.InvariantCulture) : o.DecisionRetention,
        };
    }
}
