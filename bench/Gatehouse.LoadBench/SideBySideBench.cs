namespace Gatehouse.LoadBench;

/// <summary>Every scenario against every target, one target at a time, in one run.</summary>
internal static class SideBySideBench
{
    private const double WarmupRoundSeconds = 1;

    public static async Task<string> RunAsync(BenchOptions o, IReadOnlyList<string> args)
    {
        var targets = new List<Target>();
        foreach (var name in BenchOptions.AllTargets.Where(o.Targets.Contains))
        {
            Report.Progress($"starting {name}");
            targets.Add(name switch
            {
                "gatehouse" or "baseline" => Target.StartGatehouse(o, name),
                "gatehouse-pg" => await Target.StartGatehousePostgresAsync(o, name, 1),
                "gatehouse-pg2" => await Target.StartGatehousePostgresAsync(o, name, 2),
                "moto" => Target.StartMoto(o),
                _ => Target.StartNoop(),
            });
        }

        foreach (var target in targets)
        {
            await target.WaitReadyAsync(TimeSpan.FromSeconds(60));
            foreach (var peer in target.Peers)
                await peer.WaitReadyAsync(TimeSpan.FromSeconds(60));
        }

        // A multi-node target gets the load spread over its nodes: each call goes to the next node in turn.
        var clients = targets.ToDictionary(t => t.Name, t => new SqsClient(t.ClientEndpoints), StringComparer.Ordinal);
        try
        {
            var needsFifo = o.Scenarios.Any(s => s.StartsWith("fifo-", StringComparison.Ordinal));
            var standardQueues = new Dictionary<string, string>(StringComparer.Ordinal);
            var fifoQueues = new Dictionary<string, string>(StringComparer.Ordinal);
            var sseQueues = new Dictionary<string, string>(StringComparer.Ordinal);
            var needsSse = o.Scenarios.Any(s => s.StartsWith("sse-", StringComparison.Ordinal));
            foreach (var target in targets)
            {
                standardQueues[target.Name] = await clients[target.Name].CreateQueueAsync("bench-standard", fifo: false);
                if (needsFifo)
                    fifoQueues[target.Name] = await clients[target.Name].CreateQueueAsync("bench-fifo.fifo", fifo: true);
                if (needsSse && target.IsGatehouse)
                    sseQueues[target.Name] = await clients[target.Name].CreateQueueAsync("bench-sse", fifo: false, kmsKey: "alias/aws/sqs");
            }

            foreach (var target in targets)
                await WarmUpAsync(o, target, clients[target.Name], needsFifo);

            var results = new List<ScenarioResult>();
            foreach (var scenario in BenchOptions.AllScenarios.Where(o.Scenarios.Contains))
            {
                var fifo = scenario.StartsWith("fifo-", StringComparison.Ordinal);
                var sse = scenario.StartsWith("sse-", StringComparison.Ordinal);
                var receive = scenario.EndsWith("recv-delete", StringComparison.Ordinal);
                LoadRun.Step step = scenario switch
                {
                    "send" or "fifo-send" or "sse-send" => LoadRun.SendAsync,
                    "send-batch" or "fifo-send-batch" or "sse-send-batch" => LoadRun.SendBatchAsync,
                    _ => LoadRun.ReceiveDeleteAsync,
                };
                var rounds = new Dictionary<string, List<ScenarioResult>>(StringComparer.Ordinal);
                for (var round = 0; round < o.Rounds; round++)
                {
                    foreach (var target in targets.Where(t => !sse || t.IsGatehouse))
                    {
                        var client = clients[target.Name];
                        var queueUrl = sse ? sseQueues[target.Name] : fifo ? fifoQueues[target.Name] : standardQueues[target.Name];
                        if (receive && !target.IsNoop)
                            await PrefillAsync(o, target, client, queueUrl, fifo, results, sse ? "sse-send-batch" : fifo ? "fifo-send-batch" : "send-batch");

                        Report.Progress($"{scenario} on {target.Name} ({o.Duration:0.#} s)");
                        var tripsBefore = await target.StoreRoundTripsAsync();
                        var result = await LoadRun.MeasureAsync(
                            target.Name, scenario, client, queueUrl, fifo, step, receive ? o.Consumers : o.Producers,
                            o.Warmup, o.Duration, o.BodySize, o.FifoGroups, target.CpuSeconds);
                        if (tripsBefore is { } before && await target.StoreRoundTripsAsync() is { } after && result.TotalMessages > 0)
                        {
                            // Round trips over the whole scenario (warm-up included) per message moved in it.
                            result = result with { RoundTripsPerMessage = (after - before) / (double)result.TotalMessages };
                        }
                        if (!rounds.TryGetValue(target.Name, out var list))
                            rounds[target.Name] = list = [];
                        list.Add(result);
                        Report.Progress("  " + Report.OneLine(result));
                        // Let the server finish group commits and collections before the next target starts.
                        await Task.Delay(500);
                    }
                }

                // With several rounds, each target's median round (by messages/s) stands for it; its share of the no-op
                // is the median of the rounds' shares, each taken against the no-op run right after it (the machine's
                // speed drifts between rounds, so a share across rounds would mix different machines).
                rounds.TryGetValue("noop", out var noopRounds);
                foreach (var target in targets.Where(t => rounds.ContainsKey(t.Name)))
                {
                    var median = rounds[target.Name].OrderBy(r => r.MessagesPerSecond).ElementAt(o.Rounds / 2);
                    if (!target.IsNoop && noopRounds is not null)
                    {
                        median = median with
                        {
                            RoundShares = [.. rounds[target.Name].Zip(noopRounds, (t, n) => n.MessagesPerSecond > 0 ? t.MessagesPerSecond / n.MessagesPerSecond : 0)],
                        };
                    }

                    results.Add(median);
                }
            }

            var rss = targets.Where(t => !t.IsNoop)
                .Select(t => (t.Name, Bytes: t.ResidentBytes()))
                .Where(x => x.Bytes is not null)
                .Select(x => (x.Name, x.Bytes!.Value))
                .ToList();
            return Report.SideBySide(o, args, results, rss);
        }
        finally
        {
            foreach (var client in clients.Values)
                client.Dispose();
            ChildProcesses.StopAll();
        }
    }

