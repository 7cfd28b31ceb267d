using System.Diagnostics.CodeAnalysis;

namespace Gatehouse.SigV4;

/// <summary>How verification ended.</summary>
public enum SigV4Status
{
    /// <summary>Signature verified; <see cref="SigV4Result.Identity"/> is set.</summary>
    Authenticated,

    /// <summary>No Authorization header and no presigned query parameters: the anonymous caller.</summary>
    Unsigned,

    /// <summary>Rejected; <see cref="SigV4Result.Error"/> is the exact AWS error to send.</summary>
    Failed,
}

/// <summary>The answer for one request. Verification never throws for anything the client sent.</summary>
public sealed class SigV4Result
{
    /// <summary>The shared result for unsigned requests.</summary>
    public static readonly SigV4Result Unsigned = new(SigV4Status.Unsigned, null, null);

    private SigV4Result(SigV4Status status, SigV4Identity? identity, SigV4Error? error)
    {
        Status = status;
        Identity = identity;
        Error = error;
    }

    /// <summary>How verification ended.</summary>
    public SigV4Status Status { get; }

    /// <summary>Set when <see cref="Status"/> is <see cref="SigV4Status.Authenticated"/>.</summary>
    public SigV4Identity? Identity { get; }

    /// <summary>Set when <see cref="Status"/> is <see cref="SigV4Status.Failed"/>.</summary>
    public SigV4Error? Error { get; }

    /// <summary>True when the signature verified.</summary>
    [MemberNotNullWhen(true, nameof(Identity))]
    public bool IsAuthenticated => Status == SigV4Status.Authenticated;

    /// <summary>True when the request was rejected.</summary>
    [MemberNotNullWhen(true, nameof(Error))]
    public bool IsFailed => Status == SigV4Status.Failed;

    /// <summary>A verified request.</summary>
    public static SigV4Result Success(SigV4Identity identity) => new(SigV4Status.Authenticated, identity, null);

    /// <summary>A rejected request.</summary>
    public static SigV4Result Failure(SigV4Error error) => new(SigV4Status.Failed, null, error);

    /// <inheritdoc />
    public override string ToString() => Status switch
    {
        SigV4Status.Authenticated => $"Authenticated {Identity!.AccessKeyId} {Identity.Region}/{Identity.Service}",
        SigV4Status.Failed => $"Failed {Error!.Code}: {Error.Message}",
        _ => "Unsigned",
    };
}
