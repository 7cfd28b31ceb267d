using Gatehouse.Services.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Server.Tests.Enforcement;

/// <summary>The server with enforcement on and the <see cref="TestIdentities"/> cast as its identity store.</summary>
public sealed class EnforcementFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public TestIdentities Identities { get; } = new();

    public string Endpoint { get; private set; } = "";

    public string HttpsEndpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var httpsPort = ServerProcess.FreePort();
        HttpsEndpoint = $"https://127.0.0.1:{httpsPort}";
        _app = await GatehouseApp.BuildAsync(new GatehouseOptions { Port = 0, InMemory = true, HttpsPort = httpsPort }, TimeProvider.System, configureServices: s =>
        {
            s.AddSingleton<ICredentialDirectory>(Identities);
            s.AddSingleton<IIdentityPolicySource>(Identities);
        });
        await _app.StartAsync();
        Endpoint = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("http:", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public ISqsCaller As(string protocol, string? accessKey) =>
        protocol == "json" ? new SdkCaller(Endpoint, accessKey) : new QueryCaller(Endpoint, accessKey);

    /// <summary>A fresh queue owned by account A's root, with an optional queue policy and tags.</summary>
    public async Task<(string Url, string Arn)> NewQueueAsync(string? policy = null, Dictionary<string, string>? tags = null, string owner = "root-a")
    {
        using var sqs = new Amazon.SQS.AmazonSQSClient(new Amazon.Runtime.BasicAWSCredentials(owner, "secret-" + owner),
            new Amazon.SQS.AmazonSQSConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1" });
        var name = "q" + Guid.NewGuid().ToString("N")[..10];
        var attributes = new Dictionary<string, string>();
        var url = (await sqs.CreateQueueAsync(new Amazon.SQS.Model.CreateQueueRequest { QueueName = name, Tags = tags })).QueueUrl;
        var account = owner == "root-b" ? TestIdentities.B : TestIdentities.A;
        var arn = $"arn:aws:sqs:us-east-1:{account}:{name}";
        if (policy is not null)
        {
            await sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["Policy"] = policy.Replace("QUEUE_ARN", arn, StringComparison.Ordinal) });
        }

        return (url, arn);
    }
}

[CollectionDefinition("enforcement")]
public sealed class EnforcementCollection : ICollectionFixture<EnforcementFixture>;
