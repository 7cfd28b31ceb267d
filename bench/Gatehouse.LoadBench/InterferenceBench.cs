using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Gatehouse.LoadBench;

/// <summary>
/// How much a big queue's reads and purge slow down an unrelated queue (issue 17, finding 5): one queue filled
/// with N messages; one loop of SendMessage to another queue, measured while nothing else runs, while four
/// clients poll GetQueueAttributes(All) on the big queue, and while the big queue is purged.
/// </summary>
internal static class InterferenceBench
{
    private sealed record Phase(string Name, double P50, double P99, double Max, int Sends, string Note);

    public static async Task<string> RunAsync(BenchOptions o, int total, IReadOnlyList<string> args)
    {
        var results = new List<(string Target, IReadOnlyList<Phase> Phases)>();
        foreach (var name in o.BaselineDll is null ? ["gatehouse"] : new[] { "gatehouse", "baseline" })
        {
            Report.Progress($"starting {name}");
            var target = Target.StartGatehouse(o, name);
            try
            {
                await target.WaitReadyAsync(TimeSpan.FromSeconds(60));
                using var client = new SqsClient(target.Endpoint);
                results.Add((name, await MeasureAsync(o, client, total)));
            }
            finally
            {
                ChildProcesses.StopAll();
            }
        }

        var sb = new StringBuilder();
        sb.AppendLine("# Gatehouse benchmark: an unrelated queue's latency beside a big queue");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Command: `dotnet run -c Release --project bench/Gatehouse.LoadBench -- {string.Join(' ', args)}`");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"One queue holds {Report.Count(total)} messages. One client sends to another queue (SendMessage, one at a time) for {o.FillProbeSeconds:0.#} s per phase: alone, while four clients poll GetQueueAttributes(All) on the big queue, and while the big queue is purged (the phase lasts as long as the PurgeQueue call).");
        sb.AppendLine();
        sb.AppendLine("| Target | Phase | Sends | p50 ms | p99 ms | max ms | Note |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---|");
        foreach (var (target, phases) in results)
        {
            foreach (var p in phases)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {target} | {p.Name} | {p.Sends} | {p.P50:0.00} | {p.P99:0.00} | {p.Max:0.0} | {p.Note} |");
            }
        }

        return sb.ToString();
    }

    private static async Task<IReadOnlyList<Phase>> MeasureAsync(BenchOptions o, SqsClient client, int total)
    {
        var big = await client.CreateQueueAsync("bench-big", fifo: false);
        var small = await client.CreateQueueAsync("bench-small", fifo: false);
        Report.Progress($"filling to {Report.Count(total)}");
        await LoadRun.FillAsync(client, big, fifo: false, total, o.Producers * 2, o.BodySize, o.FifoGroups, n => Report.Progress($"  {n} queued"));
        var phases = new List<Phase>();
        var duration = TimeSpan.FromSeconds(o.FillProbeSeconds);

        phases.Add(await SendWhileAsync(client, small, "alone", async _ =>
        {
            await Task.Delay(duration);
            return "";
        }, ""));

        phases.Add(await SendWhileAsync(client, small, "4 × GetQueueAttributes on the big queue", async stop =>
        {
            var polls = 0;
            var pollers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await client.CallOkAsync("GetQueueAttributes", SqsClient.Json(w =>
                    {
                        w.WriteString("QueueUrl", big);
                        w.WriteStartArray("AttributeNames");
                        w.WriteStringValue("All");
                        w.WriteEndArray();
                    }));
                    Interlocked.Increment(ref polls);
                }
            })).ToList();
            await Task.Delay(duration);
            await stop.CancelAsync();
            await Task.WhenAll(pollers);
            return $"{polls} polls";
        }, ""));

        phases.Add(await SendWhileAsync(client, small, "PurgeQueue of the big queue", async _ =>
        {
            var clock = Stopwatch.StartNew();
            await client.CallOkAsync("PurgeQueue", SqsClient.Json(w => w.WriteString("QueueUrl", big)));
            return $"purge took {clock.Elapsed.TotalMilliseconds:0} ms";
        }, ""));
        return phases;
    }

    /// <summary>Sends to <paramref name="queueUrl"/> in a loop until <paramref name="during"/> finishes.</summary>
    private static async Task<Phase> SendWhileAsync(SqsClient client, string queueUrl, string name, Func<CancellationTokenSource, Task<string>> during, string note)
    {
        Report.Progress("phase: " + name);
        using var stop = new CancellationTokenSource();
        var latencies = new List<double>();
        var done = false;
        var sender = Task.Run(async () =>
        {
            var body = SqsClient.Json(w =>
            {
                w.WriteString("QueueUrl", queueUrl);
                w.WriteString("MessageBody", "unrelated");
            });
            while (!Volatile.Read(ref done))
            {
                var start = Stopwatch.GetTimestamp();
                await client.CallOkAsync("SendMessage", body);
                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        });
        await Task.Delay(200);
        int first;
        lock (latencies)
        {
            first = latencies.Count;
        }

        note = await during(stop) is { Length: > 0 } n ? n : note;
        Volatile.Write(ref done, true);
        await sender;
        var measured = latencies.Skip(first).Order().ToArray();
        double At(double q) => measured.Length == 0 ? double.NaN : measured[Math.Clamp((int)Math.Ceiling(q * measured.Length) - 1, 0, measured.Length - 1)];
        var phase = new Phase(name, At(0.5), At(0.99), measured.Length == 0 ? double.NaN : measured[^1], measured.Length, note);
        Report.Progress($"  {phase}");
        return phase;
    }
}
