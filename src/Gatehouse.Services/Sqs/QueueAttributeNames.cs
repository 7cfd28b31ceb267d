namespace Gatehouse.Services.Sqs;

/// <summary>Queue attribute names, verbatim from the SQS model.</summary>
public static class QueueAttributeNames
{
    public const string All = "All";
    public const string Policy = "Policy";
    public const string VisibilityTimeout = "VisibilityTimeout";
    public const string MaximumMessageSize = "MaximumMessageSize";
    public const string MessageRetentionPeriod = "MessageRetentionPeriod";
    public const string ApproximateNumberOfMessages = "ApproximateNumberOfMessages";
    public const string ApproximateNumberOfMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible";
    public const string CreatedTimestamp = "CreatedTimestamp";
    public const string LastModifiedTimestamp = "LastModifiedTimestamp";
    public const string QueueArn = "QueueArn";
    public const string ApproximateNumberOfMessagesDelayed = "ApproximateNumberOfMessagesDelayed";
    public const string DelaySeconds = "DelaySeconds";
    public const string ReceiveMessageWaitTimeSeconds = "ReceiveMessageWaitTimeSeconds";
    public const string RedrivePolicy = "RedrivePolicy";
    public const string FifoQueue = "FifoQueue";
    public const string ContentBasedDeduplication = "ContentBasedDeduplication";
    public const string KmsMasterKeyId = "KmsMasterKeyId";
    public const string KmsDataKeyReusePeriodSeconds = "KmsDataKeyReusePeriodSeconds";
    public const string DeduplicationScope = "DeduplicationScope";
    public const string FifoThroughputLimit = "FifoThroughputLimit";
    public const string RedriveAllowPolicy = "RedriveAllowPolicy";
    public const string SqsManagedSseEnabled = "SqsManagedSseEnabled";

    /// <summary>Attributes GetQueueAttributes computes; they cannot be set.</summary>
    public static readonly IReadOnlySet<string> ReadOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible, ApproximateNumberOfMessagesDelayed,
        CreatedTimestamp, LastModifiedTimestamp, QueueArn,
    };

    /// <summary>Attributes that exist only on FIFO queues.</summary>
    public static readonly IReadOnlySet<string> FifoOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        FifoQueue, ContentBasedDeduplication, DeduplicationScope, FifoThroughputLimit,
    };

    /// <summary>Every name GetQueueAttributes knows, in the order AWS lists them for <c>All</c>.</summary>
    public static readonly IReadOnlyList<string> Known =
    [
        ApproximateNumberOfMessages, ApproximateNumberOfMessagesDelayed, ApproximateNumberOfMessagesNotVisible,
        ContentBasedDeduplication, CreatedTimestamp, DeduplicationScope, DelaySeconds, FifoQueue, FifoThroughputLimit,
        KmsDataKeyReusePeriodSeconds, KmsMasterKeyId, LastModifiedTimestamp, MaximumMessageSize, MessageRetentionPeriod,
        Policy, QueueArn, ReceiveMessageWaitTimeSeconds, RedriveAllowPolicy, RedrivePolicy, SqsManagedSseEnabled, VisibilityTimeout,
    ];
}
