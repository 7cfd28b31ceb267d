using Amazon.Runtime;
using Amazon.SQS;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Server.Tests;

/// <summary>The real server, in process, on a free loopback port, with an in-memory store.</summary>
public class ServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string Endpoint { get; private set; } = "";

    /// <summary>The server's settings; null: do not start one (its tests are skipped).</summary>
    protected virtual Task<GatehouseOptions?> OptionsAsync() => Task.FromResult<GatehouseOptions?>(new GatehouseOptions { Port = 0, InMemory = true });

    public virtual async Task InitializeAsync()
    {
        if (await OptionsAsync() is not { } options)
        {
            return;
        }

        _app = await GatehouseApp.BuildAsync(options, TimeProvider.System);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Endpoint = address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
    }

    public virtual async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public AmazonSQSClient Client(string accessKey = "test", string secret = "test") =>
        new(new BasicAWSCredentials(accessKey, secret), new AmazonSQSConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1" });
}

[CollectionDefinition("server")]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>;

/// <summary>The real server, in process, with every store in a PostgreSQL database of its own
/// (<c>--store postgres://…</c>); not started when no PostgreSQL server is configured (the tests skip).</summary>
public sealed class PostgresServerFixture : ServerFixture
{
    private Gatehouse.Tests.Shared.PostgresTestDatabase? _database;

    protected override async Task<GatehouseOptions?> OptionsAsync()
    {
        if (Gatehouse.Tests.Shared.PostgresTestServer.SkipReason is not null)
        {
            return null;
        }

        _database = await Gatehouse.Tests.Shared.PostgresTestServer.CreateDatabaseAsync();
        return new GatehouseOptions
        {
            Port = 0,
            Store = _database.Url,
            ServerKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            DataDirectory = Path.Combine(Path.GetTempPath(), "gatehouse-pg-fixture-" + Guid.NewGuid().ToString("N")),
        };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

[CollectionDefinition("postgres-server")]
public sealed class PostgresServerCollection : ICollectionFixture<PostgresServerFixture>;
