using System.Globalization;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

public sealed partial class SqsService
{
    /// <summary>The 12-hour cap on a message's visibility timeout (wire reference §4.8).</summary>
    public const int MaxVisibilityTimeout = 43_200;

    /// <summary>How long a FIFO ReceiveRequestAttemptId is remembered (wire reference §4.10).</summary>
    private const long ReceiveAttemptWindowMs = 5 * 60_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(long QueueId, string AttemptId), ReceiveAttempt> _attempts = new();

    private sealed record ReceiveAttempt(ReceiveMessageResponse Response, long ExpiresMs);

    /// <summary>Where FIFO receive attempts are shared with the other nodes of a cluster; null: this process only.</summary>
    public IReceiveAttemptStore? SharedAttempts { get; set; }

    /// <summary>In a cluster, the attempts other nodes remember end too (one round trip per call, and only while
    /// some node remembers an attempt of the queue).</summary>
    private async Task ForgetSharedAttemptsAsync(QueueRecord queue, IReadOnlyList<string> receiptHandles, CancellationToken ct)
    {
        if (queue.IsFifo && receiptHandles.Count > 0 && SharedAttempts is { } shared && shared.MayHaveAttempts(queue.Id))
        {
            await shared.ForgetAsync(queue.Id, receiptHandles, ct);
        }
    }

    /// <summary>A delete or visibility change on a FIFO queue ends any remembered attempt that returned the handle.</summary>
    private void ForgetAttemptsWith(QueueRecord queue, string receiptHandle)
    {
        if (!queue.IsFifo || _attempts.IsEmpty)
        {
            return;
        }

        var now = NowMs;
        foreach (var (key, attempt) in _attempts)
        {
            if (attempt.ExpiresMs <= now || (key.QueueId == queue.Id && attempt.Response.Messages.Any(m => m.ReceiptHandle == receiptHandle)))
            {
                _attempts.TryRemove(key, out _);
            }
        }
    }

