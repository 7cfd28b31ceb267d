using Gatehouse.Policy;

namespace Gatehouse.Services.Authorization;

/// <summary>One authorization decision with its reasons.</summary>
public sealed record DecisionRecord(
    DateTimeOffset Time,
    string Principal,
    string Action,
    string Resource,
    Decision Decision,
    PolicyType DecidingPolicyType,
    IReadOnlyList<string> DecidingStatements,
    string? Message,
    bool Refused,
    IReadOnlyList<string> Explanation)
{
    /// <summary>The request id the client was given (<c>x-amzn-RequestId</c>), when the decision came from a request.</summary>
    public string? RequestId { get; init; }
}

/// <summary>The most recent decisions, newest last, for the diagnostics endpoint and the explain tooling.</summary>
public sealed class DecisionLog(int capacity)
{
    private readonly Queue<DecisionRecord> _records = new();
    private readonly Lock _lock = new();

    public void Add(DecisionRecord record)
    {
        lock (_lock)
        {
            _records.Enqueue(record);
            while (_records.Count > capacity)
            {
                _records.Dequeue();
            }
        }
    }

    public IReadOnlyList<DecisionRecord> Recent(int max)
    {
        lock (_lock)
        {
            return [.. _records.Skip(Math.Max(0, _records.Count - max))];
        }
    }
}
