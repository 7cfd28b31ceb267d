using Gatehouse.Services.Authorization;
using Gatehouse.Services.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Server.Tests.Enforcement;

/// <summary>Soft enforcement decides and records but lets requests through; the legacy message switch.</summary>
public sealed class SoftModeTests
{
    private static async Task<(WebApplication App, string Endpoint)> Start(GatehouseOptions options)
    {
        var identities = new TestIdentities();
        var app = await GatehouseApp.BuildAsync(options with { Port = 0, InMemory = true }, TimeProvider.System, configureServices: s =>
        {
            s.AddSingleton<ICredentialDirectory>(identities);
            s.AddSingleton<IIdentityPolicySource>(identities);
        });
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    [Fact]
    public async Task Soft_mode_lets_a_denied_request_through_and_records_it()
    {
        var (app, endpoint) = await Start(new GatehouseOptions { Enforcement = EnforcementMode.Soft });
        await using var _ = app;
        var url = endpoint + "/000000000000/soft";
        using (var root = new Amazon.SQS.AmazonSQSClient(new Amazon.Runtime.BasicAWSCredentials("root-a", "secret-root-a"),
            new Amazon.SQS.AmazonSQSConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1" }))
        {
            await root.CreateQueueAsync("soft");
        }

        Assert.True((await new SdkCaller(endpoint, "alice").SendMessage(url, "allowed anyway")).Ok);
        var log = app.Services.GetRequiredService<Authorizer>().Log.Recent(10);
        var d = log.Last(r => r.Action == "sqs:SendMessage");
        Assert.Equal(Gatehouse.Policy.Decision.ImplicitDeny, d.Decision);
        Assert.False(d.Refused);
        using var http = new HttpClient();
        using var status = await http.SendAsync(SignedRequests.Get(endpoint, "/_gatehouse/status", "root-a", "secret-root-a"));
        Assert.Contains("\"enforcement\":\"soft\"", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Legacy_message_switch()
    {
        var (app, endpoint) = await Start(new GatehouseOptions { LegacyAccessDeniedMessage = true });
        await using var _ = app;
        var outcome = await new QueryCaller(endpoint, "alice").ListQueues();
        Assert.Equal("AccessDenied", outcome.Code);
        Assert.Equal("Access to the resource https://sqs.us-east-1.amazonaws.com/ is denied.", outcome.Message);
    }
}
