using Gatehouse.Protocol;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.Sqs;

/// <summary>
/// Step 4 for SQS: which IAM action(s), on which resource, with which request context each SQS action is
/// authorized as (SQS Developer Guide, "Amazon SQS API permissions: Actions and resource reference"), asked of
/// the one authorizer before the handler runs.
/// </summary>
internal static class SqsAuthorization
{
    /// <summary>
    /// Not confirmed by AWS's documentation: for a queue that does not exist, authorization runs first, so a caller without permission gets
    /// AccessDenied rather than learning that the queue is missing; a permitted caller gets NonExistentQueue. No
    /// capture from AWS settles it; the analogous Lambda case behaves this way.
    /// </summary>
    public const bool AuthorizeBeforeQueueExistence = true;

    /// <summary>
    /// GetQueueUrl hides existence: a caller refused sqs:GetQueueUrl gets NonExistentQueue with "…does not exist or
    /// you do not have access to it." (seen in responses of SQS's Query protocol that users published, 2018–2020).
    /// </summary>
    public const bool GetQueueUrlHidesDenial = true;

    public const string NonExistentOrNoAccessMessage = "The specified queue does not exist or you do not have access to it.";

    /// <summary>The error for a refused SQS query: AccessDenied with the authorizer's text, except GetQueueUrl,
    /// which does not reveal whether the queue exists.</summary>
    public static AwsError DeniedError(object request, AuthorizationDecision decision, bool queryProtocol) =>
        GetQueueUrlHidesDenial && request is GetQueueUrlRequest
            ? SqsErrors.QueueDoesNotExist(queryProtocol) with { Message = NonExistentOrNoAccessMessage }
            : CommonErrors.AccessDenied(decision.Message!);

    /// <summary>The authorization queries of one SQS request, in order.</summary>
    public static IEnumerable<AuthorizationQuery> Queries(ActionContext c, SqsService sqs, SqsAction action, object request, SqsCaller caller)
    {
        AuthorizationQuery For(string iamAction, string account, string name, QueueRecord? queue, IReadOnlyDictionary<string, IReadOnlyList<string>>? context = null, bool policyOnly = false) =>
            c.Query(iamAction, $"arn:aws:sqs:{caller.Region}:{account}:{name}", account,
                queue?.Attributes.GetValueOrDefault(QueueAttributeNames.Policy), context, queue?.Tags, policyOnly);

        switch (request)
        {
            case CreateQueueRequest r when !string.IsNullOrEmpty(r.QueueName):
                var existing = sqs.Find(caller.AccountId, caller.Region, r.QueueName);
                yield return For(action.IamAction, caller.AccountId, r.QueueName, existing);
                if (r.Tags is { Count: > 0 } tags)
                {
                    yield return For("sqs:TagQueue", caller.AccountId, r.QueueName, existing, TagContext(tags, [.. tags.Select(t => t.Key)]));
                }

                yield break;
            case GetQueueUrlRequest r when !string.IsNullOrEmpty(r.QueueName):
                var owner = string.IsNullOrEmpty(r.QueueOwnerAWSAccountId) ? caller.AccountId : r.QueueOwnerAWSAccountId;
                yield return For(action.IamAction, owner, r.QueueName, sqs.Find(owner, caller.Region, r.QueueName));
                yield break;
            case ListQueuesRequest:
                // Granted only on "*" or arn:aws:sqs:REGION:ACCOUNT:* (SQS Developer Guide, console permissions): the
                // resource has no queue name.
                yield return For(action.IamAction, caller.AccountId, "", null);
                yield break;
            case StartMessageMoveTaskRequest r:
                if (ArnQueue(sqs, r.SourceArn) is { } source)
                {
                    yield return For(action.IamAction, source.Account, source.Name, source.Queue);
                }

                yield break;
            case ListMessageMoveTasksRequest r:
                if (ArnQueue(sqs, r.SourceArn) is { } listed)
                {
                    yield return For(action.IamAction, listed.Account, listed.Name, listed.Queue);
                }

                yield break;
            case CancelMessageMoveTaskRequest r:
                if (SqsService.ParseTaskHandle(r.TaskHandle) is { } handle && ArnQueue(sqs, handle.SourceArn) is { } cancelled)
                {
                    yield return For(action.IamAction, cancelled.Account, cancelled.Name, cancelled.Queue);
                }

                yield break;
        }

        var url = QueueUrlOf(request);
        if (string.IsNullOrEmpty(url) || SqsService.ParseQueueUrl(caller, url) is not { Name: { } queueName } parsed)
        {
            yield break; // the handler answers MissingParameter / NonExistentQueue
        }

        var queue = sqs.Find(parsed.Account, caller.Region, queueName);
        if (queue is null && !AuthorizeBeforeQueueExistence)
        {
            yield break;
        }

        switch (request)
        {
            case TagQueueRequest t when t.Tags is { } tags:
                yield return For(action.IamAction, parsed.Account, queueName, queue, TagContext(tags, [.. tags.Select(x => x.Key)]));
                break;
            case UntagQueueRequest u when u.TagKeys is { } keys:
                yield return For(action.IamAction, parsed.Account, queueName, queue, TagContext([], keys));
                break;
            case SetQueueAttributesRequest s:
                yield return For(action.IamAction, parsed.Account, queueName, queue,
                    policyOnly: s.Attributes is { Count: > 0 } a && a.All(x => x.Key == QueueAttributeNames.Policy));
                break;
            case GetQueueAttributesRequest g:
                yield return For(action.IamAction, parsed.Account, queueName, queue,
                    policyOnly: g.AttributeNames is { Count: > 0 } n && n.All(x => x == QueueAttributeNames.Policy));
                break;
            case RemovePermissionRequest:
                yield return For(action.IamAction, parsed.Account, queueName, queue, policyOnly: true);
                break;
            default:
                yield return For(action.IamAction, parsed.Account, queueName, queue);
                break;
        }
    }

