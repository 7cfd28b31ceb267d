using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

public sealed partial class SqsService
{
    /// <summary>How long a deleted queue's name stays reserved (SQS API Reference, DeleteQueue and CreateQueue).</summary>
    private const long DeletedRecentlyWindowMs = 60_000;

    /// <summary>How often PurgeQueue may run on one queue (SQS API Reference, PurgeQueue).</summary>
    private const long PurgeWindowMs = 60_000;

    public const int MaxTagsPerQueue = 50;

    public async Task<QueueUrlResponse> CreateQueueAsync(SqsCaller caller, CreateQueueRequest request, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(request.QueueName))
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("QueueName"));
        }

        var name = request.QueueName;
        var supplied = request.Attributes ?? [];
        var fifoAttr = supplied.LastOrDefault(a => a.Key == QueueAttributeNames.FifoQueue).Value;
        var fifo = string.Equals(fifoAttr, "true", StringComparison.OrdinalIgnoreCase);
        ValidateQueueName(name, fifo);
        var attributes = QueueAttributeRules.Apply(QueueAttributeRules.Defaults(fifo), supplied, fifo, creating: true, caller.AccountId);
        var tags = ValidateTags(name, ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal), request.Tags ?? []);

        if (Find(caller.AccountId, caller.Region, name) is { } existing)
        {
            return ExistingQueue(caller, supplied, attributes, existing);
        }

        var key3 = (caller.AccountId, caller.Region, name);
        if (_recentlyDeleted.TryGetValue(key3, out var deletedAt) && NowMs - deletedAt < DeletedRecentlyWindowMs && !NoCooldowns)
        {
            throw new AwsErrorException(SqsErrors.QueueDeletedRecently());
        }

        await ValidateRedriveTargetAsync(caller, name, fifo, attributes, supplied);
        var now = NowSeconds;
        QueueRecord record;
        try
        {
            record = await _store.CreateQueueAsync(new QueueRecord
            {
                Id = 0,
                AccountId = caller.AccountId,
                Region = caller.Region,
                Name = name,
                Attributes = attributes,
                Tags = tags,
                CreatedTimestamp = now,
                LastModifiedTimestamp = now,
            }, ct);
        }
        catch (QueueNameTakenException taken)
        {
            // Another create (on another node, or a concurrent one here) stored the name first (docs/postgres.md,
            // "Creating one queue on two nodes at once"): the queue it stored is the existing queue, and the answer is
            // CreateQueue's for an existing name.
            lock (_queuesLock)
            {
                _queues.TryAdd(key3, taken.Existing);
                record = _queues[key3];
            }

            return ExistingQueue(caller, supplied, attributes, record);
        }

        lock (_queuesLock)
        {
            // A change notice of this queue may have been handled meanwhile; the first recorded stays.
            _queues.TryAdd(key3, record);
            record = _queues[key3];
        }

        return new QueueUrlResponse(QueueUrl(caller, record));
    }

    /// <summary>CreateQueue of a name that exists: its URL when every attribute the caller supplied has the existing
    /// queue's value, else QueueAlreadyExists naming the first that differs (SQS API Reference, CreateQueue).</summary>
    private static QueueUrlResponse ExistingQueue(SqsCaller caller, IReadOnlyList<KeyValuePair<string, string>> supplied,
        ImmutableSortedDictionary<string, string> attributes, QueueRecord existing)
    {
        foreach (var (key, _) in supplied)
        {
            if (!string.Equals(attributes.GetValueOrDefault(key), existing.Attributes.GetValueOrDefault(key), StringComparison.Ordinal))
            {
                throw new AwsErrorException(SqsErrors.QueueNameExists(key));
            }
        }

        return new QueueUrlResponse(QueueUrl(caller, existing));
    }

    private static void ValidateQueueName(string name, bool fifo)
    {
        static bool ValidChars(ReadOnlySpan<char> s)
        {
            foreach (var c in s)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    return false;
                }
            }

            return true;
        }

        if (fifo)
        {
            if (name.Length > 80 || !name.EndsWith(".fifo", StringComparison.Ordinal) || name.Length == 5 || !ValidChars(name.AsSpan(0, name.Length - 5)))
            {
                throw new AwsErrorException(SqsErrors.InvalidParameterValue(
                    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."));
            }
        }
        else if (name.Length > 80 || !ValidChars(name))
        {
            throw new AwsErrorException(SqsErrors.InvalidParameterValue(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"));
        }
    }

    private async Task ValidateRedriveTargetAsync(SqsCaller caller, string queueName, bool fifo, ImmutableSortedDictionary<string, string> attributes,
        IReadOnlyList<KeyValuePair<string, string>> supplied)
    {
        if (!attributes.TryGetValue(QueueAttributeNames.RedrivePolicy, out var stored) || RedrivePolicy.TryParse(stored) is not { } policy)
        {
            return;
        }

        // A dead-letter queue created through another node a moment ago counts.
        await LearnQueueByArnAsync(policy.DeadLetterTargetArn);

        // Errors echo the policy as the caller wrote it, not as it is stored (normalised).
        var json = supplied.LastOrDefault(a => a.Key == QueueAttributeNames.RedrivePolicy).Value ?? stored;

        var target = FindByArn(policy.DeadLetterTargetArn);
        if (target is null || target.AccountId != caller.AccountId || target.Region != caller.Region)
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(json, QueueAttributeNames.RedrivePolicy,
                $"Dead letter target does not exist."));
        }

        if (target.IsFifo != fifo)
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(json, QueueAttributeNames.RedrivePolicy,
                "Dead-letter queue must be same type of queue as the source."));
        }

        if (!RedriveAllows(target, $"arn:aws:sqs:{caller.Region}:{caller.AccountId}:{queueName}"))
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(json, QueueAttributeNames.RedrivePolicy,
                RedriveNotAllowedReason));
        }

        if (target.Name == queueName)
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(json, QueueAttributeNames.RedrivePolicy,
                "Dead letter target can not be the same as the source queue."));
        }
    }

    /// <summary>Not confirmed: AWS's exact text when a dead-letter queue's RedriveAllowPolicy refuses a source queue
    /// has not been captured; the code (InvalidParameterValue) follows the other RedrivePolicy refusals.</summary>
    public const string RedriveNotAllowedReason = "Dead-letter queue's RedriveAllowPolicy does not allow this source queue.";

    /// <summary>Whether the dead-letter queue's RedriveAllowPolicy lets <paramref name="sourceArn"/> use it.</summary>
    private static bool RedriveAllows(QueueRecord deadLetterQueue, string sourceArn)
    {
        if (!deadLetterQueue.Attributes.TryGetValue(QueueAttributeNames.RedriveAllowPolicy, out var text))
        {
            return true;
        }

        using var doc = System.Text.Json.JsonDocument.Parse(text);
        var root = doc.RootElement;
        return root.GetProperty("redrivePermission").GetString() switch
        {
            "denyAll" => false,
            "byQueue" => root.TryGetProperty("sourceQueueArns", out var arns)
                && arns.EnumerateArray().Any(a => a.ValueKind == System.Text.Json.JsonValueKind.String && a.GetString() == sourceArn),
            _ => true,
        };
    }

    private static ImmutableSortedDictionary<string, string> ValidateTags(
        string queueName, ImmutableSortedDictionary<string, string> current, IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        var b = current.ToBuilder();
        foreach (var (key, value) in tags)
        {
            if (key.Length is < 1 or > 128)
            {
                throw new AwsErrorException(SqsErrors.InvalidParameterValue("Tag keys must be between 1 and 128 characters in length."));
            }

            if (value.Length > 256)
            {
                throw new AwsErrorException(SqsErrors.InvalidParameterValue("Tag values may only be up to 256 characters in length."));
            }

            if (!MessageValidation.IsValidTagText(key) || !MessageValidation.IsValidTagText(value))
            {
                // Gatehouse's text: no AWS answer to these characters has been recorded.
                throw new AwsErrorException(SqsErrors.InvalidParameterValue(
                    "Tag keys and values can only contain Unicode letters, digits, white space, and the characters _ . : / = + - @."));
            }

            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new AwsErrorException(SqsErrors.InvalidParameterValue("Tag keys must not start with the reserved prefix aws:."));
            }

            b[key] = value;
        }

        if (b.Count > MaxTagsPerQueue)
        {
            throw new AwsErrorException(SqsErrors.InvalidParameterValue($"Too many tags added for queue {queueName}."));
        }

        return b.ToImmutable();
    }

    public QueueUrlResponse GetQueueUrl(SqsCaller caller, GetQueueUrlRequest request)
    {
        if (string.IsNullOrEmpty(request.QueueName))
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("QueueName"));
        }

        var account = string.IsNullOrEmpty(request.QueueOwnerAWSAccountId) ? caller.AccountId : request.QueueOwnerAWSAccountId;
        var queue = Find(account, caller.Region, request.QueueName) ?? throw new AwsErrorException(SqsErrors.QueueDoesNotExist(caller.QueryProtocol));
        return new QueueUrlResponse(QueueUrl(caller, queue));
    }

    public ListQueuesResponse ListQueues(SqsCaller caller, ListQueuesRequest request)
    {
        var (urls, next) = Page(caller, request.NextToken, request.MaxResults, q =>
            q.AccountId == caller.AccountId && q.Region == caller.Region
            && (request.QueueNamePrefix is null || q.Name.StartsWith(request.QueueNamePrefix, StringComparison.Ordinal)));
        return new ListQueuesResponse(urls, next);
    }

    /// <summary>One page of the queues that match, in name order: up to <paramref name="maxResults"/> (1-1000,
    /// default 1000) after the token; a NextToken only when MaxResults was sent and more remain (SQS API Reference, ListQueues).</summary>
    private (List<string> Urls, string? NextToken) Page(SqsCaller caller, string? token, int? maxResults, Func<QueueRecord, bool> matches)
    {
        if (maxResults is { } max && (max < 1 || max > 1000))
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(max.ToString(CultureInfo.InvariantCulture), "MaxResults",
                "MaxResults must be an integer between 1 and 1000."));
        }

        var after = DecodeToken(token);
        List<QueueRecord> matching;
        lock (_queuesLock)
        {
            matching = [.. _queues.Values
                .Where(q => matches(q) && (after is null || string.CompareOrdinal(q.Name, after) > 0))
                .OrderBy(q => q.Name, StringComparer.Ordinal)];
        }

        var limit = maxResults ?? 1000;
        var page = matching.Take(limit).ToList();
        var next = maxResults is not null && matching.Count > limit ? EncodeToken(page[^1].Name) : null;
        return ([.. page.Select(q => QueueUrl(caller, q))], next);
    }

    private static string EncodeToken(string lastName) => Convert.ToBase64String(Encoding.UTF8.GetBytes("v1:" + lastName));

    private static string? DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("v1:", StringComparison.Ordinal))
            {
                return text[3..];
            }
        }
        catch (FormatException)
        {
        }

        throw new AwsErrorException(SqsErrors.InvalidParameterValue("Invalid NextToken value."));
    }

    public async Task DeleteQueueAsync(SqsCaller caller, QueueRecord queue, CancellationToken ct = default)
    {
        await _store.DeleteQueueAsync(queue.Id, ct);
        lock (_queuesLock)
        {
            _queues.Remove((queue.AccountId, queue.Region, queue.Name));
        }

        _recentlyDeleted[(queue.AccountId, queue.Region, queue.Name)] = NowMs;
        _lastPurgeMs.TryRemove(queue.Id, out _);
        if (_signals.TryRemove(queue.Id, out var signal))
        {
            signal.Pulse();
        }
    }

    public async Task<GetQueueAttributesResponse> GetQueueAttributesAsync(QueueRecord queue, IReadOnlyList<string>? names, CancellationToken ct = default)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in names ?? [])
        {
            if (n == QueueAttributeNames.All)
            {
                wanted.UnionWith(QueueAttributeNames.Known);
            }
            else if (QueueAttributeNames.Known.Contains(n))
            {
                wanted.Add(n);
            }
            else
            {
                throw new AwsErrorException(SqsErrors.UnknownAttribute(n));
            }
        }

        var result = new List<KeyValuePair<string, string>>();
        if (wanted.Count == 0)
        {
            return new GetQueueAttributesResponse(result);
        }

        QueueCounts? counts = null;
        if (wanted.Overlaps([QueueAttributeNames.ApproximateNumberOfMessages, QueueAttributeNames.ApproximateNumberOfMessagesNotVisible,
                QueueAttributeNames.ApproximateNumberOfMessagesDelayed]))
        {
            var now = NowMs;
            counts = await _store.CountAsync(queue.Id, now, now - (queue.MessageRetentionPeriod * 1000L), ct);
        }

        foreach (var name in QueueAttributeNames.Known)
        {
            if (!wanted.Contains(name))
            {
                continue;
            }

            var value = name switch
            {
                QueueAttributeNames.ApproximateNumberOfMessages => counts!.Visible.ToString(CultureInfo.InvariantCulture),
                QueueAttributeNames.ApproximateNumberOfMessagesNotVisible => counts!.NotVisible.ToString(CultureInfo.InvariantCulture),
                QueueAttributeNames.ApproximateNumberOfMessagesDelayed => counts!.Delayed.ToString(CultureInfo.InvariantCulture),
                QueueAttributeNames.CreatedTimestamp => queue.CreatedTimestamp.ToString(CultureInfo.InvariantCulture),
                QueueAttributeNames.LastModifiedTimestamp => queue.LastModifiedTimestamp.ToString(CultureInfo.InvariantCulture),
                QueueAttributeNames.QueueArn => queue.Arn,
                _ => queue.Attributes.GetValueOrDefault(name),
            };
            if (value is not null)
            {
                result.Add(new(name, value));
            }
        }

        return new GetQueueAttributesResponse(result);
    }

    public async Task SetQueueAttributesAsync(SqsCaller caller, QueueRecord queue, IReadOnlyList<KeyValuePair<string, string>>? attributes, CancellationToken ct = default)
    {
        if (attributes is null || attributes.Count == 0)
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("Attribute.1.Name"));
        }

        var updated = QueueAttributeRules.Apply(queue.Attributes, attributes, queue.IsFifo, creating: false, queue.AccountId);
        await ValidateRedriveTargetAsync(caller, queue.Name, queue.IsFifo, updated, attributes);
        var record = queue with { Attributes = updated, LastModifiedTimestamp = NowSeconds };
        var scopeBefore = DeduplicationByMessageGroup(queue);
        await _store.UpdateQueueAsync(record, ct);
        Replace(record);
        NoteDeduplicationScopeChange(record, scopeBefore);
        Signal(queue.Id).Pulse();
    }

    /// <summary>
    /// How long a change of a live FIFO queue's <c>DeduplicationScope</c> takes to reach SendMessage. AWS documents
    /// that a queue attribute change "can take up to 60 seconds" to propagate (SQS API reference, SetQueueAttributes),
    /// and a recording against AWS shows deduplication still at queue scope right after a change to messageGroup;
    /// we take the documented bound, so a client that works here works on AWS too. GetQueueAttributes shows the new
    /// value at once. <c>FifoThroughputLimit</c> changes nothing Gatehouse serves (it has no throughput quotas), so
    /// there is nothing to delay. The pending change is kept in memory: after a restart the new scope applies.
    /// </summary>
    public static readonly TimeSpan AttributePropagationDelay = TimeSpan.FromSeconds(60);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, (bool MessageGroup, long UntilMs)> _previousDeduplicationScope = new();

    /// <summary>The deduplication scope SendMessage uses now: the queue's, or the one before a change that has not
    /// propagated yet.</summary>
    private bool DeduplicationByMessageGroup(QueueRecord queue) =>
        queue.IsFifo && _previousDeduplicationScope.TryGetValue(queue.Id, out var previous) && NowMs < previous.UntilMs
            ? previous.MessageGroup
            : queue.DeduplicationScopeIsMessageGroup;

    private void NoteDeduplicationScopeChange(QueueRecord record, bool inEffect)
    {
        if (!record.IsFifo)
        {
            return;
        }

        if (record.DeduplicationScopeIsMessageGroup == inEffect)
        {
            _previousDeduplicationScope.TryRemove(record.Id, out _);
        }
        else
        {
            _previousDeduplicationScope[record.Id] = (inEffect, NowMs + (long)AttributePropagationDelay.TotalMilliseconds);
        }
    }

    /// <summary>Writes a new definition of a queue (used by AddPermission/RemovePermission and tagging).</summary>
    private async Task SaveAsync(QueueRecord record, CancellationToken ct)
    {
        await _store.UpdateQueueAsync(record, ct);
        Replace(record);
    }

    public async Task PurgeQueueAsync(QueueRecord queue, CancellationToken ct = default)
    {
        var now = NowMs;
        if (_lastPurgeMs.TryGetValue(queue.Id, out var last) && now - last < PurgeWindowMs && !NoCooldowns)
        {
            throw new AwsErrorException(SqsErrors.PurgeQueueInProgress(queue.Name));
        }

        _lastPurgeMs[queue.Id] = now;
        await _store.PurgeAsync(queue.Id, ct);
    }

    public async Task TagQueueAsync(QueueRecord queue, IReadOnlyList<KeyValuePair<string, string>>? tags, CancellationToken ct = default)
    {
        if (tags is null || tags.Count == 0)
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("Tags"));
        }

        await SaveAsync(queue with { Tags = ValidateTags(queue.Name, queue.Tags, tags) }, ct);
    }

    public async Task UntagQueueAsync(QueueRecord queue, IReadOnlyList<string>? keys, CancellationToken ct = default)
    {
        if (keys is null || keys.Count == 0)
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("TagKeys"));
        }

        await SaveAsync(queue with { Tags = queue.Tags.RemoveRange(keys) }, ct);
    }

    public static ListQueueTagsResponse ListQueueTags(QueueRecord queue) => new([.. queue.Tags]);

    public ListDeadLetterSourceQueuesResponse ListDeadLetterSourceQueues(SqsCaller caller, QueueRecord queue, ListDeadLetterSourceQueuesRequest request)
    {
        var (urls, next) = Page(caller, request.NextToken, request.MaxResults, q => q.RedrivePolicy?.DeadLetterTargetArn == queue.Arn);
        return new ListDeadLetterSourceQueuesResponse(urls, next);
    }
}
