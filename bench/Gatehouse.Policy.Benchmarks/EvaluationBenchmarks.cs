using BenchmarkDotNet.Attributes;

namespace Gatehouse.Policy.Benchmarks;

/// <summary>One SQS SendMessage request gathering 4 policies with 20 statements in total, conditions included
/// (issue 3 target: at least 1,000,000 evaluations per second on one core).</summary>
[MemoryDiagnoser]
public class EvaluationBenchmarks
{
    private readonly AuthorizationRequest allowed = Scenario.Request("sqs:SendMessage");
    private readonly AuthorizationRequest denied = Scenario.Request("sqs:DeleteQueue");
    private readonly PolicySet policies = Scenario.Policies();

    [Benchmark(Baseline = true)]
    public Decision EvaluateAllowed() => PolicyEvaluator.Evaluate(allowed, policies).Decision;

    [Benchmark]
    public Decision EvaluateImplicitDeny() => PolicyEvaluator.Evaluate(denied, policies).Decision;

    [Benchmark]
    public string? EvaluateAndRenderDenial()
    {
        var result = PolicyEvaluator.Evaluate(denied, policies);
        return AccessDeniedMessage.Render(denied, result, AccessDeniedStyle.Sqs);
    }
}

/// <summary>A quick Stopwatch loop for a first figure without BenchmarkDotNet (<c>--quick</c>).</summary>
internal static class QuickMeasure
{
    internal static void Run()
    {
        var request = Scenario.Request("sqs:SendMessage");
        var policies = Scenario.Policies();
        for (var i = 0; i < 200_000; i++)
            PolicyEvaluator.Evaluate(request, policies);
        const int n = 3_000_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
            PolicyEvaluator.Evaluate(request, policies);
        sw.Stop();
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)n;
        Console.WriteLine($"{n / sw.Elapsed.TotalSeconds:N0} evaluations/s, {bytes:N1} bytes/evaluation, decision {PolicyEvaluator.Evaluate(request, policies).Decision}");
    }
}
