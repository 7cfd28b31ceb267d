using System.Globalization;
using System.Text;
using Gatehouse.SigV4.Internal;

namespace Gatehouse.SigV4;

/// <summary>Access key, secret and (for temporary credentials) session token to sign with.</summary>
public sealed record SigV4SigningCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null);

/// <summary>What signing produced: the headers to add to the request, and the intermediate texts.</summary>
/// <param name="Authorization">Value of the <c>Authorization</c> header.</param>
/// <param name="AmzDate">Value of the <c>X-Amz-Date</c> header.</param>
/// <param name="SecurityToken">Value of the <c>X-Amz-Security-Token</c> header, when signing with a session.</param>
/// <param name="SignedHeaders">The <c>SignedHeaders</c> list.</param>
/// <param name="Signature">Lower-case hex signature.</param>
/// <param name="CanonicalRequest">The canonical request that was signed.</param>
/// <param name="StringToSign">The string to sign.</param>
public sealed record SigV4Signature(
    string Authorization,
    string AmzDate,
    string? SecurityToken,
    string SignedHeaders,
    string Signature,
    string CanonicalRequest,
    string StringToSign)
{
    /// <summary>The headers to add to the request: X-Amz-Date, X-Amz-Security-Token (if any), Authorization.</summary>
    public IEnumerable<KeyValuePair<string, string>> HeadersToAdd
    {
        get
        {
            yield return new("X-Amz-Date", AmzDate);
            if (SecurityToken is not null)
                yield return new("X-Amz-Security-Token", SecurityToken);
            yield return new("Authorization", Authorization);
        }
    }
}

/// <summary>
/// Signs requests with SigV4 the way the AWS SDKs do, with the verifier's own canonicalisation. For tests,
/// the load generator and any client code of ours.
/// </summary>
public static class SigV4Signer
{
    /// <summary>
    /// Signs with an Authorization header. The request's headers must include <c>host</c>; <c>X-Amz-Date</c>
    /// and <c>X-Amz-Security-Token</c> are added by the signature (see <see cref="SigV4Signature.HeadersToAdd"/>).
    /// </summary>
    /// <param name="request">The request to sign (its body or <see cref="SigV4Request.PayloadSha256Hex"/> is hashed).</param>
    /// <param name="credentials">Who signs.</param>
    /// <param name="region">Credential-scope region.</param>
    /// <param name="service">Credential-scope service (signing name), e.g. <c>sqs</c>.</param>
    /// <param name="now">Signing time.</param>
    /// <param name="headersToSign">
    /// Header names to sign besides host, x-amz-date and x-amz-security-token; default: content-type,
    /// x-amz-target and x-amz-content-sha256 when the request has them.
    /// </param>
    public static SigV4Signature Sign(
        SigV4Request request,
        SigV4SigningCredentials credentials,
        string region,
        string service,
        DateTimeOffset now,
        IEnumerable<string>? headersToSign = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var amzDate = AmzDate.Format(now);
        var overlay = new OverlayHeaders(request.Headers);
        overlay.Set("x-amz-date", amzDate);
        if (credentials.SessionToken is not null)
            overlay.Set("x-amz-security-token", credentials.SessionToken);

        var names = new SortedSet<string>(StringComparer.Ordinal) { "host", "x-amz-date" };
        if (credentials.SessionToken is not null)
            names.Add("x-amz-security-token");
        foreach (var name in headersToSign ?? DefaultOptional(request.Headers))
            names.Add(name.ToLowerInvariant());
        var signedHeaders = string.Join(';', names);

        var declared = SigV4Verifier.FirstValue(request.Headers, "X-Amz-Content-Sha256");
        var payloadHash = string.Equals(declared, SignatureCalculator.UnsignedPayload, StringComparison.Ordinal)
            ? SignatureCalculator.UnsignedPayload
            : request.PayloadSha256Hex ?? SignatureCalculator.HashPayload(request.Body.Span);

        var scope = Scope(amzDate, region, service);
        var inputs = new SignatureCalculator.Inputs(
            request.Method, request.RawPath, QueryParameters.Parse(request.RawQuery), false, overlay, signedHeaders,
            payloadHash, amzDate, scope);
        var signature = Compute(inputs, credentials.SecretAccessKey, amzDate, region, service, out var canonical, out var toSign);
        var authorization = SignatureCalculator.Algorithm + " Credential=" + credentials.AccessKeyId + "/" + scope +
                            ", SignedHeaders=" + signedHeaders + ", Signature=" + signature;
        return new SigV4Signature(authorization, amzDate, credentials.SessionToken, signedHeaders, signature, canonical, toSign);
    }

