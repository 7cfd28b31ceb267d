using System.Globalization;
using System.Text.RegularExpressions;
using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;

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

public sealed record AssumeRoleOutput(IssuedCredentials Credentials, string AssumedRoleArn, string AssumedRoleId, int? PackedPolicySize, string? SourceIdentity);

/// <summary>
/// STS: who is calling, role assumption and session tokens. Trust policies are evaluated by the authorizer when one
/// is registered (it also applies the caller's identity policies, boundary and SCPs); otherwise here, with the
/// policy engine and the caller's identity policies from the registry.
/// </summary>
public sealed partial class StsService(IdentityRegistry registry, IEnumerable<IAuthorizer> authorizers)
{
    public const int MinDuration = 900;
    public const int RoleChainingMaxDuration = 3600;

    [GeneratedRegex(@"^[\w+=,.@-]*$")]
    private static partial Regex SessionNameRegex();

    [GeneratedRegex(@"^[\w+=,.@:/-]*$")]
    private static partial Regex ExternalIdRegex();

    private IAuthorizer? Authorizer { get; } = authorizers.FirstOrDefault();

    /// <summary>GetCallerIdentity needs no permission (an explicit deny is ignored): reference §7.1.</summary>
    public static (string UserId, string Account, string Arn) GetCallerIdentity(Principal caller) => (caller.UserId, caller.AccountId, caller.Arn);

    public async Task<AssumeRoleOutput> AssumeRoleAsync(Principal caller, AssumeRoleInput input, CancellationToken ct = default)
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

        var duration = ValidateDuration(input.DurationSeconds, 43200) ?? 3600;
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

        var chained = caller.Kind == PrincipalKind.AssumedRole;

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

        var account = role?.Arn.Split(':')[4] ?? roleArn.Split(':')[4];
        await AuthorizeAsync(caller, "sts:AssumeRole", roleArn, account, role?.AssumeRolePolicyDocument, context, ct);
        if (input.Tags.Count > 0 || input.TransitiveTagKeys.Count > 0)
        {
            await AuthorizeAsync(caller, "sts:TagSession", roleArn, account, role?.AssumeRolePolicyDocument, context, ct);
        }

        if (input.SourceIdentity is not null)
        {
            await AuthorizeAsync(caller, "sts:SetSourceIdentity", roleArn, account, role?.AssumeRolePolicyDocument, context, ct);
        }

        if (role is null)
        {
            throw new AwsErrorException(StsErrors.NotAuthorized(caller.Arn, "sts:AssumeRole", roleArn));
        }

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

    /// <summary>One door: the registered authorizer, or the trust-policy evaluation below when none is.</summary>
    private async Task AuthorizeAsync(Principal caller, string action, string roleArn, string account, string? trustPolicy,
        IReadOnlyDictionary<string, IReadOnlyList<string>> context, CancellationToken ct)
    {
        if (Authorizer is { } authorizer)
        {
            if (trustPolicy is null)
            {
                throw new AwsErrorException(StsErrors.NotAuthorized(caller.Arn, action, roleArn));
            }

            await authorizer.AuthorizeAsync(new AuthorizationQuery("sts", caller, action, roleArn, account, trustPolicy, context), ct);
            return;
        }

        if (trustPolicy is null || !await EvaluateTrustAsync(caller, action, roleArn, account, trustPolicy, context, ct))
        {
            throw new AwsErrorException(StsErrors.NotAuthorized(caller.Arn, action, roleArn));
        }
    }

    /// <summary>The trust policy as the resource policy, with the caller's identity policies, boundary and session
    /// policies (cross-account, or a trust policy naming only the account, needs the identity side too): reference §7.2.</summary>
    public async Task<bool> EvaluateTrustAsync(Principal caller, string action, string roleArn, string account, string trustPolicy,
        IReadOnlyDictionary<string, IReadOnlyList<string>> context, CancellationToken ct = default)
    {
        var parsed = PolicyDocument.Parse(trustPolicy, PolicyKind.RoleTrustPolicy, new PolicyParseOptions { Name = roleArn });
        if (!parsed.IsValid)
        {
            return false;
        }

        var policies = await registry.GetPoliciesAsync(caller, ct);
        PolicyDocument? Compile(NamedPolicy p, PolicyKind kind) =>
            PolicyDocument.Parse(p.Document, kind, new PolicyParseOptions { Name = p.Name }).Document;
        var requestContext = new RequestContext().SetTime(registry.Time.GetUtcNow());
        foreach (var (key, values) in context)
        {
            // Only aws:TagKeys and sts:TransitiveTagKeys are multivalued; the others are single strings, which
            // StringEquals (without ForAnyValue/ForAllValues) compares directly.
            if (key is "aws:TagKeys" or "sts:TransitiveTagKeys")
            {
                requestContext.SetMany(key, values);
            }
            else
            {
                requestContext.Set(key, values[0]);
            }
        }

        var request = new AuthorizationRequest(ToRequestPrincipal(caller), action, roleArn, account, requestContext);
        var result = PolicyEvaluator.Evaluate(request, new PolicySet
        {
            IdentityPolicies = [.. policies.IdentityPolicies.Select(p => Compile(p, PolicyKind.Identity)).OfType<PolicyDocument>()],
            PermissionsBoundary = policies.PermissionsBoundary is { } b ? Compile(b, PolicyKind.PermissionsBoundary) : null,
            SessionPolicies = [.. policies.SessionPolicies.Select(p => Compile(p, PolicyKind.Session)).OfType<PolicyDocument>()],
            ResourcePolicy = parsed.Document,
        });
        return result.IsAllowed;
    }

    private static RequestPrincipal ToRequestPrincipal(Principal p)
    {
        var principal = p.Kind switch
        {
            PrincipalKind.Root => RequestPrincipal.Root(p.AccountId),
            PrincipalKind.User => RequestPrincipal.User(p.Arn, p.UserId),
            PrincipalKind.AssumedRole => RequestPrincipal.AssumedRole(p.PrincipalArn ?? p.Arn, p.Name ?? "", p.EntityId),
            PrincipalKind.FederatedUser => RequestPrincipal.FederatedUser(p.AccountId, p.Name ?? ""),
            _ => RequestPrincipal.Anonymous(),
        };
        return p.Tags.Count > 0 ? principal.WithTags(p.Tags) : principal;
    }
}
