namespace Gatehouse.Services.Sqs;

public sealed partial class SqsService
{
    /// <summary>Server-side encryption with KMS keys (set once at start-up; without it no queue can use SSE-KMS).</summary>
    public SqsMessageEncryption? Encryption { get; set; }

    /// <summary>A queue encrypted with a KMS key (<c>KmsMasterKeyId</c> set).</summary>
    public static bool IsSseKms(QueueRecord queue) => queue.Attributes.ContainsKey(QueueAttributeNames.KmsMasterKeyId);

    /// <summary>The message as it is stored: on an SSE-KMS queue sealed under the producer's data key, which the
    /// authorization step obtained for this request. Never stores plaintext for an SSE-KMS queue.</summary>
    private static NewMessage Seal(QueueRecord queue, SqsCaller caller, NewMessage message) =>
        !IsSseKms(queue) ? message
            : caller.DataKey is { } key ? SqsMessageEncryption.Seal(message, key)
            : throw new InvalidOperationException($"No data key for a message to the SSE-KMS queue {queue.Arn}.");

    /// <summary>The message as the consumer sees it: envelopes opened, whatever the queue's current setting (a
    /// dead-letter queue holds its source queues' envelopes).</summary>
    private StoredMessage Open(StoredMessage message) =>
        SqsMessageEncryption.IsSealed(message.Body)
            ? (Encryption ?? throw new InvalidOperationException("An encrypted message was received but SSE-KMS is not configured.")).Open(message)
            : message;
}
