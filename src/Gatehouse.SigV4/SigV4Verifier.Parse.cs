using Gatehouse.SigV4.Internal;

namespace Gatehouse.SigV4;

public sealed partial class SigV4Verifier
{
    private static readonly char[] AuthorizationSeparators = [' ', ','];

    /// <summary>
    /// <c>AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…</c>. Like AWS, parameters are split on
    /// commas and spaces, every token must be key=value, and missing parts are all reported at once.
    /// </summary>
    private static SigV4Error? ParseAuthorizationHeader(
        SigV4Request request, string authorization, List<KeyValuePair<string, string>> query, out AuthParameters? auth)
    {
        auth = null;
        var trimmed = authorization.AsSpan().Trim();
        if (trimmed.IsEmpty)
            return SigV4Errors.MissingAuthenticationToken;
        var space = trimmed.IndexOf(' ');
        var algorithm = space < 0 ? trimmed : trimmed[..space];
        var rest = space < 0 ? [] : trimmed[(space + 1)..];

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var range in rest.SplitAny(AuthorizationSeparators))
        {
            var token = rest[range];
            if (token.IsEmpty)
                continue;
            var eq = token.IndexOf('=');
            if (eq < 0)
                return SigV4Errors.MissingEqualSign(token.ToString(), authorization);
            var key = token[..eq];
            var value = token[(eq + 1)..];
            if (key is "Credential")
                credential ??= value.ToString();
            else if (key is "SignedHeaders")
                signedHeaders ??= value.ToString();
            else if (key is "Signature")
                signature ??= value.ToString();
        }

        var amzDate = FirstValue(request.Headers, "X-Amz-Date") ?? FirstValue(request.Headers, "Date");
        if (credential is null || signature is null || signedHeaders is null || amzDate is null)
        {
            return SigV4Errors.IncompleteAuthorizationHeader(
                credential is null, signature is null, signedHeaders is null, amzDate is null, authorization);
        }
        if (algorithm is not SignatureCalculator.Algorithm)
            return SigV4Errors.UnsupportedAlgorithm(algorithm.ToString());

        return Build(false, credential, signedHeaders, signature, amzDate,
            FirstValue(request.Headers, "X-Amz-Security-Token"), query, out auth);
    }

    /// <summary>Any of the signature parameters in the query makes it a presigned request.</summary>
    private static bool IsPresigned(List<KeyValuePair<string, string>> query)
    {
        foreach (var pair in query)
        {
            if (pair.Key is "X-Amz-Algorithm" or "X-Amz-Credential" or "X-Amz-Signature" or "X-Amz-SignedHeaders")
                return true;
        }
        return false;
    }

    private static SigV4Error? ParsePresignedQuery(
        SigV4Request request, List<KeyValuePair<string, string>> query, out AuthParameters? auth)
    {
        auth = null;
        var algorithm = QueryParameters.First(query, "X-Amz-Algorithm");
        var credential = QueryParameters.First(query, "X-Amz-Credential");
        var signature = QueryParameters.First(query, "X-Amz-Signature");
        var signedHeaders = QueryParameters.First(query, "X-Amz-SignedHeaders");
        var amzDate = QueryParameters.First(query, "X-Amz-Date");
        if (algorithm is null || credential is null || signature is null || signedHeaders is null || amzDate is null)
        {
            var missing = new List<string>(5);
            if (algorithm is null)
                missing.Add("X-Amz-Algorithm");
            if (credential is null)
                missing.Add("X-Amz-Credential");
            if (signature is null)
                missing.Add("X-Amz-Signature");
            if (signedHeaders is null)
                missing.Add("X-Amz-SignedHeaders");
            if (amzDate is null)
                missing.Add("X-Amz-Date");
            return SigV4Errors.IncompleteQueryParameters(missing);
        }
        if (algorithm is not SignatureCalculator.Algorithm)
            return SigV4Errors.UnsupportedAlgorithm(algorithm);

        // X-Amz-Expires: a whole number of seconds up to 604,800 (seven days, the longest a signing key is valid;
        // AWS's SigV4 query-string documentation).
        int? expires = null;
        if (QueryParameters.First(query, "X-Amz-Expires") is { } expiresText)
        {
            if (!int.TryParse(expiresText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                return SigV4Errors.ExpiresNotANumber;
            if (seconds < 0)
                return SigV4Errors.ExpiresNotPositive;
            if (seconds > 604_800)
                return SigV4Errors.ExpiresTooLong;
            expires = seconds;
        }

        var token = QueryParameters.First(query, "X-Amz-Security-Token") ??
                    FirstValue(request.Headers, "X-Amz-Security-Token");
        var error = Build(true, credential, signedHeaders, signature, amzDate, token, query, out auth);
        if (auth is not null && expires is not null)
            auth = new AuthParameters
            {
                IsPresigned = auth.IsPresigned,
                AccessKeyId = auth.AccessKeyId,
                ScopeDate = auth.ScopeDate,
                Region = auth.Region,
                Service = auth.Service,
                Scope = auth.Scope,
                SignedHeaders = auth.SignedHeaders,
                Signature = auth.Signature,
                AmzDate = auth.AmzDate,
                SignedAt = auth.SignedAt,
                SecurityToken = auth.SecurityToken,
                Query = auth.Query,
                ExpiresSeconds = expires,
            };
        return error;
    }

    private static SigV4Error? Build(
        bool presigned, string credential, string signedHeaders, string signature, string amzDate, string? token,
        List<KeyValuePair<string, string>> query, out AuthParameters? auth)
    {
        auth = null;
        if (!AmzDate.TryParse(amzDate, out var signedAt))
            return SigV4Errors.MalformedDate(amzDate);

        var parts = credential.Split('/');
        if (parts.Length != 5)
            return SigV4Errors.MalformedCredential(credential);

        auth = new AuthParameters
        {
            IsPresigned = presigned,
            AccessKeyId = parts[0],
            ScopeDate = parts[1],
            Region = parts[2],
            Service = parts[3],
            Scope = credential[(parts[0].Length + 1)..],
            SignedHeaders = signedHeaders,
            Signature = signature,
            AmzDate = amzDate,
            SignedAt = signedAt,
            SecurityToken = token,
            Query = query,
        };
        return null;
    }
}
