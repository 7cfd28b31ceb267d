using System.Collections.Immutable;

namespace Gatehouse.Services.Identity;

/// <summary>What kind of caller signed a request.</summary>
public enum PrincipalKind
{
    /// <summary>The account's root user.</summary>
    Root,

    /// <summary>An IAM user.</summary>
    User,

    /// <summary>A role session from STS AssumeRole.</summary>
    AssumedRole,

    /// <summary>A federated user from STS GetFederationToken.</summary>
    FederatedUser,

    /// <summary>An unsigned request.</summary>
    Anonymous,
}

/// <summary>
/// The caller of a request, as IAM and STS describe it: <c>aws sts get-caller-identity</c> prints
/// <see cref="UserId"/>, <see cref="AccountId"/> and <see cref="Arn"/>.
/// </summary>
public sealed record Principal
{
    public required PrincipalKind Kind { get; init; }

    /// <summary>Empty for anonymous callers.</summary>
    public required string AccountId { get; init; }

    /// <summary><c>arn:aws:iam::A:root</c>, <c>arn:aws:iam::A:user/path/name</c>,
    /// <c>arn:aws:sts::A:assumed-role/role/session</c>; <c>*</c>-free; empty for anonymous.</summary>
    public required string Arn { get; init; }

    /// <summary>The unique id (<c>aws:userid</c>): the account id for root, <c>AIDA…</c> for users,
    /// <c>AROA…:session</c> for role sessions. SQS stamps it on messages as <c>SenderId</c>.</summary>
    public required string UserId { get; init; }

    /// <summary>User name, or the session name of a role session.</summary>
    public string? Name { get; init; }

    /// <summary>For role sessions: the role's ARN (<c>arn:aws:iam::A:role/path/name</c>); for users their ARN.</summary>
    public string? PrincipalArn { get; init; }

    /// <summary>Principal tags (<c>aws:PrincipalTag/*</c>): user or role tags, overlaid by session tags.</summary>
    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>When temporary credentials were issued (<c>aws:TokenIssueTime</c>), for sessions.</summary>
    public DateTimeOffset? TokenIssueTime { get; init; }

    /// <summary>The IAM entity id behind the principal (user id or role id), for looking up its policies.</summary>
    public string? EntityId { get; init; }

    /// <summary>An <c>sts:AssumeRoot</c> session: the member account's root user, scoped by the task policy held as
    /// the session's policy (IAM user guide, "Perform a privileged task on an AWS Organizations member account").</summary>
    public bool IsAssumedRoot { get; init; }

    /// <summary>The access key that signed the request; for temporary credentials it names the STS session whose
    /// session policies apply.</summary>
    public string? AccessKeyId { get; init; }

    public static Principal Anonymous { get; } = new() { Kind = PrincipalKind.Anonymous, AccountId = "", Arn = "", UserId = "anonymous" };

    public static Principal RootOf(string accountId) => new()
    {
        Kind = PrincipalKind.Root,
        AccountId = accountId,
        Arn = $"arn:aws:iam::{accountId}:root",
        UserId = accountId,
        PrincipalArn = $"arn:aws:iam::{accountId}:root",
    };
}
