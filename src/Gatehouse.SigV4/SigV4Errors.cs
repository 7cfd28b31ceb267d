using System.Text;
using Gatehouse.SigV4.Internal;

namespace Gatehouse.SigV4;

/// <summary>
/// The closed catalogue of SigV4 authentication errors with AWS's codes, statuses and texts
/// (the README of this project lists the source of each text).
/// </summary>
public static class SigV4Errors
{
    /// <summary>Query codes.</summary>
    public static class Codes
    {
        /// <summary>Unknown access key, or a bad/missing security token.</summary>
        public const string InvalidClientTokenId = "InvalidClientTokenId";

        /// <summary>Wrong signature, bad scope, or a date outside the skew window.</summary>
        public const string SignatureDoesNotMatch = "SignatureDoesNotMatch";

        /// <summary>Malformed Authorization header / presigned parameters.</summary>
        public const string IncompleteSignature = "IncompleteSignature";

        /// <summary>No credentials where credentials are required.</summary>
        public const string MissingAuthenticationToken = "MissingAuthenticationToken";

        /// <summary>Temporary credentials past their expiration.</summary>
        public const string ExpiredToken = "ExpiredToken";
    }

    /// <summary>JSON-protocol <c>__type</c> names.</summary>
    public static class JsonTypes
    {
        /// <summary>For <see cref="Codes.InvalidClientTokenId"/>.</summary>
        public const string UnrecognizedClient = "com.amazon.coral.service#UnrecognizedClientException";

        /// <summary>For <see cref="Codes.SignatureDoesNotMatch"/>.</summary>
        public const string InvalidSignature = "com.amazon.coral.service#InvalidSignatureException";

        /// <summary>For <see cref="Codes.IncompleteSignature"/>.</summary>
        public const string IncompleteSignature = "com.amazon.coral.service#IncompleteSignatureException";

        /// <summary>For <see cref="Codes.MissingAuthenticationToken"/>.</summary>
        public const string MissingAuthenticationToken = "com.amazon.coral.service#MissingAuthenticationTokenException";

        /// <summary>For <see cref="Codes.ExpiredToken"/>.</summary>
        public const string ExpiredToken = "com.amazon.coral.service#ExpiredTokenException";
    }

    /// <summary>The fixed first paragraph of every signature mismatch.</summary>
    public const string SignatureMismatchText =
        "The request signature we calculated does not match the signature you provided. " +
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    /// <summary><c>InvalidClientTokenId</c> 403: unknown key, or a token that does not belong to the key.</summary>
    public static SigV4Error InvalidClientTokenId { get; } = new(
        Codes.InvalidClientTokenId, JsonTypes.UnrecognizedClient, 403,
        "The security token included in the request is invalid.");

    /// <summary><c>ExpiredToken</c> 403 (AWS's text has no final period).</summary>
    public static SigV4Error ExpiredToken { get; } = new(
        Codes.ExpiredToken, JsonTypes.ExpiredToken, 403,
        "The security token included in the request is expired");

    /// <summary>
    /// <c>MissingAuthenticationToken</c> 403. The verifier reports unsigned requests as
    /// <see cref="SigV4Status.Unsigned"/>; the server sends this when the anonymous caller is not allowed.
    /// </summary>
    public static SigV4Error MissingAuthenticationToken { get; } = new(
        Codes.MissingAuthenticationToken, JsonTypes.MissingAuthenticationToken, 403,
        "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.");

    /// <summary>
    /// <c>SignatureDoesNotMatch</c> 403 with the canonical request and string to sign, as AWS's Query
    /// services (SQS, IAM, STS) send it.
    /// </summary>
    public static SigV4Error SignatureDoesNotMatch(string canonicalRequest, string stringToSign) => new(
        Codes.SignatureDoesNotMatch, JsonTypes.InvalidSignature, 403,
        SignatureMismatchText + "\n\nThe Canonical String for this request should have been\n'" + canonicalRequest +
        "'\n\nThe String-to-Sign should have been\n'" + stringToSign + "'\n",
        canonicalRequest, stringToSign);

    /// <summary><c>Signature expired: … is now earlier than … (… - 15 min.)</c></summary>
    public static SigV4Error SignatureExpired(DateTimeOffset signed, DateTimeOffset now, TimeSpan window) => Mismatch(
        "Signature expired: " + AmzDate.Format(signed) + " is now earlier than " + AmzDate.Format(now - window) +
        " (" + AmzDate.Format(now) + " - " + Minutes(window) + " min.)");

    /// <summary>A presigned URL past its own <c>X-Amz-Expires</c>. The wording is Gatehouse's (not confirmed: AWS's
    /// services other than S3 let such URLs run to the 15-minute window instead).</summary>
    public static SigV4Error PresignedUrlExpired(DateTimeOffset signed, int expiresSeconds, DateTimeOffset now) => Mismatch(
        "Request has expired: signed at " + AmzDate.Format(signed) + " for " +
        expiresSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " seconds, now " + AmzDate.Format(now) + ".");

