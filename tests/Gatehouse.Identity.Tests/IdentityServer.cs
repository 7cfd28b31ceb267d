using System.Diagnostics;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SQS;
using Gatehouse.Services.Iam;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Identity.Tests;

/// <summary>The real server, in process, on a free loopback port, in memory; clients for STS, SQS and boto3.</summary>
public sealed class IdentityServer : IAsyncLifetime
{
    private readonly TimeProvider _time;
    private readonly GatehouseOptionsFactory _options;
    private WebApplication? _app;

    public IdentityServer()
        : this(TimeProvider.System, o => o)
    {
    }

    internal IdentityServer(TimeProvider time, GatehouseOptionsFactory options)
    {
        _time = time;
        _options = options;
    }

    public string Endpoint { get; private set; } = "";

    /// <summary>The HTTPS listener's endpoint (self-signed certificate) when the options give an HTTPS port.</summary>
    public string? HttpsEndpoint { get; private set; }

    internal IdentityRegistry Registry => _app!.Services.GetRequiredService<IdentityRegistry>();

    internal IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var options = _options(new Server.GatehouseOptions { Port = 0, InMemory = true });
        HttpsEndpoint = options.HttpsPort is { } httpsPort ? $"https://127.0.0.1:{httpsPort}" : null;
        _app = await Server.GatehouseApp.BuildAsync(options, _time);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("http:", StringComparison.Ordinal));
        Endpoint = address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public AmazonSecurityTokenServiceClient Sts(string accessKey = "test", string secret = "test", string? token = null) =>
        new(Credentials(accessKey, secret, token), new AmazonSecurityTokenServiceConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1" });

    public AmazonSQSClient Sqs(string accessKey = "test", string secret = "test", string? token = null) =>
        new(Credentials(accessKey, secret, token), new AmazonSQSConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1" });

    private static AWSCredentials Credentials(string accessKey, string secret, string? token) =>
        token is null ? new BasicAWSCredentials(accessKey, secret) : new SessionAWSCredentials(accessKey, secret, token);

    /// <summary>Runs a boto3 script against the server; <c>iam</c> and <c>sts</c> clients (root) are predefined,
    /// and <c>client(service, key, secret, token)</c> makes others. The script prints one JSON value.</summary>
    public async Task<JsonElement> Boto3Async(string script)
    {
        var prelude = $$"""
            import boto3, json, botocore, botocore.config
            def client(service, key="test", secret="test", token=None, endpoint="{{Endpoint}}"):
                return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", verify=False,
                    aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)
            iam = client("iam")
            sts = client("sts")
            def error(f):
                try:
                    f()
                    return None
                except botocore.exceptions.ClientError as e:
                    return {"Code": e.response["Error"]["Code"], "Message": e.response["Error"]["Message"], "Status": e.response["ResponseMetadata"]["HTTPStatusCode"]}

            """;
        var psi = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        psi.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        using var process = Process.Start(psi)!;
        await process.StandardInput.WriteAsync(prelude + script);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, "boto3 script failed: " + await stderr);
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}

internal delegate Server.GatehouseOptions GatehouseOptionsFactory(Server.GatehouseOptions defaults);

[CollectionDefinition("identity")]
public sealed class IdentityCollection : ICollectionFixture<IdentityServer>;
