using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Gatehouse.SigV4.Internal;

namespace Gatehouse.SigV4;

/// <summary>
/// Verifies AWS Signature Version 4 on incoming requests (Authorization header or presigned query string),
/// answering with a value: authenticated, unsigned, or the exact AWS error. Thread-safe; make one per server
/// and share it (it owns the signing-key cache).
/// </summary>
/// <remarks>
/// Check order: parse the signature parts (IncompleteSignature) → date format → credential scope
/// (IncompleteSignature / SignatureDoesNotMatch) → 'host' (and x-amz-target when present) signed → clock skew → access key lookup
/// (InvalidClientTokenId) → security token (InvalidClientTokenId / ExpiredToken) → signature
/// (SignatureDoesNotMatch with the canonical request).
/// </remarks>
public sealed partial class SigV4Verifier
{
    private readonly SigV4VerifierOptions _options;
    private readonly SigningKeyCache _keys;

    /// <summary>Creates a verifier with AWS's defaults, or the given options.</summary>
    public SigV4Verifier(SigV4VerifierOptions? options = null)
    {
        _options = options ?? new SigV4VerifierOptions();
        _keys = new SigningKeyCache(Math.Max(1, _options.SigningKeyCacheSize));
    }

    /// <summary>Number of derived signing keys currently cached (for diagnostics and tests).</summary>
    public int CachedSigningKeys => _keys.Count;

    /// <summary>Verifies a request whose credentials are looked up synchronously (null = unknown key).</summary>
    /// <param name="request">The request as received.</param>
    /// <param name="now">The server's current time (from its TimeProvider).</param>
    /// <param name="lookup">Access key id → credential, or null when the key is unknown or inactive.</param>
    /// <param name="expectedService">
    /// The signing name of the service the request was routed to (<c>sqs</c>, <c>iam</c>, <c>sts</c>…), or null
    /// to accept any.
    /// </param>
    public SigV4Result Verify(
        SigV4Request request, DateTimeOffset now, Func<string, SigV4Credential?> lookup, string? expectedService = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(lookup);
        now = AmzDate.TruncateToSeconds(now);
        var early = Prepare(request, now, expectedService, out var auth);
        if (early is not null)
            return early;
        return Complete(request, now, auth!, lookup(auth!.AccessKeyId));
    }

    /// <summary>As <see cref="Verify"/>, for key stores that look up asynchronously.</summary>
    public ValueTask<SigV4Result> VerifyAsync(
        SigV4Request request,
        DateTimeOffset now,
        Func<string, CancellationToken, ValueTask<SigV4Credential?>> lookup,
        string? expectedService = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(lookup);
        now = AmzDate.TruncateToSeconds(now);
        var early = Prepare(request, now, expectedService, out var auth);
        if (early is not null)
            return ValueTask.FromResult(early);
        var pending = lookup(auth!.AccessKeyId, cancellationToken);
        return pending.IsCompletedSuccessfully
            ? ValueTask.FromResult(Complete(request, now, auth, pending.Result))
            : Awaited(request, now, auth, pending);
    }

    private async ValueTask<SigV4Result> Awaited(
        SigV4Request request, DateTimeOffset now, AuthParameters auth, ValueTask<SigV4Credential?> pending) =>
        Complete(request, now, auth, await pending.ConfigureAwait(false));

    /// <summary>Everything that needs no secret; returns a final result, or null with the parsed parameters.</summary>
    private SigV4Result? Prepare(SigV4Request request, DateTimeOffset now, string? expectedService, out AuthParameters? auth)
    {
        auth = null;
        var query = QueryParameters.Parse(request.RawQuery);
        var authorization = FirstValue(request.Headers, "Authorization");
        var error = authorization is not null
            ? ParseAuthorizationHeader(request, authorization, query, out auth)
            : IsPresigned(query) ? ParsePresignedQuery(request, query, out auth) : null;
        if (error is not null)
            return SigV4Result.Failure(error);
        if (auth is null)
            return SigV4Result.Unsigned;

        if (!string.Equals(auth.Scope[(auth.Scope.LastIndexOf('/') + 1)..], "aws4_request", StringComparison.Ordinal))
            return SigV4Result.Failure(SigV4Errors.InvalidTerminator(auth.Scope[(auth.Scope.LastIndexOf('/') + 1)..]));
        if (expectedService is not null && !string.Equals(auth.Service, expectedService, StringComparison.Ordinal))
            return SigV4Result.Failure(SigV4Errors.WrongService(expectedService));
        if (_options.IsValidRegion is { } isValidRegion && !isValidRegion(auth.Region))
            return SigV4Result.Failure(SigV4Errors.InvalidRegion(auth.Region));
        if (!auth.AmzDate.AsSpan(0, 8).SequenceEqual(auth.ScopeDate))
        {
            return SigV4Result.Failure(SigV4Errors.ScopeDateMismatch(
                auth.ScopeDate, auth.AmzDate[..8], auth.IsPresigned ? "X-Amz-Date" : DateSource(request)));
        }
        if (!Signs(auth.SignedHeaders, "host"))
            return SigV4Result.Failure(SigV4Errors.HostNotSigned);
        foreach (var name in _options.MustSignWhenPresent)
        {
            if (request.Headers.GetValues(name) is { Count: > 0 } && !Signs(auth.SignedHeaders, name))
                return SigV4Result.Failure(SigV4Errors.HeaderNotSigned(name));
        }

        // AWS: the request date must be within 15 minutes of the server's clock, either way. Presigned URLs of
        // services other than S3 are reported to stay usable for those 15 minutes whatever X-Amz-Expires says
        // (public SDK issues, e.g. aws-sdk-ruby#2498, aws-sdk-go#2167); Gatehouse also ends them when their own,
        // shorter, X-Amz-Expires has passed, so a URL lives no longer than its signer asked for.
        if (auth.SignedAt < now - _options.ClockSkew)
            return SigV4Result.Failure(SigV4Errors.SignatureExpired(auth.SignedAt, now, _options.ClockSkew));
        if (auth.ExpiresSeconds is { } expires && now > auth.SignedAt + TimeSpan.FromSeconds(expires))
            return SigV4Result.Failure(SigV4Errors.PresignedUrlExpired(auth.SignedAt, expires, now));
        if (auth.SignedAt > now + _options.ClockSkew)
            return SigV4Result.Failure(SigV4Errors.SignatureNotYetCurrent(auth.SignedAt, now, _options.ClockSkew));
        return null;
    }

