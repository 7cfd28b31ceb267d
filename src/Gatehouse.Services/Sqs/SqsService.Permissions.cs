using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

public sealed partial class SqsService
{
    private const int MaxActionsPerPermission = 7;

    /// <summary>SQS actions AddPermission accepts (the model's list; <c>*</c> too).</summary>
    private static readonly HashSet<string> PermissionActions = new(StringComparer.Ordinal)
    {
        "*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl",
        "ListDeadLetterSourceQueues", "PurgeQueue", "ListQueueTags", "ListMessageMoveTasks", "StartMessageMoveTask",
        "CancelMessageMoveTask",
    };

    /// <summary>SQS actions that exist but AddPermission does not grant: only the queue owner calls them.</summary>
    private static readonly HashSet<string> OwnerOnlyActions = new(StringComparer.Ordinal)
    {
        "AddPermission", "RemovePermission", "CreateQueue", "DeleteQueue", "SetQueueAttributes", "ListQueues", "TagQueue", "UntagQueue",
    };

    /// <summary>AddPermission's reason for an action only the queue owner may call; the value is named with the
    /// <c>SQS:</c> prefix ("Value SQS:RemovePermission for parameter ActionName is invalid. Reason: …").
    /// Confidence: high — the same text and prefix in every independent recording we have.</summary>
    public const string AddPermissionOwnerOnlyReason = "Only the queue owner is allowed to invoke this action.";

    /// <summary>AddPermission's reason for an action name SQS does not know (a batch name such as
    /// <c>SendMessageBatch</c>, a typo), also named with the <c>SQS:</c> prefix. Confidence: medium — AWS gave this
    /// text, with the prefix, for <c>SQS:ChangeMessageVisibilityBatch</c> in a queue policy, and emulators tested
    /// against AWS use it for AddPermission; no AWS response to AddPermission itself has been recorded here.</summary>
    public const string AddPermissionUnknownActionReason = "Please refer to the appropriate WSDL for a list of valid actions.";

    /// <summary>Adds one statement, named by its label, to the queue's policy, as SQS writes it (SQS API Reference, AddPermission).</summary>
    public async Task AddPermissionAsync(QueueRecord queue, AddPermissionRequest r, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(r.Label))
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("Label"));
        }

        if (r.AWSAccountIds is not { Count: > 0 })
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("AWSAccountId.1"));
        }

        if (r.Actions is not { Count: > 0 })
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("ActionName.1"));
        }

        if (r.Label.Length > 80 || !r.Label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(r.Label, "Label",
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"));
        }

        if (r.Actions.Count > MaxActionsPerPermission)
        {
            throw new AwsErrorException(SqsErrors.OverLimit(
                $"{r.Actions.Count} Actions were found, maximum allowed is {MaxActionsPerPermission}."));
        }

        foreach (var action in r.Actions)
        {
            if (!PermissionActions.Contains(action))
            {
                throw new AwsErrorException(SqsErrors.InvalidValue("SQS:" + action, "ActionName",
                    OwnerOnlyActions.Contains(action) ? AddPermissionOwnerOnlyReason : AddPermissionUnknownActionReason));
            }
        }

        foreach (var account in r.AWSAccountIds)
        {
            if (account.Length != 12 || !account.All(char.IsAsciiDigit))
            {
                throw new AwsErrorException(SqsErrors.InvalidValue(account, "AWSAccountId", "Unable to verify that the given account exists."));
            }
        }

        var policy = LoadPolicy(queue);
        var statements = policy["Statement"]!.AsArray();
        if (statements.Any(s => s?["Sid"]?.GetValue<string>() == r.Label))
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(r.Label, "Label", "Already exists."));
        }

        JsonNode principal = r.AWSAccountIds.Count == 1
            ? JsonValue.Create($"arn:aws:iam::{r.AWSAccountIds[0]}:root")
            : new JsonArray([.. r.AWSAccountIds.Select(a => (JsonNode?)JsonValue.Create($"arn:aws:iam::{a}:root"))]);
        JsonNode actions = r.Actions.Count == 1
            ? JsonValue.Create("SQS:" + r.Actions[0])
            : new JsonArray([.. r.Actions.Select(a => (JsonNode?)JsonValue.Create("SQS:" + a))]);
        statements.Add(new JsonObject
        {
            ["Sid"] = r.Label,
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["AWS"] = principal },
            ["Action"] = actions,
            ["Resource"] = queue.Arn,
        });
        await SavePolicyAsync(queue, policy, ct);
    }

    public async Task RemovePermissionAsync(QueueRecord queue, RemovePermissionRequest r, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(r.Label))
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("Label"));
        }

        var policy = LoadPolicy(queue);
        var statements = policy["Statement"]!.AsArray();
        var match = statements.FirstOrDefault(s => s?["Sid"]?.GetValue<string>() == r.Label)
            ?? throw new AwsErrorException(SqsErrors.InvalidValue(r.Label, "Label", "can't find label."));
        statements.Remove(match);
        await SavePolicyAsync(queue, statements.Count == 0 ? null : policy, ct);
    }

    private static JsonObject LoadPolicy(QueueRecord queue)
    {
        if (queue.Attributes.TryGetValue(QueueAttributeNames.Policy, out var text)
            && JsonNode.Parse(text) is JsonObject existing)
        {
            if (existing["Statement"] is JsonObject single)
            {
                existing["Statement"] = new JsonArray(single.DeepClone());
            }
            else if (existing["Statement"] is not JsonArray)
            {
                existing["Statement"] = new JsonArray();
            }

            return existing;
        }

        return new JsonObject
        {
            ["Version"] = "2008-10-17",
            ["Id"] = queue.Arn + "/SQSDefaultPolicy",
            ["Statement"] = new JsonArray(),
        };
    }

    private async Task SavePolicyAsync(QueueRecord queue, JsonObject? policy, CancellationToken ct)
    {
        var attributes = policy is null
            ? queue.Attributes.Remove(QueueAttributeNames.Policy)
            : queue.Attributes.SetItem(QueueAttributeNames.Policy, policy.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        await SaveAsync(queue with { Attributes = attributes, LastModifiedTimestamp = NowSeconds }, ct);
    }

    private static string Invariant(long n) => n.ToString(CultureInfo.InvariantCulture);
}
