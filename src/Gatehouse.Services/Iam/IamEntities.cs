using System.Text.Json.Serialization;

namespace Gatehouse.Services.Iam;

/// <summary>The IAM entities that can carry policies.</summary>
public enum IamEntityKind
{
    User,
    Group,
    Role,
}

/// <summary>One tag of a user or role.</summary>
public sealed record IamTag(string Key, string Value);

/// <summary>
/// State shared by users, groups and roles. Entities are mutable and live behind the registry's lock; callers
/// outside it only see the snapshot records (<see cref="UserInfo"/>, <see cref="RoleInfo"/>, …). They are stored as JSON rows.
/// </summary>
public abstract class IamEntity
{
    public string Account { get; set; } = "";

    public string Name { get; set; } = "";

    public string Path { get; set; } = "/";

    public string Id { get; set; } = "";

    public DateTimeOffset CreateDate { get; set; }

    /// <summary>Inline policies by name, in the order they were added.</summary>
    public List<NamedDocument> InlinePolicies { get; set; } = [];

    public List<string> AttachedPolicyArns { get; set; } = [];

    [JsonIgnore]
    public abstract IamEntityKind Kind { get; }

    [JsonIgnore]
    public string Arn => $"arn:aws:iam::{Account}:{Kind.ToString().ToLowerInvariant()}{Path}{Name}";
}

public sealed record NamedDocument(string Name, string Document);

public sealed class IamUser : IamEntity
{
    public override IamEntityKind Kind => IamEntityKind.User;

    public List<IamTag> Tags { get; set; } = [];

    public string? PermissionsBoundaryArn { get; set; }

    public List<string> Groups { get; set; } = [];

    /// <summary>The console password (IAM's login profile), or null when the user has none.</summary>
    public IamLoginProfile? LoginProfile { get; set; }
}

/// <summary>A user's console password as a slow salted hash (<see cref="PasswordHasher"/>); never the password.</summary>
public sealed class IamLoginProfile
{
    public string PasswordHash { get; set; } = "";

    public DateTimeOffset CreateDate { get; set; }

    public DateTimeOffset PasswordChanged { get; set; }

    public bool PasswordResetRequired { get; set; }

    /// <summary>Hashes of earlier passwords, newest first, for the policy's <c>PasswordReusePrevention</c>.</summary>
    public List<string> PreviousHashes { get; set; } = [];

    public DateTimeOffset? PasswordLastUsed { get; set; }
}

/// <summary>The account password policy (IAM UpdateAccountPasswordPolicy); absent means AWS's default policy.</summary>
public sealed class IamPasswordPolicy
{
    public int MinimumPasswordLength { get; set; } = 6;

    public bool RequireSymbols { get; set; }

    public bool RequireNumbers { get; set; }

    public bool RequireUppercaseCharacters { get; set; }

    public bool RequireLowercaseCharacters { get; set; }

    public bool AllowUsersToChangePassword { get; set; }

    public int? MaxPasswordAge { get; set; }

    public int? PasswordReusePrevention { get; set; }

    public bool HardExpiry { get; set; }
}

public sealed class IamGroup : IamEntity
{
    public override IamEntityKind Kind => IamEntityKind.Group;
}

public sealed class IamRole : IamEntity
{
    public override IamEntityKind Kind => IamEntityKind.Role;

    public List<IamTag> Tags { get; set; } = [];

    public string? PermissionsBoundaryArn { get; set; }

    public string AssumeRolePolicyDocument { get; set; } = "";

    public string? Description { get; set; }

    public int MaxSessionDuration { get; set; } = 3600;
}

public sealed class IamPolicyVersion
{
    public string VersionId { get; set; } = "v1";

    public string Document { get; set; } = "";

    public DateTimeOffset CreateDate { get; set; }
}

/// <summary>A managed policy: customer managed (<c>arn:aws:iam::A:policy/…</c>) or AWS managed
/// (<c>arn:aws:iam::aws:policy/…</c>, built in, never stored).</summary>
public sealed class IamManagedPolicy
{
    public string Account { get; set; } = "";

    public string Name { get; set; } = "";

    public string Path { get; set; } = "/";

    public string Id { get; set; } = "";

    public string? Description { get; set; }

    public DateTimeOffset CreateDate { get; set; }

    public DateTimeOffset UpdateDate { get; set; }

    public string DefaultVersionId { get; set; } = "v1";

    /// <summary>The next version number to hand out (IAM never reuses a version id).</summary>
    public int NextVersion { get; set; } = 2;

    public List<IamPolicyVersion> Versions { get; set; } = [];

    [JsonIgnore]
    public bool IsAwsManaged => Account == "aws";

    [JsonIgnore]
    public string Arn => $"arn:aws:iam::{Account}:policy{Path}{Name}";

    [JsonIgnore]
    public string DefaultDocument => Versions.First(v => v.VersionId == DefaultVersionId).Document;
}

public sealed class IamAccessKey
{
    public string AccessKeyId { get; set; } = "";

    public string Account { get; set; } = "";

    public string UserName { get; set; } = "";

    /// <summary>The secret encrypted under the server key; the plain secret is kept only in memory.</summary>
    public string ProtectedSecret { get; set; } = "";

    [JsonIgnore]
    public string Secret { get; set; } = "";

    public string Status { get; set; } = "Active";

    public DateTimeOffset CreateDate { get; set; }
}

/// <summary>Temporary credentials issued by STS and what they stand for.</summary>
public sealed class StsSession
{
    public string AccessKeyId { get; set; } = "";

    public string ProtectedSecret { get; set; } = "";

    public string ProtectedToken { get; set; } = "";

    [JsonIgnore]
    public string Secret { get; set; } = "";

    [JsonIgnore]
    public string Token { get; set; } = "";

    public DateTimeOffset Issued { get; set; }

    public DateTimeOffset Expiration { get; set; }

    public string Account { get; set; } = "";

    /// <summary><c>Root</c>, <c>User</c> (GetSessionToken) or <c>AssumedRole</c>.</summary>
    public string Kind { get; set; } = "AssumedRole";

    /// <summary>The user name (GetSessionToken of a user) or the role name (AssumeRole).</summary>
    public string? EntityName { get; set; }

    public string? EntityId { get; set; }

    /// <summary>The role's ARN with its path (AssumeRole), or the user's ARN.</summary>
    public string? EntityArn { get; set; }

    public string? SessionName { get; set; }

    public string? SourceIdentity { get; set; }

    /// <summary>Session tags passed to AssumeRole (they override the role's tags).</summary>
    public List<IamTag> SessionTags { get; set; } = [];

    /// <summary>The inline <c>Policy</c> and the documents of <c>PolicyArns</c>, named.</summary>
    public List<NamedDocument> SessionPolicies { get; set; } = [];

    /// <summary>True when the session was made by a role session (role chaining).</summary>
    public bool Chained { get; set; }
}

/// <summary>An account known to the server, with optional root credentials.</summary>
public sealed class IamAccount
{
    public string Id { get; set; } = "";

    public string? Alias { get; set; }

    public string? RootAccessKeyId { get; set; }

    public string? ProtectedRootSecret { get; set; }

    [JsonIgnore]
    public string? RootSecret { get; set; }

    /// <summary>The account password policy, or null for AWS's default one.</summary>
    public IamPasswordPolicy? PasswordPolicy { get; set; }
}
