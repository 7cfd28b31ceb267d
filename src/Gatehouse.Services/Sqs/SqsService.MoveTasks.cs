using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

public sealed partial class SqsService
{
    /// <summary>Rate used when StartMessageMoveTask names none (AWS picks a "system-optimized" rate; its
    /// value is not published, so we take the documented maximum).</summary>
    public const int DefaultMoveRatePerSecond = 500;

    private readonly ConcurrentDictionary<string, List<MoveTask>> _moveTasks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _runningHere = new(StringComparer.Ordinal);
    private ITimer? _moveTakeover;

    /// <summary>How long a move task's lease lasts; its runner renews it before every batch (once a second).</summary>
    public static readonly TimeSpan MoveTaskLeaseTtl = TimeSpan.FromSeconds(10);

    /// <summary>With shared leases, how often a node looks for running move tasks whose runner is gone (its node
    /// died): a task is taken over within <see cref="MoveTaskLeaseTtl"/> plus this.</summary>
    public static readonly TimeSpan MoveTaskTakeoverInterval = TimeSpan.FromSeconds(5);

    /// <summary>With shared leases (several nodes): looks periodically for running move tasks no node runs, and
    /// takes them up from their recorded progress. Call once the leases are set.</summary>
    public void StartMoveTaskTakeover()
    {
        if (Leases.Shared)
        {
            _moveTakeover ??= _time.CreateTimer(_ => _ = TakeOverMoveTasksAsync(), null, MoveTaskTakeoverInterval, MoveTaskTakeoverInterval);
        }
    }

    private async Task TakeOverMoveTasksAsync()
    {
        try
        {
            foreach (var record in await _store.LoadMoveTasksAsync(_stopping.Token))
            {
                if (record.Status == "CANCELLING" && !_runningHere.ContainsKey(record.Id) && await HoldMoveLeaseAsync(record.Id))
                {
                    // Cancelled (possibly through another node) while no node ran it: nothing will stop it but this.
                    await _store.SaveMoveTaskAsync(record with { Status = "CANCELLED" }, _stopping.Token);
                    await Leases.ReleaseAsync("move:" + record.Id, NodeId, _stopping.Token);
                    continue;
                }

                if (record.Status != "RUNNING" || _runningHere.ContainsKey(record.Id))
                {
                    continue;
                }

                var tasks = _moveTasks.GetOrAdd(record.SourceArn, _ => []);
                MoveTask task;
                lock (tasks)
                {
                    task = tasks.FirstOrDefault(t => t.Id == record.Id) ?? MoveTask.From(record);
                    if (!tasks.Contains(task))
                    {
                        tasks.Insert(0, task);
                    }

                    // Resume from what the last runner recorded.
                    Interlocked.Exchange(ref task.Moved, record.Moved);
                    task.Status = record.Status;
                }

                _ = Task.Run(() => RunMoveTaskAsync(task), CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException or IOException
            or System.Data.Common.DbException)
        {
            // Stopping, or the database is unreachable: the next round tries again.
        }
    }

    private sealed class MoveTask
    {
        public required string Id { get; init; }

        public required string SourceArn { get; init; }

        public string? DestinationArn { get; init; }

        public int? Rate { get; init; }

        public required long ToMove { get; init; }

        public required long StartedMs { get; init; }

        public long Moved;

        public volatile string Status = "RUNNING";

        public string? FailureReason;

        /// <summary>AWS's task handle: base64 of <c>{"taskId":"…","sourceArn":"…"}</c>.</summary>
        public string Handle
        {
            get
            {
                using var buffer = new MemoryStream();
                using (var w = new Utf8JsonWriter(buffer))
                {
                    w.WriteStartObject();
                    w.WriteString("taskId", Id);
                    w.WriteString("sourceArn", SourceArn);
                    w.WriteEndObject();
                }

                return Convert.ToBase64String(buffer.ToArray());
            }
        }

        public MoveTaskRecord ToRecord() =>
            new(Id, SourceArn, DestinationArn, Rate, ToMove, StartedMs, Interlocked.Read(ref Moved), Status, FailureReason);

        public static MoveTask From(MoveTaskRecord r) => new()
        {
            Id = r.Id,
            SourceArn = r.SourceArn,
            DestinationArn = r.DestinationArn,
            Rate = r.Rate,
            ToMove = r.ToMove,
            StartedMs = r.StartedMs,
            Moved = r.Moved,
            Status = r.Status,
            FailureReason = r.FailureReason,
        };
    }

    /// <summary>Takes up the recorded move tasks after a restart: running ones go on where they stopped, and one that
    /// was being cancelled is cancelled.</summary>
    private async Task ResumeMoveTasksAsync(CancellationToken ct)
    {
        foreach (var record in await _store.LoadMoveTasksAsync(ct))
        {
            var task = MoveTask.From(record);
            var tasks = _moveTasks.GetOrAdd(task.SourceArn, _ => []);
            lock (tasks)
            {
                tasks.Add(task);
            }

            if (task.Status == "CANCELLING")
            {
                task.Status = "CANCELLED";
                await _store.SaveMoveTaskAsync(task.ToRecord(), ct);
            }
            else if (task.Status == "RUNNING")
            {
                _ = Task.Run(() => RunMoveTaskAsync(task), CancellationToken.None);
            }
        }
    }

    public async Task<StartMessageMoveTaskResponse> StartMessageMoveTaskAsync(StartMessageMoveTaskRequest r, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(r.SourceArn))
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("SourceArn"));
        }

