using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Gatehouse.SigV4;

namespace Gatehouse.Server.Tests;

/// <summary>What a hostile client tried (issue findings): each case fails without its fix.</summary>
[Collection("server")]
public sealed class HardeningTests(ServerFixture server)
{
    private static readonly HttpClient Http = new();

    private async Task<string> NewQueueWithMessage(string name)
    {
        using var sqs = server.Client();
        var url = (await sqs.CreateQueueAsync(name)).QueueUrl;
        await sqs.SendMessageAsync(url, "keep me");
        return url;
    }

    private async Task<int> Depth(string url)
    {
        using var sqs = server.Client();
        return (await sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages"])).ApproximateNumberOfMessages;
    }

    [Fact]
    public async Task An_unsigned_payload_marker_does_not_let_another_operation_through()
    {
        var url = await NewQueueWithMessage("hard-unsigned-payload");
        var signedBody = Encoding.UTF8.GetBytes($"Action=GetQueueAttributes&Version=2012-11-05&QueueUrl={Uri.EscapeDataString(url)}");
        var sentBody = Encoding.UTF8.GetBytes($"Action=PurgeQueue&Version=2012-11-05&QueueUrl={Uri.EscapeDataString(url)}");
        var headers = new SigV4Headers().Add("Host", new Uri(server.Endpoint).Authority)
            .Add("Content-Type", "application/x-www-form-urlencoded").Add("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
        var signature = SigV4Signer.Sign(new SigV4Request { Method = "POST", RawPath = "/", Headers = headers, Body = signedBody },
            new SigV4SigningCredentials("test", "test"), "us-east-1", "sqs", TimeProvider.System.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint + "/") { Content = new ByteArrayContent(sentBody) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded");
        request.Headers.TryAddWithoutValidation("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var res = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await Depth(url));
    }

    [Fact]
    public async Task A_json_request_whose_target_is_not_signed_is_refused()
    {
        var url = await NewQueueWithMessage("hard-unsigned-target");
        var body = Encoding.UTF8.GetBytes($$"""{"QueueUrl":"{{url}}"}""");
        using var request = SignedRequests.Post(server.Endpoint, body, "application/x-amz-json-1.0", "test", "test");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonSQS.PurgeQueue"); // added after signing
        using var res = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Equal("IncompleteSignature;Sender", res.Headers.GetValues("x-amzn-query-error").Single());
        Assert.Equal(1, await Depth(url));
    }

    [Fact]
    public async Task Thirty_thousand_message_attributes_are_refused_in_linear_time_before_authentication()
    {
        var form = new StringBuilder("Action=SendMessage&Version=2012-11-05&QueueUrl=q&MessageBody=x");
        for (var i = 1; i <= 30_000; i++)
        {
            form.Append("&MessageAttribute.").Append(i).Append(".Name=a").Append(i)
                .Append("&MessageAttribute.").Append(i).Append(".Value.DataType=String")
                .Append("&MessageAttribute.").Append(i).Append(".Value.StringValue=v");
        }

        using var request = SignedRequests.Post(server.Endpoint, Encoding.UTF8.GetBytes(form.ToString()), "application/x-www-form-urlencoded", null, null);
        var clock = Stopwatch.StartNew();
        using var res = await Http.SendAsync(request);
        clock.Stop();
        Assert.True((int)res.StatusCode is >= 400 and < 500, $"status {res.StatusCode}");
        // Scanning every parameter once per attribute took over ten seconds of CPU for this request; one pass takes
        // milliseconds. The bound leaves room for a loaded machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("Action=SendMessage&Version=2012-11-05&QueueUrl=Q&MessageBody=a&MessageBody=b")]
    [InlineData("Action=SendMessage&Version=2012-11-05&QueueUrl=Q&MessageBody=%zz")]
    [InlineData("Action=SendMessage&Version=2012-11-05&QueueUrl=Q&MessageBody=%C3%28")]
    public async Task Query_parameters_are_never_joined_or_kept_undecoded(string form)
    {
        var url = await NewQueueWithMessage("hard-query-decoding-" + Guid.NewGuid().ToString("N")[..8]);
        using var request = SignedRequests.Post(server.Endpoint, Encoding.UTF8.GetBytes(form.Replace("Q", Uri.EscapeDataString(url), StringComparison.Ordinal)),
            "application/x-www-form-urlencoded", "test", "test");
        using var res = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
        Assert.Contains("<Code>MalformedQueryString</Code>", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await Depth(url));
    }

    [Theory]
    [InlineData("{\"QueueName\":\"\\ud800\"}")]
    [InlineData("{\"\\udc00\":1}")]
    public async Task Lone_surrogates_in_json_are_a_400_serialization_error(string body)
    {
        using var request = SignedRequests.Post(server.Endpoint, Encoding.UTF8.GetBytes(body), "application/x-amz-json-1.0", "test", "test", "AmazonSQS.CreateQueue");
        using var res = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.StartsWith("SerializationException;", res.Headers.GetValues("x-amzn-query-error").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_utf8_in_json_is_a_400()
    {
        byte[] body = [.. "{\"QueueName\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        using var request = SignedRequests.Post(server.Endpoint, body, "application/x-amz-json-1.0", "test", "test", "AmazonSQS.CreateQueue");
        using var res = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
    }

    [Theory]
    [InlineData("Content-Length: 100\r\n", "Action=ListQueues", true)] // body cut short, then the client closes
    [InlineData("Transfer-Encoding: chunked\r\n", "zz\r\nAction=ListQueues\r\n0\r\n\r\n", false)] // malformed chunk size
    public async Task Broken_http_framing_is_never_a_500(string framing, string body, bool closeAfterSending)
    {
        var endpoint = new Uri(server.Endpoint);
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint.Host, endpoint.Port);
        var stream = client.GetStream();
        var head = $"POST / HTTP/1.1\r\nHost: {endpoint.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\n{framing}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + body));
        if (closeAfterSending)
        {
            client.Client.Shutdown(SocketShutdown.Send);
        }

        string? status;
        try
        {
            using var reader = new StreamReader(stream, Encoding.ASCII);
            status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (IOException) when (closeAfterSending)
        {
            status = null; // the server dropped a request that can no longer be answered
        }

        if (status is null)
        {
            Assert.True(closeAfterSending, "no answer to a malformed request on an open connection");
            return;
        }

        var code = int.Parse(status.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(code, 400, 499);
    }

    [Fact]
    public async Task A_body_that_stops_arriving_gets_a_408_not_a_500()
    {
        var endpoint = new Uri(server.Endpoint);
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint.Host, endpoint.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST / HTTP/1.1\r\nHost: {endpoint.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=ListQueues"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        // Kestrel's minimum request body data rate (240 bytes/s after a 5 s grace period) ends the wait.
        var status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(status);
        Assert.Contains(" 408 ", status, StringComparison.Ordinal);
    }
}
