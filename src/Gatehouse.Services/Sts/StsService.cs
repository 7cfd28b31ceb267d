using System.Globalization;
using System.Text.RegularExpressions;
using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Organizations;

namespace Gatehouse.Services.Sts;

public sealed record AssumeRoleInput(
    string? RoleArn,
    string? RoleSessionName,
    int? DurationSeconds,
    string? ExternalId,
    string? Policy,
    IReadOnlyList<string> PolicyArns,
    IReadOnlyList<IamTag> Tags,
    IReadOnlyList<string> TransitiveTagKeys,
    string? SourceIdentity);

public sealed record AssumeRootInput(string? TargetPrincipal, string? TaskPolicyArn, int? DurationSeconds);

public sealed record AssumeRoleOutput(IssuedCredentials Credentials, string AssumedRoleArn, string AssumedRoleId, int? PackedPolicySize, string? SourceIdentity);

/// <summary>
/// STS: who is calling, role assumption and session tokens. STS never authorizes for itself: for AssumeRole it
/// says what must be authorized (<see cref="AssumeRoleAuthorization"/>: <c>sts:AssumeRole</c> and, when asked for,
/// <c>sts:TagSession</c> / <c>sts:SetSourceIdentity</c>, each with the role's trust policy as the resource policy),
/// the request pipeline asks the one authorizer, and only then <see cref="AssumeRole"/> issues the session.
/// </summary>
public sealed partial class StsService(IdentityRegistry registry, OrganizationService? organizations = null)
{
    public const int MinDuration = 900;
    public const int RoleChainingMaxDuration = 3600;

    [GeneratedRegex(@"^[\w+=,.@-]*$")]
    private static partial Regex SessionNameRegex();

    [GeneratedRegex(@"^[\w+=,.@:/-]*$")]
    private static partial Regex ExternalIdRegex();

    /// <summary>GetCallerIdentity needs no permission (an explicit deny is ignored): STS API Reference, GetCallerIdentity.</summary>
    public static (string UserId, string Account, string Arn) GetCallerIdentity(Principal caller) => (caller.UserId, caller.AccountId, caller.Arn);

    /// <summary>
    /// AssumeRole, steps 1–3: validates the request as STS does, refuses the root user, finds the role, and returns
    /// the authorization queries. A role that does not exist (or has no trust policy) is refused here with the
    /// same AccessDenied text as a trust policy that does not allow, so the caller learns nothing about it.
    /// </summary>
    public IReadOnlyList<AuthorizationQuery> AssumeRoleAuthorization(Principal caller, AssumeRoleInput input, RequestFacts? facts = null)
    {
        // 1. Validate the request as STS does, before looking at the role.
        var roleArn = input.RoleArn ?? throw new AwsErrorException(StsErrors.Missing("roleArn"));
        if (roleArn.Length < 20)
        {
            throw new AwsErrorException(StsErrors.Constraint(roleArn, "roleArn", "have length greater than or equal to 20"));
        }

        var sessionName = input.RoleSessionName ?? throw new AwsErrorException(StsErrors.Missing("roleSessionName"));
        if (sessionName.Length < 2)
        {
            throw new AwsErrorException(StsErrors.Constraint(sessionName, "roleSessionName", "have length greater than or equal to 2"));
        }

        if (sessionName.Length > 64)
        {
            throw new AwsErrorException(StsErrors.Constraint(sessionName, "roleSessionName", "have length less than or equal to 64"));
        }

        if (!SessionNameRegex().IsMatch(sessionName))
        {
            throw new AwsErrorException(StsErrors.Constraint(sessionName, "roleSessionName", @"satisfy regular expression pattern: [\w+=,.@-]*"));
        }

        ValidateDuration(input.DurationSeconds, 43200);
        if (input.ExternalId is { } externalId && (externalId.Length is < 2 or > 1224 || !ExternalIdRegex().IsMatch(externalId)))
        {
            throw new AwsErrorException(externalId.Length < 2
                ? StsErrors.Constraint(externalId, "externalId", "have length greater than or equal to 2")
                : externalId.Length > 1224
                    ? StsErrors.Constraint(externalId, "externalId", "have length less than or equal to 1224")
                    : StsErrors.Constraint(externalId, "externalId", @"satisfy regular expression pattern: [\w+=,./@:-]*"));
        }

        if (input.PolicyArns.Count > 10)
        {
            throw new AwsErrorException(StsErrors.Constraint("[" + string.Join(", ", input.PolicyArns) + "]", "policyArns", "have length less than or equal to 10"));
        }

        if (input.Tags.Count > 50)
        {
            throw new AwsErrorException(StsErrors.Constraint(null, "tags", "have length less than or equal to 50"));
        }

        foreach (var tag in input.Tags)
        {
            if (tag.Key.Length is < 1 or > 128 || tag.Value.Length > 256)
            {
                throw new AwsErrorException(StsErrors.Constraint(tag.Key, "tags.member.key", "have length less than or equal to 128"));
            }
        }

        // 2. Who may assume roles at all: never the root user (STS AssumeRole reference).
        if (caller.Kind == PrincipalKind.Root)
        {
            throw new AwsErrorException(StsErrors.AccessDenied("Roles may not be assumed by root accounts."));
        }

        // 3. The role and its trust policy; a missing role is an ordinary denial, as in AWS.
        var role = registry.FindRoleByArn(roleArn);
        if (role is null && !IsArn(roleArn))
        {
            throw new AwsErrorException(StsErrors.ValidationError($"{roleArn} is invalid"));
        }

        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["sts:RoleSessionName"] = [sessionName],
        };
        if (input.ExternalId is { } ext)
        {
            context["sts:ExternalId"] = [ext];
        }

