using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Gatehouse.LoadBench;

/// <summary>Markdown tables and progress lines.</summary>
internal static class Report
{
    /// <summary>Issue 2's goals for Gatehouse on durable SQLite, as shares of the no-op ceiling.</summary>
    private static readonly Dictionary<string, double> Goals = new(StringComparer.Ordinal)
    {
        ["send"] = 0.50,
        ["send-batch"] = 0.40,
        ["recv-delete"] = 0.40,
    };

    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["send"] = "SendMessage, one message per call",
        ["send-batch"] = "SendMessageBatch, ten per call",
        ["recv-delete"] = "ReceiveMessage (up to ten) + DeleteMessageBatch",
        ["fifo-send"] = "FIFO SendMessage, random group of many",
        ["fifo-send-batch"] = "FIFO SendMessageBatch, ten per call",
        ["fifo-recv-delete"] = "FIFO ReceiveMessage (up to ten) + DeleteMessageBatch",
    };

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The load average when the benchmark started.</summary>
    public static string LoadAtStart { get; set; } = "unknown";

    public static void Progress(string line) =>
        Console.Error.WriteLine(string.Create(Inv, $"[{TimeProvider.System.GetLocalNow():HH:mm:ss}] {line}"));

    public static string OneLine(ScenarioResult r) => string.Create(Inv,
        $"{r.Target,-9} {r.Scenario,-16} {r.RequestsPerSecond,9:0} req/s {r.MessagesPerSecond,9:0} msg/s  p50 {r.P50Ms:0.00} p99 {r.P99Ms:0.00} ms  cpu {Cpu(r.ServerCpuUsPerMessage)}/{Cpu(r.ClientCpuUsPerMessage)} µs/msg  errors {r.Errors}{(r.Note is null ? "" : "  (" + r.Note + ")")}");

    public static string SideBySide(
        BenchOptions o, IReadOnlyList<string> args, IReadOnlyList<ScenarioResult> results,
        IReadOnlyList<(string Name, long Bytes)> rss)
    {
        var md = new StringBuilder();
        md.AppendLine("# Gatehouse load benchmark: results");
        md.AppendLine();
        AppendEnvironment(md, o, args);
        md.AppendLine(string.Create(Inv,
            $"Load: {o.Producers} producers / {o.Consumers} consumers, {o.Duration:0.#} s measured per scenario and target after {o.Warmup:0.#} s warm-up, {o.BodySize}-byte bodies, FIFO over {o.FifoGroups} message groups. Targets run one at a time") +
            (o.Rounds > 1 ? string.Create(Inv, $", {o.Rounds} interleaved rounds: the median round (by messages/s) shown, and as share of the no-op the median of the rounds' shares, each against the no-op run in the same round.") : "."));
        md.AppendLine();
        md.AppendLine("| Target | Scenario | Req/s | Msg/s | p50 ms | p90 ms | p99 ms | Errors | Msg/s vs no-op | Server CPU µs/msg | Client CPU µs/msg |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results.OrderBy(r => Array.IndexOf(BenchOptions.AllScenarios, r.Scenario))
                     .ThenBy(r => Array.IndexOf(BenchOptions.AllTargets, r.Target)))
        {
            var noop = Find(results, "noop", r.Scenario);
            md.AppendLine(string.Create(Inv,
                $"| {r.Target} | {r.Scenario} | {r.RequestsPerSecond:0} | {r.MessagesPerSecond:0} | {Ms(r.P50Ms)} | {Ms(r.P90Ms)} | {Ms(r.P99Ms)} | {r.Errors} | {Share(r, noop)} | {Cpu(r.ServerCpuUsPerMessage)} | {Cpu(r.ClientCpuUsPerMessage)} |"));
        }

        md.AppendLine();
        md.AppendLine("## Shares of the no-op ceiling (messages/s)");
        md.AppendLine();
        md.AppendLine("| Scenario | What | Gatehouse | Gatehouse, each round | moto | Gatehouse ÷ moto | Goal for Gatehouse |");
        md.AppendLine("|---|---|---:|---|---:|---:|---:|");
        foreach (var scenario in BenchOptions.AllScenarios.Where(s => results.Any(r => r.Scenario == s)))
        {
            var noop = Find(results, "noop", scenario);
            var gatehouse = Find(results, "gatehouse", scenario);
            var moto = Find(results, "moto", scenario);
            var goal = Goals.TryGetValue(scenario, out var g)
                ? string.Create(Inv, $"≥ {g:0%}") + (ShareOf(gatehouse, noop) is { } reached
                    ? reached >= g ? " (met)" : " (not met)"
                    : "")
                : "–";
            var ratio = gatehouse is not null && moto is { MessagesPerSecond: > 0 }
                ? string.Create(Inv, $"{gatehouse.MessagesPerSecond / moto.MessagesPerSecond:0.0}×")
                : "–";
            md.AppendLine(string.Create(Inv,
                $"| {scenario} | {Descriptions[scenario]} | {Share(gatehouse, noop)} | {Rounds(gatehouse)} | {Share(moto, noop)} | {ratio} | {goal} |"));
        }

        var postgres = results.Where(r => r.Target.StartsWith("gatehouse-pg", StringComparison.Ordinal)).ToList();
        if (postgres.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## PostgreSQL beside SQLite");
            md.AppendLine();
            md.AppendLine(string.Create(Inv, $"PostgreSQL `synchronous_commit` {o.PostgresCommit}. ") + "Round trips are the queue store's database round trips (`storeRoundTrips` in `GET /_gatehouse/status`, summed over the nodes) over the whole scenario, warm-up included, per message moved in it.");
            md.AppendLine();
            md.AppendLine("| Scenario | Target | Msg/s | ÷ gatehouse (SQLite) | DB round trips / msg | Server CPU µs/msg | p50 / p99 ms |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
            foreach (var r in postgres.OrderBy(r => Array.IndexOf(BenchOptions.AllScenarios, r.Scenario)).ThenBy(r => r.Target, StringComparer.Ordinal))
            {
                var sqlite = Find(results, "gatehouse", r.Scenario);
                var ratio = sqlite is { MessagesPerSecond: > 0 } ? string.Create(Inv, $"{r.MessagesPerSecond / sqlite.MessagesPerSecond:0%}") : "–";
                var trips = r.RoundTripsPerMessage is { } t ? string.Create(Inv, $"{t:0.000}") : "–";
                md.AppendLine(string.Create(Inv,
                    $"| {r.Scenario} | {r.Target} | {r.MessagesPerSecond:0} | {ratio} | {trips} | {Cpu(r.ServerCpuUsPerMessage)} | {Ms(r.P50Ms)} / {Ms(r.P99Ms)} |"));
            }
        }

        if (rss.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Server RSS at the end: " + string.Join(", ", rss.Select(x => string.Create(Inv, $"{x.Name} {x.Bytes / 1048576.0:0} MiB"))) + ".");
        }

        AppendNotes(md, results);
        return md.ToString();
    }

    public static string Fill(
        BenchOptions o, IReadOnlyList<string> args, IReadOnlyList<FillRow> rows)
    {
        var md = new StringBuilder();
        md.AppendLine("# Gatehouse load benchmark: a growing queue");
        md.AppendLine();
        AppendEnvironment(md, o, args);
        md.AppendLine(string.Create(Inv,
            $"One standard queue filled with batched sends ({o.Producers * 2} concurrent); at each size, {o.FillProbeSeconds:0.#} s probes of each scenario ({o.Producers} producers / {o.Consumers} consumers, {o.BodySize}-byte bodies). RSS is the server's VmRSS right after filling, of which \"anonymous\" (RssAnon) is heap and stacks and the rest mostly the memory-mapped database file; peak is VmHWM."));
        md.AppendLine();
        md.AppendLine("| Queue size | Queued (measured) | Fill msg/s | send msg/s (p99 ms) | send-batch msg/s (p99 ms) | recv-delete msg/s (p99 ms) | RSS MiB | of it anonymous MiB | Peak RSS MiB | Data on disk MiB |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            md.AppendLine(string.Create(Inv,
                $"| {Count(row.Checkpoint)} | {row.Queued:N0} | {(row.FillRate is { } f ? f.ToString("0", Inv) : "–")} | {Probe(row.Send)} | {Probe(row.SendBatch)} | {Probe(row.ReceiveDelete)} | {MiB(row.Rss)} | {MiB(row.AnonymousRss)} | {MiB(row.PeakRss)} | {MiB(row.Disk)} |"));
        }

        AppendNotes(md, rows.SelectMany(r => new[] { r.Send, r.SendBatch, r.ReceiveDelete }).ToList());
        return md.ToString();
    }

    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Gatehouse.slnx")))
                    return dir.FullName;
            }
        }

        return null;
    }

    public static string Count(long n) => n switch
    {
        >= 1_000_000 when n % 1_000_000 == 0 => (n / 1_000_000).ToString(Inv) + "M",
        >= 1_000 when n % 1_000 == 0 => (n / 1_000).ToString(Inv) + "k",
        _ => n.ToString("N0", Inv),
    };

    private static void AppendEnvironment(StringBuilder md, BenchOptions o, IReadOnlyList<string> args)
    {
        md.AppendLine(string.Create(Inv,
            $"Machine: {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}. Run {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC."));
        md.AppendLine();
        md.AppendLine("Load average (1/5/15 min) when the run started: " + LoadAtStart + "; at the end: " + LoadAverage() +
                      ". The machine may be shared: other work skews every figure.");
        md.AppendLine();
        md.AppendLine("Command: `dotnet run -c Release --project bench/Gatehouse.LoadBench" +
                      (args.Count > 0 ? " -- " + string.Join(' ', args) : "") + "`");
        md.AppendLine();
        var store = o.GatehouseArgs.Contains("--in-memory") ? "in memory"
            : o.GatehouseArgs.Contains("--fsync") ? "durable SQLite, fsync on every commit" : "durable SQLite (WAL; commits survive kill -9)";
        md.AppendLine("Client: SigV4-signed AWS JSON 1.0 requests over keep-alive HTTP/1.1 (SocketsHttpHandler), " +
                      $"all on 127.0.0.1. Gatehouse: Release build, {store}, fresh data directory. moto: `moto_server`. " +
                      "no-op: Kestrel answering fixed responses in its own process (the ceiling for this client).");
        md.AppendLine();
    }

    private static void AppendNotes(StringBuilder md, IReadOnlyList<ScenarioResult> results)
    {
        var notes = results.Where(r => r.Note is not null || r.FirstError is not null).ToList();
        if (notes.Count == 0)
            return;
        md.AppendLine();
        md.AppendLine("Notes:");
        md.AppendLine();
        foreach (var r in notes)
        {
            var text = r.Note ?? "";
            if (r.FirstError is not null)
                text += (text.Length > 0 ? "; " : "") + "first error: " + r.FirstError.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
            md.AppendLine($"- {r.Target} / {r.Scenario}: {text}");
        }
    }

    private static ScenarioResult? Find(IReadOnlyList<ScenarioResult> results, string target, string scenario) =>
        results.FirstOrDefault(r => r.Target == target && r.Scenario == scenario);

    /// <summary>The median of the per-round shares when there are rounds, else the share of the one run.</summary>
    private static double? ShareOf(ScenarioResult? r, ScenarioResult? noop) =>
        r?.MedianShare ?? (r is null || noop is null || noop.MessagesPerSecond <= 0 ? null : r.MessagesPerSecond / noop.MessagesPerSecond);

    private static string Share(ScenarioResult? r, ScenarioResult? noop) => ShareOf(r, noop) is { } share
        ? share < 0.01 ? share.ToString("0.00%", Inv) : share.ToString("0.0%", Inv)
        : "–";

    private static string Rounds(ScenarioResult? r) => r?.RoundShares is { Count: > 1 } shares
        ? string.Join(", ", shares.Select(s => s.ToString(s < 0.01 ? "0.00%" : "0.0%", Inv)))
        : "–";

    private static string Cpu(double? us) => us is { } v ? v.ToString(v < 10 ? "0.0" : "0", Inv) : "–";

    private static string Ms(double ms) => double.IsNaN(ms) ? "–" : ms.ToString(ms < 10 ? "0.00" : "0.0", Inv);

    private static string MiB(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("0", Inv) : "–";

    private static string Probe(ScenarioResult r) =>
        string.Create(Inv, $"{r.MessagesPerSecond:0} ({Ms(r.P99Ms)})") + (r.Errors > 0 ? string.Create(Inv, $", {r.Errors} errors") : "");

    /// <summary>The first three fields of /proc/loadavg: other work on a shared machine skews every figure.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null)
                return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
