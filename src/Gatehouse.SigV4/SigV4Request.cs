namespace Gatehouse.SigV4;

/// <summary>
/// The parts of an HTTP request that SigV4 covers, as they arrived on the wire. Build one per request;
/// the verifier never mutates it.
/// </summary>
public sealed class SigV4Request
{
    /// <summary>HTTP method as sent (<c>GET</c>, <c>POST</c>, …).</summary>
    public required string Method { get; init; }

    /// <summary>
    /// The path exactly as on the request line, still percent-encoded (ASP.NET Core:
    /// <c>IHttpRequestFeature.RawTarget</c> up to the '?'). Empty means <c>/</c>.
    /// </summary>
    public required string RawPath { get; init; }

    /// <summary>The query string as on the wire, without the leading '?'. Empty when there is none.</summary>
    public string RawQuery { get; init; } = "";

    /// <summary>Request headers, looked up case-insensitively. HTTP/2's <c>:authority</c> must be exposed as <c>host</c>.</summary>
    public required ISigV4Headers Headers { get; init; }

    /// <summary>The request body; hashed with SHA-256 unless <see cref="PayloadSha256Hex"/> is given.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>
    /// Lower-case hex SHA-256 of the body when the caller already knows it (saves hashing twice).
    /// Ignored when the request says <c>X-Amz-Content-Sha256: UNSIGNED-PAYLOAD</c> and the verifier allows it
    /// (<see cref="SigV4VerifierOptions.AllowUnsignedPayload"/>).
    /// </summary>
    public string? PayloadSha256Hex { get; init; }
}

/// <summary>Read access to request headers; names are matched case-insensitively.</summary>
public interface ISigV4Headers
{
    /// <summary>
    /// All values of the named header, one entry per header line (or per comma-joined value), or null/empty
    /// when the header is absent. ASP.NET Core: <c>headers.TryGetValue(name, out var v) ? v : null</c>.
    /// </summary>
    IReadOnlyList<string?>? GetValues(string name);
}