    private static Dictionary<string, IReadOnlyList<string>> TagContext(IReadOnlyList<KeyValuePair<string, string>> tags, IReadOnlyList<string> keys)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["aws:TagKeys"] = keys };
        foreach (var (k, v) in tags)
        {
            context["aws:RequestTag/" + k] = [v];
        }

        return context;
    }

    internal static string? QueueUrlOf(object request) => request switch
    {
        QueueUrlRequest r => r.QueueUrl,
        GetQueueAttributesRequest r => r.QueueUrl,
        SetQueueAttributesRequest r => r.QueueUrl,
        SendMessageRequest r => r.QueueUrl,
        SendMessageBatchRequest r => r.QueueUrl,
        ReceiveMessageRequest r => r.QueueUrl,
        DeleteMessageRequest r => r.QueueUrl,
        DeleteMessageBatchRequest r => r.QueueUrl,
        ChangeMessageVisibilityRequest r => r.QueueUrl,
        ChangeMessageVisibilityBatchRequest r => r.QueueUrl,
        TagQueueRequest r => r.QueueUrl,
        UntagQueueRequest r => r.QueueUrl,
        ListDeadLetterSourceQueuesRequest r => r.QueueUrl,
        AddPermissionRequest r => r.QueueUrl,
        RemovePermissionRequest r => r.QueueUrl,
        _ => null,
    };

    /// <summary>The queues a request names by URL, name or ARN (account, region, name), whether they exist or not:
    /// what <see cref="SqsService.LearnQueueAsync"/> looks up before authorization reads them.</summary>
    internal static IEnumerable<(string Account, string Region, string Name)> QueuesNamed(object request, SqsCaller caller)
    {
        switch (request)
        {
            case CreateQueueRequest r when !string.IsNullOrEmpty(r.QueueName):
                yield return (caller.AccountId, caller.Region, r.QueueName);
                yield break;
            case GetQueueUrlRequest r when !string.IsNullOrEmpty(r.QueueName):
                yield return (string.IsNullOrEmpty(r.QueueOwnerAWSAccountId) ? caller.AccountId : r.QueueOwnerAWSAccountId, caller.Region, r.QueueName);
                yield break;
            case StartMessageMoveTaskRequest r:
                foreach (var arn in new[] { r.SourceArn, r.DestinationArn })
                {
                    if (SqsService.ParseQueueArn(arn) is { } q)
                    {
                        yield return (q.Account, q.Region, q.Name);
                    }
                }

                yield break;
            case ListMessageMoveTasksRequest r when SqsService.ParseQueueArn(r.SourceArn) is { } listed:
                yield return (listed.Account, listed.Region, listed.Name);
                yield break;
            case CancelMessageMoveTaskRequest r when SqsService.ParseTaskHandle(r.TaskHandle) is { } handle
                && SqsService.ParseQueueArn(handle.SourceArn) is { } cancelled:
                yield return (cancelled.Account, cancelled.Region, cancelled.Name);
                yield break;
        }

        if (QueueUrlOf(request) is { Length: > 0 } url && SqsService.ParseQueueUrl(caller, url) is { Name: { } name } parsed)
        {
            yield return (parsed.Account, caller.Region, name);
        }
    }

    private static (string Account, string Name, QueueRecord? Queue)? ArnQueue(SqsService sqs, string? arn) =>
        SqsService.ParseQueueArn(arn) is { } q ? (q.Account, q.Name, sqs.FindByArn(arn)) : null;
}
