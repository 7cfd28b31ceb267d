using System.Collections.Immutable;

namespace Gatehouse.Services.Kms;

/// <summary>A key's state as <c>DescribeKey</c> shows it (AWS KMS developer guide, "Key states of AWS KMS keys").</summary>
public enum KmsKeyState
{
    Enabled,
    Disabled,
    PendingDeletion,
}

/// <summary>
/// One symmetric KMS key (<c>SYMMETRIC_DEFAULT</c>, AES-256-GCM). <see cref="ProtectedMaterial"/> is the 256-bit key
/// material encrypted under the server key; the plaintext material never reaches the store.
/// </summary>
public sealed record KmsKey
{
    public required string KeyId { get; init; }

    public required string Account { get; init; }

    public required string Region { get; init; }

    public required DateTimeOffset CreationDate { get; init; }

    public string Description { get; init; } = "";

    public KmsKeyState State { get; init; } = KmsKeyState.Enabled;

    public DateTimeOffset? DeletionDate { get; init; }

    public int? PendingDeletionWindowInDays { get; init; }

    /// <summary>The key policy (KMS keys have exactly one, named <c>default</c>).</summary>
    public required string Policy { get; init; }

    /// <summary><c>CUSTOMER</c> or <c>AWS</c> (AWS managed keys such as <c>alias/aws/sqs</c>).</summary>
    public string KeyManager { get; init; } = "CUSTOMER";

    public ImmutableSortedDictionary<string, string> Tags { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public required string ProtectedMaterial { get; init; }

    public string Arn => $"arn:aws:kms:{Region}:{Account}:key/{KeyId}";
}

/// <summary>An alias (<c>alias/name</c>) of one key, per account and region.</summary>
public sealed record KmsAlias(string Name, string Account, string Region, string TargetKeyId, DateTimeOffset CreationDate, DateTimeOffset LastUpdatedDate)
{
    public string Arn => $"arn:aws:kms:{Region}:{Account}:{Name}";
}

/// <summary>A grant: the grantee principal may perform <see cref="Operations"/> with the key, under the encryption
/// context constraints (AWS KMS developer guide, "Grants in AWS KMS").</summary>
public sealed record KmsGrant
{
    public required string GrantId { get; init; }

    public required string KeyArn { get; init; }

    public required string GranteePrincipal { get; init; }

    public string? RetiringPrincipal { get; init; }

    public required ImmutableArray<string> Operations { get; init; }

    public ImmutableSortedDictionary<string, string>? EncryptionContextSubset { get; init; }

    public ImmutableSortedDictionary<string, string>? EncryptionContextEquals { get; init; }

    public string? Name { get; init; }

    /// <summary>The ARN of the principal that created the grant (<c>IssuingAccount</c> is its account's root).</summary>
    public required string IssuingPrincipal { get; init; }

    public required string IssuingAccount { get; init; }

    /// <summary>The grant token CreateGrant returned (RetireGrant may name the grant by it).</summary>
    public string? Token { get; init; }

    public required DateTimeOffset CreationDate { get; init; }
}
