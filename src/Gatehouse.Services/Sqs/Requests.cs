using Attributes = System.Collections.Generic.IReadOnlyList<System.Collections.Generic.KeyValuePair<string, Gatehouse.Services.Sqs.MessageAttributeValue>>;
using StringPairs = System.Collections.Generic.IReadOnlyList<System.Collections.Generic.KeyValuePair<string, string>>;

// One request record per SQS action (design rule 1, docs/architecture.md); both wire codecs build these. Member names follow the model.
namespace Gatehouse.Services.Sqs;

public sealed record CreateQueueRequest(string? QueueName, StringPairs? Attributes, StringPairs? Tags);

public sealed record GetQueueUrlRequest(string? QueueName, string? QueueOwnerAWSAccountId);

public sealed record ListQueuesRequest(string? QueueNamePrefix, string? NextToken, int? MaxResults);

public sealed record QueueUrlRequest(string? QueueUrl);

public sealed record GetQueueAttributesRequest(string? QueueUrl, IReadOnlyList<string>? AttributeNames);

public sealed record SetQueueAttributesRequest(string? QueueUrl, StringPairs? Attributes);

public sealed record SendMessageRequest(
    string? QueueUrl,
    string? MessageBody,
    int? DelaySeconds,
    Attributes? MessageAttributes,
    Attributes? MessageSystemAttributes,
    string? MessageDeduplicationId,
    string? MessageGroupId);

public sealed record SendMessageBatchEntry(
    string? Id,
    string? MessageBody,
    int? DelaySeconds,
    Attributes? MessageAttributes,
    Attributes? MessageSystemAttributes,
    string? MessageDeduplicationId,
    string? MessageGroupId);

public sealed record SendMessageBatchRequest(string? QueueUrl, IReadOnlyList<SendMessageBatchEntry>? Entries);

public sealed record ReceiveMessageRequest(
    string? QueueUrl,
    IReadOnlyList<string>? AttributeNames,
    IReadOnlyList<string>? MessageSystemAttributeNames,
    IReadOnlyList<string>? MessageAttributeNames,
    int? MaxNumberOfMessages,
    int? VisibilityTimeout,
    int? WaitTimeSeconds,
    string? ReceiveRequestAttemptId);

public sealed record DeleteMessageRequest(string? QueueUrl, string? ReceiptHandle);

public sealed record DeleteMessageBatchEntry(string? Id, string? ReceiptHandle);

public sealed record DeleteMessageBatchRequest(string? QueueUrl, IReadOnlyList<DeleteMessageBatchEntry>? Entries);

public sealed record ChangeMessageVisibilityRequest(string? QueueUrl, string? ReceiptHandle, int? VisibilityTimeout);

public sealed record ChangeMessageVisibilityBatchEntry(string? Id, string? ReceiptHandle, int? VisibilityTimeout);

public sealed record ChangeMessageVisibilityBatchRequest(string? QueueUrl, IReadOnlyList<ChangeMessageVisibilityBatchEntry>? Entries);

public sealed record TagQueueRequest(string? QueueUrl, StringPairs? Tags);

public sealed record UntagQueueRequest(string? QueueUrl, IReadOnlyList<string>? TagKeys);

public sealed record ListDeadLetterSourceQueuesRequest(string? QueueUrl, string? NextToken, int? MaxResults);

public sealed record AddPermissionRequest(string? QueueUrl, string? Label, IReadOnlyList<string>? AWSAccountIds, IReadOnlyList<string>? Actions);

public sealed record RemovePermissionRequest(string? QueueUrl, string? Label);

public sealed record StartMessageMoveTaskRequest(string? SourceArn, string? DestinationArn, int? MaxNumberOfMessagesPerSecond);

public sealed record CancelMessageMoveTaskRequest(string? TaskHandle);

public sealed record ListMessageMoveTasksRequest(string? SourceArn, int? MaxResults);
