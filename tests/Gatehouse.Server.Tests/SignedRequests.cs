using System.Net.Http.Headers;
using Gatehouse.SigV4;

namespace Gatehouse.Server.Tests;

/// <summary>Hand-built SQS requests signed with SigV4 (service <c>sqs</c>, region us-east-1), for tests that need
/// the raw wire.</summary>
public static class SignedRequests
{
    /// <summary>A POST of <paramref name="body"/> to the endpoint root, signed with the given key when one is given
    /// (unsigned otherwise); <paramref name="target"/> makes it a JSON-protocol request.</summary>
    public static HttpRequestMessage Post(string endpoint, byte[] body, string contentType, string? accessKey, string? secret, string? target = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint + "/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var headers = new SigV4Headers().Add("Host", new Uri(endpoint).Authority).Add("Content-Type", contentType);
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
            headers.Add("X-Amz-Target", target);
        }

        if (accessKey is not null && secret is not null)
        {
            var signature = SigV4Signer.Sign(new SigV4Request { Method = "POST", RawPath = "/", Headers = headers, Body = body },
                new SigV4SigningCredentials(accessKey, secret), "us-east-1", "sqs", TimeProvider.System.GetUtcNow());
            foreach (var (name, value) in signature.HeadersToAdd)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    /// <summary>A GET of <paramref name="pathAndQuery"/> (Gatehouse's diagnostics API), signed for
    /// <paramref name="service"/> when a key is given (unsigned otherwise).</summary>
    public static HttpRequestMessage Get(string endpoint, string pathAndQuery, string? accessKey, string? secret, string service = "gatehouse")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, endpoint + pathAndQuery);
        if (accessKey is not null && secret is not null)
        {
            var q = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
            var headers = new SigV4Headers().Add("Host", new Uri(endpoint).Authority);
            var signature = SigV4Signer.Sign(
                new SigV4Request { Method = "GET", RawPath = q < 0 ? pathAndQuery : pathAndQuery[..q], RawQuery = q < 0 ? "" : pathAndQuery[(q + 1)..], Headers = headers },
                new SigV4SigningCredentials(accessKey, secret), "us-east-1", service, TimeProvider.System.GetUtcNow());
            foreach (var (name, value) in signature.HeadersToAdd)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }
}
