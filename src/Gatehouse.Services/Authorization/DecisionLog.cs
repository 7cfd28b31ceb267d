using System.Text.Json;
using System.Threading.Channels;
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
    private string? _json;

    /// <summary>The request id the client was given (<c>x-amzn-RequestId</c>), when the decision came from a request.</summary>
    public string? RequestId { get; init; }

    /// <summary>The engine's answer, from which the full explanation is built off the request path.</summary>
    public AuthorizationResult? Result { get; init; }

    /// <summary>What the authorizer noted beside the engine (unparseable stored policies, missing endpoints).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    private string? _summaryJson;

    /// <summary>The decision as one JSON document: the summary fields, the context keys the request carried, the
    /// engine's trace, and the explanation (layers, verdicts, failing elements, fixes). Built once, on first use.</summary>
    public string ToJson() => _json ??= DecisionJson.Write(this, full: true);

    /// <summary>What the store keeps: the full document for a denial; for an allowed request the summary fields,
    /// the context keys and the granting statements, without re-walking every policy (the trace is the slow path,
    /// and most requests are allowed). <see cref="ToJson"/> still gives the full document while the record is in
    /// memory.</summary>
    public string ToStoredJson() => Decision == Decision.Allow ? _summaryJson ??= DecisionJson.Write(this, full: false) : ToJson();
}

/// <summary>One persisted decision: the columns a query filters on, and the whole decision as JSON.</summary>
public sealed record StoredDecision(DateTimeOffset Time, string? RequestId, string Principal, string? PrincipalArn, string Action, string Resource,
    string Decision, bool Refused, string Json);

/// <summary>Which decisions to read, newest first.</summary>
public sealed record DecisionQuery
{
    public string? RequestId { get; init; }

    /// <summary>The caller's ARN, or for role sessions the role's ARN.</summary>
    public string? Principal { get; init; }

    public bool DeniedOnly { get; init; }

    public DateTimeOffset? Since { get; init; }

    public int Max { get; init; } = 100;
}

/// <summary>The decision log's store port: appended in batches off the request path, pruned to the retention.</summary>
public interface IDecisionStore : IDisposable
{
    string Description { get; }

    void Append(IReadOnlyList<StoredDecision> batch, int retention);

    IReadOnlyList<StoredDecision> Query(DecisionQuery query);
}

/// <summary>The decision store for <c>--in-memory</c>.</summary>
public sealed class InMemoryDecisionStore : IDecisionStore
{
    private readonly LinkedList<StoredDecision> _rows = new();
    private readonly Lock _lock = new();

    public string Description => "memory";

    public void Append(IReadOnlyList<StoredDecision> batch, int retention)
    {
        lock (_lock)
        {
            foreach (var row in batch)
            {
                _rows.AddLast(row);
            }

            while (_rows.Count > retention)
            {
                _rows.RemoveFirst();
            }
        }
    }

    public IReadOnlyList<StoredDecision> Query(DecisionQuery query)
    {
        lock (_lock)
        {
            var list = new List<StoredDecision>();
            for (var node = _rows.Last; node is not null && list.Count < query.Max; node = node.Previous)
            {
                if (DecisionLog.Matches(node.Value, query))
                {
                    list.Add(node.Value);
                }
            }

            return list;
        }
    }

    public void Dispose()
    {
    }
}