    public async Task<ReceiveMessageResponse> ReceiveMessageAsync(QueueRecord queue, ReceiveMessageRequest r, CancellationToken ct = default)
    {
        var max = r.MaxNumberOfMessages ?? 1;
        if (max is < 1 or > 10)
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(max.ToString(CultureInfo.InvariantCulture), "MaxNumberOfMessages",
                "Must be between 1 and 10, if provided."));
        }

        var wait = r.WaitTimeSeconds ?? queue.ReceiveMessageWaitTimeSeconds;
        if (wait is < 0 or > 20)
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(wait.ToString(CultureInfo.InvariantCulture), "WaitTimeSeconds",
                "Must be >= 0 and <= 20, if provided."));
        }

        var visibility = r.VisibilityTimeout ?? queue.VisibilityTimeout;
        if (visibility is < 0 or > MaxVisibilityTimeout)
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(visibility.ToString(CultureInfo.InvariantCulture), "VisibilityTimeout",
                $"Must be >= 0 and <= {MaxVisibilityTimeout}, if provided."));
        }

        if (r.ReceiveRequestAttemptId is { } attempt && !IsValidFifoId(attempt))
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(attempt, "ReceiveRequestAttemptId",
                "ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length."));
        }

        // FIFO: a retried ReceiveRequestAttemptId within five minutes gets the same messages and receipt handles,
        // unless one of them was deleted or had its visibility changed since (then it is a new attempt).
        (long, string)? attemptKey = queue.IsFifo && r.ReceiveRequestAttemptId is { } id ? (queue.Id, id) : null;
        // In a cluster the shared store alone decides (another node may have ended the attempt).
        if (attemptKey is { } key && SharedAttempts is null && _attempts.TryGetValue(key, out var cached) && cached.ExpiresMs > NowMs)
        {
            return cached.Response;
        }

        if (attemptKey is { } sharedKey && SharedAttempts is { } shared && await shared.FindAsync(sharedKey.Item1, sharedKey.Item2, ct) is { } remembered)
        {
            return ReceiveAttempts.Read(remembered);
        }

        var deadline = _time.GetUtcNow().AddSeconds(wait);
        while (true)
        {
            var signal = Signal(queue.Id).Current;
            var current = Current(queue) ?? throw new AwsErrorException(SqsErrors.QueueDoesNotExist(false));
            var outcome = await ReceiveOnceAsync(current, max, visibility, ct);
            if (outcome.Messages.Count > 0)
            {
                var response = new ReceiveMessageResponse([.. outcome.Messages.Select(m => ToReceived(current, Open(m), r))]);
                if (attemptKey is { } k)
                {
                    if (SharedAttempts is null)
                    {
                        _attempts[k] = new ReceiveAttempt(response, NowMs + ReceiveAttemptWindowMs);
                    }
                    else if (SharedAttempts is { } sharing)
                    {
                        await sharing.SaveAsync(k.Item1, k.Item2, ReceiveAttempts.Write(response), [.. response.Messages.Select(m => m.ReceiptHandle)],
                            TimeSpan.FromMilliseconds(ReceiveAttemptWindowMs), ct);
                    }
                }

                return response;
            }

            var now = _time.GetUtcNow();
            if (now >= deadline || _stopping.IsCancellationRequested)
            {
                return new ReceiveMessageResponse([]);
            }

            var until = deadline;
            if (outcome.NextVisibleAtMs is { } next)
            {
                var at = DateTimeOffset.FromUnixTimeMilliseconds(next);
                if (at < until)
                {
                    until = at;
                }
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
            var delay = Task.Delay(until > now ? until - now : TimeSpan.Zero, _time, cts.Token);
            Interlocked.Increment(ref _openLongPolls);
            try
            {
                await Task.WhenAny(signal, delay);
            }
            finally
            {
                Interlocked.Decrement(ref _openLongPolls);
            }

            await cts.CancelAsync();
            ct.ThrowIfCancellationRequested();
        }
    }

    private Task<ReceiveOutcome> ReceiveOnceAsync(QueueRecord queue, int max, int visibility, CancellationToken ct)
    {
        var now = NowMs;
        QueueRecord? dlq = null;
        var redrive = queue.RedrivePolicy;
        if (redrive is not null)
        {
            dlq = FindByArn(redrive.DeadLetterTargetArn);
        }

        return _store.ReceiveAsync(new ReceiveCommand(
            queue.Id,
            queue.IsFifo,
            now,
            max,
            visibility * 1000L,
            now - (queue.MessageRetentionPeriod * 1000L),
            dlq?.Id,
            queue.Arn,
            dlq is null ? 0 : redrive!.MaxReceiveCount), ct);
    }

    private ReceivedMessage ToReceived(QueueRecord queue, StoredMessage m, ReceiveMessageRequest r)
    {
        var system = SelectSystemAttributes(queue, m, r.AttributeNames, r.MessageSystemAttributeNames);
        var attributes = SelectMessageAttributes(m.Attributes, r.MessageAttributeNames);
        return new ReceivedMessage(
            m.MessageId,
            new ReceiptHandle(queue.Id, m.RowId, m.Nonce).Encode(_handleKey),
            Md5Digests.OfBody(m.Body),
            m.Body,
            system,
            Md5Digests.OfAttributes(attributes),
            attributes);
    }

    private static List<KeyValuePair<string, string>> SelectSystemAttributes(
        QueueRecord queue, StoredMessage m, IReadOnlyList<string>? names, IReadOnlyList<string>? systemNames)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        wanted.UnionWith(names ?? []);
        wanted.UnionWith(systemNames ?? []);
        var all = wanted.Contains("All");
        var result = new List<KeyValuePair<string, string>>();
        void Add(string name, string? value)
        {
            if (value is not null && (all || wanted.Contains(name)))
            {
                result.Add(new(name, value));
            }
        }

        Add("SenderId", m.SenderId);
        Add("SentTimestamp", m.SentMs.ToString(CultureInfo.InvariantCulture));
        Add("ApproximateReceiveCount", m.ReceiveCount.ToString(CultureInfo.InvariantCulture));
        Add("ApproximateFirstReceiveTimestamp", m.FirstReceiveMs.ToString(CultureInfo.InvariantCulture));
        Add("AWSTraceHeader", m.AwsTraceHeader);
        Add("DeadLetterQueueSourceArn", m.DeadLetterQueueSourceArn);
        Add("MessageGroupId", m.MessageGroupId);
        if (queue.IsFifo)
        {
            Add("MessageDeduplicationId", m.DeduplicationId);
            Add("SequenceNumber", FormatSequenceNumber(m.SequenceNumber));
        }

        return result;
    }

    /// <summary>Message attribute filter: <c>All</c>, <c>.*</c> or <c>*</c> for all, exact names, and
    /// <c>prefix.*</c> for every name that starts with <c>prefix</c> (the dot is part of the wildcard, not of the
    /// prefix: on AWS <c>Hel.*</c> returns <c>Hello</c> and <c>Help.Me</c>, SQS API reference, ReceiveMessage,
    /// MessageAttributeNames); unknown or illegal names select nothing.</summary>
    private static List<KeyValuePair<string, MessageAttributeValue>> SelectMessageAttributes(
        IReadOnlyList<KeyValuePair<string, MessageAttributeValue>> attributes, IReadOnlyList<string>? names)
    {
        if (names is null || names.Count == 0 || attributes.Count == 0)
        {
            return [];
        }

        if (names.Any(n => n is "All" or ".*" or "*"))
        {
            return [.. attributes];
        }

        return [.. attributes.Where(a => names.Any(n =>
            n.EndsWith(".*", StringComparison.Ordinal)
                ? a.Key.StartsWith(n[..^2], StringComparison.Ordinal)
                : string.Equals(n, a.Key, StringComparison.Ordinal)))];
    }
}
