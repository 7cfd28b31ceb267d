using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Authorization;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.Admin;

/// <summary>
/// Gatehouse's own diagnostics API under <c>/_gatehouse/</c>, a module like any AWS service: requests are SigV4-signed
/// with the signing name <c>gatehouse</c> and authorized as <c>gatehouse:&lt;Action&gt;</c> on
/// <c>arn:aws:gatehouse:REGION:ACCOUNT:server</c>, where ACCOUNT is the management account; so its root user may
/// call them, and an IAM principal of that account needs an identity policy that allows the action. The one
/// exception is the liveness check, which anyone may call and which reveals only that the server is up and its
/// version (docs/architecture.md, "Diagnostics").
/// </summary>
internal static class AdminModule
{
    public const string Prefix = "/_gatehouse/";

    public static ServiceModule Create(Authorizer authorizer, SqsService sqs, GatehouseOptions options, TimeProvider time, IdentityRegistry? identity = null)
    {
        var startedAt = time.GetTimestamp();
        IEnumerable<Services.Identity.AuthorizationQuery> Permission(ActionContext c, string action) =>
            [c.Query("gatehouse:" + action, $"arn:aws:gatehouse:{c.Region}:{options.AccountId}:server", options.AccountId)];
        ActionSpec Action(string name, Func<ActionContext, IRequestReader, Action<IResponseWriter>> write) =>
            ActionSpec.Define<IRequestReader>(name, ["gatehouse:" + name], r => r, (c, _) => Permission(c, name),
                (c, r) => Task.FromResult<Action<IResponseWriter>?>(write(c, r)));
        ActionSpec AsyncAction(string name, Func<ActionContext, IRequestReader, Task<Action<IResponseWriter>?>> write) =>
            ActionSpec.Define<IRequestReader>(name, ["gatehouse:" + name], r => r, (c, _) => Permission(c, name), write);
        var actions = new[]
        {
            ActionSpec.Define<IRequestReader>("GetHealth", [], r => r, (_, _) => [], (_, _) => Task.FromResult<Action<IResponseWriter>?>(w =>
            {
                w.String("status", "ok");
                w.String("version", RequestPipeline.Version);
            })) with { AllowsAnonymous = true },
            Action("GetStatus", (_, _) => w =>
            {
                w.String("status", "ok");
                w.String("version", RequestPipeline.Version);
                w.String("store", sqs.StoreDescription);
                w.Number("uptimeSeconds", (long)time.GetElapsedTime(startedAt).TotalSeconds);
                w.String("account", options.AccountId);
                w.String("enforcement", options.Enforcement.ToString().ToLowerInvariant());
            }),
            Action("ListDecisions", (_, r) =>
            {
                var max = Math.Clamp(r.GetInt("max") ?? 200, 1, 10_000);
                var decisions = authorizer.Log.Recent(max);
                return w => w.List("decisions", "decision", decisions, WriteDecision, emitEmpty: true);
            }),
            AsyncAction("GetDecision", async (c, r) =>
            {
                var id = r.GetString("requestId") ?? throw new AwsErrorException(CommonErrors.MissingParameter("requestId"));
                var found = await authorizer.Log.FindAsync(id, c.Aborted);
                return Raw("decisions", found);
            }),
            AsyncAction("QueryDecisions", async (c, r) =>
            {
                var query = new DecisionQuery
                {
                    Principal = r.GetString("principal"),
                    DeniedOnly = r.GetString("denied") is "true" or "1",
                    Since = r.GetString("since") is { } since ? Troubleshooter.ParseSince(since, time.GetUtcNow()) : null,
                    Max = Math.Clamp(r.GetInt("max") ?? 50, 1, 10_000),
                };
                var found = await authorizer.Log.QueryAsync(query, c.Aborted);
                return Raw("decisions", found.Select(d => d.Json));
            }),
            AsyncAction("Troubleshoot", async (c, r) =>
            {
                var explained = await Troubleshooter.ExplainAsync(authorizer, sqs, identity, options, time, c, r);
                return Raw("decisions", [explained]);
            }),
            AsyncAction("SuggestPolicy", async (c, r) =>
            {
                var principal = r.GetString("principal") ?? throw new AwsErrorException(CommonErrors.MissingParameter("principal"));
                var decisions = await authorizer.Log.QueryAsync(new DecisionQuery
                {
                    Principal = principal,
                    Since = r.GetString("since") is { } since ? Troubleshooter.ParseSince(since, time.GetUtcNow()) : null,
                    Max = 100_000,
                }, c.Aborted);
                var suggestion = PolicySuggester.Suggest(decisions, principal);
                return w =>
                {
                    if (w is JsonResponseWriter json)
                    {
                        json.RawJsonList("suggestions", [suggestion]);
                    }
                };
            }),
            AsyncAction("LintPolicies", async (c, r) =>
            {
                IReadOnlyList<PolicyFinding> findings = r.GetString("queue") is { } queue
                    ? Linter.Queue(sqs, queue, c.Region, options.AccountId)
                    : r.GetString("principal") is { } principal && identity is not null
                        ? await Linter.PrincipalAsync(identity, principal, c.Aborted)
                        : throw new AwsErrorException(CommonErrors.MissingParameter("queue"));
                return w => Linter.Write(w, findings);
            }),
        };
        return new ServiceModule
        {
            Name = "gatehouse",
            SigningName = "gatehouse",
            QueryProtocol = RestJsonProtocol.Instance,
            PathPrefix = Prefix,
            PathActions = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["health"] = "GetHealth",
                ["status"] = "GetStatus",
                ["decisions"] = "ListDecisions",
                ["decision"] = "GetDecision",
                ["history"] = "QueryDecisions",
                ["troubleshoot"] = "Troubleshoot",
                ["lint"] = "LintPolicies",
                ["suggest-policy"] = "SuggestPolicy",
            },
            Actions = actions.ToDictionary(a => a.Name, StringComparer.Ordinal),
        };
    }

    private static Action<IResponseWriter> Raw(string name, IEnumerable<string> documents) => w =>
    {
        if (w is JsonResponseWriter json)
        {
            json.RawJsonList(name, documents);
        }
    };

    private static void WriteDecision(IResponseWriter w, DecisionRecord d)
    {
        w.String("time", d.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        w.String("requestId", d.RequestId);
        w.String("principal", d.Principal);
        w.String("action", d.Action);
        w.String("resource", d.Resource);
        w.String("decision", d.Decision.ToString());
        w.String("decidedBy", d.DecidingPolicyType.ToString());
        w.StringList("statements", "statement", d.DecidingStatements, emitEmpty: true);
        w.Bool("refused", d.Refused);
        w.String("message", d.Message);
        w.StringList("explanation", "step", d.Explanation, emitEmpty: true);
    }
}
