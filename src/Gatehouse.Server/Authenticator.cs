using Gatehouse.Protocol;
using Gatehouse.Services.Identity;
using Gatehouse.SigV4;
using Microsoft.AspNetCore.Http.Features;

namespace Gatehouse.Server;

/// <summary>Step 2 of the request path: SigV4 verification turned into a <see cref="Principal"/> or an AWS error.</summary>
internal sealed class Authenticator(ICredentialDirectory directory, SigningClock clock, GatehouseOptions options, ILogger<Authenticator> log)
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
            clock.Time.GetUtcNow(),
            async (keyId, ct) => await directory.FindAccessKeyAsync(keyId, ct) is { } key
                ? new SigV4Credential(key.SecretAccessKey, key.Principal, key.SessionToken, key.Expiration)
                : null,
            service,
            http.RequestAborted);
        if (result.Status == SigV4Status.Failed)
        {
            var scope = CredentialScope(http);
            if (options.AnyAccessKey && result.Error!.Code == SigV4Errors.Codes.InvalidClientTokenId && scope is { Length: 5 })
            {
                // LocalStack-compatible credentials (--any-access-key): a key this server does not know is the
                // management account's root user; its signature cannot be checked, the secret being unknown.
                return (Principal.RootOf(options.AccountId), scope[2]);
            }

            // The access key id names who tried; the secret never reaches this server and is never logged.
            log.LogInformation("Authentication failed: {Code} for access key {AccessKeyId} from {Source} ({Method} {Path}): {Reason}",
                result.Error!.Code, scope is { Length: > 0 } ? scope[0] : "(none)", http.Connection.RemoteIpAddress, http.Request.Method,
                http.Request.Path.Value, result.Error.Message);
        }

        return result.Status switch
        {
            SigV4Status.Authenticated => ((Principal)result.Identity!.Principal!, result.Identity.Region),
            SigV4Status.Unsigned => (Principal.Anonymous, null),
            _ => throw new AwsErrorException(new AwsError(result.Error!.JsonType, result.Error.Code, result.Error.HttpStatus, result.Error.Message)),
        };
    }

    /// <summary>The parts of the SigV4 credential (<c>AKID/date/region/service/aws4_request</c>) of the
    /// Authorization header or the presigned query, when there is one.</summary>
    private static string[]? CredentialScope(HttpContext http)
    {
        var credential = http.Request.Headers.Authorization.FirstOrDefault() is { } auth && auth.IndexOf("Credential=", StringComparison.Ordinal) is var i and >= 0
            ? auth[(i + "Credential=".Length)..].Split(',', 2)[0].Trim()
            : http.Request.Query["X-Amz-Credential"].FirstOrDefault();
        return credential?.Split('/');
    }

    private sealed class AspNetHeaders(IHeaderDictionary headers) : ISigV4Headers
    {
        public IReadOnlyList<string?>? GetValues(string name) => headers.TryGetValue(name, out var v) ? (IReadOnlyList<string?>)v : null;
    }
}
