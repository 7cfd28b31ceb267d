using Gatehouse.Server.Admin;
using Gatehouse.Server.Ec2;
using Gatehouse.Server.Iam;
using Gatehouse.Server.Kms;
using Gatehouse.Server.Organizations;
using Gatehouse.Server.Pipeline;
using Gatehouse.Server.Sqs;
using Gatehouse.Server.Sts;
using Gatehouse.Server.World;
using Gatehouse.Services.Authorization;
using Gatehouse.Services.Ec2;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Kms;
using Gatehouse.Services.Organizations;
using Gatehouse.Services.Sqs;
using Gatehouse.Services.Sts;
using Gatehouse.Storage.Sqlite;
using Gatehouse.Storage.Sqlite.Decisions;
using Gatehouse.Storage.Sqlite.Ec2;
using Gatehouse.Storage.Sqlite.Kms;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;

namespace Gatehouse.Server;

/// <summary>Builds the web application: the store, the services and the one request pipeline.</summary>
public static class GatehouseApp
{
    /// <summary>Largest request body accepted: a full 1 MiB batch in base64 attributes and JSON or form encoding
    /// still fits. Larger bodies get an AWS error, not a dropped connection.</summary>
    public const long MaxRequestBytes = 8 * 1024 * 1024;

    /// <param name="configureServices">Last say over the services (tests replace identity sources with fakes).</param>
    public static async Task<WebApplication> BuildAsync(GatehouseOptions options, TimeProvider time, string[]? args = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args ?? []);

