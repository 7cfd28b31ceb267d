using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>
/// Two SQS nodes over one PostgreSQL database: a message-move task runs on one node at a time, and when the node
/// running it dies (stops renewing its lease) the other resumes it from its recorded progress (docs/postgres.md,
/// "Leases").
/// </summary>
public sealed class ClusterLeaseTests
{
    private readonly SqsCaller _caller = new("000000000000", "us-east-1", "AIDAEXAMPLE", "http://localhost:4566", QueryProtocol: false);

    [PostgresFact]
    public async Task A_move_task_whose_node_died_is_resumed_by_the_other_node_from_its_progress()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var dbA = PostgresDatabase.Open(test.ConnectionString);
        await using var dbB = PostgresDatabase.Open(test.ConnectionString);
        await using var storeA = await PostgresQueueStore.OpenAsync(dbA);
        await using var storeB = await PostgresQueueStore.OpenAsync(dbB);
        var leasesA = await PostgresLeaseStore.OpenAsync(dbA);
        var leasesB = await PostgresLeaseStore.OpenAsync(dbB);
        var nodeA = await SqsService.StartAsync(storeA, TimeProvider.System, TestKeys.Server, leasesA, "A");
        await using var nodeB = await SqsService.StartAsync(storeB, TimeProvider.System, TestKeys.Server, leasesB, "B");

        await nodeA.CreateQueueAsync(_caller, new CreateQueueRequest("dlq", [], null));
        var dlq = nodeA.Find(_caller.AccountId, _caller.Region, "dlq")!;
        await nodeA.CreateQueueAsync(_caller, new CreateQueueRequest("src", [new("RedrivePolicy", $$"""{"deadLetterTargetArn":"{{dlq.Arn}}","maxReceiveCount":"1"}""")], null));
        await nodeA.CreateQueueAsync(_caller, new CreateQueueRequest("dest", [], null));
        var dest = nodeA.Find(_caller.AccountId, _caller.Region, "dest")!;
        for (var i = 0; i < 12; i++)
        {
            await nodeA.SendMessageAsync(_caller, dlq, new SendMessageRequest(dlq.Name, "m" + i, null, null, null, null, null), null);
        }

        // Two messages a second on node A; node B sees the task (and its lease) but does not run it.
        var task = await nodeA.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest(dlq.Arn, dest.Arn, 2));
        var id = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(task.TaskHandle)).RootElement.GetProperty("taskId").GetString();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal("A", await leasesB.HolderAsync("move:" + id));

        // Node A dies: its runner stops without releasing the lease.
        await nodeA.DisposeAsync();
        var movedByA = (await storeB.LoadMoveTasksAsync()).Single(t => t.Id == id).Moved;
        Assert.InRange(movedByA, 2, 11);

        // Within the lease's 10 s plus one 5 s takeover round, node B holds it and finishes from where A stopped.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        MoveTaskRecord record;
        do
        {
            await Task.Delay(200);
            record = (await storeB.LoadMoveTasksAsync()).Single(t => t.Id == id);
        }
        while (record.Status != "COMPLETED" && clock.Elapsed < TimeSpan.FromSeconds(40));

        Assert.Equal("COMPLETED", record.Status);
        Assert.Equal(12, record.Moved);
        Assert.True(clock.Elapsed < SqsService.MoveTaskLeaseTtl + SqsService.MoveTaskTakeoverInterval + TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        var counts = await storeB.CountAsync(dest.Id, long.MaxValue / 2, 0);
        Assert.Equal(12, counts.Visible);
        Assert.Equal(0, (await storeB.CountAsync(dlq.Id, long.MaxValue / 2, 0)).Visible);
    }

    [PostgresFact]
    public async Task Only_the_node_holding_the_sweeper_lease_sweeps()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var db = PostgresDatabase.Open(test.ConnectionString);
        var leases = await PostgresLeaseStore.OpenAsync(db);
        Assert.True(await leases.TryAcquireAsync("sweeper", "A", SqsService.SweeperLeaseTtl));
        Assert.False(await leases.TryAcquireAsync("sweeper", "B", SqsService.SweeperLeaseTtl));
        await using var store = await PostgresQueueStore.OpenAsync(db);
        await using var nodeB = await SqsService.StartAsync(store, TimeProvider.System, TestKeys.Server, leases, "B");

        await nodeB.SweepAsync();

        Assert.Equal("A", await leases.HolderAsync("sweeper"));
    }
}
