using System.Globalization;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

public sealed partial class SqsService
{
    public async Task DeleteMessageAsync(QueueRecord queue, string? receiptHandle, CancellationToken ct = default)
    {
        var handle = DecodeHandle(queue, receiptHandle);
        ForgetAttemptsWith(queue, receiptHandle!);
        await ForgetSharedAttemptsAsync(queue, [receiptHandle!], ct);
        var outcome = (await _store.DeleteAsync(queue.Id, [handle], NowMs, queue.IsFifo, ct))[0];
        if (outcome == HandleOutcome.NotInFlight && queue.IsFifo)
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(receiptHandle, "ReceiptHandle", "The receipt handle has expired."));
        }

        Signal(queue.Id).Pulse();
    }

    public async Task<BatchIdsResponse> DeleteMessageBatchAsync(QueueRecord queue, DeleteMessageBatchRequest r, CancellationToken ct = default)
    {
        var entries = r.Entries ?? [];
        ValidateBatchShape([.. entries.Select(e => e.Id)], "DeleteMessageBatchRequestEntry");
        var failed = new List<BatchResultErrorEntry>();
        var valid = new List<(string Id, string Text, ReceiptHandle Handle)>();
        foreach (var e in entries)
        {
            if (BatchEntryHandle(queue, e.Id!, e.ReceiptHandle, out var h) is { } error)
            {
                failed.Add(error);
            }
            else
            {
                valid.Add((e.Id!, e.ReceiptHandle!, h));
            }
        }

        var successful = new List<string>();
        if (valid.Count > 0)
        {
            await ForgetSharedAttemptsAsync(queue, [.. valid.Select(v => v.Text)], ct);
            var outcomes = await _store.DeleteAsync(queue.Id, [.. valid.Select(v => v.Handle)], NowMs, queue.IsFifo, ct);
            for (var i = 0; i < valid.Count; i++)
            {
                if (outcomes[i] == HandleOutcome.NotInFlight && queue.IsFifo)
                {
                    failed.Add(new BatchResultErrorEntry(valid[i].Id, true, "InvalidParameterValue",
                        $"Value {valid[i].Text} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."));
                }
                else
                {
                    successful.Add(valid[i].Id);
                }
            }

            Signal(queue.Id).Pulse();
        }

        return new BatchIdsResponse(successful, failed);
    }

    public async Task ChangeMessageVisibilityAsync(QueueRecord queue, ChangeMessageVisibilityRequest r, CancellationToken ct = default)
    {
        if (r.VisibilityTimeout is null)
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("VisibilityTimeout"));
        }

        var handle = DecodeHandle(queue, r.ReceiptHandle);
        ForgetAttemptsWith(queue, r.ReceiptHandle!);
        await ForgetSharedAttemptsAsync(queue, [r.ReceiptHandle!], ct);
        var timeout = r.VisibilityTimeout.Value;
        if (CheckVisibilityRange(timeout) is { } rangeError)
        {
            throw new AwsErrorException(rangeError);
        }

        var outcome = (await _store.ChangeVisibilityAsync(queue.Id, [new VisibilityChange(handle, NowMs + (timeout * 1000L), timeout)], NowMs, queue.IsFifo, ct))[0];
        if (VisibilityError(queue, outcome, r.ReceiptHandle!, timeout) is { } error)
        {
            throw new AwsErrorException(error);
        }

        Signal(queue.Id).Pulse();
    }

    public async Task<BatchIdsResponse> ChangeMessageVisibilityBatchAsync(QueueRecord queue, ChangeMessageVisibilityBatchRequest r, CancellationToken ct = default)
    {
        var entries = r.Entries ?? [];
        ValidateBatchShape([.. entries.Select(e => e.Id)], "ChangeMessageVisibilityBatchRequestEntry");
        var failed = new List<BatchResultErrorEntry>();
        var valid = new List<(ChangeMessageVisibilityBatchEntry Entry, VisibilityChange Change)>();
        var now = NowMs;
        foreach (var e in entries)
        {
            if (BatchEntryHandle(queue, e.Id!, e.ReceiptHandle, out var h) is { } error)
            {
                failed.Add(error);
            }
            else if (CheckVisibilityRange(e.VisibilityTimeout ?? 0) is { } rangeError)
            {
                failed.Add(new BatchResultErrorEntry(e.Id!, true, rangeError.QueryCode, rangeError.Message));
            }
            else
            {
                var t = e.VisibilityTimeout ?? 0;
                valid.Add((e, new VisibilityChange(h, now + (t * 1000L), t)));
            }
        }

        var successful = new List<string>();
        if (valid.Count > 0)
        {
            await ForgetSharedAttemptsAsync(queue, [.. valid.Select(v => v.Entry.ReceiptHandle!)], ct);
            var outcomes = await _store.ChangeVisibilityAsync(queue.Id, [.. valid.Select(v => v.Change)], now, queue.IsFifo, ct);
            for (var i = 0; i < valid.Count; i++)
            {
                var (e, change) = valid[i];
                if (VisibilityError(queue, outcomes[i], e.ReceiptHandle!, (int)change.TimeoutSeconds) is { } error)
                {
                    failed.Add(new BatchResultErrorEntry(e.Id!, true, error.QueryCode, error.Message));
                }
                else
                {
                    successful.Add(e.Id!);
                }
            }

            Signal(queue.Id).Pulse();
        }

        return new BatchIdsResponse(successful, failed);
    }

    /// <summary>A batch entry's receipt handle, or the entry's failure: missing, or never issued for this queue
    /// (docs/sqs-behaviour.md). A usable handle also ends any FIFO receive attempt that returned it.</summary>
    private BatchResultErrorEntry? BatchEntryHandle(QueueRecord queue, string id, string? text, out ReceiptHandle handle)
    {
        handle = default;
        if (string.IsNullOrEmpty(text))
        {
            return new BatchResultErrorEntry(id, true, "MissingParameter", "The request must contain the parameter ReceiptHandle.");
        }

        // Not a receipt handle at all: the same text as the single call's error (AWS answered
        // "fake-receipt-handle-1" so in a DeleteMessageBatch entry); a well-formed handle of another queue keeps
        // its own text.
        if (!ReceiptHandle.TryDecode(text, _handleKey, out handle))
        {
            return new BatchResultErrorEntry(id, true, "ReceiptHandleIsInvalid", $"The input receipt handle \"{text}\" is not a valid receipt handle.");
        }

        if (handle.QueueId != queue.Id)
        {
            return new BatchResultErrorEntry(id, true, "ReceiptHandleIsInvalid", $"The receipt handle \"{text}\" is not valid for this queue.");
        }

        ForgetAttemptsWith(queue, text);
        return null;
    }

    private static AwsError? CheckVisibilityRange(int timeout) =>
        timeout is < 0 or > MaxVisibilityTimeout
            ? SqsErrors.InvalidValue(timeout.ToString(CultureInfo.InvariantCulture), "VisibilityTimeout",
                $"Must be >= 0 and <= {MaxVisibilityTimeout}, if provided.")
            : null;

    private static AwsError? VisibilityError(QueueRecord queue, HandleOutcome outcome, string handle, int timeout) => outcome switch
    {
        HandleOutcome.Ok => null,
        HandleOutcome.TotalVisibilityExceeded => SqsErrors.InvalidValue(timeout.ToString(CultureInfo.InvariantCulture), "VisibilityTimeout",
            $"Total VisibilityTimeout for the message is beyond the limit [{MaxVisibilityTimeout} seconds]."),
        HandleOutcome.NotInFlight when queue.IsFifo => SqsErrors.InvalidValue(handle, "ReceiptHandle", "The receipt handle has expired."),

        // A standard queue accepts a change after the timeout ran out (SQS Developer Guide, "Amazon SQS visibility timeout").
        HandleOutcome.NotInFlight => null,
        _ => SqsErrors.InvalidValue(handle, "ReceiptHandle", "Message does not exist or is not available for visibility timeout change."),
    };

    private ReceiptHandle DecodeHandle(QueueRecord queue, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("ReceiptHandle"));
        }

        if (!ReceiptHandle.TryDecode(text, _handleKey, out var handle) || handle.QueueId != queue.Id)
        {
            throw new AwsErrorException(SqsErrors.ReceiptHandleIsInvalid(text));
        }

        return handle;
    }
}
