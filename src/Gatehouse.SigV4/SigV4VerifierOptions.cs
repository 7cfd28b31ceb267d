namespace Gatehouse.SigV4;

/// <summary>Settings of a <see cref="SigV4Verifier"/>; the defaults are AWS's.</summary>
public sealed class SigV4VerifierOptions
{
    /// <summary>How far the request date may be from now, either way. AWS: 15 minutes.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Which credential-scope regions are served; null accepts any. A refused region answers
    /// <c>SignatureDoesNotMatch</c> "Credential should be scoped to a valid region, not '…'. ".
    /// </summary>
    public Func<string, bool>? IsValidRegion { get; init; }

    /// <summary>
    /// Honour <c>X-Amz-Content-Sha256: UNSIGNED-PAYLOAD</c> (the body is then not part of the signature). On AWS only
    /// Amazon S3 accepts it; every other service hashes the body it received, so a request signed with the marker
    /// fails with SignatureDoesNotMatch. Off by default: a signature must cover the operation and parameters.
    /// </summary>
    public bool AllowUnsignedPayload { get; init; }

    /// <summary>
    /// Headers that must be signed whenever a request carries them (lower case). Every AWS SDK signs
    /// <c>x-amz-target</c>, the header that names a JSON-protocol operation; a request that does not could be
    /// replayed as another operation, so by default it is refused.
    /// </summary>
    public IReadOnlyList<string> MustSignWhenPresent { get; init; } = ["x-amz-target"];

    /// <summary>Upper bound of the signing-key cache (entries); when full it starts over.</summary>
    public int SigningKeyCacheSize { get; init; } = 4096;
}
