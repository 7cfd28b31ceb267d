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
    [PostgresFact]
    public async Task A_move_task_whose_node_died_is_resumed_by_the_other_node_from_its_progress()
    {
        await using var nodes = await TwoSqsNodes.StartAsync(12);
        var (nodeA, storeB, leasesB, dlq, dest) = (nodes.NodeA, nodes.StoreB, nodes.LeasesB, nodes.DeadLetterQueue, nodes.Destination);

        // Two messages a second on node A; node B sees the task (and its lease) but does not run it.
        var task = await nodeA.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest(dlq.Arn, dest.Arn, 2));
        var id = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(task.TaskHandle)).RootElement.GetProperty("taskId").GetString();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal("A", await leasesB.HolderAsync("move:" + id));

        // Node A dies: its runner stops without releasing the lease.
        await nodes.StopNodeAAsync();
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
