using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.Admin;

/// <summary>
/// The policy checks of <c>gatehouse lint</c>, run when a policy is stored (an IAM policy put or created, a queue
/// policy set): findings are logged as warnings and never fail the request, since AWS stores these policies.
/// </summary>
internal static class PolicyStoreLinting
{
    private static readonly HashSet<string> IamPolicyActions = new(StringComparer.Ordinal)
    {
        "PutUserPolicy", "PutRolePolicy", "PutGroupPolicy", "CreatePolicy", "CreatePolicyVersion",
    };

    /// <summary>Wraps the handlers of the actions that store policies, in modules whose catalogue can be changed.</summary>
    public static void Attach(ServiceModule module, ILogger log)
    {
        if (module.Actions is not Dictionary<string, ActionSpec> actions)
        {
            return;
        }

        foreach (var (name, spec) in actions.ToList())
        {
            Func<object, (string Json, PolicyKind Kind)?>? policyOf = (module.Name, name) switch
            {
                ("iam", _) when IamPolicyActions.Contains(name) => r => r is IRequestReader q && q.GetString("PolicyDocument") is { } json ? (json, PolicyKind.Identity) : null,
                ("sqs", "SetQueueAttributes") => r => r is SetQueueAttributesRequest s ? QueuePolicy(s.Attributes) : null,
                ("sqs", "CreateQueue") => r => r is CreateQueueRequest c ? QueuePolicy(c.Attributes) : null,
                _ => null,
            };
            if (policyOf is null)
            {
                continue;
            }

            var handle = spec.Handle;
            actions[name] = spec with
            {
                Handle = async (c, request) =>
                {
                    var result = await handle(c, request);
                    if (policyOf(request) is { } policy)
                    {
                        Warn(log, c, name, policy.Json, policy.Kind);
                    }

                    return result;
                },
            };
        }
    }

    private static (string, PolicyKind)? QueuePolicy(IReadOnlyList<KeyValuePair<string, string>>? attributes) =>
        attributes?.FirstOrDefault(a => a.Key == QueueAttributeNames.Policy).Value is { Length: > 0 } json ? (json, PolicyKind.QueuePolicy) : null;

    private static void Warn(ILogger log, ActionContext c, string action, string json, PolicyKind kind)
    {
        var parsed = PolicyDocument.Parse(kind == PolicyKind.QueuePolicy ? PolicyDocument.WithDefaultQueuePolicyVersion(json) : json, kind);
        if (parsed.Document is null)
        {
            return;
        }

        foreach (var f in PolicyLinter.Lint(parsed.Document))
        {
            log.LogWarning("Policy check ({Action} by {Caller}): {Severity} {Code} at {Path}: {Message} Fix: {Fix}",
                action, c.Caller.Arn, f.Severity, f.Code, f.Path, f.Message, f.Fix);
        }
    }
}