    /// <summary><c>X-Amz-Expires</c> is not a whole number (the texts of S3's AuthorizationQueryParametersError).</summary>
    public static SigV4Error ExpiresNotANumber { get; } = Incomplete("X-Amz-Expires should be a number");

    public static SigV4Error ExpiresNotPositive { get; } = Incomplete("X-Amz-Expires must be non-negative");

    public static SigV4Error ExpiresTooLong { get; } = Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800");

    /// <summary><c>Signature not yet current: … is still later than … (… + 15 min.)</c></summary>
    public static SigV4Error SignatureNotYetCurrent(DateTimeOffset signed, DateTimeOffset now, TimeSpan window) => Mismatch(
        "Signature not yet current: " + AmzDate.Format(signed) + " is still later than " + AmzDate.Format(now + window) +
        " (" + AmzDate.Format(now) + " + " + Minutes(window) + " min.)");

    /// <summary>Credential scope names a region the server does not serve.</summary>
    public static SigV4Error InvalidRegion(string region) =>
        Mismatch("Credential should be scoped to a valid region, not '" + region + "'. ");

    /// <summary>Credential scope names another service than the one addressed.</summary>
    public static SigV4Error WrongService(string expectedService) =>
        Mismatch("Credential should be scoped to correct service: '" + expectedService + "'. ");

    /// <summary>Credential scope does not end in <c>aws4_request</c>.</summary>
    public static SigV4Error InvalidTerminator(string terminator) =>
        Mismatch("Credential should be scoped with a valid terminator: 'aws4_request', not '" + terminator + "'. ");

    /// <summary>Credential scope date differs from the request date's day.</summary>
    public static SigV4Error ScopeDateMismatch(string scopeDate, string requestDay, string dateSource) =>
        Mismatch("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                 scopeDate + "' != '" + requestDay + "', from '" + dateSource + "' header.");

    /// <summary>The date is not <c>yyyyMMdd'T'HHmmss'Z'</c>.</summary>
    public static SigV4Error MalformedDate(string value) => Incomplete(
        "Date must be in ISO-8601 'basic format'. Got '" + value + "'. See http://en.wikipedia.org/wiki/ISO_8601");

    /// <summary>The credential is not <c>key/date/region/service/aws4_request</c>.</summary>
    public static SigV4Error MalformedCredential(string credential) => Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
        credential + "'");

    /// <summary>An Authorization parameter without '='.</summary>
    public static SigV4Error MissingEqualSign(string token, string authorization) => Incomplete(
        "'" + token + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + authorization + "'.");

    /// <summary><c>host</c> is not among the signed headers.</summary>
    public static SigV4Error HostNotSigned { get; } = Incomplete(
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

    /// <summary>A header that names the operation was sent but not signed. The wording follows AWS's text for an
    /// unsigned Host header; AWS's own text for this case was not captured, so this is not confirmed.</summary>
    public static SigV4Error HeaderNotSigned(string name) => Incomplete(
        $"'{(name == "x-amz-target" ? "X-Amz-Target" : name)}' must be a 'SignedHeader' in the AWS Authorization.");

    /// <summary>An algorithm other than <c>AWS4-HMAC-SHA256</c>.</summary>
    public static SigV4Error UnsupportedAlgorithm(string algorithm) =>
        Incomplete("Unsupported AWS 'algorithm': '" + algorithm + "'.");

    /// <summary>Authorization header lacking parts; each missing part adds one sentence, then the header itself.</summary>
    public static SigV4Error IncompleteAuthorizationHeader(
        bool missingCredential, bool missingSignature, bool missingSignedHeaders, bool missingDate, string authorization)
    {
        var text = new StringBuilder();
        if (missingCredential)
            text.Append("Authorization header requires 'Credential' parameter. ");
        if (missingSignature)
            text.Append("Authorization header requires 'Signature' parameter. ");
        if (missingSignedHeaders)
            text.Append("Authorization header requires 'SignedHeaders' parameter. ");
        if (missingDate)
            text.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        text.Append("Authorization=").Append(authorization);
        return Incomplete(text.ToString());
    }

    /// <summary>Presigned query lacking parameters; one sentence per missing parameter.</summary>
    public static SigV4Error IncompleteQueryParameters(IEnumerable<string> missing)
    {
        var text = new StringBuilder();
        foreach (var name in missing)
            text.Append("AWS query-string parameters must include '").Append(name).Append("'. ");
        text.Append("Re-examine the query-string parameters.");
        return Incomplete(text.ToString());
    }

    private static SigV4Error Mismatch(string message) =>
        new(Codes.SignatureDoesNotMatch, JsonTypes.InvalidSignature, 403, message);

    private static SigV4Error Incomplete(string message) =>
        new(Codes.IncompleteSignature, JsonTypes.IncompleteSignature, 400, message);

    private static string Minutes(TimeSpan window) =>
        ((long)window.TotalMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
