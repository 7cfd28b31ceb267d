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

    /// <summary>Upper bound of the signing-key cache (entries); when full it starts over.</summary>
    public int SigningKeyCacheSize { get; init; } = 4096;
}
