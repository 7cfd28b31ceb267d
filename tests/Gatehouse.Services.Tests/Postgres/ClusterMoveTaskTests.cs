using Gatehouse.Protocol;
using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>
/// Message move tasks of two SQS nodes over one PostgreSQL database: a task started through one node is listed and can
/// be cancelled through the other, and its runner stops (docs/postgres.md, "Move tasks on any node").
/// </summary>
public sealed class ClusterMoveTaskTests
{
    [PostgresFact]
    public async Task A_task_started_on_one_node_is_listed_and_cancelled_through_the_other_and_stops_moving()
    {
        await using var nodes = await TwoSqsNodes.StartAsync(30);
        var (nodeA, nodeB, storeA, leasesB, dlq, dest) = (nodes.NodeA, nodes.NodeB, nodes.StoreA, nodes.LeasesB, nodes.DeadLetterQueue, nodes.Destination);

        // One message a second, run by node A.
        var handle = (await nodeA.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest(dlq.Arn, dest.Arn, 1))).TaskHandle;
        var id = SqsService.ParseTaskHandle(handle)!.Value.TaskId;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal("A", await leasesB.HolderAsync("move:" + id));

        // Node B lists it (it never ran it) and refuses a second task for the same source.
        var listed = Assert.Single((await nodeB.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest(dlq.Arn, 10))).Results);
        Assert.Equal("RUNNING", listed.Status);
        Assert.Equal(handle, listed.TaskHandle);
        Assert.Equal(30, listed.ApproximateNumberOfMessagesToMove);
        var second = await Assert.ThrowsAsync<AwsErrorException>(() => nodeB.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest(dlq.Arn, dest.Arn, 1)));
        Assert.Equal("InvalidParameterValue", second.Error.QueryCode);

        // Node B cancels it; node A's runner sees that before its next step and stops.
        var cancelled = await nodeB.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest(handle));
        Assert.InRange(cancelled.ApproximateNumberOfMessagesMoved, 1, 29);
        MessageMoveTaskEntry onA;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((onA = (await nodeA.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest(dlq.Arn, 1))).Results[0]).Status != "CANCELLED")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"still {onA.Status} on node A");
            await Task.Delay(50);
        }

        Assert.Null(onA.TaskHandle);
        var movedWhenCancelled = onA.ApproximateNumberOfMessagesMoved;
        Assert.InRange(movedWhenCancelled, cancelled.ApproximateNumberOfMessagesMoved, cancelled.ApproximateNumberOfMessagesMoved + 1);
        var destCount = (await storeA.CountAsync(dest.Id, long.MaxValue / 2, 0)).Visible;
        Assert.Equal(movedWhenCancelled, destCount);

        // Nothing moves any more (at one message a second, three more would have by now).
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(destCount, (await storeA.CountAsync(dest.Id, long.MaxValue / 2, 0)).Visible);
        Assert.Equal(30 - destCount, (await storeA.CountAsync(dlq.Id, long.MaxValue / 2, 0)).Visible);
        var after = Assert.Single((await nodeB.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest(dlq.Arn, 10))).Results);
        Assert.Equal("CANCELLED", after.Status);
        Assert.Equal(movedWhenCancelled, after.ApproximateNumberOfMessagesMoved);

        // Cancelling it again, through either node: it is not running (SQS API Reference, CancelMessageMoveTask).
        foreach (var node in new[] { nodeA, nodeB })
        {
            var again = await Assert.ThrowsAsync<AwsErrorException>(() => node.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest(handle)));
            Assert.Equal("ResourceNotFoundException", again.Error.QueryCode);
            Assert.Equal("Task does not exist.", again.Error.Message);
        }

        // A new task may start now, through node B, and node A lists both, newest first.
        var next = (await nodeB.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest(dlq.Arn, dest.Arn, 1))).TaskHandle;
        var both = (await nodeA.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest(dlq.Arn, 10))).Results;
        Assert.Equal(2, both.Count);
        Assert.Equal(next, both[0].TaskHandle);
        Assert.Equal("CANCELLED", both[1].Status);
        Assert.Single((await nodeA.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest(dlq.Arn, null))).Results);

        // Node A's takeover round (every 5 s) finds node B's task running, holds a copy, and leaves it to B (which holds
        // its lease). Cancelled through node A and stopped by node B, it does not keep node A from starting the next.
        await Task.Delay(SqsService.MoveTaskTakeoverInterval + TimeSpan.FromSeconds(1));
        await nodeA.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest(next));
        clock.Restart();
        while ((await nodeA.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest(dlq.Arn, 1))).Results[0].Status != "CANCELLED")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "node B's task was not cancelled");
            await Task.Delay(50);
        }

        var third = (await nodeA.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest(dlq.Arn, dest.Arn, 1))).TaskHandle;
        Assert.Equal(third, (await nodeB.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest(dlq.Arn, 1))).Results[0].TaskHandle);
        await nodeB.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest(third));
    }

    [PostgresFact]
    public async Task The_database_holds_one_active_task_per_source()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var db = PostgresDatabase.Open(test.ConnectionString);
        await using var store = await PostgresQueueStore.OpenAsync(db);
        const string Source = "arn:aws:sqs:us-east-1:000000000000:dlq";
        await store.SaveMoveTaskAsync(new MoveTaskRecord("t1", Source, null, null, 5, 1, 0, "RUNNING", null));
        var refused = await Assert.ThrowsAsync<MoveTaskActiveException>(() => store.SaveMoveTaskAsync(new MoveTaskRecord("t2", Source, null, null, 5, 2, 0, "RUNNING", null)));
        Assert.Equal(Source, refused.SourceArn);

        // Progress of the active task, and tasks of other sources, are fine; once it ended, a new one may start.
        await store.SaveMoveTaskAsync(new MoveTaskRecord("t1", Source, null, null, 5, 1, 3, "RUNNING", null));
        await store.SaveMoveTaskAsync(new MoveTaskRecord("t3", Source + "2", null, null, 5, 3, 0, "RUNNING", null));
        await store.SaveMoveTaskAsync(new MoveTaskRecord("t1", Source, null, null, 5, 1, 5, "COMPLETED", null));
        await store.SaveMoveTaskAsync(new MoveTaskRecord("t4", Source, null, null, 5, 4, 0, "RUNNING", null));
        Assert.Equal(["t4", "t1"], (await store.LoadMoveTasksAsync(Source)).Select(t => t.Id));
    }

    [PostgresFact]
    public async Task Two_nodes_starting_a_task_for_one_source_at_once_start_one()
    {
        await using var nodes = await TwoSqsNodes.StartAsync(20);
        var (nodeA, nodeB, dlq, dest) = (nodes.NodeA, nodes.NodeB, nodes.DeadLetterQueue, nodes.Destination);
        for (var round = 0; round < 5; round++)
        {
            var starts = new[] { nodeA, nodeB }.Select(async node =>
            {
                try
                {
                    return (await node.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest(dlq.Arn, dest.Arn, 1))).TaskHandle;
                }
                catch (AwsErrorException e) when (e.Error.QueryCode == "InvalidParameterValue")
                {
                    return null;
                }
            }).ToList();
            var handles = await Task.WhenAll(starts);
            var started = Assert.Single(handles, h => h is not null)!;
            Assert.Equal("RUNNING", Assert.Single((await nodeA.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest(dlq.Arn, 10))).Results, t => t.Status == "RUNNING").Status);

            await nodeB.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest(started));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while ((await nodeA.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest(dlq.Arn, 1))).Results[0].Status != "CANCELLED")
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "the task was not cancelled");
                await Task.Delay(50);
            }
        }
    }
}
