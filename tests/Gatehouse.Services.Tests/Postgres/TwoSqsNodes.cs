using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>
/// Two SQS services, nodes "A" and "B", each with its own connection pool over one new test database (as two Gatehouse
/// processes would be), and the queues of the move-task tests: a dead-letter queue "dlq" holding the given number of
/// messages, a source queue "src" that redrives to it, and a destination "dest". Node B has heard of every queue
/// when <see cref="StartAsync"/> returns.
/// </summary>
internal sealed class TwoSqsNodes : IAsyncDisposable
{
    public static readonly SqsCaller Caller = new("000000000000", "us-east-1", "AIDAEXAMPLE", "http://localhost:4566", QueryProtocol: false);

    private readonly List<IAsyncDisposable> _owned = [];
    private PostgresTestDatabase _database = null!;
    private bool _nodeAStopped;

    public PostgresQueueStore StoreA { get; private set; } = null!;

    public PostgresQueueStore StoreB { get; private set; } = null!;

    public PostgresLeaseStore LeasesB { get; private set; } = null!;

    public SqsService NodeA { get; private set; } = null!;

    public SqsService NodeB { get; private set; } = null!;

    public QueueRecord DeadLetterQueue { get; private set; } = null!;

    public QueueRecord Destination { get; private set; } = null!;

    public static async Task<TwoSqsNodes> StartAsync(int messages)
    {
        var nodes = new TwoSqsNodes { _database = await PostgresTestServer.CreateDatabaseAsync() };
        var dbA = nodes.Own(PostgresDatabase.Open(nodes._database.ConnectionString));
        var dbB = nodes.Own(PostgresDatabase.Open(nodes._database.ConnectionString));
        nodes.StoreA = nodes.Own(await PostgresQueueStore.OpenAsync(dbA));
        nodes.StoreB = nodes.Own(await PostgresQueueStore.OpenAsync(dbB));
        nodes.LeasesB = await PostgresLeaseStore.OpenAsync(dbB);
        nodes.NodeA = await SqsService.StartAsync(nodes.StoreA, TimeProvider.System, TestKeys.Server, await PostgresLeaseStore.OpenAsync(dbA), "A");
        nodes.NodeB = nodes.Own(await SqsService.StartAsync(nodes.StoreB, TimeProvider.System, TestKeys.Server, nodes.LeasesB, "B"));

        var a = nodes.NodeA;
        await a.CreateQueueAsync(Caller, new CreateQueueRequest("dlq", [], null));
        nodes.DeadLetterQueue = a.Find(Caller.AccountId, Caller.Region, "dlq")!;
        await a.CreateQueueAsync(Caller, new CreateQueueRequest("src",
            [new("RedrivePolicy", $$"""{"deadLetterTargetArn":"{{nodes.DeadLetterQueue.Arn}}","maxReceiveCount":"1"}""")], null));
        await a.CreateQueueAsync(Caller, new CreateQueueRequest("dest", [], null));
        nodes.Destination = a.Find(Caller.AccountId, Caller.Region, "dest")!;
        for (var i = 0; i < messages; i++)
        {
            await a.SendMessageAsync(Caller, nodes.DeadLetterQueue, new SendMessageRequest(nodes.DeadLetterQueue.Name, "m" + i, null, null, null, null, null), null);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (nodes.NodeB.Find(Caller.AccountId, Caller.Region, "dest") is null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "node B did not hear of the queues within 2 s");
            await Task.Delay(20);
        }

        return nodes;
    }

    /// <summary>Stops node A as if it died: its runners stop, and the leases it holds are not released.</summary>
    public async Task StopNodeAAsync()
    {
        _nodeAStopped = true;
        await NodeA.DisposeAsync();
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_nodeAStopped)
        {
            await NodeA.DisposeAsync();
        }

        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await _database.DisposeAsync();
    }
}
