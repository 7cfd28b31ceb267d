namespace Gatehouse.LoadBench;

/// <summary>One measured queue size in fill mode.</summary>
internal sealed record FillRow(
    long Checkpoint,
    long Queued,
    double? FillRate,
    long? Rss,
    long? PeakRss,
    long? AnonymousRss,
    long? Disk,
    ScenarioResult Send,
    ScenarioResult SendBatch,
    ScenarioResult ReceiveDelete);

/// <summary>Fills one Gatehouse queue to a large size and measures RSS and throughput along the way.</summary>
internal static class FillBench
{
    public static async Task<string> RunAsync(BenchOptions o, int total, IReadOnlyList<string> args)
    {
        Report.Progress("starting gatehouse");
        var target = Target.StartGatehouse(o);
        await target.WaitReadyAsync(TimeSpan.FromSeconds(60));
        using var client = new SqsClient(target.Endpoint);
        try
        {
            await SideBySideBench.WarmUpAsync(o, target, client, fifoToo: false);
            var queueUrl = await client.CreateQueueAsync("bench-fill", fifo: false);
            var rows = new List<FillRow>();
            foreach (var checkpoint in new long[] { 0, total / 10, total }.Distinct().Order())
            {
                var queued = await client.ApproximateMessagesAsync(queueUrl) ?? 0;
                double? fillRate = null;
                if (checkpoint > queued)
                {
                    Report.Progress($"filling to {Report.Count(checkpoint)} ({queued} queued)");
                    var (sent, seconds) = await LoadRun.FillAsync(
                        client, queueUrl, fifo: false, checkpoint - queued, o.Producers * 2, o.BodySize, o.FifoGroups,
                        n => Report.Progress($"  {n + queued} queued"));
                    fillRate = sent / seconds;
                    Report.Progress($"  {sent} messages in {seconds:0.0} s ({fillRate:0} msg/s)");
                    queued = await client.ApproximateMessagesAsync(queueUrl) ?? 0;
                }

                var rss = target.ResidentBytes();
                var peak = target.PeakResidentBytes();
                var anonymous = target.AnonymousResidentBytes();
                var disk = target.DiskBytes();
                Report.Progress($"queue holds {queued}; RSS {rss / 1048576.0:0} MiB, disk {disk / 1048576.0:0} MiB");

                async Task<ScenarioResult> Probe(string name, LoadRun.Step step, int workers)
                {
                    var r = await LoadRun.MeasureAsync("gatehouse", name, client, queueUrl, false, step, workers,
                        1, o.FillProbeSeconds, o.BodySize, o.FifoGroups);
                    Report.Progress("  " + Report.OneLine(r));
                    await Task.Delay(500);
                    return r;
                }

                var send = await Probe("send", LoadRun.SendAsync, o.Producers);
                var batch = await Probe("send-batch", LoadRun.SendBatchAsync, o.Producers);
                var receive = await Probe("recv-delete", LoadRun.ReceiveDeleteAsync, o.Consumers);
                rows.Add(new FillRow(checkpoint, queued, fillRate, rss, peak, anonymous, disk, send, batch, receive));
            }

            return Report.Fill(o, args, rows);
        }
        finally
        {
            ChildProcesses.StopAll();
        }
    }
}
