using Amazon.KeyManagementService;
using Amazon.Runtime;
using Amazon.SQS;
using Gatehouse.Server.Tests.Enforcement;
using Gatehouse.Services.Authorization;
using Gatehouse.Services.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Server.Tests.Kms;

/// <summary>A fixed cast for the KMS and SSE tests: producers and consumers with and without KMS permissions, in two
/// accounts.</summary>
public sealed class KmsIdentities : ICredentialDirectory, IIdentityPolicySource
{
    public const string A = TestIdentities.A;
    public const string B = TestIdentities.B;

    private const string AllowSqs = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}""";
    private const string AllowKmsUse = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*"}]}""";

    private readonly Dictionary<string, (AccessKeyCredential Key, PrincipalPolicies Policies)> _byKey = new(StringComparer.Ordinal);

    public KmsIdentities()
    {
        Add("root-a", Principal.RootOf(A));
        Add("root-b", Principal.RootOf(B));
        Add("sqs-only", TestIdentities.User(A, "sqs-only"), AllowSqs);
        Add("producer", TestIdentities.User(A, "producer"), AllowSqs, AllowKmsUse);
        Add("no-gdk", TestIdentities.User(A, "no-gdk"), AllowSqs,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:GenerateDataKey","Resource":"*"}]}""");
        Add("kms-admin", TestIdentities.User(A, "kms-admin"), AllowSqs, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}""");
        Add("partner", TestIdentities.User(B, "partner"), AllowSqs, AllowKmsUse);
    }

    private void Add(string key, Principal principal, params string[] policies) =>
        _byKey[key] = (new AccessKeyCredential(key, "secret-" + key, principal),
            new PrincipalPolicies([.. policies.Select((d, i) => new NamedPolicy($"{key}-{i}", d))], null, []));

    public ValueTask<AccessKeyCredential?> FindAccessKeyAsync(string accessKeyId, CancellationToken ct = default) =>
        ValueTask.FromResult(_byKey.TryGetValue(accessKeyId, out var e) ? e.Key : null);

    public ValueTask<PrincipalPolicies> GetPoliciesAsync(Principal principal, CancellationToken ct = default) =>
        ValueTask.FromResult(_byKey.Values.FirstOrDefault(e => e.Key.Principal.Arn == principal.Arn).Policies ?? PrincipalPolicies.None);
}

/// <summary>Trusts the server's self-signed certificate.</summary>
public sealed class TrustingHttpClientFactory : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator });
}

/// <summary>The server with HTTP and HTTPS listeners, in memory, with the <see cref="KmsIdentities"/> cast.</summary>
public sealed class KmsFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string Endpoint { get; private set; } = "";

    public string HttpsEndpoint { get; private set; } = "";

    public Authorizer Authorizer => _app!.Services.GetRequiredService<Authorizer>();

    public async Task InitializeAsync()
    {
        var httpsPort = ServerProcess.FreePort();
        HttpsEndpoint = $"https://127.0.0.1:{httpsPort}";
        var identities = new KmsIdentities();
        _app = await GatehouseApp.BuildAsync(new GatehouseOptions { Port = 0, InMemory = true, HttpsPort = httpsPort }, TimeProvider.System, configureServices: s =>
        {
            s.AddSingleton<ICredentialDirectory>(identities);
            s.AddSingleton<IIdentityPolicySource>(identities);
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

    public AmazonSQSClient Sqs(string who, bool https = true) => new(new BasicAWSCredentials(who, "secret-" + who),
        new AmazonSQSConfig { ServiceURL = https ? HttpsEndpoint : Endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, HttpClientFactory = new TrustingHttpClientFactory() });

    public AmazonKeyManagementServiceClient Kms(string who) => new(new BasicAWSCredentials(who, "secret-" + who),
        new AmazonKeyManagementServiceConfig { ServiceURL = HttpsEndpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, HttpClientFactory = new TrustingHttpClientFactory() });
}

[CollectionDefinition("kms")]
public sealed class KmsCollection : ICollectionFixture<KmsFixture>;