        var source = FindByArn(r.SourceArn)
            ?? throw new AwsErrorException(SqsErrors.ResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist."));
        bool isDeadLetterQueue;
        lock (_queuesLock)
        {
            isDeadLetterQueue = _queues.Values.Any(q => q.RedrivePolicy?.DeadLetterTargetArn == source.Arn);
        }

        if (!isDeadLetterQueue)
        {
            throw new AwsErrorException(SqsErrors.InvalidParameterValue("Source queue must be configured as a Dead Letter Queue."));
        }

        QueueRecord? destination = null;
        if (!string.IsNullOrEmpty(r.DestinationArn))
        {
            destination = FindByArn(r.DestinationArn)
                ?? throw new AwsErrorException(SqsErrors.ResourceNotFound("The resource that you specified for the DestinationArn parameter doesn't exist."));
        }

        if (r.MaxNumberOfMessagesPerSecond is { } rate && rate is < 1 or > 500)
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(rate.ToString(CultureInfo.InvariantCulture), "MaxNumberOfMessagesPerSecond",
                "Must be between 1 and 500, if provided."));
        }

        var tasks = _moveTasks.GetOrAdd(source.Arn, _ => []);
        var now = NowMs;
        var counts = await _store.CountAsync(source.Id, now, now - (source.MessageRetentionPeriod * 1000L), ct);
        // With shared move tasks, a task another node started counts too, and what the table says of a task this node
        // knows but does not run (another node took it over, completed or cancelled it) replaces what this node saw.
        IReadOnlyList<MoveTaskRecord> recorded = _store.SharesMoveTasks ? await _store.LoadMoveTasksAsync(source.Arn, ct) : [];
        MoveTask task;
        lock (tasks)
        {
            foreach (var known in tasks.Where(t => !_runningHere.ContainsKey(t.Id)))
            {
                if (recorded.FirstOrDefault(t => t.Id == known.Id) is { } record)
                {
                    known.Status = record.Status;
                    Interlocked.Exchange(ref known.Moved, record.Moved);
                }
            }

            if (recorded.Any(t => t.Status is "RUNNING" or "CANCELLING") || tasks.Any(t => t.Status is "RUNNING" or "CANCELLING"))
            {
                throw new AwsErrorException(SqsErrors.InvalidParameterValue(
                    "There is already a task running. Only one active task is allowed for a source queue arn at a given time."));
            }

            task = new MoveTask
            {
                Id = Guid.NewGuid().ToString(),
                SourceArn = source.Arn,
                DestinationArn = destination?.Arn,
                Rate = r.MaxNumberOfMessagesPerSecond,
                ToMove = counts.Visible,
                StartedMs = now,
            };
            tasks.Insert(0, task);
        }

        try
        {
            await _store.SaveMoveTaskAsync(task.ToRecord(), ct);
        }
        catch (MoveTaskActiveException)
        {
            // Another node started a task for this source at the same moment, and recorded it first.
            lock (tasks)
            {
                tasks.Remove(task);
            }

            throw new AwsErrorException(SqsErrors.InvalidParameterValue(
                "There is already a task running. Only one active task is allowed for a source queue arn at a given time."));
        }

        _ = Task.Run(() => RunMoveTaskAsync(task), CancellationToken.None);
        return new StartMessageMoveTaskResponse(task.Handle);
    }

    private async Task RunMoveTaskAsync(MoveTask task)
    {
        if (!_runningHere.TryAdd(task.Id, 0))
        {
            return;
        }

        try
        {
            await RunMoveTaskHereAsync(task);
        }
        finally
        {
            _runningHere.TryRemove(task.Id, out _);
        }
    }

    /// <summary>Whether this node holds (or now took) the task's lease; in a cluster another node may run it.</summary>
    private Task<bool> HoldMoveLeaseAsync(string taskId) => Leases.TryAcquireAsync("move:" + taskId, NodeId, MoveTaskLeaseTtl, _stopping.Token);

    /// <summary>With shared move tasks: whether the task was cancelled through any node since this runner last
    /// looked (the store keeps the cancellation; docs/postgres.md, "Move tasks on any node").</summary>
    private async Task<bool> CancelledInStoreAsync(MoveTask task) =>
        _store.SharesMoveTasks
        && (await _store.LoadMoveTasksAsync(task.SourceArn, _stopping.Token)).FirstOrDefault(t => t.Id == task.Id) is { Status: "CANCELLING" or "CANCELLED" };

    private async Task RunMoveTaskHereAsync(MoveTask task)
    {
        var tasks = _moveTasks.GetOrAdd(task.SourceArn, _ => []);
        try
        {
            while (task.Status == "RUNNING" && Interlocked.Read(ref task.Moved) < task.ToMove)
            {
                if (!await HoldMoveLeaseAsync(task.Id))
                {
                    // Another node runs it; if that node dies, the takeover round here resumes it.
                    return;
                }

                if (await CancelledInStoreAsync(task))
                {
                    lock (tasks)
                    {
                        task.Status = "CANCELLING";
                    }

                    break;
                }

                var source = FindByArn(task.SourceArn);
                long? destinationId = null;
                if (task.DestinationArn is not null)
                {
                    destinationId = FindByArn(task.DestinationArn)?.Id;
                    if (destinationId is null)
                    {
                        await FailAsync(task, "AWS.SimpleQueueService.NonExistentQueue");
                        return;
                    }
                }

                if (source is null)
                {
                    await FailAsync(task, "AWS.SimpleQueueService.NonExistentQueue");
                    return;
                }

                var batch = (int)Math.Min(task.Rate ?? DefaultMoveRatePerSecond, task.ToMove - Interlocked.Read(ref task.Moved));
                var moved = await _store.MoveMessagesAsync(source.Id, destinationId, arn => FindByArn(arn)?.Id, batch, NowMs, _stopping.Token);

                // The count and, once nothing is left to move, the final status change together: AWS lists a task
                // as COMPLETED (without its handle) as soon as every message has moved, not a pacing step later.
                var finished = false;
                lock (tasks)
                {
                    var total = Interlocked.Add(ref task.Moved, moved);
                    if (moved < batch || total >= task.ToMove)
                    {
                        task.Status = task.Status == "CANCELLING" ? "CANCELLED" : "COMPLETED";
                        finished = true;
                    }
                }

                await _store.SaveMoveTaskAsync(task.ToRecord(), _stopping.Token);
                if (destinationId is { } d)
                {
                    Signal(d).Pulse();
                }

                if (finished)
                {
                    await Leases.ReleaseAsync("move:" + task.Id, NodeId, _stopping.Token);
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), _time, _stopping.Token);
            }

            lock (tasks)
            {
                task.Status = task.Status == "CANCELLING" ? "CANCELLED" : "COMPLETED";
            }

            await _store.SaveMoveTaskAsync(task.ToRecord(), _stopping.Token);
            await Leases.ReleaseAsync("move:" + task.Id, NodeId, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // The server is stopping.
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            await FailAsync(task, "AWS.SimpleQueueService.InternalError");
        }
        catch (System.Data.Common.DbException) when (Leases.Shared)
        {
            // The shared database is unreachable: the lease runs out and this or another node resumes the task.
        }
    }

    private async Task FailAsync(MoveTask task, string reason)
    {
        task.FailureReason = reason;
        task.Status = "FAILED";
        try
        {
            await _store.SaveMoveTaskAsync(task.ToRecord(), _stopping.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            // Stopping, or the store is failing: the task is failed in memory either way.
        }
    }

    public async Task<CancelMessageMoveTaskResponse> CancelMessageMoveTaskAsync(CancelMessageMoveTaskRequest r, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(r.TaskHandle))
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("TaskHandle"));
        }

        if (ParseTaskHandle(r.TaskHandle) is not { } parts)
        {
            throw new AwsErrorException(SqsErrors.InvalidParameterValue("Value for parameter TaskHandle is invalid."));
        }

        if (FindByArn(parts.SourceArn) is null)
        {
            throw new AwsErrorException(SqsErrors.ResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist."));
        }

        var local = _moveTasks.GetValueOrDefault(parts.SourceArn);
        if (_store.SharesMoveTasks)
        {
            // Whichever node runs it: the store marks it CANCELLING (only if RUNNING), and its runner stops before
            // its next step and records CANCELLED.
            var record = await _store.CancelMoveTaskAsync(parts.SourceArn, parts.TaskId, ct)
                ?? throw new AwsErrorException(SqsErrors.ResourceNotFound("Task does not exist."));
            if (local?.FirstOrDefault(t => t.Id == parts.TaskId && t.Status == "RUNNING") is { } mine)
            {
                mine.Status = "CANCELLING";
            }

            return new CancelMessageMoveTaskResponse(record.Moved);
        }

        var task = local?.FirstOrDefault(t => t.Id == parts.TaskId && t.Status == "RUNNING")
            ?? throw new AwsErrorException(SqsErrors.ResourceNotFound("Task does not exist."));
        task.Status = "CANCELLING";
        // Recorded before answering, so that a restart right after still cancels it.
        await _store.SaveMoveTaskAsync(task.ToRecord(), ct);
        return new CancelMessageMoveTaskResponse(Interlocked.Read(ref task.Moved));
    }

    /// <summary>A task handle is opaque to clients; like AWS's it is base64 of a JSON object naming the task id and
    /// the source queue's ARN, so that a handle naming an unknown queue and a malformed one get different errors
    /// (docs/sqs-behaviour.md). Handles of tasks recorded by earlier builds (base64 of <c>id|arn</c>) still parse.</summary>
    public static (string TaskId, string SourceArn)? ParseTaskHandle(string? handle)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(handle ?? "");
        }
        catch (FormatException)
        {
            return null;
        }

        if (bytes.Length > 0 && bytes[0] == (byte)'{')
        {
            try
            {
                using var doc = JsonDocument.Parse(bytes);
                var root = doc.RootElement;
                return root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("taskId", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } taskId
                    && root.TryGetProperty("sourceArn", out var arn) && arn.ValueKind == JsonValueKind.String && arn.GetString() is { Length: > 0 } sourceArn
                    ? (taskId, sourceArn)
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var parts = text.Split('|');
        return parts.Length == 2 ? (parts[0], parts[1]) : null;
    }

    /// <summary>The newest <c>MaxResults</c> (1–10, default 1) move tasks of the source queue, newest first (SQS API
    /// Reference, ListMessageMoveTasks): with shared move tasks, those started on any node, read from the store.</summary>
    public async Task<ListMessageMoveTasksResponse> ListMessageMoveTasksAsync(ListMessageMoveTasksRequest r, CancellationToken ct = default)
    {
        var local = ListMessageMoveTasks(r);
        if (!_store.SharesMoveTasks)
        {
            return local;
        }

        var max = r.MaxResults ?? 1;
        return new ListMessageMoveTasksResponse([.. (await _store.LoadMoveTasksAsync(r.SourceArn!, ct)).Take(max).Select(t => Entry(MoveTask.From(t)))]);
    }

    private static MessageMoveTaskEntry Entry(MoveTask t) => new(
        t.Status == "RUNNING" ? t.Handle : null,
        t.Status,
        t.SourceArn,
        t.DestinationArn,
        t.Rate,
        Interlocked.Read(ref t.Moved),
        t.ToMove,
        t.Status == "FAILED" ? t.FailureReason : null,
        t.StartedMs);

    /// <summary>This node's own list (validating the request); what <see cref="ListMessageMoveTasksAsync"/> answers
    /// when move tasks are not shared.</summary>
    private ListMessageMoveTasksResponse ListMessageMoveTasks(ListMessageMoveTasksRequest r)
    {
        if (string.IsNullOrEmpty(r.SourceArn))
        {
            throw new AwsErrorException(SqsErrors.MissingParameter("SourceArn"));
        }

        if (FindByArn(r.SourceArn) is null)
        {
            throw new AwsErrorException(SqsErrors.ResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist."));
        }

        var max = r.MaxResults ?? 1;
        if (max is < 1 or > 10)
        {
            throw new AwsErrorException(SqsErrors.InvalidValue(max.ToString(CultureInfo.InvariantCulture), "MaxResults",
                "You must enter a number that's between 1 and 10."));
        }

        var tasks = _moveTasks.GetValueOrDefault(r.SourceArn) ?? [];
        List<MessageMoveTaskEntry> entries;
        lock (tasks)
        {
            entries = [.. tasks.Take(max).Select(Entry)];
        }

        return new ListMessageMoveTasksResponse(entries);
    }
}
