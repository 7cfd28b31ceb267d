using System.Diagnostics.Metrics;

namespace Gatehouse.Storage.Sqlite;

/// <summary>The store's instruments (docs/operations.md, "Metrics").</summary>
internal static class StoreMetrics
{
    public const string MeterName = "Gatehouse.Storage";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Time of one group commit (COMMIT and the write-ahead log flush), in seconds.</summary>
    public static readonly Histogram<double> CommitSeconds = Meter.CreateHistogram<double>(
        "gatehouse.store.commit.duration", "s", "Time of one group commit of the SQLite store");
}
