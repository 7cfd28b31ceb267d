using System.Globalization;
using Gatehouse.Protocol;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Authorization;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.Admin;

/// <summary>
/// <c>gatehouse troubleshoot</c> on the server: evaluates a request that has not been made (a principal by ARN, an
/// action, a queue URL or ARN, context keys set by the caller) with the same authorizer, policies and explanation as
/// a real request, without recording or refusing anything.
/// </summary>
internal static class Troubleshooter
{
    public static async Task<string> ExplainAsync(Authorizer authorizer, SqsService sqs, IdentityRegistry? identity, GatehouseOptions options, TimeProvider time, ActionContext c, IRequestReader r)
    {
        var principalArn = r.GetString("principal") ?? throw new AwsErrorException(CommonErrors.MissingParameter("principal"));
        var action = r.GetString("action") ?? throw new AwsErrorException(CommonErrors.MissingParameter("action"));
        var resource = r.GetString("resource") ?? throw new AwsErrorException(CommonErrors.MissingParameter("resource"));
        var principal = principalArn == "*" || principalArn == "anonymous"
            ? Principal.Anonymous
            : identity?.PrincipalForArn(principalArn) ?? throw new AwsErrorException(CommonErrors.InvalidParameterValue($"No principal {principalArn} exists (give a user, role or root ARN)."));
        var (arn, account) = ResourceArn(resource, c.Region, options.AccountId);
        var queue = arn.StartsWith("arn:aws:sqs:", StringComparison.Ordinal) ? sqs.FindByArn(arn) : null;
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var entry in r.GetStringList("context", "context") ?? [])
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new AwsErrorException(CommonErrors.InvalidParameterValue($"Context entry '{entry}' is not KEY=VALUE."));
            }

            var key = entry[..eq];
            context[key] = context.TryGetValue(key, out var values) ? [.. values, entry[(eq + 1)..]] : [entry[(eq + 1)..]];
        }

        var service = action.Split(':')[0].ToLowerInvariant();
        var facts = new RequestFacts(null, false, c.Region, SourceVpce: context.TryGetValue("aws:SourceVpce", out var vpce) ? vpce[0] : null);
        var query = new AuthorizationQuery(service, principal, action, arn, account, queue?.Attributes.GetValueOrDefault(QueueAttributeNames.Policy),
            context, queue?.Tags, facts);
        var result = await authorizer.EvaluateAsync(query, c.Aborted);
        var record = new DecisionRecord(time.GetUtcNow(), principal.Kind == PrincipalKind.Anonymous ? "anonymous" : principal.Arn, action, arn,
            result.Decision, result.DecidingPolicyType, [.. result.DecidingStatements.Select(s => s.ToString())], null, false, [])
        {
            Result = result,
        };
        return record.ToJson();
    }

    /// <summary>A queue URL (<c>http://host/ACCOUNT/NAME</c>) or an ARN, as the ARN and its account.</summary>
    internal static (string Arn, string Account) ResourceArn(string resource, string region, string defaultAccount)
    {
        if (Uri.TryCreate(resource, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            var segments = uri.AbsolutePath.Trim('/').Split('/');
            if (segments.Length == 2)
            {
                return ($"arn:aws:sqs:{region}:{segments[0]}:{segments[1]}", segments[0]);
            }
        }

        var parts = resource.Split(':');
        return (resource, parts.Length > 4 && parts[4].Length > 0 ? parts[4] : defaultAccount);
    }

    /// <summary><c>--since</c>: a duration back from now (<c>30m</c>, <c>2h</c>, <c>7d</c>) or an ISO 8601 time.</summary>
    internal static DateTimeOffset ParseSince(string since, DateTimeOffset now)
    {
        if (since.Length > 1 && long.TryParse(since[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            switch (since[^1])
            {
                case 's': return now.AddSeconds(-n);
                case 'm': return now.AddMinutes(-n);
                case 'h': return now.AddHours(-n);
                case 'd': return now.AddDays(-n);
            }
        }

        return DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw new AwsErrorException(CommonErrors.InvalidParameterValue($"since '{since}' is neither a duration (30m, 2h, 7d) nor a time."));
    }
}
