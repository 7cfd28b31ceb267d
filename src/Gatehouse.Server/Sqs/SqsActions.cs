using Gatehouse.Protocol;
using Gatehouse.Services.Sqs;
using static Gatehouse.Server.Sqs.SqsCodec;

namespace Gatehouse.Server.Sqs;

/// <summary>The 23 SQS actions: how each is read, authorized, handled and written.</summary>
internal static class SqsActions
{
    private static readonly Task<Action<IResponseWriter>?> NoOutput = Task.FromResult<Action<IResponseWriter>?>(null);

    private static Action<IResponseWriter>? Output(Action<IResponseWriter> write) => write;

    public static readonly IReadOnlyDictionary<string, SqsAction> All = new[]
    {
        SqsAction.Define("CreateQueue", "sqs:CreateQueue",
            r => new CreateQueueRequest(r.GetString("QueueName"), r.GetStringMap("Attributes", "Attribute", "Name", "Value"), r.GetStringMap("tags", "Tag", "Key", "Value")),
            async (c, q) =>
            {
                var result = await c.Service.CreateQueueAsync(c.Caller, q, c.Aborted);
                return Output(w => w.String("QueueUrl", result.QueueUrl));
            },
            accountLevel: true),
        SqsAction.Define("GetQueueUrl", "sqs:GetQueueUrl",
            r => new GetQueueUrlRequest(r.GetString("QueueName"), r.GetString("QueueOwnerAWSAccountId")),
            (c, q) =>
            {
                var result = c.Service.GetQueueUrl(c.Caller, q);
                return Task.FromResult(Output(w => w.String("QueueUrl", result.QueueUrl)));
            },
            accountLevel: true),
        SqsAction.Define("ListQueues", "sqs:ListQueues",
            r => new ListQueuesRequest(r.GetString("QueueNamePrefix"), r.GetString("NextToken"), r.GetInt("MaxResults")),
            (c, q) =>
            {
                var result = c.Service.ListQueues(c.Caller, q);
                return Task.FromResult(Output(w =>
                {
                    w.StringList("QueueUrls", "QueueUrl", result.QueueUrls);
                    w.String("NextToken", result.NextToken);
                }));
            },
            accountLevel: true),
        SqsAction.Define("DeleteQueue", "sqs:DeleteQueue",
            r => new QueueUrlRequest(r.GetString("QueueUrl")),
            async (c, q) =>
            {
                await c.Service.DeleteQueueAsync(c.Caller, c.Queue(q.QueueUrl), c.Aborted);
                return null;
            }),
        SqsAction.Define("GetQueueAttributes", "sqs:GetQueueAttributes",
            r => new GetQueueAttributesRequest(r.GetString("QueueUrl"), r.GetStringList("AttributeNames", "AttributeName")),
            async (c, q) =>
            {
                var result = await c.Service.GetQueueAttributesAsync(c.Queue(q.QueueUrl), q.AttributeNames, c.Aborted);
                return Output(w => w.StringMap("Attributes", "Attribute", "Name", "Value", result.Attributes.Count == 0 ? null : result.Attributes));
            }),
        SqsAction.Define("SetQueueAttributes", "sqs:SetQueueAttributes",
            r => new SetQueueAttributesRequest(r.GetString("QueueUrl"), r.GetStringMap("Attributes", "Attribute", "Name", "Value")),
            async (c, q) =>
            {
                await c.Service.SetQueueAttributesAsync(c.Caller, c.Queue(q.QueueUrl), q.Attributes, c.Aborted);
                return null;
            }),
        SqsAction.Define("SendMessage", "sqs:SendMessage",
            r => new SendMessageRequest(
                r.GetString("QueueUrl"),
                r.GetString("MessageBody"),
                r.GetInt("DelaySeconds"),
                MessageAttributes(r, "MessageAttributes", "MessageAttribute"),
                MessageAttributes(r, "MessageSystemAttributes", "MessageSystemAttribute"),
                r.GetString("MessageDeduplicationId"),
                r.GetString("MessageGroupId")),
            async (c, q) =>
            {
                var trace = c.Http.Request.Headers["X-Amzn-Trace-Id"].FirstOrDefault();
                var result = await c.Service.SendMessageAsync(c.Caller, c.Queue(q.QueueUrl), q, trace, c.Aborted);
                return Output(w =>
                {
                    // Element order as in a captured real response (a response recorded from AWS).
                    w.String("MessageId", result.MessageId);
                    w.String("MD5OfMessageBody", result.MD5OfMessageBody);
                    w.String("MD5OfMessageAttributes", result.MD5OfMessageAttributes);
                    w.String("MD5OfMessageSystemAttributes", result.MD5OfMessageSystemAttributes);
                    w.String("SequenceNumber", result.SequenceNumber);
                });
            }),
        SqsAction.Define("SendMessageBatch", "sqs:SendMessage",
            r => new SendMessageBatchRequest(
                r.GetString("QueueUrl"),
                r.GetList("Entries", "SendMessageBatchRequestEntry")?.Select(e => new SendMessageBatchEntry(
                    e.GetString("Id"),
                    e.GetString("MessageBody"),
                    e.GetInt("DelaySeconds"),
                    MessageAttributes(e, "MessageAttributes", "MessageAttribute"),
                    MessageAttributes(e, "MessageSystemAttributes", "MessageSystemAttribute"),
                    e.GetString("MessageDeduplicationId"),
                    e.GetString("MessageGroupId"))).ToList()),
            async (c, q) =>
            {
                var result = await c.Service.SendMessageBatchAsync(c.Caller, c.Queue(q.QueueUrl), q, c.Aborted);
                return Output(w =>
                {
                    w.List("Successful", "SendMessageBatchResultEntry", result.Successful, (x, e) =>
                    {
                        x.String("Id", e.Id);
                        x.String("MessageId", e.MessageId);
                        x.String("MD5OfMessageBody", e.MD5OfMessageBody);
                        x.String("MD5OfMessageAttributes", e.MD5OfMessageAttributes);
                        x.String("MD5OfMessageSystemAttributes", e.MD5OfMessageSystemAttributes);
                        x.String("SequenceNumber", e.SequenceNumber);
                    });
                    w.List("Failed", "BatchResultErrorEntry", result.Failed, WriteBatchError); // empty lists left out, see WriteBatchIds
                });
            }),
        SqsAction.Define("ReceiveMessage", "sqs:ReceiveMessage",
            r => new ReceiveMessageRequest(
                r.GetString("QueueUrl"),
                r.GetStringList("AttributeNames", "AttributeName"),
                r.GetStringList("MessageSystemAttributeNames", "MessageSystemAttributeName"),
                r.GetStringList("MessageAttributeNames", "MessageAttributeName"),
                r.GetInt("MaxNumberOfMessages"),
                r.GetInt("VisibilityTimeout"),
                r.GetInt("WaitTimeSeconds"),
                r.GetString("ReceiveRequestAttemptId")),
            async (c, q) =>
            {
                var result = await c.Service.ReceiveMessageAsync(c.Queue(q.QueueUrl), q, c.Aborted);
                return Output(w => w.List("Messages", "Message", result.Messages, WriteMessage));
            }),
        SqsAction.Define("DeleteMessage", "sqs:DeleteMessage",
            r => new DeleteMessageRequest(r.GetString("QueueUrl"), r.GetString("ReceiptHandle")),
            async (c, q) =>
            {
                await c.Service.DeleteMessageAsync(c.Queue(q.QueueUrl), q.ReceiptHandle, c.Aborted);
                return null;
            }),
        SqsAction.Define("DeleteMessageBatch", "sqs:DeleteMessage",
            r => new DeleteMessageBatchRequest(
                r.GetString("QueueUrl"),
                r.GetList("Entries", "DeleteMessageBatchRequestEntry")?.Select(e => new DeleteMessageBatchEntry(e.GetString("Id"), e.GetString("ReceiptHandle"))).ToList()),
            async (c, q) =>
            {
                var result = await c.Service.DeleteMessageBatchAsync(c.Queue(q.QueueUrl), q, c.Aborted);
                return Output(w => WriteBatchIds(w, result, "DeleteMessageBatchResultEntry"));
            }),
        SqsAction.Define("ChangeMessageVisibility", "sqs:ChangeMessageVisibility",
            r => new ChangeMessageVisibilityRequest(r.GetString("QueueUrl"), r.GetString("ReceiptHandle"), r.GetInt("VisibilityTimeout")),
            async (c, q) =>
            {
                await c.Service.ChangeMessageVisibilityAsync(c.Queue(q.QueueUrl), q, c.Aborted);
                return null;
            }),
        SqsAction.Define("ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility",
            r => new ChangeMessageVisibilityBatchRequest(
                r.GetString("QueueUrl"),
                r.GetList("Entries", "ChangeMessageVisibilityBatchRequestEntry")?.Select(e => new ChangeMessageVisibilityBatchEntry(
                    e.GetString("Id"), e.GetString("ReceiptHandle"), e.GetInt("VisibilityTimeout"))).ToList()),
            async (c, q) =>
            {
                var result = await c.Service.ChangeMessageVisibilityBatchAsync(c.Queue(q.QueueUrl), q, c.Aborted);
                return Output(w => WriteBatchIds(w, result, "ChangeMessageVisibilityBatchResultEntry"));
            }),
        SqsAction.Define("PurgeQueue", "sqs:PurgeQueue",
            r => new QueueUrlRequest(r.GetString("QueueUrl")),
            async (c, q) =>
            {
                await c.Service.PurgeQueueAsync(c.Queue(q.QueueUrl), c.Aborted);
                return null;
            }),
        SqsAction.Define("TagQueue", "sqs:TagQueue",
            r => new TagQueueRequest(r.GetString("QueueUrl"), r.GetStringMap("Tags", "Tag", "Key", "Value")),
            async (c, q) =>
            {
                await c.Service.TagQueueAsync(c.Queue(q.QueueUrl), q.Tags, c.Aborted);
                return null;
            }),
        SqsAction.Define("UntagQueue", "sqs:UntagQueue",
            r => new UntagQueueRequest(r.GetString("QueueUrl"), r.GetStringList("TagKeys", "TagKey")),
            async (c, q) =>
            {
                await c.Service.UntagQueueAsync(c.Queue(q.QueueUrl), q.TagKeys, c.Aborted);
                return null;
            }),
        SqsAction.Define("ListQueueTags", "sqs:ListQueueTags",
            r => new QueueUrlRequest(r.GetString("QueueUrl")),
            (c, q) =>
            {
                var result = SqsService.ListQueueTags(c.Queue(q.QueueUrl));
                return Task.FromResult(Output(w => w.StringMap("Tags", "Tag", "Key", "Value", result.Tags.Count == 0 ? null : result.Tags)));
            }),
        SqsAction.Define("ListDeadLetterSourceQueues", "sqs:ListDeadLetterSourceQueues",
            r => new ListDeadLetterSourceQueuesRequest(r.GetString("QueueUrl"), r.GetString("NextToken"), r.GetInt("MaxResults")),
            (c, q) =>
            {
                var result = c.Service.ListDeadLetterSourceQueues(c.Caller, c.Queue(q.QueueUrl), q);
                return Task.FromResult(Output(w =>
                {
                    w.StringList("queueUrls", "QueueUrl", result.QueueUrls, emitEmpty: true);
                    w.String("NextToken", result.NextToken);
                }));
            }),
        SqsAction.Define("AddPermission", "sqs:AddPermission",
            r => new AddPermissionRequest(r.GetString("QueueUrl"), r.GetString("Label"), r.GetStringList("AWSAccountIds", "AWSAccountId"), r.GetStringList("Actions", "ActionName")),
            async (c, q) =>
            {
                await c.Service.AddPermissionAsync(c.Queue(q.QueueUrl), q, c.Aborted);
                return null;
            }),
        SqsAction.Define("RemovePermission", "sqs:RemovePermission",
            r => new RemovePermissionRequest(r.GetString("QueueUrl"), r.GetString("Label")),
            async (c, q) =>
            {
                await c.Service.RemovePermissionAsync(c.Queue(q.QueueUrl), q, c.Aborted);
                return null;
            }),
        SqsAction.Define("StartMessageMoveTask", "sqs:StartMessageMoveTask",
            r => new StartMessageMoveTaskRequest(r.GetString("SourceArn"), r.GetString("DestinationArn"), r.GetInt("MaxNumberOfMessagesPerSecond")),
            async (c, q) =>
            {
                var result = await c.Service.StartMessageMoveTaskAsync(q, c.Aborted);
                return Output(w => w.String("TaskHandle", result.TaskHandle));
            },
            accountLevel: true),
        SqsAction.Define("CancelMessageMoveTask", "sqs:CancelMessageMoveTask",
            r => new CancelMessageMoveTaskRequest(r.GetString("TaskHandle")),
            async (c, q) =>
            {
                var result = await c.Service.CancelMessageMoveTaskAsync(q, c.Aborted);
                return Output(w => w.Number("ApproximateNumberOfMessagesMoved", result.ApproximateNumberOfMessagesMoved));
            },
            accountLevel: true),
        SqsAction.Define("ListMessageMoveTasks", "sqs:ListMessageMoveTasks",
            r => new ListMessageMoveTasksRequest(r.GetString("SourceArn"), r.GetInt("MaxResults")),
            async (c, q) =>
            {
                var result = await c.Service.ListMessageMoveTasksAsync(q, c.Aborted);
                return Output(w => w.List("Results", "ListMessageMoveTasksResultEntry", result.Results, (x, e) =>
                {
                    x.String("TaskHandle", e.TaskHandle);
                    x.String("Status", e.Status);
                    x.String("SourceArn", e.SourceArn);
                    x.String("DestinationArn", e.DestinationArn);
                    x.Number("MaxNumberOfMessagesPerSecond", e.MaxNumberOfMessagesPerSecond);
                    x.Number("ApproximateNumberOfMessagesMoved", e.ApproximateNumberOfMessagesMoved);
                    x.Number("ApproximateNumberOfMessagesToMove", e.ApproximateNumberOfMessagesToMove);
                    x.String("FailureReason", e.FailureReason);
                    x.Number("StartedTimestamp", e.StartedTimestamp);
                }, emitEmpty: true));
            },
            accountLevel: true),
    }.ToDictionary(a => a.Name, StringComparer.Ordinal);
}
