using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

/// <summary>
/// The closed catalogue of SQS's modeled errors: JSON shape, Query code and HTTP status as in the AWS model
/// (the error shapes of the SQS API model), with the messages AWS was seen sending.
/// </summary>
public static class SqsErrors
{
    private const string Ns = "com.amazonaws.sqs#";

    private static AwsError E(string shape, string code, int status, string message) => new(Ns + shape, code, status, message);

    /// <summary>The Query protocol has its own text for a missing queue (how AWS answers Query-protocol clients).</summary>
    public const string NonExistentQueueJsonMessage = "The specified queue does not exist.";

    public const string NonExistentQueueQueryMessage = "The specified queue does not exist for this wsdl version.";

    public static AwsError QueueDoesNotExist(bool queryProtocol) =>
        E("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400,
            queryProtocol ? NonExistentQueueQueryMessage : NonExistentQueueJsonMessage);

    public static AwsError QueueNameExists(string attribute) =>
        E("QueueNameExists", "QueueAlreadyExists", 400,
            $"A queue already exists with the same name and a different value for attribute {attribute}");

    public static AwsError QueueDeletedRecently() =>
        E("QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", 400,
            "You must wait 60 seconds after deleting a queue before you can create another with the same name.");

    public static AwsError InvalidAttributeName(string message) => E("InvalidAttributeName", "InvalidAttributeName", 400, message);

    public static AwsError UnknownAttribute(string name) => InvalidAttributeName($"Unknown Attribute {name}.");

    public static AwsError InvalidAttributeValue(string message) => E("InvalidAttributeValue", "InvalidAttributeValue", 400, message);

    public static AwsError InvalidAttributeValueFor(string name) => InvalidAttributeValue($"Invalid value for the parameter {name}.");

    public static AwsError TooManyEntriesInBatchRequest(int count) =>
        E("TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400,
            $"Maximum number of entries per request are 10. You have sent {count}.");

    public static AwsError EmptyBatchRequest(string entryShape) =>
        E("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400,
            $"There should be at least one {entryShape} in the request.");

    public static AwsError InvalidBatchEntryId() =>
        E("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400,
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");

    public static AwsError BatchEntryIdsNotDistinct(string id) =>
        E("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, $"Id {id} repeated.");

    public static AwsError BatchRequestTooLong(long sent) =>
        E("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400,
            $"Batch requests cannot be longer than 1048576 bytes. You have sent {sent} bytes.");

    public static AwsError InvalidMessageContents(string message) => E("InvalidMessageContents", "InvalidMessageContents", 400, message);

    public static AwsError ReceiptHandleIsInvalid(string handle) =>
        E("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", ReceiptHandleIsInvalidStatus,
            $"The input receipt handle \"{handle}\" is not a valid receipt handle.");

    /// <summary>
    /// Not confirmed: the SQS API model says 404, Query-era reports say 400. We follow the AWS-authored
    /// model, which is what today's JSON-protocol SQS was generated from.
    /// </summary>
    public const int ReceiptHandleIsInvalidStatus = 404;

    public static AwsError PurgeQueueInProgress(string queueName) =>
        E("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403,
            $"Only one PurgeQueue operation on {queueName} is allowed every 60 seconds.");

    public static AwsError OverLimit(string message) => E("OverLimit", "OverLimit", 403, message);

    public static AwsError ResourceNotFound(string message) => E("ResourceNotFoundException", "ResourceNotFoundException", 404, message);

    public static AwsError UnsupportedOperation(string message) =>
        E("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400, message);

    public static AwsError InvalidParameterValue(string message) => CommonErrors.InvalidParameterValue(message);

    public static AwsError MissingParameter(string name) => CommonErrors.MissingParameter(name);

    /// <summary>The usual "Value X for parameter Y is invalid. Reason: Z" form.</summary>
    public static AwsError InvalidValue(string? value, string parameter, string reason) =>
        CommonErrors.InvalidParameterValue($"Value {value} for parameter {parameter} is invalid. Reason: {reason}");
}
