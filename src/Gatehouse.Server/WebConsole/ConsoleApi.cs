using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Gatehouse.SigV4;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Gatehouse.Server.WebConsole;

/// <summary>An API answer as the console shows it: the document, or AWS's error code and message, and the request
/// id that finds its decision in the decision log.</summary>
public sealed record ApiResult(int Status, string Body, string? RequestId, string? ErrorCode, string? ErrorMessage)
{
    public bool Ok => Status is >= 200 and < 300;

    public bool Refused => ErrorCode is "AccessDenied" or "AccessDeniedException" or "AuthorizationError";

    public JsonElement Json => JsonDocument.Parse(Body.Length == 0 ? "{}" : Body).RootElement.Clone();

    public XElement Xml => XDocument.Parse(Body).Root!;

    /// <summary>Every element of the XML answer with this local name, in document order.</summary>
    public IEnumerable<XElement> Elements(string name) => Xml.Descendants().Where(e => e.Name.LocalName == name);
}

/// <summary>
/// The console's only way to read or change anything (docs/console.md, "No back door"): a real AWS API request,
/// SigV4-signed with the session's credentials and sent to this server's own HTTP listener, so it is
/// authenticated, authorized by the one authorizer and recorded in the decision log like any SDK call.
/// </summary>
public sealed class ConsoleApi(IServer server, GatehouseOptions options, SigningClock clock, ServedCertificate served) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>For the server's own HTTPS listener. Its certificate is usually self-signed (generated on first
    /// start), so it is pinned instead of checked against a CA: the listener must present exactly the certificate
    /// this server serves.</summary>
    private readonly HttpClient _https = new(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        UseProxy = false,
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => served.Matches(presented) },
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private string? _endpoint;

    public void Dispose()
    {
        _http.Dispose();
        _https.Dispose();
    }

    /// <summary>The server's own listener, on loopback when it listens on every address: the HTTPS one when the
    /// server has one (the console is served there, so its calls are <c>aws:SecureTransport</c> too), else plain
    /// HTTP.</summary>
    private string Endpoint => _endpoint ??= Loopback(
        server.Features.Get<IServerAddressesFeature>()!.Addresses.FirstOrDefault(a => options.HttpsPort is not null && a.StartsWith("https://", StringComparison.Ordinal))
        ?? server.Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)));

    private static string Loopback(string address) => address
        .Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal)
        .Replace("://[::]:", "://127.0.0.1:", StringComparison.Ordinal)
        .Replace("://+:", "://127.0.0.1:", StringComparison.Ordinal)
        .Replace("://*:", "://127.0.0.1:", StringComparison.Ordinal);

    public string Region => options.DefaultRegion;

    /// <summary>SQS over AWS JSON 1.0 (<c>X-Amz-Target: AmazonSQS.{action}</c>).</summary>
    public Task<ApiResult> SqsAsync(ConsoleSession s, string action, object request, CancellationToken ct) =>
        JsonAsync(s, "sqs", "application/x-amz-json-1.0", "AmazonSQS." + action, request, ct);

    /// <summary>KMS and Organizations over AWS JSON 1.1.</summary>
    public Task<ApiResult> Json11Async(ConsoleSession s, string signingName, string target, object request, CancellationToken ct) =>
        JsonAsync(s, signingName, "application/x-amz-json-1.1", target, request, ct);

    /// <summary>IAM, STS and EC2 over their Query protocols.</summary>
    public Task<ApiResult> QueryAsync(ConsoleSession s, string signingName, string version, string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var form = string.Join('&', new[] { new KeyValuePair<string, string>("Action", action), new("Version", version) }.Concat(parameters)
            .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        return SendAsync(s, signingName, HttpMethod.Post, "/", "", "application/x-www-form-urlencoded; charset=utf-8", null, Encoding.UTF8.GetBytes(form), ct);
    }

    /// <summary>Gatehouse's diagnostics API (<c>/_gatehouse/{path}</c>, signing name <c>gatehouse</c>).</summary>
    public Task<ApiResult> AdminAsync(ConsoleSession s, string path, IEnumerable<KeyValuePair<string, string>> query, CancellationToken ct)
    {
        var rawQuery = string.Join('&', query.Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value)));
        return SendAsync(s, "gatehouse", HttpMethod.Get, "/_gatehouse/" + path, rawQuery, null, null, [], ct);
    }

    private Task<ApiResult> JsonAsync(ConsoleSession s, string signingName, string contentType, string target, object request, CancellationToken ct) =>
        SendAsync(s, signingName, HttpMethod.Post, "/", "", contentType, target, JsonSerializer.SerializeToUtf8Bytes(request), ct);

    private async Task<ApiResult> SendAsync(ConsoleSession s, string signingName, HttpMethod method, string path, string rawQuery,
        string? contentType, string? target, byte[] body, CancellationToken ct)
    {
        var uri = new Uri(Endpoint + path + (rawQuery.Length > 0 ? "?" + rawQuery : ""));
        var headers = new SigV4Headers().Add("Host", uri.Authority);
        if (contentType is not null)
        {
            headers.Add("Content-Type", contentType);
        }

        if (target is not null)
        {
            headers.Add("X-Amz-Target", target);
        }

        var signature = SigV4Signer.Sign(new SigV4Request { Method = method.Method, RawPath = path, RawQuery = rawQuery, Headers = headers, Body = body },
            s.Credentials, Region, signingName, clock.Time.GetUtcNow());
        using var message = new HttpRequestMessage(method, uri);
        if (method == HttpMethod.Post)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (target is not null)
        {
            message.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        message.Headers.TryAddWithoutValidation("User-Agent", "gatehouse-console/" + Pipeline.RequestPipeline.Version);
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await (uri.Scheme == Uri.UriSchemeHttps ? _https : _http).SendAsync(message, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        if (response.IsSuccessStatusCode)
        {
            return new((int)response.StatusCode, text, requestId, null, null);
        }

        var (code, errorMessage) = ParseError(text);
        return new((int)response.StatusCode, text, requestId, code ?? response.StatusCode.ToString(), errorMessage ?? text);
    }

    /// <summary>AWS's error code and message from a JSON (<c>__type</c>, <c>message</c>) or XML (<c>Code</c>,
    /// <c>Message</c>) error document.</summary>
    private static (string? Code, string? Message) ParseError(string text)
    {
        var trimmed = text.TrimStart();
        try
        {
            if (trimmed.StartsWith('{'))
            {
                var json = JsonDocument.Parse(trimmed).RootElement;
                var type = json.TryGetProperty("__type", out var t) ? t.GetString() : null;
                var message = json.TryGetProperty("message", out var m) ? m.GetString() : json.TryGetProperty("Message", out var m2) ? m2.GetString() : null;
                return (type?[(type.LastIndexOf('#') + 1)..], message);
            }

            if (trimmed.StartsWith('<'))
            {
                var xml = XDocument.Parse(trimmed);
                string? Value(string name) => xml.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
                return (Value("Code"), Value("Message"));
            }
        }
        catch (JsonException)
        {
        }
        catch (System.Xml.XmlException)
        {
        }

        return (null, null);
    }
}

/// <summary>The certificate the HTTPS listener serves, once Kestrel has loaded it; the console's own HTTPS calls
/// accept that certificate and no other.</summary>
public sealed class ServedCertificate
{
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; set; }

    public bool Matches(System.Security.Cryptography.X509Certificates.X509Certificate? presented) =>
        Certificate is { } expected && presented is not null
        && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            expected.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256),
            presented.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
}
