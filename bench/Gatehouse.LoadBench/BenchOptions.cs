using System.Globalization;

namespace Gatehouse.LoadBench;

/// <summary>Command-line settings of the load generator.</summary>
internal sealed record BenchOptions
{
    public static readonly string[] AllTargets = ["gatehouse", "gatehouse-pg", "gatehouse-pg2", "baseline", "moto", "noop"];

    public static readonly string[] AllScenarios =
        ["send", "send-batch", "recv-delete", "fifo-send", "fifo-send-batch", "fifo-recv-delete", "sse-send", "sse-send-batch", "sse-recv-delete"];

    /// <summary>The scenarios run when none are named: the SSE-KMS ones need HTTPS and only Gatehouse serves them.</summary>
    public static readonly string[] DefaultScenarios =
        ["send", "send-batch", "recv-delete", "fifo-send", "fifo-send-batch", "fifo-recv-delete"];

    /// <summary>Measured seconds per scenario and target.</summary>
    public double Duration { get; init; } = 10;

    /// <summary>Unmeasured seconds before each measurement (connections, JIT, caches).</summary>
    public double Warmup { get; init; } = 1.5;

    public int Producers { get; init; } = 8;

    /// <summary>Rounds per scenario, targets interleaved; the median round is reported.</summary>
    public int Rounds { get; init; } = 1;

    public int Consumers { get; init; } = 8;

    public IReadOnlyList<string> Targets { get; init; } = ["gatehouse", "moto", "noop"];

    public IReadOnlyList<string> Scenarios { get; init; } = DefaultScenarios;

    /// <summary>Gatehouse targets also listen with TLS and the load goes over HTTPS (implied by the SSE-KMS
    /// scenarios: SQS refuses plain HTTP for SSE-KMS queues).</summary>
    public bool Https { get; init; }

    /// <summary>Whether the Gatehouse targets are driven over HTTPS.</summary>
    public bool UseHttps => Https || Scenarios.Any(s => s.StartsWith("sse-", StringComparison.Ordinal));

    /// <summary>Message body size in bytes.</summary>
    public int BodySize { get; init; } = 100;

    /// <summary>Message groups the FIFO scenarios spread their messages over.</summary>
    public int FifoGroups { get; init; } = 1000;

    /// <summary>Most messages queued up front for a receive scenario.</summary>
    public int PrefillCap { get; init; } = 300_000;

    /// <summary>When set: fill one Gatehouse queue to this many messages and measure along the way.</summary>
    public int? Fill { get; init; }

    /// <summary>When set: fill one queue with this many messages and measure an unrelated queue's send latency
    /// beside the big queue's reads and purge.</summary>
    public int? Interference { get; init; }

    /// <summary>Measured seconds per probe in fill mode.</summary>
    public double FillProbeSeconds { get; init; } = 5;

    /// <summary>gatehouse.dll to run; found from the repository root when not given.</summary>
    public string? GatehouseDll { get; init; }

    /// <summary>A second gatehouse.dll (another build) run as the target "baseline", with the same arguments:
    /// an A/B comparison of two builds in one run.</summary>
    public string? BaselineDll { get; init; }

    /// <summary>Extra arguments for Gatehouse, e.g. <c>--fsync</c>.</summary>
    public IReadOnlyList<string> GatehouseArgs { get; init; } = [];

    public string MotoCommand { get; init; } = "moto_server";

    /// <summary>A PostgreSQL server (Npgsql connection string or postgres:// URL of a user allowed to create databases)
    /// for the targets <c>gatehouse-pg</c> (one node) and <c>gatehouse-pg2</c> (two nodes over one database); each
    /// gets a new database, dropped at the end. Default: <c>GATEHOUSE_TEST_POSTGRES</c>.</summary>
    public string? Postgres { get; init; } = Environment.GetEnvironmentVariable("GATEHOUSE_TEST_POSTGRES");

    /// <summary>PostgreSQL's <c>synchronous_commit</c> for the bench databases (<c>on</c>, the default: every commit
    /// flushed to disk before it is acknowledged; <c>off</c>: a commit survives a crash of the Gatehouse node but the
    /// last moments' commits can be lost if the database server itself crashes).</summary>
    public string PostgresCommit { get; init; } = "on";

    /// <summary>Where the markdown results go; default bench/results-latest.md in the repository.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Internal: run as the no-op endpoint on this port.</summary>
    public int? NoopServerPort { get; init; }

