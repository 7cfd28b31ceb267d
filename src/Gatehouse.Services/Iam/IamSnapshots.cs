namespace Gatehouse.Services.Iam;

public sealed record UserInfo(string Path, string UserName, string UserId, string Arn, DateTimeOffset CreateDate,
    IReadOnlyList<IamTag> Tags, string? PermissionsBoundaryArn);

public sealed record GroupInfo(string Path, string GroupName, string GroupId, string Arn, DateTimeOffset CreateDate);

public sealed record RoleInfo(string Path, string RoleName, string RoleId, string Arn, DateTimeOffset CreateDate,
    string AssumeRolePolicyDocument, string? Description, int MaxSessionDuration, IReadOnlyList<IamTag> Tags,
    string? PermissionsBoundaryArn);

public sealed record PolicyInfo(string PolicyName, string PolicyId, string Arn, string Path, string DefaultVersionId,
    int AttachmentCount, int PermissionsBoundaryUsageCount, bool IsAttachable, string? Description, DateTimeOffset CreateDate,
    DateTimeOffset UpdateDate);

public sealed record PolicyVersionInfo(string VersionId, string Document, bool IsDefaultVersion, DateTimeOffset CreateDate);

public sealed record AccessKeyInfo(string UserName, string AccessKeyId, string Status, DateTimeOffset CreateDate, string? SecretAccessKey = null);

public sealed record AttachedPolicyInfo(string PolicyName, string PolicyArn);
