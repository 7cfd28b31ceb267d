using Gatehouse.Policy;
using Gatehouse.Services.Authorization;
using Gatehouse.Storage.Sqlite.Decisions;

namespace Gatehouse.Services.Tests;

/// <summary>The decision log: persisted in its store, bounded by the retention, found by request id.</summary>
public sealed class DecisionLogTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gatehouse-decisions-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static StoredDecision Row(int i, string decision = "Allow", string principal = "arn:aws:iam::000000000000:user/alice", string? principalArn = null) =>
        new(T0.AddMinutes(i), "req-" + i, principal, principalArn ?? principal, "sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:q", decision,
            decision != "Allow", "{\"i\":" + i + "}");

    [Fact]
    public void The_sqlite_store_keeps_the_newest_up_to_the_retention_and_survives_reopening()
    {
        var path = Path.Combine(_dir, "decisions.db");
        using (var store = SqliteDecisionStore.Open(path))
        {
            store.Append([Row(1), Row(2, "ImplicitDeny"), Row(3)], retention: 3);
            store.Append([Row(4, "ExplicitDeny"), Row(5)], retention: 3);
            Assert.Equal(["req-5", "req-4", "req-3"], store.Query(new DecisionQuery()).Select(r => r.RequestId));
        }

        using var reopened = SqliteDecisionStore.Open(path);
        var one = Assert.Single(reopened.Query(new DecisionQuery { RequestId = "req-4" }));
        Assert.Equal("{\"i\":4}", one.Json);
        Assert.Equal(T0.AddMinutes(4), one.Time);
        Assert.Equal(["req-4"], reopened.Query(new DecisionQuery { DeniedOnly = true }).Select(r => r.RequestId));
        Assert.Equal(["req-5", "req-4"], reopened.Query(new DecisionQuery { Since = T0.AddMinutes(4) }).Select(r => r.RequestId));
        Assert.Empty(reopened.Query(new DecisionQuery { RequestId = "req-1" }));
    }

    [Fact]
    public void A_role_arn_finds_the_decisions_of_its_sessions()
    {
        using var store = SqliteDecisionStore.Open(Path.Combine(_dir, "decisions.db"));
        store.Append([Row(1, principal: "arn:aws:sts::000000000000:assumed-role/worker/s1", principalArn: "arn:aws:iam::000000000000:role/worker"), Row(2)], 10);
        Assert.Equal(["req-1"], store.Query(new DecisionQuery { Principal = "arn:aws:iam::000000000000:role/worker" }).Select(r => r.RequestId));
        Assert.Equal(["req-1"], store.Query(new DecisionQuery { Principal = "arn:aws:sts::000000000000:assumed-role/worker/s1" }).Select(r => r.RequestId));
    }

    [Fact]
    public async Task A_decision_that_left_memory_is_found_in_the_store_by_its_request_id()
    {
        await using var log = new DecisionLog(capacity: 1, new InMemoryDecisionStore(), retention: 100);
        for (var i = 0; i < 3; i++)
        {
            log.Add(new DecisionRecord(T0, "arn:aws:iam::000000000000:user/alice", "sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:q",
                Decision.ImplicitDeny, PolicyType.Identity, [], "denied", true, [])
            { RequestId = "r" + i });
        }

        Assert.Single(log.Recent(10));
        var found = Assert.Single(await log.FindAsync("r0"));
        Assert.Contains("\"requestId\":\"r0\"", found, StringComparison.Ordinal);
        Assert.Equal(3, (await log.QueryAsync(new DecisionQuery { DeniedOnly = true })).Count);
        Assert.Empty(await log.FindAsync("unknown"));
    }

    [Fact]
    public async Task The_store_is_bounded_by_the_retention()
    {
        await using var log = new DecisionLog(capacity: 10, new InMemoryDecisionStore(), retention: 2, persistEveryAllowed: true);
        for (var i = 0; i < 5; i++)
        {
            log.Add(new DecisionRecord(T0, "p", "sqs:SendMessage", "r", Decision.Allow, PolicyType.None, [], null, false, []) { RequestId = "r" + i });
        }

        Assert.Equal(["r4", "r3"], (await log.QueryAsync(new DecisionQuery())).Select(d => d.RequestId));
    }

    [Fact]
    public async Task Denials_are_always_persisted_and_each_allowed_combination_once_a_minute()
    {
        await using var log = new DecisionLog(capacity: 100, new InMemoryDecisionStore());
        DecisionRecord Record(string id, Decision decision, string resource = "r", int minute = 0) =>
            new(T0.AddMinutes(minute), "p", "sqs:SendMessage", resource, decision, PolicyType.None, [], null, false, []) { RequestId = id };
        for (var i = 0; i < 5; i++)
        {
            log.Add(Record("same" + i, Decision.Allow));
        }

        log.Add(Record("other-resource", Decision.Allow, resource: "r2"));
        log.Add(Record("denied-1", Decision.ImplicitDeny));
        log.Add(Record("denied-2", Decision.ImplicitDeny));
        log.Add(Record("next-minute", Decision.Allow, minute: 1));

        var stored = (await log.QueryAsync(new DecisionQuery())).Select(d => d.RequestId).ToHashSet();
        Assert.Equal(new HashSet<string?> { "same0", "other-resource", "denied-1", "denied-2", "next-minute" }, stored);

        // Every decision stays findable by request id while it is in memory.
        Assert.NotEmpty(await log.FindAsync("same3"));
    }
}
