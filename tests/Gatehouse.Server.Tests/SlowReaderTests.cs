using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using Amazon.SQS;
using Gatehouse.SigV4;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Server.Tests;

/// <summary>A client that asks for a large ReceiveMessage response and never reads it (hardening): the server
/// closes the connection after the write deadline instead of holding the response for it.</summary>
public sealed class SlowReaderTests : IAsyncLifetime
{
    private WebApplication? _app;
    private string _endpoint = "";

    public async Task InitializeAsync()
    {
        _app = await GatehouseApp.BuildAsync(new GatehouseOptions
        {
            BindAddress = "127.0.0.1",
            Port = 0,
            InMemory = true,
            ResponseWriteGrace = TimeSpan.FromSeconds(1),
            ResponseMinBytesPerSecond = 100_000_000,
        }, TimeProvider.System);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _endpoint = new Uri(address).GetLeftPart(UriPartial.Authority);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_that_never_reads_a_large_response_is_cut_off()
    {
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"),
            new AmazonSQSConfig { ServiceURL = _endpoint, AuthenticationRegion = "us-east-1" });
        var url = (await sqs.CreateQueueAsync("slow-reader")).QueueUrl;
        var body = new string('x', 1_000_000);
        for (var i = 0; i < 10; i++)
        {
            await sqs.SendMessageAsync(url, body);
        }

        // Ten messages of 1 MB: more than the socket buffers of both ends can hold (the client's is kept small).
        var json = Encoding.UTF8.GetBytes($$"""{"QueueUrl":"{{url}}","MaxNumberOfMessages":10}""");
        var host = new Uri(_endpoint).Authority;
        var headers = new SigV4Headers().Add("Host", host).Add("Content-Type", "application/x-amz-json-1.0").Add("X-Amz-Target", "AmazonSQS.ReceiveMessage");
        var signature = SigV4Signer.Sign(new SigV4Request { Method = "POST", RawPath = "/", Headers = headers, Body = json },
            new SigV4SigningCredentials("test", "test"), "us-east-1", "sqs", TimeProvider.System.GetUtcNow());
        var head = new StringBuilder("POST / HTTP/1.1\r\n")
            .Append("Host: ").Append(host).Append("\r\n")
            .Append("Content-Type: application/x-amz-json-1.0\r\n")
            .Append("X-Amz-Target: AmazonSQS.ReceiveMessage\r\n")
            .Append("Content-Length: ").Append(json.Length).Append("\r\n");
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        var uri = new Uri(_endpoint);
        await socket.ConnectAsync("127.0.0.1", uri.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head.ToString()));
        await socket.SendAsync(json);

        // Not reading for longer than the deadline (1 s grace at 100 MB/s: about 1.1 s).
        await Task.Delay(TimeSpan.FromSeconds(4));

        var received = 0L;
        var buffer = new byte[65536];
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            int n;
            while (received < 10_000_000 && (n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                received += n;
            }
        }
        catch (SocketException)
        {
            // Reset by the server: what was buffered before the reset may or may not have arrived.
        }

        Assert.True(received < 10_000_000, $"the whole response ({received} bytes) was kept for a client that did not read");
        using var health = new HttpClient();
        Assert.True((await health.GetAsync(_endpoint + "/_gatehouse/health")).IsSuccessStatusCode);
    }
}
