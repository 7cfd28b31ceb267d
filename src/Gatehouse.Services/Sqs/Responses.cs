namespace Gatehouse.Services.Sqs;

// One response record per SQS action with output (design rule 1, docs/architecture.md).
public sealed record QueueUrlResponse(string QueueUrl);

public sealed record ListQueuesResponse(IReadOnlyList<string> QueueUrls, string? NextToken);

public sealed record GetQueueAttributesResponse(IReadOnlyList<KeyValuePair<string, string>> Attributes);

public sealed record SendMessageResponse(
    string MessageId,
    string MD5OfMessageBody,
    string? MD5OfMessageAttributes,
    string? MD5OfMessageSystemAttributes,
    string? SequenceNumber);

public sealed record SendMessageBatchResultEntry(
    string Id,
    string MessageId,
    string MD5OfMessageBody,
    string? MD5OfMessageAttributes,
    string? MD5OfMessageSystemAttributes,
    string? SequenceNumber);

public sealed record BatchResultErrorEntry(string Id, bool SenderFault, string Code, string? Message);

public sealed record SendMessageBatchResponse(IReadOnlyList<SendMessageBatchResultEntry> Successful, IReadOnlyList<BatchResultErrorEntry> Failed);

public sealed record BatchIdsResponse(IReadOnlyList<string> Successful, IReadOnlyList<BatchResultErrorEntry> Failed);

public sealed record ReceivedMessage(
    string MessageId,
    string ReceiptHandle,
    string MD5OfBody,
    string Body,
    IReadOnlyList<KeyValuePair<string, string>> Attributes,
    string? MD5OfMessageAttributes,
    IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> MessageAttributes);

public sealed record ReceiveMessageResponse(IReadOnlyList<ReceivedMessage> Messages);

public sealed record ListQueueTagsResponse(IReadOnlyList<KeyValuePair<string, string>> Tags);

public sealed record ListDeadLetterSourceQueuesResponse(IReadOnlyList<string> QueueUrls, string? NextToken);

public sealed record StartMessageMoveTaskResponse(string TaskHandle);

public sealed record CancelMessageMoveTaskResponse(long ApproximateNumberOfMessagesMoved);

public sealed record MessageMoveTaskEntry(
    string? TaskHandle,
    string Status,
    string SourceArn,
    string? DestinationArn,
    int? MaxNumberOfMessagesPerSecond,
    long ApproximateNumberOfMessagesMoved,
    long ApproximateNumberOfMessagesToMove,
    string? FailureReason,
    long StartedTimestamp);

public sealed record ListMessageMoveTasksResponse(IReadOnlyList<MessageMoveTaskEntry> Results);

/// <summary>Who is calling and how: the account and region whose queues a request addresses, the SenderId to
/// stamp on messages, the URL base queue URLs are built from, and which protocol's texts to use.</summary>
public sealed record SqsCaller(string AccountId, string Region, string SenderId, string UrlBase, bool QueryProtocol)
{
    /// <summary>On an SSE-KMS queue, the data key the authorization step obtained for this producer.</summary>
    public SseDataKey? DataKey { get; init; }
}