    /// <summary>Steps that need the credential: token checks, then the signature itself.</summary>
    private SigV4Result Complete(SigV4Request request, DateTimeOffset now, AuthParameters auth, SigV4Credential? credential)
    {
        if (credential is null)
            return SigV4Result.Failure(SigV4Errors.InvalidClientTokenId);
        var presented = string.IsNullOrEmpty(auth.SecurityToken) ? null : auth.SecurityToken;
        if (credential.SessionToken is null)
        {
            if (presented is not null)
                return SigV4Result.Failure(SigV4Errors.InvalidClientTokenId);
        }
        else
        {
            if (presented is null || !FixedTimeEquals(presented, credential.SessionToken))
                return SigV4Result.Failure(SigV4Errors.InvalidClientTokenId);
            if (credential.Expiration is { } expiration && now >= expiration)
                return SigV4Result.Failure(SigV4Errors.ExpiredToken);
        }

        var inputs = new SignatureCalculator.Inputs(
            request.Method, request.RawPath, auth.Query, auth.IsPresigned, request.Headers, auth.SignedHeaders,
            PayloadHash(request, auth, _options.AllowUnsignedPayload), auth.AmzDate, auth.Scope);
        var signingKey = _keys.Get(credential.SecretAccessKey, auth.ScopeDate, auth.Region, auth.Service);
        Span<char> expected = stackalloc char[SignatureCalculator.SignatureLength];
        SignatureCalculator.Compute(inputs, signingKey, expected);
        if (!FixedTimeEquals(expected, auth.Signature))
        {
            SignatureCalculator.Compute(inputs, signingKey, expected, out var canonical, out var stringToSign, captureText: true);
            return SigV4Result.Failure(SigV4Errors.SignatureDoesNotMatch(canonical!, stringToSign!));
        }

        return SigV4Result.Success(new SigV4Identity(
            auth.AccessKeyId, auth.Region, auth.Service, credential.Principal, presented, auth.SignedAt, auth.IsPresigned));
    }

    private static string PayloadHash(SigV4Request request, AuthParameters auth, bool allowUnsignedPayload)
    {
        var declared = FirstValue(request.Headers, "X-Amz-Content-Sha256");
        if (declared is null && auth.IsPresigned)
            declared = QueryParameters.First(auth.Query, "X-Amz-Content-Sha256");
        if (allowUnsignedPayload && string.Equals(declared, SignatureCalculator.UnsignedPayload, StringComparison.Ordinal))
            return SignatureCalculator.UnsignedPayload;
        if (request.PayloadSha256Hex is { } known)
            return known;
        return request.Body.IsEmpty ? SignatureCalculator.EmptyPayloadHash : SignatureCalculator.HashPayload(request.Body.Span);
    }

    private static bool FixedTimeEquals(ReadOnlySpan<char> left, ReadOnlySpan<char> right) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(left), MemoryMarshal.AsBytes(right));

    private static bool Signs(string signedHeaders, string name)
    {
        foreach (var range in signedHeaders.AsSpan().Split(';'))
        {
            if (signedHeaders.AsSpan()[range].Equals(name, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    internal static string? FirstValue(ISigV4Headers headers, string name)
    {
        var values = headers.GetValues(name);
        if (values is null)
            return null;
        foreach (var value in values)
        {
            if (value is not null)
                return value;
        }
        return null;
    }

    private static string DateSource(SigV4Request request) =>
        FirstValue(request.Headers, "X-Amz-Date") is not null ? "X-Amz-Date" : "Date";
}
