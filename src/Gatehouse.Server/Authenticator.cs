using Gatehouse.Protocol;
using Gatehouse.Services.Identity;
using Gatehouse.SigV4;
using Microsoft.AspNetCore.Http.Features;

namespace Gatehouse.Server;

/// <summary>Step 2 of the request path: SigV4 verification turned into a <see cref="Principal"/> or an AWS error.</summary>
internal sealed class Authenticator(ICredentialDirectory directory, TimeProvider time)
{
    private readonly SigV4Verifier _verifier = new(new SigV4VerifierOptions());

    /// <summary>Who signed the request and in which region; <see cref="Principal.Anonymous"/> when unsigned.</summary>
    public async Task<(Principal Principal, string? Region)> AuthenticateAsync(HttpContext http, ReadOnlyMemory<byte> body, string service)
    {
        var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (http.Request.Path + http.Request.QueryString);
        var q = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var request = new SigV4Request
        {
            Method = http.Request.Method,
            RawPath = q < 0 ? rawTarget : rawTarget[..q],
            RawQuery = q < 0 ? "" : rawTarget[(q + 1)..],
            Headers = new AspNetHeaders(http.Request.Headers),
            Body = body,
        };
        var result = await _verifier.VerifyAsync(
            request,
            time.GetUtcNow(),
            async (keyId, ct) => await directory.FindAccessKeyAsync(keyId, ct) is { } key
                ? new SigV4Credential(key.SecretAccessKey, key.Principal, key.SessionToken, key.Expiration)
                : null,
            service,
            http.RequestAborted);
        return result.Status switch
        {
            SigV4Status.Authenticated => ((Principal)result.Identity!.Principal!, result.Identity.Region),
            SigV4Status.Unsigned => (Principal.Anonymous, null),
            _ => throw new AwsErrorException(new AwsError(result.Error!.JsonType, result.Error.Code, result.Error.HttpStatus, result.Error.Message)),
        };
    }

    private sealed class AspNetHeaders(IHeaderDictionary headers) : ISigV4Headers
    {
        public IReadOnlyList<string?>? GetValues(string name) => headers.TryGetValue(name, out var v) ? (IReadOnlyList<string?>)v : null;
    }
}
