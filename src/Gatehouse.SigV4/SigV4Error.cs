namespace Gatehouse.SigV4;

/// <summary>
/// One AWS authentication error, ready to render in either protocol: <see cref="Code"/> for the Query
/// protocol's <c>&lt;Code&gt;</c> and the <c>x-amzn-query-error</c> header, <see cref="JsonType"/> for the
/// JSON protocol's <c>__type</c>. All authentication errors are client faults (<c>Sender</c>).
/// </summary>
/// <param name="Code">Query error code, e.g. <c>SignatureDoesNotMatch</c>.</param>
/// <param name="JsonType">JSON <c>__type</c>, e.g. <c>com.amazon.coral.service#InvalidSignatureException</c>.</param>
/// <param name="HttpStatus">HTTP status code (400 or 403).</param>
/// <param name="Message">The complete message AWS sends, including any canonical-request detail.</param>
/// <param name="CanonicalRequest">For signature mismatches: the canonical request the server computed.</param>
/// <param name="StringToSign">For signature mismatches: the string to sign the server computed.</param>
public sealed record SigV4Error(
    string Code,
    string JsonType,
    int HttpStatus,
    string Message,
    string? CanonicalRequest = null,
    string? StringToSign = null)
{
    /// <summary>Always <c>Sender</c>: authentication errors are the client's fault.</summary>
    public const string Fault = "Sender";

    /// <summary>Value for the JSON protocol's <c>x-amzn-query-error</c> header, e.g. <c>SignatureDoesNotMatch;Sender</c>.</summary>
    public string QueryErrorHeader => Code + ";" + Fault;
}
