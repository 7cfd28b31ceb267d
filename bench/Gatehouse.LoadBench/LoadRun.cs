using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gatehouse.LoadBench;

/// <summary>One completed request: when it ended, how long it took, how many messages it moved, whether it failed.</summary>
internal readonly record struct Sample(long End, long Ticks, int Messages, bool Error);

/// <summary>The outcome of one scenario against one target.</summary>
internal sealed record ScenarioResult(
    string Target,
    string Scenario,
    double Seconds,
    long Requests,
    long Messages,
    long Errors,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    string? Note,
    string? FirstError,
    double? ServerCpuUsPerMessage = null,
    double? ClientCpuUsPerMessage = null,
    IReadOnlyList<double>? RoundShares = null,
    long TotalMessages = 0,
    double? RoundTripsPerMessage = null)
{
    /// <summary>The median of the per-round shares of the no-op's messages/s (each round's pair ran back to back),
    /// when several rounds ran alongside the no-op target.</summary>
    public double? MedianShare => RoundShares is { Count: > 0 } s ? s.Order().ElementAt(s.Count / 2) : null;

    public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;

    public double MessagesPerSecond => Seconds > 0 ? Messages / Seconds : 0;
}

/// <summary>Shared state of a running scenario: its measurement window and early stop.</summary>
internal sealed class Run
{
    private long _dryAt = long.MaxValue;
    private string? _firstError;
    private long _allMessages;

    public Run(double warmupSeconds, double durationSeconds)
    {
        var now = Stopwatch.GetTimestamp();
        Start = now + (long)(warmupSeconds * Stopwatch.Frequency);
        End = Start + (long)(durationSeconds * Stopwatch.Frequency);
    }

    public long Start { get; }

    public long End { get; }

    public long DryAt => Interlocked.Read(ref _dryAt);

    public bool Stopped => Stopwatch.GetTimestamp() >= End || DryAt != long.MaxValue;

    public string? FirstError => Volatile.Read(ref _firstError);

    /// <summary>Messages moved, warm-up included (for keeping track of what is queued).</summary>
    public long AllMessages => Interlocked.Read(ref _allMessages);

    public void MarkDry(long at)
    {
        long seen;
        while (at < (seen = Interlocked.Read(ref _dryAt)) && Interlocked.CompareExchange(ref _dryAt, at, seen) != seen)
        {
        }
    }

    public void NoteError(string error) => Interlocked.CompareExchange(ref _firstError, error, null);

    public void CountMessages(int messages) => Interlocked.Add(ref _allMessages, messages);
}

/// <summary>One concurrent client loop of a scenario.</summary>
internal sealed class Worker(int index, Run run, int bodySize, int fifoGroups)
{
    private static readonly string RunTag = Guid.NewGuid().ToString("N")[..8];
    private readonly Random _random = new(index * 7919);
    private long _sequence;

    public int Index { get; } = index;

    public Run Run { get; } = run;

    public List<Sample> Samples { get; } = new(1 << 14);

    public void Record(long start, long end, int messages, string? error)
    {
        Samples.Add(new Sample(end, end - start, messages, error is not null));
        Run.CountMessages(messages);
        if (error is not null)
            Run.NoteError(error);
    }

    public string NextBody()
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"{RunTag}-{Index}-{_sequence++}-");
        return id.Length >= bodySize ? id[..bodySize] : id + new string('m', bodySize - id.Length);
    }

    public string NextDeduplicationId() => string.Create(CultureInfo.InvariantCulture, $"{RunTag}-{Index}-{_sequence}");

    public string NextGroup() => "g" + _random.Next(fifoGroups).ToString(CultureInfo.InvariantCulture);
}

/// <summary>The load scenarios and the loop that measures them.</summary>
internal static class LoadRun
{
    public delegate Task Step(SqsClient client, string queueUrl, bool fifo, Worker worker);

