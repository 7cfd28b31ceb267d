using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gatehouse.LoadBench;

/// <summary>
/// The ceiling: an endpoint on the same HTTP stack as Gatehouse (Kestrel, slim builder, server GC) that reads each
/// request and answers a fixed, valid SQS JSON response. It runs in its own process (the bench binary started with
/// <c>--noop-server PORT</c>) so it never shares the generator's threads.
/// </summary>
internal static class NoopServer
{
    private const string ContentType = "application/x-amz-json-1.0";

    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port);
        });
        var responses = new Responses(port);
        await using var app = builder.Build();
        app.Run(context => HandleAsync(context, responses));
        await app.RunAsync();
    }

    private static async Task HandleAsync(HttpContext context, Responses responses)
    {
        // Read the whole body, as any server must, and look for a FIFO queue URL in it.
        var reader = context.Request.BodyReader;
        var fifo = false;
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            if (read.IsCompleted)
            {
                fifo = Contains(read.Buffer, ".fifo\""u8);
                reader.AdvanceTo(read.Buffer.End);
                break;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var action = target.StartsWith("AmazonSQS.", StringComparison.Ordinal) ? target["AmazonSQS.".Length..] : "";
        var body = responses.For(action, fifo);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = ContentType;
        response.ContentLength = body.Length;
        response.Headers["x-amzn-RequestId"] = "00000000-0000-0000-0000-000000000000";
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static bool Contains(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> needle)
    {
        if (buffer.IsSingleSegment)
            return buffer.FirstSpan.IndexOf(needle) >= 0;
        return buffer.ToArray().AsSpan().IndexOf(needle) >= 0;
    }

    /// <summary>The fixed response bodies, built once.</summary>
    private sealed class Responses
    {
        private const string Md5 = "fafb00f5732ab283681e124bf8747ed1";
        private readonly byte[] _send;
        private readonly byte[] _sendFifo;
        private readonly byte[] _sendBatch;
        private readonly byte[] _sendBatchFifo;
        private readonly byte[] _receive;
        private readonly byte[] _deleteBatch;
        private readonly byte[] _createQueue;
        private readonly byte[] _attributes;
        private readonly byte[] _empty = "{}"u8.ToArray();

        public Responses(int port)
        {
            static string Id(int i) => string.Create(CultureInfo.InvariantCulture, $"5fea7756-0ea4-451a-a703-a558b933e2{i:00}");
            _send = Utf8($$"""{"MD5OfMessageBody":"{{Md5}}","MessageId":"{{Id(0)}}"}""");
            _sendFifo = Utf8($$"""{"MD5OfMessageBody":"{{Md5}}","MessageId":"{{Id(0)}}","SequenceNumber":"18849496460467696128"}""");
            _sendBatch = Utf8(BatchResult(i => $$"""{"Id":"{{i}}","MD5OfMessageBody":"{{Md5}}","MessageId":"{{Id(i)}}"}"""));
            _sendBatchFifo = Utf8(BatchResult(i =>
                $$"""{"Id":"{{i}}","MD5OfMessageBody":"{{Md5}}","MessageId":"{{Id(i)}}","SequenceNumber":"1884949646046769612{{i}}"}"""));
            var body = new string('x', 100);
            var messages = string.Join(',', Enumerable.Range(0, 10).Select(i =>
                $$"""{"MessageId":"{{Id(i)}}","ReceiptHandle":"{{ReceiptHandle(i)}}","MD5OfBody":"{{Md5}}","Body":"{{body}}"}"""));
            _receive = Utf8($$"""{"Messages":[{{messages}}]}""");
            _deleteBatch = Utf8(BatchResult(i => $$"""{"Id":"{{i}}"}"""));
            _createQueue = Utf8(string.Create(CultureInfo.InvariantCulture, $$"""{"QueueUrl":"http://127.0.0.1:{{port}}/000000000000/noop"}"""));
            _attributes = Utf8("""{"Attributes":{"ApproximateNumberOfMessages":"0","ApproximateNumberOfMessagesNotVisible":"0"}}""");
        }

        public byte[] For(string action, bool fifo) => action switch
        {
            "SendMessage" => fifo ? _sendFifo : _send,
            "SendMessageBatch" => fifo ? _sendBatchFifo : _sendBatch,
            "ReceiveMessage" => _receive,
            "DeleteMessageBatch" => _deleteBatch,
            "CreateQueue" or "GetQueueUrl" => _createQueue,
            "GetQueueAttributes" => _attributes,
            _ => _empty,
        };

        private static string BatchResult(Func<int, string> entry) =>
            $$"""{"Successful":[{{string.Join(',', Enumerable.Range(0, 10).Select(entry))}}],"Failed":[]}""";

        private static string ReceiptHandle(int i)
        {
            // Shaped like an AWS receipt handle: long, base64.
            var raw = new byte[120];
            for (var b = 0; b < raw.Length; b++)
                raw[b] = (byte)((b * 31) + i);
            return Convert.ToBase64String(raw);
        }

        private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
    }
}