        if (input.SourceIdentity is { } source)
        {
            context["sts:SourceIdentity"] = [source];
        }

        foreach (var tag in input.Tags)
        {
            context["aws:RequestTag/" + tag.Key] = [tag.Value];
        }

        if (input.Tags.Count > 0)
        {
            context["aws:TagKeys"] = [.. input.Tags.Select(t => t.Key)];
        }

        if (input.TransitiveTagKeys.Count > 0)
        {
            context["sts:TransitiveTagKeys"] = [.. input.TransitiveTagKeys];
        }

        if (role?.AssumeRolePolicyDocument is not { } trustPolicy)
        {
            throw new AwsErrorException(StsErrors.NotAuthorized(caller.Arn, "sts:AssumeRole", roleArn));
        }

        var account = role.Arn.Split(':')[4];
        AuthorizationQuery For(string action) => new("sts", caller, action, roleArn, account, trustPolicy, context, Request: facts);
        var queries = new List<AuthorizationQuery> { For("sts:AssumeRole") };
        if (input.Tags.Count > 0 || input.TransitiveTagKeys.Count > 0)
        {
            queries.Add(For("sts:TagSession"));
        }

        if (input.SourceIdentity is not null)
        {
            queries.Add(For("sts:SetSourceIdentity"));
        }

