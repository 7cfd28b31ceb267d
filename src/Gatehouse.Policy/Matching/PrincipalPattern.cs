namespace Gatehouse.Policy;

/// <summary>How a statement's Principal matched the caller; decides which ceilings limit a resource-policy grant
/// (IAM User Guide, "Cross-account policy evaluation logic"). Ordered from most to least direct.</summary>
public enum PrincipalMatchKind
{
    None,
    /// <summary><c>"*"</c> or <c>{"AWS":"*"}</c>: not limited by boundary or session-policy implicit denies.</summary>
    Wildcard,
    /// <summary>The caller's IAM user ARN (or unique id).</summary>
    User,
    /// <summary>The caller's exact assumed-role session ARN.</summary>
    RoleSession,
    /// <summary>The caller's federated-user session ARN.</summary>
    FederatedUser,
    /// <summary>The calling AWS service principal.</summary>
    Service,
    /// <summary>The role ARN of the caller's session: limited by boundary and session policy.</summary>
    Role,
    /// <summary>The IAM user that created the caller's federated session: limited by boundary and session policy.</summary>
    FederatedCreatorUser,
    /// <summary>The caller's account (<c>"A"</c> or <c>arn:aws:iam::A:root</c>): delegates to the account's IAM
    /// policies, so an identity-policy Allow is still needed (except for the root user).</summary>
    Account,
}

/// <summary>A compiled Principal/NotPrincipal element. Principal matching has no wildcards except the whole
/// <c>"*"</c> (IAM User Guide, "IAM JSON policy elements: Principal").</summary>
internal sealed class PrincipalPattern
{
    private bool wildcard;
    private readonly HashSet<string> accounts = new(StringComparer.Ordinal);
    private readonly HashSet<string> users = new(StringComparer.Ordinal);
    // Role names are unique case-insensitively in IAM; so role ARNs in Principal compare ignoring case (IAM User Guide, "IAM JSON policy elements: Principal").
    private readonly HashSet<string> roles = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> sessions = new(StringComparer.Ordinal);
    private readonly HashSet<string> federatedUsers = new(StringComparer.Ordinal);
    private readonly HashSet<string> services = new(StringComparer.Ordinal);
    private readonly HashSet<string> uniqueIds = new(StringComparer.Ordinal);

    internal PrincipalPattern(PrincipalElement element)
    {
        wildcard = element.IsWildcardString;
        foreach (var a in element.Aws)
            AddAws(a);
        foreach (var s in element.Service)
            services.Add(s);
    }

    private void AddAws(string a)
    {
        if (a == "*")
        {
            wildcard = true;
            return;
        }
        if (IsAccountId(a))
        {
            accounts.Add(a);
            return;
        }
        if (IsUniqueId(a))
        {
            uniqueIds.Add(a);
            return;
        }
        if (!ParsedArn.TryParse(a, out var arn))
            return;
        var res = arn.Resource;
        if (arn.Service.SequenceEqual("iam"))
        {
            if (res.SequenceEqual("root"))
                accounts.Add(arn.Account.ToString());
            else if (res.StartsWith("user/"))
                users.Add(a);
            else if (res.StartsWith("role/"))
                roles.Add(a);
        }
        else if (arn.Service.SequenceEqual("sts"))
        {
            if (res.StartsWith("assumed-role/"))
                sessions.Add(a);
            else if (res.StartsWith("federated-user/"))
                federatedUsers.Add(a);
        }
    }

    internal PrincipalMatchKind Match(RequestPrincipal p)
    {
        if (wildcard)
            return PrincipalMatchKind.Wildcard;
        switch (p.Type)
        {
            case PrincipalType.User:
                if (users.Contains(p.Arn) || (p.UniqueId is { } uid && uniqueIds.Contains(uid)))
                    return PrincipalMatchKind.User;
                break;
            case PrincipalType.AssumedRole:
                if (sessions.Contains(p.Arn))
                    return PrincipalMatchKind.RoleSession;
                if ((p.RoleArn is { } role && roles.Contains(role)) || (p.RoleId is { } rid && uniqueIds.Contains(rid)))
                    return PrincipalMatchKind.Role;
                break;
            case PrincipalType.FederatedUser:
                if (federatedUsers.Contains(p.Arn))
                    return PrincipalMatchKind.FederatedUser;
                if (p.CreatorUserArn is { } creator && users.Contains(creator))
                    return PrincipalMatchKind.FederatedCreatorUser;
                break;
            case PrincipalType.Service:
                return services.Contains(p.ServiceName!) ? PrincipalMatchKind.Service : PrincipalMatchKind.None;
            case PrincipalType.Anonymous:
                return PrincipalMatchKind.None;
        }
        return accounts.Contains(p.AccountId) ? PrincipalMatchKind.Account : PrincipalMatchKind.None;
    }

    internal static bool IsAccountId(string s) => s.Length == 12 && s.All(char.IsAsciiDigit);

    private static bool IsUniqueId(string s) =>
        s.Length >= 16 && s[0] == 'A' && s.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c))
        && (s.StartsWith("AIDA", StringComparison.Ordinal) || s.StartsWith("AROA", StringComparison.Ordinal));

    /// <summary>Syntactic check of an <c>AWS</c> principal value.</summary>
    internal static bool IsValidAwsPrincipal(string a)
    {
        if (a == "*" || IsAccountId(a) || IsUniqueId(a))
            return true;
        if (!ParsedArn.TryParse(a, out var arn) || a.Contains('*', StringComparison.Ordinal) || !IsAccountId(arn.Account.ToString()))
            return false;
        var res = arn.Resource;
        if (arn.Service.SequenceEqual("iam"))
            return res.SequenceEqual("root") || (res.StartsWith("user/") && res.Length > 5) || (res.StartsWith("role/") && res.Length > 5);
        if (arn.Service.SequenceEqual("sts"))
            return (res.StartsWith("assumed-role/") && res[13..].Contains('/')) || (res.StartsWith("federated-user/") && res.Length > 15);
        return false;
    }

    /// <summary>The account an <c>AWS</c> principal value names, or null for <c>*</c>.</summary>
    internal static string? AccountOf(string a)
    {
        if (IsAccountId(a))
            return a;
        return ParsedArn.TryParse(a, out var arn) ? arn.Account.ToString() : null;
    }
}
