using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

public sealed partial class SqsService
{
    /// <summary>The FIFO deduplication window (SQS Developer Guide, "Exactly-once processing in Amazon SQS" and "Amazon SQS FIFO queues").</summary>
    private const long DeduplicationWindowMs = 5 * 60_000;

    /// <summary>The fixed cap on a whole batch, independent of the queue's MaximumMessageSize (SQS API Reference, SendMessageBatch).</summary>
    public const long MaxBatchBytes = 1_048_576;

    private const string FifoParameterNotValid = "The request include parameter that is not valid for this queue type";

    /// <summary>A validated message ready to store, with what the response echoes.</summary>
    private sealed record PreparedMessage(NewMessage Message, string Md5Body, string? Md5Attributes, string? Md5SystemAttributes);

    public async Task<SendMessageResponse> SendMessageAsync(SqsCaller caller, QueueRecord queue, SendMessageRequest r, string? traceHeaderFromHttp, CancellationToken ct = default)
    {
        var entry = new SendMessageBatchEntry(null, r.MessageBody, r.DelaySeconds, r.MessageAttributes, r.MessageSystemAttributes, r.MessageDeduplicationId, r.MessageGroupId);
        var fifoError = CheckFifoRequired(queue, entry, inBatch: false);
        if (fifoError is not null)
        {
            throw new AwsErrorException(fifoError);
        }

        var prepared = Prepare(caller, queue, entry, traceHeaderFromHttp, NowMs, inBatch: false, DeduplicationByMessageGroup(queue));
        if (prepared.Error is not null)
        {
            throw new AwsErrorException(prepared.Error);
        }

        var outcome = (await _store.SendAsync(queue.Id, queue.IsFifo, [Seal(queue, caller, prepared.Message!.Message)], ct))[0];
        Signal(queue.Id).Pulse();
        var p = prepared.Message;
        return new SendMessageResponse(outcome.MessageId, p.Md5Body, p.Md5Attributes, p.Md5SystemAttributes,
            queue.IsFifo ? FormatSequenceNumber(outcome.SequenceNumber) : null);
    }

    public async Task<SendMessageBatchResponse> SendMessageBatchAsync(SqsCaller caller, QueueRecord queue, SendMessageBatchRequest r, CancellationToken ct = default)
    {
        var entries = r.Entries ?? [];
        ValidateBatchShape(entries.Select(e => e.Id).ToList(), "SendMessageBatchRequestEntry");
        long total = 0;
        foreach (var e in entries)
        {
            total += MessageValidation.Size(e.MessageBody ?? "", e.MessageAttributes ?? []);
        }

        if (total > MaxBatchBytes)
        {
            throw new AwsErrorException(SqsErrors.BatchRequestTooLong(total));
        }

        foreach (var e in entries)
        {
            if (CheckFifoRequired(queue, e, inBatch: true) is { } whole)
            {
                throw new AwsErrorException(whole);
            }
        }

        var now = NowMs;
        var byGroup = DeduplicationByMessageGroup(queue);
        var failed = new List<BatchResultErrorEntry>();
        var ready = new List<(string Id, PreparedMessage Message)>();
        foreach (var e in entries)
        {
            var (message, error) = Prepare(caller, queue, e, null, now, inBatch: true, byGroup);
            if (error is not null)
            {
                failed.Add(new BatchResultErrorEntry(e.Id!, true, error.QueryCode, error.Message));
            }
            else
            {
                ready.Add((e.Id!, message!));
            }
        }

        var successful = new List<SendMessageBatchResultEntry>();
        if (ready.Count > 0)
        {
            var outcomes = await _store.SendAsync(queue.Id, queue.IsFifo, [.. ready.Select(x => Seal(queue, caller, x.Message.Message))], ct);
            Signal(queue.Id).Pulse();
            for (var i = 0; i < ready.Count; i++)
            {
                var (id, p) = ready[i];
                successful.Add(new SendMessageBatchResultEntry(id, outcomes[i].MessageId, p.Md5Body, p.Md5Attributes, p.Md5SystemAttributes,
                    queue.IsFifo ? FormatSequenceNumber(outcomes[i].SequenceNumber) : null));
            }
        }

        return new SendMessageBatchResponse(successful, failed);
    }