    public static async Task<ScenarioResult> MeasureAsync(
        string targetName, string scenario, SqsClient client, string queueUrl, bool fifo, Step step, int workers,
        double warmupSeconds, double durationSeconds, int bodySize, int fifoGroups, Func<double?>? serverCpuSeconds = null)
    {
        var serverCpu0 = serverCpuSeconds?.Invoke();
        var clientCpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var run = new Run(warmupSeconds, durationSeconds);
        var loops = Enumerable.Range(0, workers).Select(i => Task.Run(async () =>
        {
            var worker = new Worker(i, run, bodySize, fifoGroups);
            while (!run.Stopped)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await step(client, queueUrl, fifo, worker);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException
                                              or InvalidOperationException or KeyNotFoundException)
                {
                    worker.Record(start, Stopwatch.GetTimestamp(), 0, e.GetType().Name + ": " + e.Message);
                    await Task.Delay(10);
                }
            }

            return worker;
        })).ToArray();
        var done = await Task.WhenAll(loops);

        // CPU per message over the whole run, warm-up included (process CPU time is not sampled at the window's edges).
        var allMessages = done.Sum(w => w.Samples.Sum(x => (long)x.Messages));
        double? PerMessage(double? before, double? after) =>
            before is { } b && after is { } a && allMessages > 0 ? (a - b) * 1e6 / allMessages : null;
        var serverCpu = PerMessage(serverCpu0, serverCpuSeconds?.Invoke());
        var clientCpu = PerMessage(clientCpu0, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);

        var end = Math.Min(run.End, run.DryAt);
        string? note = null;
        if (run.DryAt != long.MaxValue)
        {
            note = run.DryAt <= run.Start
                ? "queue ran dry during warm-up"
                : string.Create(CultureInfo.InvariantCulture,
                    $"queue ran dry after {(double)(run.DryAt - run.Start) / Stopwatch.Frequency:0.0} s");
        }

        var window = done.SelectMany(w => w.Samples).Where(s => s.End >= run.Start && s.End <= end).ToArray();
        var latencies = window.Select(s => s.Ticks).ToArray();
        Array.Sort(latencies);
        var seconds = Math.Max(0, (double)(end - run.Start) / Stopwatch.Frequency);
        return new ScenarioResult(
            targetName,
            scenario,
            seconds,
            window.Length,
            window.Sum(s => (long)s.Messages),
            window.Count(s => s.Error),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.90),
            Percentile(latencies, 0.99),
            note,
            run.FirstError,
            serverCpu,
            clientCpu,
            TotalMessages: allMessages);
    }

    private static double Percentile(long[] sorted, double q)
    {
        if (sorted.Length == 0)
            return double.NaN;
        var index = Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index] * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>Unbatched SendMessage.</summary>
    public static async Task SendAsync(SqsClient client, string queueUrl, bool fifo, Worker worker)
    {
        var body = SqsClient.Json(w =>
        {
            w.WriteString("QueueUrl", queueUrl);
            w.WriteString("MessageBody", worker.NextBody());
            if (fifo)
            {
                w.WriteString("MessageGroupId", worker.NextGroup());
                w.WriteString("MessageDeduplicationId", worker.NextDeduplicationId());
            }
        });
        var start = Stopwatch.GetTimestamp();
        var response = await client.CallAsync("SendMessage", body);
        var end = Stopwatch.GetTimestamp();
        worker.Record(start, end, response.Ok ? 1 : 0, response.Ok ? null : "SendMessage " + response.Describe());
    }

    /// <summary>SendMessageBatch with ten entries.</summary>
    public static async Task SendBatchAsync(SqsClient client, string queueUrl, bool fifo, Worker worker)
    {
        var start = Stopwatch.GetTimestamp();
        var (sent, error) = await SendBatchOnceAsync(client, queueUrl, fifo, worker);
        worker.Record(start, Stopwatch.GetTimestamp(), sent, error);
    }

    private static async Task<(int Sent, string? Error)> SendBatchOnceAsync(
        SqsClient client, string queueUrl, bool fifo, Worker worker)
    {
        var body = SqsClient.Json(w =>
        {
            w.WriteString("QueueUrl", queueUrl);
            w.WriteStartArray("Entries");
            for (var i = 0; i < 10; i++)
            {
                w.WriteStartObject();
                w.WriteString("Id", IdText[i]);
                w.WriteString("MessageBody", worker.NextBody());
                if (fifo)
                {
                    w.WriteString("MessageGroupId", worker.NextGroup());
                    w.WriteString("MessageDeduplicationId", worker.NextDeduplicationId());
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        var response = await client.CallAsync("SendMessageBatch", body);
        return BatchOutcome("SendMessageBatch", response);
    }

    /// <summary>ReceiveMessage (up to ten, no wait) then DeleteMessageBatch of what came back.</summary>
    public static async Task ReceiveDeleteAsync(SqsClient client, string queueUrl, bool fifo, Worker worker)
    {
        var receive = SqsClient.Json(w =>
        {
            w.WriteString("QueueUrl", queueUrl);
            w.WriteNumber("MaxNumberOfMessages", 10);
            w.WriteNumber("WaitTimeSeconds", 0);
        });
        var start = Stopwatch.GetTimestamp();
        var response = await client.CallAsync("ReceiveMessage", receive);
        var end = Stopwatch.GetTimestamp();
        if (!response.Ok)
        {
            worker.Record(start, end, 0, "ReceiveMessage " + response.Describe());
            return;
        }

        var handles = new List<string>(10);
        using (var doc = JsonDocument.Parse(response.Body))
        {
            if (doc.RootElement.TryGetProperty("Messages", out var messages))
            {
                foreach (var message in messages.EnumerateArray())
                    handles.Add(message.GetProperty("ReceiptHandle").GetString() ?? "");
            }
        }

        worker.Record(start, end, 0, null);
        if (handles.Count == 0)
        {
            worker.Run.MarkDry(end);
            return;
        }

        var delete = SqsClient.Json(w =>
        {
            w.WriteString("QueueUrl", queueUrl);
            w.WriteStartArray("Entries");
            for (var i = 0; i < handles.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("Id", IdText[i]);
                w.WriteString("ReceiptHandle", handles[i]);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        start = Stopwatch.GetTimestamp();
        response = await client.CallAsync("DeleteMessageBatch", delete);
        end = Stopwatch.GetTimestamp();
        var (deleted, error) = BatchOutcome("DeleteMessageBatch", response);
        worker.Record(start, end, deleted, error);
    }

    /// <summary>Queues <paramref name="count"/> messages with batched sends from <paramref name="workers"/> loops;
    /// returns how many were accepted and the seconds it took.</summary>
    public static async Task<(long Sent, double Seconds)> FillAsync(
        SqsClient client, string queueUrl, bool fifo, long count, int workers, int bodySize, int fifoGroups,
        Action<long>? progress = null)
    {
        var run = new Run(0, 1e6);
        long claimed = 0;
        long sent = 0;
        long failures = 0;
        var watch = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, workers).Select(i => Task.Run(async () =>
        {
            var worker = new Worker(1000 + i, run, bodySize, fifoGroups);
            while (Interlocked.Add(ref claimed, 10) - 10 < count)
            {
                try
                {
                    var (ok, error) = await SendBatchOnceAsync(client, queueUrl, fifo, worker);
                    var total = Interlocked.Add(ref sent, ok);
                    if (ok < 10)
                    {
                        Interlocked.Add(ref claimed, ok - 10);
                        if (Interlocked.Increment(ref failures) > 1000)
                            throw new InvalidOperationException("filling failed: " + error);
                    }

                    if (progress is not null && total % 50_000 < ok)
                        progress(total);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Add(ref claimed, -10);
                    if (Interlocked.Increment(ref failures) > 1000)
                        throw;
                    await Task.Delay(50);
                }
            }
        })).ToArray();
        await Task.WhenAll(loops);
        return (Interlocked.Read(ref sent), watch.Elapsed.TotalSeconds);
    }

    private static readonly string[] IdText = [.. Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    private static (int Succeeded, string? Error) BatchOutcome(string action, SqsResponse response)
    {
        if (!response.Ok)
            return (0, action + " " + response.Describe());
        using var doc = JsonDocument.Parse(response.Body);
        var ok = doc.RootElement.TryGetProperty("Successful", out var s) ? s.GetArrayLength() : 0;
        var failed = doc.RootElement.TryGetProperty("Failed", out var f) ? f.GetArrayLength() : 0;
        if (failed == 0)
            return (ok, null);
        var first = f[0];
        var text = new StringBuilder(action).Append(": ").Append(failed.ToString(CultureInfo.InvariantCulture))
            .Append(" entries failed, first: ").Append(first.GetRawText());
        return (ok, text.ToString());
    }
}
