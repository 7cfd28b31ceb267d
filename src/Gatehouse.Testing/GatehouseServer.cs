using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SQS;
using Gatehouse.Server;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Sqs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Testing;

/// <summary>How <see cref="GatehouseServer.StartAsync"/> starts the server.</summary>
public sealed record GatehouseServerOptions
{
    /// <summary>Keep the stores in memory (the default); false uses a temporary directory, deleted on dispose.</summary>
    public bool InMemory { get; init; } = true;

    /// <summary>Start the controllable clock at this time (default: now).</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Use the system clock instead of the controllable one (<see cref="GatehouseServer.AdvanceTime"/>
    /// then throws).</summary>
    public bool RealTime { get; init; }

    /// <summary>Last say over the server's settings (enforcement mode, a world file, …); the port, bind address and
    /// storage are set by the test server.</summary>
    public Func<GatehouseOptions, GatehouseOptions>? Configure { get; init; }
}

/// <summary>A user made by <see cref="GatehouseServer.CreateUserAsync"/>, with its access key and clients.</summary>
public sealed record TestUser(string Name, string Arn, string AccessKeyId, string SecretAccessKey, GatehouseServer Server)
{
    public AmazonSQSClient CreateSqsClient() => Server.CreateSqsClient(AccessKeyId, SecretAccessKey);

    public AmazonSecurityTokenServiceClient CreateStsClient() => Server.CreateStsClient(AccessKeyId, SecretAccessKey);
}

/// <summary>
/// Gatehouse in this process, for integration tests: a free loopback port, in memory (or a temporary directory),
/// a controllable clock, and ready-made AWS SDK clients (docs/testing.md):
/// <code>await using var gatehouse = await GatehouseServer.StartAsync();</code>
/// </summary>
public sealed class GatehouseServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeTimeProvider? _clock;
    private readonly string? _directory;

    private GatehouseServer(WebApplication app, GatehouseOptions options, FakeTimeProvider? clock, string? directory, string endpoint)
    {
        _app = app;
        _clock = clock;
        _directory = directory;
        Options = options;
        Endpoint = endpoint;
    }

    /// <summary>The server's URL, <c>http://127.0.0.1:PORT</c>: the SDK's <c>ServiceURL</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The settings the server runs with.</summary>
    public GatehouseOptions Options { get; }

    /// <summary>The management account (root credentials: <see cref="GatehouseOptions.RootAccessKeyId"/> /
    /// <see cref="GatehouseOptions.RootSecretAccessKey"/>).</summary>
    public string AccountId => Options.AccountId;

    /// <summary>The region the clients sign for.</summary>
    public string Region => Options.DefaultRegion;

    /// <summary>The server's current time (the controllable clock unless <see cref="GatehouseServerOptions.RealTime"/>).</summary>
    public DateTimeOffset Now => (_clock ?? TimeProvider.System).GetUtcNow();

    /// <summary>The server's services, for what the clients cannot reach.</summary>
    public IServiceProvider Services => _app.Services;

    public static async Task<GatehouseServer> StartAsync(GatehouseServerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new GatehouseServerOptions();
        var clock = options.RealTime ? null : new FakeTimeProvider(options.StartTime ?? TimeProvider.System.GetUtcNow());
        var directory = options.InMemory ? null : Directory.CreateTempSubdirectory("gatehouse-test-").FullName;
        var settings = (options.Configure ?? (o => o))(new GatehouseOptions { LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });
        settings = settings with
        {
            Port = 0,
            BindAddress = "127.0.0.1",
            HttpsPort = null,
            InMemory = options.InMemory,
            DataDirectory = directory ?? settings.DataDirectory,
        };
        var app = await GatehouseApp.BuildAsync(settings, (TimeProvider?)clock ?? TimeProvider.System, [],
            // SDKs sign with the real time: signatures are checked against it, whatever the test clock says.
            services => services.AddSingleton(new SigningClock(TimeProvider.System)));
        await app.StartAsync(ct);
        var endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatehouseServer(app, settings, clock, directory, endpoint);
    }

    /// <summary>Moves the server's clock forward: visibility timeouts, delays, retention, deduplication windows and
    /// long polls follow at once.</summary>
    public void AdvanceTime(TimeSpan by) =>
        (_clock ?? throw new InvalidOperationException("This server runs on the real clock (GatehouseServerOptions.RealTime).")).Advance(by);

    /// <summary>An SQS client for the management account's root user, or for the given key.</summary>
    public AmazonSQSClient CreateSqsClient(string? accessKeyId = null, string? secretAccessKey = null) =>
        new(Credentials(accessKeyId, secretAccessKey), new AmazonSQSConfig { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 });

    /// <summary>An STS client for the management account's root user, or for the given key.</summary>
    public AmazonSecurityTokenServiceClient CreateStsClient(string? accessKeyId = null, string? secretAccessKey = null) =>
        new(Credentials(accessKeyId, secretAccessKey), new AmazonSecurityTokenServiceConfig { ServiceURL = Endpoint, AuthenticationRegion = Region, MaxErrorRetry = 0 });

    /// <summary>A new IAM user of the management account with this identity policy (a JSON document) and an access
    /// key.</summary>
    public Task<TestUser> CreateUserAsync(string name, string policyJson)
    {
        var identity = _app.Services.GetRequiredService<IdentityRegistry>();
        var user = identity.CreateUser(AccountId, name, null);
        identity.PutInlinePolicy(IamEntityKind.User, AccountId, name, "test-policy", policyJson);
        var key = identity.CreateAccessKey(AccountId, name);
        return Task.FromResult(new TestUser(name, user.Arn, key.AccessKeyId, key.SecretAccessKey!, this));
    }

    /// <summary>Deletes every queue and message (no 60-second QueueDeletedRecently wait after it).</summary>
    public Task ResetAsync(CancellationToken ct = default) => _app.Services.GetRequiredService<SqsService>().ResetAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private BasicAWSCredentials Credentials(string? accessKeyId, string? secretAccessKey) =>
        new(accessKeyId ?? Options.RootAccessKeyId, secretAccessKey ?? Options.RootSecretAccessKey);
}