    /// <summary>Warms a target and the client up (JIT tiers, connection pools, SQLite caches) on queues of their own,
    /// so that the first measured scenario is not also the first one run.</summary>
    public static async Task WarmUpAsync(BenchOptions o, Target target, SqsClient client, bool fifoToo)
    {
        Report.Progress($"warming up {target.Name}");
        foreach (var fifo in fifoToo ? new[] { false, true } : [false])
        {
            var queueUrl = await client.CreateQueueAsync(fifo ? "bench-warmup.fifo" : "bench-warmup", fifo);
            foreach (var step in new LoadRun.Step[] { LoadRun.SendAsync, LoadRun.SendBatchAsync, LoadRun.ReceiveDeleteAsync })
            {
                await LoadRun.MeasureAsync(target.Name, "warm-up", client, queueUrl, fifo, step,
                    Math.Max(o.Producers, o.Consumers), 0, WarmupRoundSeconds, o.BodySize, o.FifoGroups);
            }
        }
    }

    /// <summary>Queues enough messages that the receive scenario does not run dry: twice what the target accepted
    /// in batched sends over the same time, at most the prefill cap.</summary>
    private static async Task PrefillAsync(
        BenchOptions o, Target target, SqsClient client, string queueUrl, bool fifo, List<ScenarioResult> results, string batchScenario)
    {
        var queued = await client.ApproximateMessagesAsync(queueUrl) ?? 0;
        var batch = results.FirstOrDefault(r => r.Target == target.Name && r.Scenario == batchScenario);
        var want = batch is { MessagesPerSecond: > 0 }
            ? (long)Math.Ceiling(batch.MessagesPerSecond * (o.Warmup + o.Duration) * 2)
            : o.PrefillCap;
        want = Math.Min(want, o.PrefillCap);
        if (queued >= want)
            return;
        Report.Progress($"prefilling {target.Name} with {want - queued} messages ({queued} queued)");
        var (sent, seconds) = await LoadRun.FillAsync(
            client, queueUrl, fifo, want - queued, o.Producers, o.BodySize, o.FifoGroups);
        Report.Progress($"  {sent} messages in {seconds:0.0} s");
    }
}
