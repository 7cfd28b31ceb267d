using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.AspNetCore.Builder;

namespace Gatehouse.Server.Tests.Kms;

/// <summary>The durable store with SSE-KMS: no database file holds a message's plaintext, and keys and messages
/// survive a restart.</summary>
public sealed class SseAtRestTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gatehouse-sse-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private async Task<(WebApplication App, string Https)> StartAsync()
    {
        var httpsPort = ServerProcess.FreePort();
        var app = await GatehouseApp.BuildAsync(new GatehouseOptions { Port = 0, HttpsPort = httpsPort, DataDirectory = _dir }, TimeProvider.System);
        await app.StartAsync();
        return (app, $"https://127.0.0.1:{httpsPort}");
    }

    private static AmazonSQSClient Sqs(string endpoint) => new(new BasicAWSCredentials("test", "test"),
        new AmazonSQSConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, HttpClientFactory = new TrustingHttpClientFactory() });

    private static AmazonKeyManagementServiceClient Kms(string endpoint) => new(new BasicAWSCredentials("test", "test"),
        new AmazonKeyManagementServiceConfig { ServiceURL = endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, HttpClientFactory = new TrustingHttpClientFactory() });

    private bool FilesContain(string marker)
    {
        var needle = Encoding.UTF8.GetBytes(marker);
        return Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories)
            .Any(file => File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0);
    }

    [Fact]
    public async Task Database_files_hold_no_plaintext_of_an_SSE_KMS_message_and_keys_survive_a_restart()
    {
        var secret = "SSE-BODY-" + Guid.NewGuid().ToString("N");
        var attribute = "SSE-ATTR-" + Guid.NewGuid().ToString("N");
        var control = "PLAIN-BODY-" + Guid.NewGuid().ToString("N");
        string encrypted, plain;
        var (app, https) = await StartAsync();
        await using (app)
        {
            using var kms = Kms(https);
            using var sqs = Sqs(https);
            var key = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.KeyId;
            encrypted = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = "encrypted", Attributes = new() { ["KmsMasterKeyId"] = key } })).QueueUrl;
            plain = (await sqs.CreateQueueAsync("plain")).QueueUrl;
            await sqs.SendMessageAsync(new SendMessageRequest
            {
                QueueUrl = encrypted,
                MessageBody = secret,
                MessageAttributes = new() { ["a"] = new Amazon.SQS.Model.MessageAttributeValue { DataType = "String", StringValue = attribute } },
            });
            await sqs.SendMessageAsync(plain, control);
            await app.StopAsync();
        }

        // The control proves the scan sees stored messages: the plain queue's body is there in clear.
        Assert.True(FilesContain(control));
        Assert.False(FilesContain(secret));
        Assert.False(FilesContain(attribute));

        (app, https) = await StartAsync();
        await using (app)
        {
            using var sqs = Sqs(https);
            var got = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = encrypted, MessageAttributeNames = ["All"] })).Messages);
            Assert.Equal(secret, got.Body);
            Assert.Equal(attribute, got.MessageAttributes["a"].StringValue);
            await app.StopAsync();
        }
    }
}