    /// <summary>Whole-request batch rules (SQS API Reference, SendMessageBatch): entry count, id format, distinct ids.</summary>
    private static void ValidateBatchShape(List<string?> ids, string entryShape)
    {
        if (ids.Count == 0)
        {
            throw new AwsErrorException(SqsErrors.EmptyBatchRequest(entryShape));
        }

        if (ids.Count > 10)
        {
            throw new AwsErrorException(SqsErrors.TooManyEntriesInBatchRequest(ids.Count));
        }

        foreach (var id in ids)
        {
            if (string.IsNullOrEmpty(id) || id.Length > 80 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new AwsErrorException(SqsErrors.InvalidBatchEntryId());
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (!seen.Add(id!))
            {
                throw new AwsErrorException(SqsErrors.BatchEntryIdsNotDistinct(id!));
            }
        }
    }

    /// <summary>FIFO parameters whose absence fails a whole request, a batch included (SQS API Reference, SendMessage: MessageGroupId, MessageDeduplicationId).</summary>
    private static AwsError? CheckFifoRequired(QueueRecord queue, SendMessageBatchEntry e, bool inBatch)
    {
        if (!queue.IsFifo)
        {
            return null;
        }

        if (e.MessageGroupId is null)
        {
            return inBatch
                ? SqsErrors.InvalidParameterValue("The request must contain the parameter MessageGroupId.")
                : SqsErrors.MissingParameter("MessageGroupId");
        }

        if (e.MessageDeduplicationId is null && !queue.ContentBasedDeduplication)
        {
            return SqsErrors.InvalidParameterValue(
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
        }

        return null;
    }

    private static (PreparedMessage? Message, AwsError? Error) Prepare(
        SqsCaller caller, QueueRecord queue, SendMessageBatchEntry e, string? traceHeaderFromHttp, long now, bool inBatch, bool deduplicateByGroup)
    {
        if (string.IsNullOrEmpty(e.MessageBody))
        {
            return (null, SqsErrors.MissingParameter("MessageBody"));
        }

        if (e.DelaySeconds is { } delay)
        {
            if (delay is < 0 or > 900)
            {
                return (null, SqsErrors.InvalidValue(delay.ToString(CultureInfo.InvariantCulture), "DelaySeconds",
                    "DelaySeconds must be >= 0 and <= 900."));
            }

            if (queue.IsFifo && delay != 0)
            {
                return (null, inBatch
                    ? SqsErrors.InvalidParameterValue(FifoParameterNotValid)
                    : SqsErrors.InvalidValue(delay.ToString(CultureInfo.InvariantCulture), "DelaySeconds", FifoParameterNotValid + "."));
            }
        }

        if (e.MessageGroupId is not null && !IsValidFifoId(e.MessageGroupId))
        {
            return (null, SqsErrors.InvalidValue(e.MessageGroupId, "MessageGroupId",
                "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."));
        }

        if (e.MessageDeduplicationId is not null)
        {
            if (!queue.IsFifo)
            {
                return (null, SqsErrors.InvalidValue(e.MessageDeduplicationId, "MessageDeduplicationId", FifoParameterNotValid + "."));
            }

            if (!IsValidFifoId(e.MessageDeduplicationId))
            {
                return (null, SqsErrors.InvalidValue(e.MessageDeduplicationId, "MessageDeduplicationId",
                    "MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length."));
            }
        }

        var attributes = e.MessageAttributes ?? [];
        if (MessageValidation.ValidateAttributes(attributes) is { } attrError)
        {
            return (null, SqsErrors.InvalidParameterValue(attrError));
        }

        var trace = traceHeaderFromHttp;
        var system = e.MessageSystemAttributes ?? [];
        foreach (var (name, value) in system)
        {
            if (name != "AWSTraceHeader")
            {
                return (null, SqsErrors.InvalidParameterValue($"Message system attribute name '{name}' is invalid."));
            }

            if (value.DataType != "String" || string.IsNullOrEmpty(value.StringValue))
            {
                return (null, SqsErrors.InvalidParameterValue("Message (system) attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'."));
            }

            trace = value.StringValue;
        }

        // The trace header is a string attribute: the message body's character set (SendMessage API reference,
        // MessageAttributeValue: "the same restrictions on the content as the message body").
        if (trace is not null && MessageValidation.FirstInvalidCharacter(trace) >= 0)
        {
            return (null, SqsErrors.InvalidParameterValue("Message (system) attribute 'AWSTraceHeader' contains invalid characters."));
        }

        var invalid = MessageValidation.FirstInvalidCharacter(e.MessageBody);
        if (invalid >= 0)
        {
            return (null, SqsErrors.InvalidMessageContents(MessageValidation.InvalidCharacterMessage(invalid)));
        }

        var size = MessageValidation.Size(e.MessageBody, attributes);
        if (size > queue.MaximumMessageSize)
        {
            return (null, SqsErrors.InvalidParameterValue(
                $"One or more parameters {(inBatch ? "cannot be validated" : "are invalid")}. Reason: Message must be shorter than {queue.MaximumMessageSize} bytes."));
        }

        string? dedup = null;
        if (queue.IsFifo)
        {
            dedup = e.MessageDeduplicationId ?? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(e.MessageBody)));
        }

        var delaySeconds = queue.IsFifo ? queue.DelaySeconds : e.DelaySeconds ?? queue.DelaySeconds;
        var message = new NewMessage(
            Uuids.NewV4(),
            e.MessageBody,
            [.. attributes],
            trace,
            caller.SenderId,
            now,
            now + (delaySeconds * 1000L),
            e.MessageGroupId,
            dedup,
            dedup is null ? null : deduplicateByGroup ? e.MessageGroupId : "",
            now + DeduplicationWindowMs);
        var md5System = system.Count > 0 ? Md5Digests.OfAttributes(system) : null;
        return (new PreparedMessage(message, Md5Digests.OfBody(e.MessageBody), Md5Digests.OfAttributes(attributes), md5System), null);
    }

    /// <summary>1-128 characters, alphanumeric and punctuation, no spaces (SQS API Reference, SendMessage: MessageDeduplicationId).</summary>
    private static bool IsValidFifoId(string id) =>
        id.Length is >= 1 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || (c is >= '!' and <= '~' && char.IsPunctuation(c) || char.IsSymbol(c)) && c <= '~');

    /// <summary>SequenceNumber as AWS shows it: a 20-digit decimal string, increasing per queue.</summary>
    public static string FormatSequenceNumber(long sequence) =>
        (new UInt128(0, 10_000_000_000_000_000_000UL) + (ulong)sequence).ToString(CultureInfo.InvariantCulture);
}
