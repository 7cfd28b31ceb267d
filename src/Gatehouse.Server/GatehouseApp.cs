using System.Globalization;
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
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Gatehouse", LogLevel.Information);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.AddServerHeader = false;
            k.Listen(System.Net.IPAddress.Parse(options.BindAddress), options.Port);
            if (options.HttpsPort is { } httpsPort)
            {
                // aws:SecureTransport is true only for requests that arrive here.
                var certificate = HttpsCertificate.Load(options, time);
                k.Listen(System.Net.IPAddress.Parse(options.BindAddress), httpsPort, l => l.UseHttps(certificate));
            }
        });

        var storePath = options.InMemory ? null : Path.Combine(options.DataDirectory, "gatehouse.db");
        var store = SqliteQueueStore.Open(new SqliteStoreOptions { Path = storePath, FsyncEachCommit = options.Fsync });
        var sqs = await SqsService.StartAsync(store, time);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(sqs);
        builder.Services.AddSingleton<IQueueStore>(store);
        // Identity: accounts, IAM entities, keys and sessions (store-backed; knows the configured root key).
        var serverKey = IdentitySetup.LoadServerKey(options);
        var (identity, serverKeySource) = IdentitySetup.Open(options, time, serverKey);
        var organizations = new OrganizationService(identity.Store, identity, time);
        // KMS: keys, aliases and grants (kms.db), key material encrypted under the server key.
        var kms = new KmsService(options.InMemory ? new InMemoryKmsStore() : SqliteKmsStore.Open(Path.Combine(options.DataDirectory, "kms.db")),
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
            DecisionStore = options.InMemory ? new InMemoryDecisionStore() : SqliteDecisionStore.Open(Path.Combine(options.DataDirectory, "decisions.db")),
            DecisionRetention = options.DecisionRetention,
        });
        // EC2: VPCs, subnets and VPC endpoints (ec2.db beside the queue database); endpoint policies gate requests.
        var ec2 = new Ec2Service(options.InMemory ? new InMemoryEc2Store() : SqliteEc2Store.Open(Path.Combine(options.DataDirectory, "ec2.db")), time);
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
        builder.Services.AddSingleton(sp => AdminModule.Create(sp.GetRequiredService<Authorizer>(), sqs, options, time, identity));
        builder.Services.AddSingleton(_ => Ec2Module.Create(ec2));
        builder.Services.AddSingleton<ServiceRouter>();
        builder.Services.AddSingleton<RequestPipeline>();

        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        var policyChecks = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse.PolicyChecks");
        foreach (var module in app.Services.GetServices<ServiceModule>())
        {
            PolicyStoreLinting.Attach(module, policyChecks);
        }

        var pipeline = app.Services.GetRequiredService<RequestPipeline>();
        var decisionLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse.Authorization");
        app.Services.GetRequiredService<Authorizer>().Denied += d =>
        {
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
            log.LogInformation("Gatehouse {Version} listening on http://{Bind}:{Port}; store {Store}; default region {Region}",
                RequestPipeline.Version, options.BindAddress, options.Port.ToString(CultureInfo.InvariantCulture), sqs.StoreDescription, options.DefaultRegion);
            log.LogInformation("Account {Account}: root user access key {AccessKey} (secret from configuration); signatures are verified",
                options.AccountId, options.RootAccessKeyId);
            log.LogInformation("Identities: store {Store}; secrets encrypted at rest with the server key from {KeySource}; accounts {Accounts}",
                identity.StoreDescription, serverKeySource, string.Join(", ", identity.Accounts().Select(a => a.Id)));
            if (world is not null)
            {
                log.LogInformation("World file {File} applied: {Accounts} account(s), {Users} user(s), {Roles} role(s), {Groups} group(s), {Policies} policy(ies), {Queues} queue(s)",
                    options.WorldFile, world.Accounts, world.Users, world.Roles, world.Groups, world.Policies, world.Queues);
            }
            log.LogInformation("Enforcement is {Mode}: {Meaning}", options.Enforcement.ToString().ToLowerInvariant(), options.Enforcement switch
            {
                EnforcementMode.On => "requests AWS would refuse are refused",
                EnforcementMode.Soft => "denials are logged and recorded but let through",
                _ => "decisions are only recorded",
            });
        });
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            sqs.DisposeAsync().AsTask().GetAwaiter().GetResult();
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            identity.Dispose();
            kms.Dispose();
            ec2.Dispose();
            app.Services.GetRequiredService<Authorizer>().Log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        });
        return app;
    }
}