        // Settings come from GatehouseOptions; no configuration files are read or watched.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        if (options.JsonLogs)
        {
            builder.Logging.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ");
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.Logging.SetMinimumLevel(options.LogLevel > LogLevel.Warning ? options.LogLevel : LogLevel.Warning);
        builder.Logging.AddFilter("Gatehouse", options.LogLevel);
        // A start-up failure is reported by the command line in one line (README, "Exit codes"), not as a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        // Shutdown answers open long polls at once, then waits this long for in-flight requests.
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        var servedCertificate = new WebConsole.ServedCertificate();
        builder.Services.AddSingleton(servedCertificate);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            // Bounded per-connection buffering: Kestrel's default, stated (RequestPipeline also bounds how long a
            // response may wait for a client that does not read).
            k.Limits.MaxResponseBufferSize = 64 * 1024;
            k.AddServerHeader = false;
            k.Listen(System.Net.IPAddress.Parse(options.BindAddress), options.Port);
            if (options.HttpsPort is { } httpsPort)
            {
                // aws:SecureTransport is true only for requests that arrive here.
                var certificate = HttpsCertificate.Load(options, time);
                servedCertificate.Certificate = certificate;
                k.Listen(System.Net.IPAddress.Parse(options.BindAddress), httpsPort, l => l.UseHttps(certificate));
            }
        });

        // With --store postgres://… every store lives in one database several nodes share, and the node's clock follows
        // the database's (docs/postgres.md); otherwise SQLite files in the data directory (or memory).
        var cluster = options.Store is { } connection ? await PostgresCluster.OpenAsync(connection, time) : null;
        if (cluster is not null)
        {
            time = cluster.Clock;
        }

        var storePath = options.InMemory ? null : Path.Combine(options.DataDirectory, "gatehouse.db");
        IQueueStore store = cluster is not null ? cluster.Queues : SqliteQueueStore.Open(new SqliteStoreOptions { Path = storePath, FsyncEachCommit = options.Fsync });
        // The server key also authenticates SQS receipt handles (nodes of a cluster are all given the same one).
        var serverKey = IdentitySetup.LoadServerKey(options);
        var sqs = await SqsService.StartAsync(store, time, serverKey.Key, cluster is not null ? cluster.Leases : LocalLeaseStore.Instance, cluster?.NodeId);
        sqs.SharedAttempts = cluster?.Attempts;

        sqs.NoCooldowns = options.NoCooldowns;
        if (options.SweepInterval is { } sweepInterval)
        {
            sqs.SetSweepInterval(sweepInterval);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(new SigningClock(time));
        builder.Services.AddSingleton(sqs);
        builder.Services.AddSingleton<IQueueStore>(store);
        // Identity: accounts, IAM entities, keys and sessions (store-backed; knows the configured root key).
        var (identity, serverKeySource) = IdentitySetup.Open(options, time, serverKey, cluster?.Identity);
        var organizations = new OrganizationService(identity.Store, identity, time);
        // KMS: keys, aliases and grants (kms.db), key material encrypted under the server key.
        var kms = new KmsService(cluster is not null ? cluster.Kms : options.InMemory ? new InMemoryKmsStore() : SqliteKmsStore.Open(Path.Combine(options.DataDirectory, "kms.db")),
            new SecretProtector(serverKey.Key), time);
        sqs.Encryption = new SqsMessageEncryption(kms, time);
        var world = options.WorldFile is { } worldFile ? await WorldApplier.ApplyFileAsync(worldFile, identity, sqs, options, organizations) : null;
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton(organizations);
        builder.Services.AddSingleton<IOrganizationPolicySource>(organizations);
        builder.Services.AddSingleton<ICredentialDirectory>(identity);
        builder.Services.AddSingleton<IIdentityPolicySource>(identity);
        builder.Services.AddSingleton<StsService>();
        builder.Services.AddSingleton<Authenticator>();
        builder.Services.TryAddSingleton<IIdentityPolicySource, NoIdentityPolicies>();
        builder.Services.AddSingleton(new AuthorizerOptions
        {
            Mode = options.Enforcement,
            LegacySqsMessage = options.LegacyAccessDeniedMessage,
            LegacyKmsMessage = options.LegacyKmsAccessDeniedMessage,
            DecisionStore = cluster is not null ? cluster.Decisions
                : options.InMemory ? new InMemoryDecisionStore() : SqliteDecisionStore.Open(Path.Combine(options.DataDirectory, "decisions.db")),
            DecisionRetention = options.DecisionRetention,
            PersistEveryAllowedDecision = options.DecisionLogAll,
        });
        // EC2: VPCs, subnets and VPC endpoints (ec2.db beside the queue database); endpoint policies gate requests.
        var ec2 = new Ec2Service(cluster is not null ? cluster.Ec2 : options.InMemory ? new InMemoryEc2Store() : SqliteEc2Store.Open(Path.Combine(options.DataDirectory, "ec2.db")), time);
        var worldEndpoints = options.WorldFile is { } vpcWorld ? await WorldVpcs.ApplyFileAsync(vpcWorld, ec2, options) : 0;
        builder.Services.AddSingleton(ec2);
        builder.Services.AddSingleton<IVpcEndpointPolicySource>(ec2);
        builder.Services.AddSingleton<VpcEndpointListeners>();
        builder.Services.AddSingleton<Authorizer>();
        builder.Services.AddSingleton<IAuthorizer>(sp => sp.GetRequiredService<Authorizer>());
        // The service modules: each AWS service (and Gatehouse's own diagnostics) is one; the pipeline names none.
        builder.Services.AddSingleton(_ => SqsModule.Create(sqs, options, kms));
        builder.Services.AddSingleton(sp => IamQueryApi.Create(identity, organizations));
        builder.Services.AddSingleton(_ => OrganizationsModule.Create(organizations));
        builder.Services.AddSingleton(sp => StsModule.Create(sp.GetRequiredService<StsService>()));
        builder.Services.AddSingleton(kms);
        builder.Services.AddSingleton(sp => KmsModule.Create(kms, sp.GetRequiredService<Authorizer>()));
        builder.Services.AddSingleton(sp => AdminModule.Create(sp.GetRequiredService<Authorizer>(), sqs, options, time, identity,
            cluster is null ? null : () => cluster.QueueRoundTrips));
        builder.Services.AddSingleton(_ => Ec2Module.Create(ec2));
        builder.Services.AddSingleton(new GatehouseMetrics(sqs));
        if (options.Metrics)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(m => m
                .AddMeter(GatehouseMetrics.MeterName, "Gatehouse.Storage")
                .AddPrometheusExporter());
        }

        builder.Services.AddSingleton<ServiceRouter>();
        builder.Services.AddSingleton<RequestPipeline>();
        // The web console (docs/console.md): an ordinary API client of this server, under /console.
        WebConsole.ConsoleSetup.AddConsole(builder.Services);

        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        var policyChecks = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse.PolicyChecks");
        foreach (var module in app.Services.GetServices<ServiceModule>())
        {
            PolicyStoreLinting.Attach(module, policyChecks);
        }

        var pipeline = app.Services.GetRequiredService<RequestPipeline>();
        var decisionLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse.Authorization");
        var metrics = app.Services.GetRequiredService<GatehouseMetrics>();
        app.Services.GetRequiredService<Authorizer>().Denied += d =>
        {
            metrics.Denials.Add(1, new("layer", d.DecidingPolicyType.ToString()), new("enforced", d.Refused));
            if (d.Refused)
            {
                decisionLog.LogInformation("Denied {Principal} {Action} on {Resource}: {Message}", d.Principal, d.Action, d.Resource, d.Message);
            }
            else
            {
                decisionLog.LogWarning("Would deny ({Mode} enforcement) {Principal} {Action} on {Resource}: {Message}",
                    options.Enforcement.ToString().ToLowerInvariant(), d.Principal, d.Action, d.Resource, d.Message);
            }
        };
        if (options.Metrics)
        {
            // The Prometheus scrape endpoint: unauthenticated, like any scrape target (docs/operations.md).
            app.UseOpenTelemetryPrometheusScrapingEndpoint();
        }

        WebConsole.ConsoleSetup.UseConsole(app, options);
        app.Run(pipeline.HandleAsync);
        // Each VPC endpoint is its own loopback listener: opened on creation, reopened after a restart.
        var endpointListeners = app.Services.GetRequiredService<VpcEndpointListeners>();
        ec2.Network = endpointListeners;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            ec2.RestoreAsync().GetAwaiter().GetResult();
            if (worldEndpoints > 0)
            {
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse").LogInformation(
                    "World file declares {Endpoints} VPC endpoint(s); aws ec2 describe-vpc-endpoints lists their DNS names", worldEndpoints);
            }
        });
        app.Lifetime.ApplicationStopping.Register(() => endpointListeners.DisposeAsync().AsTask().GetAwaiter().GetResult());
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse");
            var addresses = Cli.ServeCommand.Addresses(app.Services);
            log.LogInformation("Gatehouse {Version} listening on {Addresses}; store {Store}; default region {Region}",
                RequestPipeline.Version, string.Join(" and ", addresses.Select(a => a.Replace("[::]", "0.0.0.0", StringComparison.Ordinal))),
                sqs.StoreDescription, options.DefaultRegion);
            log.LogInformation("Queue URLs use {Url}", options.AdvertisedUrl ?? "the host each client connects to (no --advertised-url)");
            log.LogInformation("Account {Account}: root user access key {AccessKey} (secret from configuration); signatures are verified",
                options.AccountId, options.RootAccessKeyId);
            log.LogInformation("Identities: store {Store}; secrets encrypted at rest with the server key {KeySource}; accounts {Accounts}",
                identity.StoreDescription, serverKeySource, string.Join(", ", identity.Accounts().Select(a => a.Id)));
            if (world is not null)
            {
                log.LogInformation("World file {File} applied: {Accounts} account(s), {Users} user(s), {Roles} role(s), {Groups} group(s), {Policies} policy(ies), {Queues} queue(s)",
                    options.WorldFile, world.Accounts, world.Users, world.Roles, world.Groups, world.Policies, world.Queues);
            }
            if (options.AnyAccessKey)
            {
                log.LogWarning("ANY ACCESS KEY IS ACCEPTED (--any-access-key): a key this server does not know is the root user of account {Account}, its signature unchecked. For local testing only.",
                    options.AccountId);
            }

            if (options.NoCooldowns || options.AllowReset)
            {
                log.LogWarning("Test settings on:{NoCooldowns}{Reset}", options.NoCooldowns ? " no 60 s QueueDeletedRecently/PurgeQueue waits (--no-cooldowns);" : "",
                    options.AllowReset ? " POST /_gatehouse/reset empties the server (--allow-reset)" : "");
            }

            log.LogInformation("Enforcement is {Mode}: {Meaning}", options.Enforcement.ToString().ToLowerInvariant(), options.Enforcement switch
            {
                EnforcementMode.On => "requests AWS would refuse are refused",
                EnforcementMode.Soft => "denials are logged and recorded but let through",
                _ => "decisions are only recorded",
            });
        });
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse");
            log.LogInformation("Stopping: {LongPolls} open long poll(s) answered with no messages; waiting up to {Timeout} s for requests in flight",
                sqs.OpenLongPolls, options.ShutdownTimeout.TotalSeconds);
            sqs.EndLongPolls();
        });
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse").LogInformation("Stopped; store {Store} closed", sqs.StoreDescription);
            sqs.DisposeAsync().AsTask().GetAwaiter().GetResult();
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            identity.Dispose();
            kms.Dispose();
            ec2.Dispose();
            metrics.Dispose();
            app.Services.GetRequiredService<Authorizer>().Log.DisposeAsync().AsTask().GetAwaiter().GetResult();
            cluster?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        });
        return app;
    }
}