/// <summary>
/// Every decision, newest last: the latest few in memory for <c>/_gatehouse/decisions</c>, and all of them (up to the
/// retention) in the store. The authorizer only enqueues; a background task builds each decision's explanation and
/// writes batches, so recording costs the request path one queue write.
/// </summary>
public sealed class DecisionLog : IAsyncDisposable
{
    private const int QueueCapacity = 50_000;
    private readonly Queue<DecisionRecord> _records = new();
    private readonly Lock _lock = new();
    private readonly int _capacity;
    private readonly int _retention;
    private readonly Channel<DecisionRecord> _pending = Channel.CreateBounded<DecisionRecord>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });
    private readonly Task _writer;
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = [];
    private long _enqueued;
    private long _written;
    private long _dropped;

    /// <summary>Allowed decisions already persisted this minute, by (principal, action, resource): the store gets
    /// each allowed combination at most once a minute unless every decision is to be persisted.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Principal, string Action, string Resource), long> _allowedSeen = new();
    private readonly bool _persistEveryAllowed;

    /// <param name="persistEveryAllowed">Persist every allowed decision too. By default every denial is persisted,
    /// and of the allowed decisions (most of a busy server's) each (principal, action, resource) at most once a
    /// minute: enough for <c>recent</c> and <c>suggest-policy</c>, at a small fraction of the cost (persisting every
    /// allowed SQS call cost a third of the message throughput, bench/README.md). Every decision, allowed or not,
    /// stays findable by request id while it is among the newest <paramref name="capacity"/>.</param>
    public DecisionLog(int capacity, IDecisionStore? store = null, int retention = 100_000, bool persistEveryAllowed = false)
    {
        _capacity = capacity;
        _retention = Math.Max(1, retention);
        _persistEveryAllowed = persistEveryAllowed;
        Store = store ?? new InMemoryDecisionStore();
        _writer = Task.Run(WriteAsync);
    }

    public IDecisionStore Store { get; }

    /// <summary>Decisions not persisted because the queue to the store was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Add(DecisionRecord record)
    {
        lock (_lock)
        {
            _records.Enqueue(record);
            while (_records.Count > _capacity)
            {
                _records.Dequeue();
            }
        }

        Interlocked.Increment(ref _enqueued);
        if (!_persistEveryAllowed && record.Decision == Decision.Allow && SeenThisMinute(record))
        {
            Advance(1);
            return;
        }

        if (!_pending.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
            Advance(1);
        }
    }

    private bool SeenThisMinute(DecisionRecord record)
    {
        if (_allowedSeen.Count > 100_000)
        {
            _allowedSeen.Clear();
        }

        var minute = record.Time.ToUnixTimeSeconds() / 60;
        var key = (record.Principal, record.Action, record.Resource);
        if (_allowedSeen.TryGetValue(key, out var seen) && seen == minute)
        {
            return true;
        }

        _allowedSeen[key] = minute;
        return false;
    }

    public IReadOnlyList<DecisionRecord> Recent(int max)
    {
        lock (_lock)
        {
            return [.. _records.Skip(Math.Max(0, _records.Count - max))];
        }
    }

    /// <summary>Waits until every decision recorded before the call is in the store.</summary>
    public Task FlushAsync(CancellationToken ct = default)
    {
        var target = Interlocked.Read(ref _enqueued);
        lock (_waiters)
        {
            if (Interlocked.Read(ref _written) >= target || _writer.IsCompleted)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, done));
            return done.Task.WaitAsync(ct);
        }
    }

    /// <summary>The decisions of one request (several when an action is authorized more than once, such as an SQS
    /// send that also needs the KMS key), oldest first, as JSON documents.</summary>
    public async Task<IReadOnlyList<string>> FindAsync(string requestId, CancellationToken ct = default)
    {
        List<DecisionRecord> recent;
        lock (_lock)
        {
            recent = [.. _records.Where(r => r.RequestId == requestId)];
        }

        if (recent.Count > 0)
        {
            return [.. recent.Select(r => r.ToJson())];
        }

        await FlushAsync(ct);
        return [.. Store.Query(new DecisionQuery { RequestId = requestId, Max = 100 }).Reverse().Select(r => r.Json)];
    }

    /// <summary>Persisted decisions, newest first.</summary>
    public async Task<IReadOnlyList<StoredDecision>> QueryAsync(DecisionQuery query, CancellationToken ct = default)
    {
        await FlushAsync(ct);
        return Store.Query(query);
    }

    internal static bool Matches(StoredDecision d, DecisionQuery q) =>
        (q.RequestId is null || d.RequestId == q.RequestId)
        && (q.Principal is null || d.Principal == q.Principal || d.PrincipalArn == q.Principal)
        && (!q.DeniedOnly || d.Decision != nameof(Decision.Allow))
        && (q.Since is null || d.Time >= q.Since);

    private async Task WriteAsync()
    {
        var batch = new List<StoredDecision>();
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var read = 0;
            while (read < 500 && reader.TryRead(out var record))
            {
                read++;
                try
                {
                    batch.Add(new StoredDecision(record.Time, record.RequestId, record.Principal, record.Result?.Request.Principal.PrincipalArn,
                        record.Action, record.Resource, record.Decision.ToString(), record.Refused, record.ToStoredJson()));
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref _dropped);
                }
            }

            try
            {
                Store.Append(batch, _retention);
            }
            catch (Exception)
            {
                Interlocked.Add(ref _dropped, batch.Count);
            }

            Advance(read);
        }

        Advance(long.MaxValue / 2);
    }

    private void Advance(long count)
    {
        var written = Interlocked.Add(ref _written, count);
        lock (_waiters)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target <= written)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        Store.Dispose();
    }
}

/// <summary>The JSON document of one decision (what <c>/_gatehouse/decision</c> returns and the store keeps).</summary>
internal static class DecisionJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Write(DecisionRecord d, bool full)
    {
        var result = full ? d.Result : null;
        var request = d.Result?.Request;
        DecisionExplanation? explanation = null;
        string? explanationError = null;
        try
        {
            explanation = result is null ? null : Explainer.Explain(result);
        }
        catch (Exception e)
        {
            // The decision is still recorded; the explanation says why it is missing.
            explanationError = e.GetType().Name + ": " + e.Message;
        }

        var context = request?.Context.Keys.Order(StringComparer.Ordinal)
            .ToDictionary(k => k, k => request.Context.Get(k) ?? [], StringComparer.Ordinal);
        var p = request?.Principal;
        var document = new
        {
            time = d.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            requestId = d.RequestId,
            principal = d.Principal,
            caller = p is null ? null : new { arn = p.Arn, account = p.AccountId, userId = p.UniqueId, type = p.Type.ToString(), principalArn = p.PrincipalArn },
            action = d.Action,
            resource = d.Resource,
            resourceAccount = request?.ResourceAccount,
            decision = d.Decision.ToString(),
            decidedBy = d.DecidingPolicyType.ToString(),
            statements = d.DecidingStatements,
            refused = d.Refused,
            message = d.Message,
            contextKeys = context,
            notes = d.Notes,
            trace = result is null ? d.Explanation : [.. result.Trace.Steps, .. result.Trace.Policies.SelectMany(pt => pt.Statements.Select(s => $"{pt.Type} {s}"))],
            grant = d.Result?.Grant.ToString(),
            explanation,
            explanationError,
        };
        return JsonSerializer.Serialize(document, Options);
    }
}
