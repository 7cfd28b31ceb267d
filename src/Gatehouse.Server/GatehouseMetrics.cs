using System.Diagnostics.Metrics;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server;

/// <summary>
/// Gatehouse's instruments, exported through OpenTelemetry (Prometheus at <c>/metrics</c> with <c>--metrics</c>;
/// docs/operations.md, "Metrics"): requests by service, action and outcome, their duration, requests in flight,
/// authorization denials by the deciding layer, open long polls, and queue depths by state.
/// </summary>
public sealed class GatehouseMetrics : IDisposable
{
    public const string MeterName = "Gatehouse";

    private readonly Meter _meter = new(MeterName);

    public GatehouseMetrics(SqsService sqs)
    {
        Requests = _meter.CreateCounter<long>("gatehouse.requests", "{request}", "Requests by service, action and outcome (success or the AWS error code)");
        RequestSeconds = _meter.CreateHistogram<double>("gatehouse.request.duration", "s", "Request duration by service and action");
        InFlight = _meter.CreateUpDownCounter<long>("gatehouse.requests.in_flight", "{request}", "Requests being handled");
        Denials = _meter.CreateCounter<long>("gatehouse.authorization.denials", "{decision}", "Authorization denials by deciding layer and whether they were enforced");
        _meter.CreateObservableGauge("gatehouse.sqs.long_polls", () => sqs.OpenLongPolls, "{request}", "ReceiveMessage calls waiting for messages");
        _meter.CreateObservableGauge("gatehouse.sqs.queue.messages", () => QueueDepths(sqs), "{message}", "Messages per queue by state (visible, in_flight, delayed)");
    }

    public Counter<long> Requests { get; }

    public Histogram<double> RequestSeconds { get; }

    public UpDownCounter<long> InFlight { get; }

    public Counter<long> Denials { get; }

    private static List<Measurement<long>> QueueDepths(SqsService sqs)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var q in sqs.AllQueues())
        {
            var stats = sqs.StatsAsync(q).GetAwaiter().GetResult();
            var queue = new KeyValuePair<string, object?>("queue", $"{q.AccountId}/{q.Region}/{q.Name}");
            measurements.Add(new(stats.Visible, queue, new("state", "visible")));
            measurements.Add(new(stats.InFlight, queue, new("state", "in_flight")));
            measurements.Add(new(stats.Delayed, queue, new("state", "delayed")));
        }

        return measurements;
    }

    public void Dispose() => _meter.Dispose();
}