    public static string Usage =>
        """
        Gatehouse load benchmark: the same signed SQS JSON load against Gatehouse, moto_server and a no-op endpoint.

          --duration S         measured seconds per scenario and target (default 10)
          --warmup S           unmeasured seconds before each measurement (default 1.5)
          --rounds N           rounds per scenario, targets interleaved; the median round is reported (default 1)
          --producers N        concurrent senders (default 8)
          --consumers N        concurrent receivers (default 8)
          --targets LIST       comma-separated: gatehouse,gatehouse-pg,gatehouse-pg2,baseline,moto,noop (default gatehouse,moto,noop)
          --postgres CONN      PostgreSQL server for gatehouse-pg/-pg2 (default: $GATEHOUSE_TEST_POSTGRES)
          --postgres-commit on|off  synchronous_commit of the bench databases (default on)
          --scenarios LIST     comma-separated: send,send-batch,recv-delete,fifo-send,fifo-send-batch,fifo-recv-delete
                               and (Gatehouse only, over HTTPS) sse-send,sse-send-batch,sse-recv-delete on an SSE-KMS
                               queue (alias/aws/sqs); compare them with the plain scenarios run with --https
          --https              drive the Gatehouse targets over their HTTPS listener
          --body-size BYTES    message body size (default 100)
          --fifo-groups N      message groups in the FIFO scenarios (default 1000)
          --prefill-cap N      most messages queued up front for a receive scenario (default 300000)
          --fill N             fill one Gatehouse queue with N messages; report RSS and throughput at 0, N/10, N
          --fill-probe S       measured seconds per probe in fill mode (default 5)
          --interference N     fill one queue with N messages; measure an unrelated queue's SendMessage latency
                               alone, beside 4 GetQueueAttributes pollers of the big queue, and during its purge
          --gatehouse-dll PATH gatehouse.dll to run (default: src/Gatehouse.Server/bin/Release/net10.0/gatehouse.dll)
          --baseline-dll PATH  also run this other build of gatehouse.dll as the target "baseline" (A/B of two builds)
          --gatehouse-args "A" extra Gatehouse arguments, e.g. "--fsync" or "--in-memory"
          --moto CMD           moto_server command (default moto_server)
          --out PATH           markdown results file (default bench/results-latest.md)
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                    throw new ArgumentException($"{name} needs a value");
                return args[++i];
            }

            static IReadOnlyList<string> List(string text, string[] allowed, string what)
            {
                var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                foreach (var item in items)
                {
                    if (!allowed.Contains(item, StringComparer.Ordinal))
                        throw new ArgumentException($"unknown {what} '{item}' (known: {string.Join(',', allowed)})");
                }

                return items;
            }

            o = name switch
            {
                "--duration" => o with { Duration = Positive(Value(), name) },
                "--warmup" => o with { Warmup = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--producers" => o with { Producers = (int)Positive(Value(), name) },
                "--rounds" => o with { Rounds = (int)Positive(Value(), name) },
                "--consumers" => o with { Consumers = (int)Positive(Value(), name) },
                "--targets" => o with { Targets = List(Value(), AllTargets, "target") },
                "--scenarios" => o with { Scenarios = List(Value(), AllScenarios, "scenario") },
                "--https" => o with { Https = true },
                "--body-size" => o with { BodySize = (int)Positive(Value(), name) },
                "--fifo-groups" => o with { FifoGroups = (int)Positive(Value(), name) },
                "--prefill-cap" => o with { PrefillCap = (int)Positive(Value(), name) },
                "--fill" => o with { Fill = (int)Positive(Value(), name) },
                "--interference" => o with { Interference = (int)Positive(Value(), name) },
                "--fill-probe" => o with { FillProbeSeconds = Positive(Value(), name) },
                "--gatehouse-dll" => o with { GatehouseDll = Value() },
                "--baseline-dll" => o with { BaselineDll = Value() },
                "--gatehouse-args" => o with
                {
                    GatehouseArgs = Value().Split(' ', StringSplitOptions.RemoveEmptyEntries),
                },
                "--moto" => o with { MotoCommand = Value() },
                "--postgres" => o with { Postgres = Value() },
                "--postgres-commit" => o with { PostgresCommit = Value() is "off" ? "off" : "on" },
                "--out" => o with { OutputPath = Value() },
                "--noop-server" => o with { NoopServerPort = (int)Positive(Value(), name) },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }

        if (o.BaselineDll is not null && !o.Targets.Contains("baseline", StringComparer.Ordinal))
            o = o with { Targets = [.. o.Targets, "baseline"] };
        if (o.BaselineDll is null && o.Targets.Contains("baseline", StringComparer.Ordinal))
            throw new ArgumentException("the target 'baseline' needs --baseline-dll");
        if (o.Postgres is null && o.Targets.Any(t => t.StartsWith("gatehouse-pg", StringComparison.Ordinal)))
            throw new ArgumentException("the targets gatehouse-pg and gatehouse-pg2 need --postgres (or GATEHOUSE_TEST_POSTGRES)");
        return o;
    }

    private static double Positive(string text, string name)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
            throw new ArgumentException($"{name} needs a positive number, not '{text}'");
        return value;
    }
}
