using System.Buffers;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gatehouse.SigV4;

namespace Gatehouse.LoadBench;

/// <summary>A minimal SQS client: AWS JSON 1.0, SigV4-signed, over one keep-alive connection pool.</summary>
internal sealed class SqsClient : IDisposable
{
    public const string Region = "us-east-1";
    private const string ContentType = "application/x-amz-json-1.0";
    private static readonly SigV4SigningCredentials Credentials = new("test", "test");
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly HttpClient _http;
    private readonly Uri[] _endpoints;
    private int _next;

    public SqsClient(Uri endpoint)
        : this([endpoint])
    {
    }

    /// <summary>A client of several nodes of one cluster: calls go to them in turn.</summary>
    public SqsClient(IReadOnlyList<Uri> endpoints)
    {
        _endpoints = [.. endpoints];
        Endpoint = endpoints[0];
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = int.MaxValue,
            // Gatehouse's HTTPS listener uses a self-signed certificate made on first start; the bench only ever talks
            // to servers it started on the loopback address.
            SslOptions =
            {
                RemoteCertificateValidationCallback = (sender, _, _, errors) =>
                    errors == System.Net.Security.SslPolicyErrors.None || sender is System.Net.Security.SslStream { TargetHostName: "127.0.0.1" },
            },
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Endpoint { get; }

    /// <summary>Signs and sends one call; returns the status and the whole response body.</summary>
    public async Task<SqsResponse> CallAsync(string action, byte[] body, CancellationToken cancellationToken = default)
    {
        var target = "AmazonSQS." + action;
        var endpoint = _endpoints.Length == 1 ? Endpoint : _endpoints[(int)((uint)Interlocked.Increment(ref _next) % _endpoints.Length)];
        var signed = new SigV4Request
        {
            Method = "POST",
            RawPath = "/",
            Headers = new SignedHeaders(endpoint.Authority, ContentType, target),
            Body = body,
        };
        var signature = SigV4Signer.Sign(signed, Credentials, Region, "sqs", TimeProvider.System.GetUtcNow());

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        request.Version = HttpVersion.Version11;
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        request.Content = content;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        foreach (var header in signature.HeadersToAdd)
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new SqsResponse(response.StatusCode, bytes);
    }

    /// <summary>Calls and throws unless the call succeeded; for set-up calls.</summary>
    public async Task<JsonElement> CallOkAsync(string action, byte[] body)
    {
        var response = await CallAsync(action, body);
        if (!response.Ok)
            throw new InvalidOperationException($"{action} failed: {response.Describe()}");
        using var doc = JsonDocument.Parse(response.Body);
        return doc.RootElement.Clone();
    }

    /// <param name="kmsKey">A KMS key for SSE-KMS (<c>alias/aws/sqs</c>), or null for the default SSE-SQS.</param>
    public async Task<string> CreateQueueAsync(string name, bool fifo, string? kmsKey = null)
    {
        var body = Json(w =>
        {
            w.WriteString("QueueName", name);
            w.WriteStartObject("Attributes");
            w.WriteString("VisibilityTimeout", "60");
            if (fifo)
                w.WriteString("FifoQueue", "true");
            if (kmsKey is not null)
                w.WriteString("KmsMasterKeyId", kmsKey);
            w.WriteEndObject();
        });
        var result = await CallOkAsync("CreateQueue", body);
        return result.GetProperty("QueueUrl").GetString() ?? throw new InvalidOperationException("CreateQueue: no QueueUrl");
    }

    public async Task<long?> ApproximateMessagesAsync(string queueUrl)
    {
        var body = Json(w =>
        {
            w.WriteString("QueueUrl", queueUrl);
            w.WriteStartArray("AttributeNames");
            w.WriteStringValue("ApproximateNumberOfMessages");
            w.WriteEndArray();
        });
        var result = await CallOkAsync("GetQueueAttributes", body);
        return result.TryGetProperty("Attributes", out var attributes) &&
               attributes.TryGetProperty("ApproximateNumberOfMessages", out var count) &&
               long.TryParse(count.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : null;
    }

    /// <summary>Writes a JSON object with the given members.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The three headers besides the SigV4 ones that the request carries and signs.</summary>
    private sealed class SignedHeaders(string host, string contentType, string target) : ISigV4Headers
    {
        public IReadOnlyList<string?>? GetValues(string name) =>
            name.Equals("host", StringComparison.OrdinalIgnoreCase) ? [host]
            : name.Equals("content-type", StringComparison.OrdinalIgnoreCase) ? [contentType]
            : name.Equals("x-amz-target", StringComparison.OrdinalIgnoreCase) ? [target]
            : null;
    }
}

/// <summary>Status and body of one call.</summary>
internal readonly record struct SqsResponse(HttpStatusCode Status, byte[] Body)
{
    public bool Ok => (int)Status is >= 200 and < 300;

    public string Describe()
    {
        var text = System.Text.Encoding.UTF8.GetString(Body);
        return $"HTTP {(int)Status}: {(text.Length > 300 ? text[..300] + "…" : text)}";
    }
}
