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

    /// <param name="storeRoundTrips">With a shared PostgreSQL store: the queue store's database round trips so far
    /// (GetStatus reports them; bench/README.md divides them by the messages moved).</param>
    public static ServiceModule Create(Authorizer authorizer, SqsService sqs, GatehouseOptions options, TimeProvider time, IdentityRegistry? identity = null,
        Func<long>? storeRoundTrips = null)
    {
        var startedAt = time.GetTimestamp();
        IEnumerable<Services.Identity.AuthorizationQuery> Permission(ActionContext c, string action) =>
            [c.Query("gatehouse:" + action, $"arn:aws:gatehouse:{c.Region}:{options.AccountId}:server", options.AccountId)];
        ActionSpec Action(string name, Func<ActionContext, IRequestReader, Action<IResponseWriter>> write) =>
            ActionSpec.Define<IRequestReader>(name, ["gatehouse:" + name], r => r, (c, _) => Permission(c, name),
                (c, r) => Task.FromResult<Action<IResponseWriter>?>(write(c, r)));
        ActionSpec AsyncAction(string name, Func<ActionContext, IRequestReader, Task<Action<IResponseWriter>?>> write) =>
            ActionSpec.Define<IRequestReader>(name, ["gatehouse:" + name], r => r, (c, _) => Permission(c, name), write);
        // Reset is for the management account's root user alone, whatever identity policies allow: the server's own
        // resource policy says so, so the one authorizer decides it and the decision log records it.
        var resetPolicy = $$$$"""
            {"Version":"2012-10-17","Statement":[{"Sid":"OnlyTheManagementAccountRootUser","Effect":"Deny","Principal":"*",
              "Action":"gatehouse:Reset","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::{{{{options.AccountId}}}}:root"}}}]}
            """;
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
                if (storeRoundTrips is not null)
                {
                    w.String("node", sqs.NodeId);
                    w.Number("storeRoundTrips", storeRoundTrips());
                }

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
            AsyncAction("ListQueueStats", async (c, r) =>
            {
                var stats = new List<QueueStats>();
                foreach (var q in sqs.AllQueues())
                {
                    stats.Add(await sqs.StatsAsync(q, c.Aborted));
                }

                return w => w.List("queues", "queue", stats, WriteStats, emitEmpty: true);
            }),
            AsyncAction("PeekMessages", async (c, r) =>
            {
                var queue = FindQueue(sqs, r, c, options);
                var max = Math.Clamp(r.GetInt("max") ?? 10, 1, 1000);
                var stats = await sqs.StatsAsync(queue, c.Aborted);
                var messages = await sqs.PeekAsync(queue, max, c.Aborted);
                return w =>
                {
                    WriteStats(w, stats);
                    w.List("messages", "message", messages, WritePeeked, emitEmpty: true);
                };
            }),
            AsyncAction("Reset", async (c, _) =>
            {
                // Test setting, opt-in (--allow-reset), and for the management account's root user only
                // (docs/operations.md, "Resetting a running server").
                if (!options.AllowReset)
                {
                    throw new AwsErrorException(new AwsError("com.amazon.coral.service#InvalidActionException", "InvalidAction", 400,
                        "Reset is off: start the server with --allow-reset (GATEHOUSE_ALLOW_RESET=true) to allow it."));
                }

                if (!HttpMethods.IsPost(c.Http.Request.Method))
                {
                    throw new AwsErrorException(new AwsError("com.amazon.coral.service#InvalidActionException", "InvalidAction", 400,
                        "Reset must be a POST."));
                }

                var deleted = await sqs.ResetAsync(c.Aborted);
                return w => w.Number("deletedQueues", deleted);
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
        actions = [.. actions.Select(a => a.Name != "Reset" ? a : a with
        {
            Authorize = (c, _) => [c.Query("gatehouse:Reset", $"arn:aws:gatehouse:{c.Region}:{options.AccountId}:server", options.AccountId, resetPolicy)],
        })];
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
                ["queues"] = "ListQueueStats",
                ["peek"] = "PeekMessages",
                ["reset"] = "Reset",
                ["decision"] = "GetDecision",
                ["history"] = "QueryDecisions",
                ["troubleshoot"] = "Troubleshoot",
                ["lint"] = "LintPolicies",
                ["suggest-policy"] = "SuggestPolicy",
            },
            Actions = actions.ToDictionary(a => a.Name, StringComparer.Ordinal),
        };
    }

    /// <summary>The queue <c>?queue=</c> names: a queue URL, or a name in <c>?account=</c> (default the management
    /// account) and the request's region (or <c>?region=</c>).</summary>
    private static QueueRecord FindQueue(SqsService sqs, IRequestReader r, ActionContext c, GatehouseOptions options)
    {
        var text = r.GetString("queue") ?? throw new AwsErrorException(CommonErrors.MissingParameter("queue"));
        var caller = new SqsCaller(r.GetString("account") ?? options.AccountId, r.GetString("region") ?? c.Region, "", "", false);
        var (account, name) = SqsService.ParseQueueUrl(caller, text);
        return (name is null ? null : sqs.Find(account, caller.Region, name))
            ?? throw new AwsErrorException(new AwsError("com.amazonaws.sqs#QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400,
                $"No queue {text} in account {account}, region {caller.Region}."));
    }

    private static void WriteStats(IResponseWriter w, QueueStats s)
    {
        w.String("account", s.Queue.AccountId);
        w.String("region", s.Queue.Region);
        w.String("name", s.Queue.Name);
        w.Number("visible", s.Visible);
        w.Number("inFlight", s.InFlight);
        w.Number("delayed", s.Delayed);
        w.Number("oldestAgeSeconds", s.OldestAgeSeconds);
    }

    private static void WritePeeked(IResponseWriter w, PeekView m)
    {
        w.String("messageId", m.Message.MessageId);
        w.String("state", m.State);
        w.String("sent", DateTimeOffset.FromUnixTimeMilliseconds(m.Message.SentMs).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        w.String("visibleAt", DateTimeOffset.FromUnixTimeMilliseconds(m.VisibleAtMs).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        w.Number("receiveCount", m.Message.ReceiveCount);
        w.String("messageGroupId", m.Message.MessageGroupId);
        w.String("senderId", m.Message.SenderId);
        w.String("messageDeduplicationId", m.Message.DeduplicationId);
        w.String("sequenceNumber", m.Message.SequenceNumber > 0 ? m.Message.SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        w.String("awsTraceHeader", m.Message.AwsTraceHeader);
        w.String("deadLetterQueueSourceArn", m.Message.DeadLetterQueueSourceArn);
        w.String("body", m.Message.Body);
        // Message attributes as SQS returns them: a data type and a string or base64 binary value (lists as lists).
        w.Map("messageAttributes", "attribute", "name", "value", m.Message.Attributes.Count == 0 ? null : m.Message.Attributes, (x, v) =>
        {
            x.String("dataType", v.DataType);
            x.String("stringValue", v.StringValue);
            x.Blob("binaryValue", v.BinaryValue);
            x.StringList("stringListValues", "value", v.StringListValues);
        });
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