        return queries;
    }

    /// <summary>AssumeRole, steps 4–6, once every query of <see cref="AssumeRoleAuthorization"/> was allowed:
    /// duration limits, session policies, and the new session.</summary>
    public AssumeRoleOutput AssumeRole(Principal caller, AssumeRoleInput input)
    {
        var role = registry.FindRoleByArn(input.RoleArn ?? "")
            ?? throw new AwsErrorException(StsErrors.NotAuthorized(caller.Arn, "sts:AssumeRole", input.RoleArn ?? ""));
        var sessionName = input.RoleSessionName!;
        var duration = ValidateDuration(input.DurationSeconds, 43200) ?? 3600;
        var chained = caller.Kind == PrincipalKind.AssumedRole;

        // 4. Duration limits: the role's maximum, and one hour for role chaining.
        if (chained && duration > RoleChainingMaxDuration)
        {
            throw new AwsErrorException(StsErrors.ValidationError(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."));
        }

        if (duration > role.MaxSessionDuration)
        {
            throw new AwsErrorException(StsErrors.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role."));
        }

        // 5. Session policies (a ceiling on the role's permissions) and the packed size of policies and tags.
        var sessionPolicies = new List<NamedDocument>();
        if (input.Policy is { } inline)
        {
            var parsed = PolicyDocument.Parse(inline, PolicyKind.Session);
            if (!parsed.IsValid && PolicyErrors.ForIam(parsed.Problems, PolicyKind.Session) is { } error)
            {
                throw new AwsErrorException(error.Code == "LimitExceeded"
                    ? StsErrors.PackedPolicyTooLarge(Percent(inline.Length))
                    : StsErrors.MalformedPolicyDocument(error.Message));
            }

            sessionPolicies.Add(new NamedDocument("session/inline", inline));
        }

        foreach (var arn in input.PolicyArns)
        {
            var document = registry.FindPolicyDocument(role.Arn.Split(':')[4], arn)
                ?? throw new AwsErrorException(StsErrors.ValidationError($"Policy {arn} does not exist or is not attachable."));
            sessionPolicies.Add(new NamedDocument(arn, document));
        }

        int? packed = null;
        if (input.Policy is not null || input.PolicyArns.Count > 0 || input.Tags.Count > 0)
        {
            var size = Compact(input.Policy).Length + input.PolicyArns.Sum(a => a.Length) + input.Tags.Sum(t => t.Key.Length + t.Value.Length);
            packed = Math.Max(1, Percent(size));
            if (packed > 100)
            {
                throw new AwsErrorException(StsErrors.PackedPolicyTooLarge(packed.Value));
            }
        }

        // 6. Issue the session (transitive session tags of the caller's own session carry over when chaining).
        var tags = input.Tags.ToList();
        var credentials = registry.IssueSession(new SessionGrant(
            role.Arn.Split(':')[4], "AssumedRole", role.RoleName, role.RoleId, role.Arn, sessionName, TimeSpan.FromSeconds(duration),
            tags, sessionPolicies, chained, input.SourceIdentity));
        var assumedArn = $"arn:aws:sts::{role.Arn.Split(':')[4]}:assumed-role/{role.RoleName}/{sessionName}";
        return new AssumeRoleOutput(credentials, assumedArn, $"{role.RoleId}:{sessionName}", packed, input.SourceIdentity);
    }

    /// <summary>
    /// AssumeRoot, steps 1–3 (STS API reference, AssumeRoot; IAM user guide, "Centralize root access for member
    /// accounts"): validates the request, refuses root user credentials, requires that the caller's account manages the
    /// target's organization with root sessions enabled, and returns the query: <c>sts:AssumeRoot</c> on the target's
    /// root user with <c>sts:TaskPolicyArn</c>. The target has no policy that could grant it, so the permission comes
    /// from the caller's identity policies alone (the query is evaluated in the caller's account).
    /// </summary>
    public IReadOnlyList<AuthorizationQuery> AssumeRootAuthorization(Principal caller, AssumeRootInput input, RequestFacts? facts = null)
    {
        var target = input.TargetPrincipal ?? throw new AwsErrorException(StsErrors.Missing("targetPrincipal"));
        var taskPolicy = input.TaskPolicyArn ?? throw new AwsErrorException(StsErrors.Missing("taskPolicyArn"));
        if (target.Length is < 12 or > 2048)
        {
            throw new AwsErrorException(StsErrors.Constraint(target, "targetPrincipal", target.Length < 12 ? "have length greater than or equal to 12" : "have length less than or equal to 2048"));
        }

        if (input.DurationSeconds is { } d && d is < 0 or > 900)
        {
            throw new AwsErrorException(StsErrors.Constraint(d.ToString(CultureInfo.InvariantCulture), "durationSeconds",
                d < 0 ? "have value greater than or equal to 0" : "have value less than or equal to 900"));
        }

        if (!RootTaskPolicies.ByArn.ContainsKey(taskPolicy))
        {
            throw new AwsErrorException(StsErrors.ValidationError($"The TaskPolicyArn {taskPolicy} is not a supported task policy."));
        }

        var account = TargetAccount(target);
        var rootArn = $"arn:aws:iam::{account}:root";
        if (caller.Kind == PrincipalKind.Root || caller.IsAssumedRoot)
        {
            // "You cannot use root user credentials to make this call" (STS API reference, AssumeRoot).
            throw new AwsErrorException(StsErrors.NotAuthorized(caller.Arn, "sts:AssumeRoot", rootArn));
        }

        if (organizations is null || !organizations.RootSessionsAllowed(caller.AccountId, account))
        {
            throw new AwsErrorException(StsErrors.NotAuthorized(caller.Arn, "sts:AssumeRoot", rootArn));
        }

        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase) { ["sts:TaskPolicyArn"] = [taskPolicy] };
        return [new AuthorizationQuery("sts", caller, "sts:AssumeRoot", rootArn, caller.AccountId, null, context, Request: facts)];
    }

    /// <summary>AssumeRoot, step 4, once allowed: a root session of the target account (at most 900 seconds) whose
    /// session policy is the task policy.</summary>
    public IssuedCredentials AssumeRoot(AssumeRootInput input)
    {
        var account = TargetAccount(input.TargetPrincipal!);
        var arn = input.TaskPolicyArn!;
        return registry.IssueSession(new SessionGrant(
            account, "AssumedRoot", null, account, $"arn:aws:iam::{account}:root", null, TimeSpan.FromSeconds(input.DurationSeconds ?? 900),
            [], [new NamedDocument(arn, RootTaskPolicies.ByArn[arn].Trim())], Chained: false));
    }

    /// <summary>The account of a <c>TargetPrincipal</c>: an account id or the account's root ARN.</summary>
    private static string TargetAccount(string target)
    {
        if (target.Length == 12 && target.All(char.IsAsciiDigit))
        {
            return target;
        }

        var parts = target.Split(':');
        if (parts is ["arn", _, "iam", "", var account, "root"] && account.Length == 12 && account.All(char.IsAsciiDigit))
        {
            return account;
        }

        throw new AwsErrorException(StsErrors.ValidationError($"{target} is invalid"));
    }

    /// <summary>GetSessionToken: users and the root user (at most one hour for root); not with session credentials.</summary>
    public IssuedCredentials GetSessionToken(Principal caller, int? durationSeconds)
    {
        if (caller.Kind is PrincipalKind.AssumedRole or PrincipalKind.FederatedUser || registry.IsSessionToken(caller.AccessKeyId))
        {
            throw new AwsErrorException(StsErrors.AccessDenied("Cannot call GetSessionToken with session credentials"));
        }

        var duration = ValidateDuration(durationSeconds, 129600) ?? (caller.Kind == PrincipalKind.Root ? 3600 : 43200);
        if (caller.Kind == PrincipalKind.Root)
        {
            // The root user's session tokens last at most one hour (STS GetSessionToken reference).
            duration = Math.Min(duration, 3600);
        }

        return registry.IssueSession(new SessionGrant(
            caller.AccountId, caller.Kind == PrincipalKind.Root ? "Root" : "User", caller.Name, caller.EntityId, caller.Arn, null,
            TimeSpan.FromSeconds(duration), [], [], Chained: false));
    }

    private static int? ValidateDuration(int? value, int max)
    {
        if (value is not { } v)
        {
            return null;
        }

        var s = v.ToString(CultureInfo.InvariantCulture);
        if (v < MinDuration)
        {
            throw new AwsErrorException(StsErrors.Constraint(s, "durationSeconds", "have value greater than or equal to 900"));
        }

        if (v > max)
        {
            throw new AwsErrorException(StsErrors.Constraint(s, "durationSeconds", $"have value less than or equal to {max}"));
        }

        return v;
    }

    private static int Percent(int chars) => (int)Math.Ceiling(chars * 100.0 / 2048);

    private static string Compact(string? json)
    {
        if (json is null)
        {
            return "";
        }

        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return System.Text.Json.JsonSerializer.Serialize(doc.RootElement);
        }
        catch (System.Text.Json.JsonException)
        {
            return json;
        }
    }

    private static bool IsArn(string value)
    {
        var parts = value.Split(':', 6);
        return parts.Length == 6 && parts[0] == "arn" && parts[1].Length > 0 && parts[2].Length > 0;
    }
}
