namespace Gatehouse.Policy;

/// <summary>Who is calling (IAM User Guide, "AWS global condition context keys": <c>aws:PrincipalType</c>).</summary>
public enum PrincipalType
{
    /// <summary>The account root user (<c>arn:aws:iam::A:root</c>).</summary>
    Root,
    User,
    /// <summary>An STS role session (<c>arn:aws:sts::A:assumed-role/Role/Session</c>).</summary>
    AssumedRole,
    /// <summary>A GetFederationToken session (<c>arn:aws:sts::A:federated-user/Name</c>).</summary>
    FederatedUser,
    /// <summary>An unsigned request.</summary>
    Anonymous,
    /// <summary>An AWS service principal calling with its own identity (e.g. <c>sns.amazonaws.com</c>).</summary>
    Service,
}

/// <summary>The authenticated caller. Build it with the factory methods; they derive the ARNs AWS prints.</summary>
public sealed class RequestPrincipal
{
    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>();

    private RequestPrincipal(PrincipalType type, string accountId, string arn)
    {
        Type = type;
        AccountId = accountId;
        Arn = arn;
    }

    public PrincipalType Type { get; }

    /// <summary>The caller's account; <c>anonymous</c> for anonymous callers, empty for service principals.</summary>
    public string AccountId { get; }

    /// <summary>The caller ARN as AWS prints it in access-denied messages (session ARN for role sessions,
    /// <c>anonymous</c> for anonymous callers, the service name for service principals).</summary>
    public string Arn { get; }

    /// <summary>For role sessions: the role ARN with its path (the value of <c>aws:PrincipalArn</c>).</summary>
    public string? RoleArn { get; private init; }

    /// <summary>For role sessions: the role's unique id (<c>AROA…</c>).</summary>
    public string? RoleId { get; private init; }

    /// <summary>Unique id: <c>AIDA…</c> for users; for role sessions <c>AROA…:session</c> (the <c>aws:userid</c> value).</summary>
    public string? UniqueId { get; private init; }

    /// <summary>IAM user name (users only; the value of <c>aws:username</c>).</summary>
    public string? UserName { get; private init; }

    public string? SessionName { get; private init; }

    /// <summary>For federated-user sessions: the IAM user that called GetFederationToken.</summary>
    public string? CreatorUserArn { get; private init; }

    /// <summary>For service principals: <c>sqs.amazonaws.com</c> etc.</summary>
    public string? ServiceName { get; private init; }

    /// <summary>Principal tags (user/role tags overridden by session tags); keys compare case-insensitively.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; private set; } = NoTags;

    /// <summary>Service-linked roles are exempt from SCPs and RCPs (Organizations User Guide, "Service control policies" and "Resource control policies").</summary>
    public bool IsServiceLinkedRole { get; private set; }

    /// <summary>An <c>sts:AssumeRoot</c> session: treated as the member account's root user (IAM User Guide, "Centrally manage root access for member accounts").</summary>
    public bool IsAssumedRoot { get; private set; }

    /// <summary>A copy with these principal tags (user/role tags already overridden by session tags).</summary>
    public RequestPrincipal WithTags(IReadOnlyDictionary<string, string> tags)
    {
        var copy = (RequestPrincipal)MemberwiseClone();
        copy.Tags = new Dictionary<string, string>(tags, StringComparer.OrdinalIgnoreCase);
        return copy;
    }

    /// <summary>A copy marked as a service-linked role session.</summary>
    public RequestPrincipal AsServiceLinkedRole()
    {
        var copy = (RequestPrincipal)MemberwiseClone();
        copy.IsServiceLinkedRole = true;
        return copy;
    }

    /// <summary>A copy marked as an <c>sts:AssumeRoot</c> session.</summary>
    public RequestPrincipal AsAssumedRoot()
    {
        var copy = (RequestPrincipal)MemberwiseClone();
        copy.IsAssumedRoot = true;
        return copy;
    }

    /// <summary>The value of <c>aws:PrincipalArn</c> (role ARN for role sessions), or null for anonymous callers.</summary>
    public string? PrincipalArn => Type switch
    {
        PrincipalType.AssumedRole => RoleArn,
        PrincipalType.Anonymous or PrincipalType.Service => null,
        _ => Arn,
    };

    public static RequestPrincipal Root(string accountId, string partition = "aws") =>
        new(PrincipalType.Root, accountId, $"arn:{partition}:iam::{accountId}:root") { UniqueId = accountId };

    /// <summary>An IAM user, from its ARN (<c>arn:aws:iam::A:user/path/name</c>).</summary>
    public static RequestPrincipal User(string userArn, string? uniqueId = null)
    {
        var (account, resource) = Split(userArn);
        return new(PrincipalType.User, account, userArn)
        {
            UniqueId = uniqueId,
            UserName = resource[(resource.LastIndexOf('/') + 1)..],
        };
    }

    /// <summary>A role session, from the role ARN (with path) and the session name.</summary>
    public static RequestPrincipal AssumedRole(string roleArn, string sessionName, string? roleId = null)
    {
        var (account, resource) = Split(roleArn);
        var partition = roleArn.Split(':')[1];
        var roleName = resource[(resource.LastIndexOf('/') + 1)..];
        return new(PrincipalType.AssumedRole, account, $"arn:{partition}:sts::{account}:assumed-role/{roleName}/{sessionName}")
        {
            RoleArn = roleArn,
            RoleId = roleId,
            SessionName = sessionName,
            UniqueId = roleId is null ? null : $"{roleId}:{sessionName}",
        };
    }

    /// <summary>A GetFederationToken session named <paramref name="name"/>, created by an IAM user.</summary>
    public static RequestPrincipal FederatedUser(string accountId, string name, string? creatorUserArn = null, string partition = "aws") =>
        new(PrincipalType.FederatedUser, accountId, $"arn:{partition}:sts::{accountId}:federated-user/{name}")
        {
            CreatorUserArn = creatorUserArn,
            UniqueId = $"{accountId}:{name}",
        };

    public static RequestPrincipal Anonymous() => new(PrincipalType.Anonymous, "anonymous", "anonymous") { UniqueId = "anonymous" };

    public static RequestPrincipal Service(string servicePrincipal) =>
        new(PrincipalType.Service, "", servicePrincipal) { ServiceName = servicePrincipal };

    private static (string Account, string Resource) Split(string arn)
    {
        if (!ParsedArn.TryParse(arn, out var parsed))
            throw new ArgumentException($"'{arn}' is not an ARN", nameof(arn));
        return (parsed.Account.ToString(), parsed.Resource.ToString());
    }
}