    /// <summary>
    /// Presigns: returns the query string (without '?') to send instead of <see cref="SigV4Request.RawQuery"/>:
    /// the original parameters plus X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders (host),
    /// -Security-Token and -Signature. The request's headers must include <c>host</c>.
    /// </summary>
    public static string Presign(
        SigV4Request request,
        SigV4SigningCredentials credentials,
        string region,
        string service,
        DateTimeOffset now,
        int expiresSeconds = 900)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var amzDate = AmzDate.Format(now);
        var scope = Scope(amzDate, region, service);
        var added = new List<KeyValuePair<string, string>>
        {
            new("X-Amz-Algorithm", SignatureCalculator.Algorithm),
            new("X-Amz-Credential", credentials.AccessKeyId + "/" + scope),
            new("X-Amz-Date", amzDate),
            new("X-Amz-Expires", expiresSeconds.ToString(CultureInfo.InvariantCulture)),
            new("X-Amz-SignedHeaders", "host"),
        };
        if (credentials.SessionToken is not null)
            added.Add(new("X-Amz-Security-Token", credentials.SessionToken));

        var query = QueryParameters.Parse(request.RawQuery);
        query.AddRange(added);
        var payloadHash = request.PayloadSha256Hex ?? SignatureCalculator.HashPayload(request.Body.Span);
        var inputs = new SignatureCalculator.Inputs(
            request.Method, request.RawPath, query, true, request.Headers, "host", payloadHash, amzDate, scope);
        var signature = Compute(inputs, credentials.SecretAccessKey, amzDate, region, service, out _, out _);

        var text = new StringBuilder(request.RawQuery.TrimStart('?'));
        foreach (var pair in added)
            AppendPair(text, pair.Key, pair.Value);
        AppendPair(text, "X-Amz-Signature", signature);
        return text.ToString();
    }

    /// <summary>Lower-case hex SHA-256 of a payload, for <c>X-Amz-Content-Sha256</c> or <see cref="SigV4Request.PayloadSha256Hex"/>.</summary>
    public static string HashPayload(ReadOnlySpan<byte> payload) => SignatureCalculator.HashPayload(payload);

    private static string Compute(
        in SignatureCalculator.Inputs inputs, string secret, string amzDate, string region, string service,
        out string canonical, out string stringToSign)
    {
        var key = SigningKeyCache.Derive(secret, amzDate[..8], region, service);
        Span<char> signature = stackalloc char[SignatureCalculator.SignatureLength];
        SignatureCalculator.Compute(inputs, key, signature, out var c, out var s, captureText: true);
        canonical = c!;
        stringToSign = s!;
        return new string(signature);
    }

    private static string Scope(string amzDate, string region, string service) =>
        amzDate[..8] + "/" + region + "/" + service + "/aws4_request";

    private static IEnumerable<string> DefaultOptional(ISigV4Headers headers)
    {
        foreach (var name in (string[])["content-type", "x-amz-target", "x-amz-content-sha256"])
        {
            if (headers.GetValues(name) is { Count: > 0 })
                yield return name;
        }
    }

    private static void AppendPair(StringBuilder text, string key, string value)
    {
        if (text.Length > 0)
            text.Append('&');
        text.Append(UriEncoding.Encode(key, false)).Append('=').Append(UriEncoding.Encode(value, false));
    }

    /// <summary>The request's headers with a few signer-added ones on top.</summary>
    private sealed class OverlayHeaders(ISigV4Headers inner) : ISigV4Headers
    {
        private readonly Dictionary<string, string?[]> _added = new(StringComparer.OrdinalIgnoreCase);

        public void Set(string name, string value) => _added[name] = [value];

        public IReadOnlyList<string?>? GetValues(string name) =>
            _added.TryGetValue(name, out var values) ? values : inner.GetValues(name);
    }
}
