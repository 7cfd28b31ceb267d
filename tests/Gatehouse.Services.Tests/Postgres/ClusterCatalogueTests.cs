using Gatehouse.Protocol;
using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;
using Npgsql;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>
/// The queue catalogue of two SQS nodes over one PostgreSQL database: a CreateQueue of one name on both nodes at once
/// answers as CreateQueue of an existing name does, and a definition changed or a queue deleted without a change
/// notice is followed by the periodic catalogue check, and a queue a node has not heard of yet is looked up before the
/// node says it does not exist (docs/postgres.md, "Creating one queue on two nodes at once" and "Caches and how stale
/// they can be").
/// </summary>
public sealed class ClusterCatalogueTests
{
    private readonly SqsCaller _caller = new("000000000000", "us-east-1", "AIDAEXAMPLE", "http://localhost:4566", QueryProtocol: false);

    [PostgresFact]
    public async Task A_store_that_loses_the_race_for_a_name_reports_the_queue_that_won_it()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var dbA = PostgresDatabase.Open(test.ConnectionString);
        await using var dbB = PostgresDatabase.Open(test.ConnectionString);
        await using var storeA = await PostgresQueueStore.OpenAsync(dbA);
        await using var storeB = await PostgresQueueStore.OpenAsync(dbB);

        var won = await storeA.CreateQueueAsync(TestQueues.New("taken") with { Attributes = TestQueues.New("taken").Attributes.SetItem("DelaySeconds", "7") });
        var taken = await Assert.ThrowsAsync<QueueNameTakenException>(() => storeB.CreateQueueAsync(TestQueues.New("taken")));

        Assert.Equal(won.Id, taken.Existing.Id);
        Assert.Equal("7", taken.Existing.Attributes["DelaySeconds"]);
        Assert.Single(await storeB.LoadQueuesAsync(), q => q.Name == "taken");
    }

    [PostgresFact]
    public async Task A_node_that_has_not_heard_of_a_queue_answers_its_create_as_for_an_existing_name()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var nodes = await TwoNodesAsync(test);
        var (nodeA, nodeB) = (nodes.NodeA, nodes.NodeB);
        await nodeA.CreateQueueAsync(_caller, new CreateQueueRequest("template", [new("VisibilityTimeout", "45")], null));

        // The same definition under another name, written straight into the table: no notice, so node B does not
        // know the queue when it is asked to create it.
        await using (var db = new NpgsqlConnection(test.ConnectionString))
        {
            await db.OpenAsync();
            await using var copy = new NpgsqlCommand(
                "INSERT INTO sqs_queues(account, region, name, attributes, tags, created, modified) " +
                "SELECT account, region, 'quiet', attributes, tags, created, modified FROM sqs_queues WHERE name = 'template'", db);
            Assert.Equal(1, await copy.ExecuteNonQueryAsync());
        }

        Assert.Null(nodeB.Find(_caller.AccountId, _caller.Region, "quiet"));
        var same = await nodeB.CreateQueueAsync(_caller, new CreateQueueRequest("quiet", [new("VisibilityTimeout", "45")], null));
        Assert.Equal("http://localhost:4566/000000000000/quiet", same.QueueUrl);
        Assert.Equal("45", nodeB.Find(_caller.AccountId, _caller.Region, "quiet")!.Attributes["VisibilityTimeout"]);

        await using (var db = new NpgsqlConnection(test.ConnectionString))
        {
            await db.OpenAsync();
            await using var copy = new NpgsqlCommand(
                "INSERT INTO sqs_queues(account, region, name, attributes, tags, created, modified) " +
                "SELECT account, region, 'quiet2', attributes, tags, created, modified FROM sqs_queues WHERE name = 'template'", db);
            Assert.Equal(1, await copy.ExecuteNonQueryAsync());
        }

        var different = await Assert.ThrowsAsync<AwsErrorException>(() =>
            nodeB.CreateQueueAsync(_caller, new CreateQueueRequest("quiet2", [new("VisibilityTimeout", "46")], null)));
        Assert.Equal("QueueAlreadyExists", different.Error.QueryCode);
        Assert.Equal(400, different.Error.HttpStatus);
        Assert.Equal("A queue already exists with the same name and a different value for attribute VisibilityTimeout", different.Error.Message);
    }

    [PostgresFact]
    public async Task Creates_of_one_name_racing_on_two_nodes_both_get_its_url_or_one_gets_QueueAlreadyExists()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var nodes = await TwoNodesAsync(test);
        var (nodeA, nodeB) = (nodes.NodeA, nodes.NodeB);

        for (var round = 0; round < 20; round++)
        {
            var name = "same-" + round;
            var request = new CreateQueueRequest(name, [new("VisibilityTimeout", "45")], null);
            var urls = await Task.WhenAll(nodeA.CreateQueueAsync(_caller, request), nodeB.CreateQueueAsync(_caller, request));
            Assert.Equal(urls[0].QueueUrl, urls[1].QueueUrl);
            Assert.Equal(nodeA.Find(_caller.AccountId, _caller.Region, name)!.Id, nodeB.Find(_caller.AccountId, _caller.Region, name)!.Id);
        }

        for (var round = 0; round < 20; round++)
        {
            var name = "different-" + round;
            var creates = new[]
            {
                nodeA.CreateQueueAsync(_caller, new CreateQueueRequest(name, [new("VisibilityTimeout", "45")], null)),
                nodeB.CreateQueueAsync(_caller, new CreateQueueRequest(name, [new("VisibilityTimeout", "46")], null)),
            };
            try
            {
                await Task.WhenAll(creates);
            }
            catch (AwsErrorException)
            {
                // One of them; each is looked at below.
            }

            Assert.Equal(1, creates.Count(c => c.IsCompletedSuccessfully));
            var refused = Assert.Single(creates, c => c.IsFaulted);
            var error = Assert.IsType<AwsErrorException>(refused.Exception!.InnerException).Error;
            Assert.Equal("QueueAlreadyExists", error.QueryCode);
            Assert.Equal("A queue already exists with the same name and a different value for attribute VisibilityTimeout", error.Message);
        }

        await using var db = new NpgsqlConnection(test.ConnectionString);
        await db.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM sqs_queues", db);
        Assert.Equal(40L, await count.ExecuteScalarAsync());
    }

    [PostgresFact]
    public async Task A_queue_changed_created_or_deleted_without_a_notice_is_followed_within_the_check_interval()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        var interval = TimeSpan.FromMilliseconds(300);
        await using var nodes = await TwoNodesAsync(test, interval);
        var (nodeA, nodeB, storeB) = (nodes.NodeA, nodes.NodeB, nodes.StoreB);
        await nodeA.CreateQueueAsync(_caller, new CreateQueueRequest("watched", [], null));
        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "watched") is not null, TimeSpan.FromSeconds(2));

        // Changes through the nodes are announced: the check finds nothing to correct, neither for node B's own
        // change (it records the version it wrote) nor for node A's (the notice brought the version).
        await nodeB.SetQueueAttributesAsync(_caller, nodeB.Find(_caller.AccountId, _caller.Region, "watched")!, [new("DelaySeconds", "3")]);
        var queueA = nodeA.Find(_caller.AccountId, _caller.Region, "watched")!;
        await Eventually(() => nodeA.Find(_caller.AccountId, _caller.Region, "watched")!.Attributes.GetValueOrDefault("DelaySeconds") == "3", TimeSpan.FromSeconds(2));
        await nodeA.SetQueueAttributesAsync(_caller, nodeA.Find(_caller.AccountId, _caller.Region, "watched")!, [new("DelaySeconds", "4")]);
        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "watched")!.Attributes.GetValueOrDefault("DelaySeconds") == "4", TimeSpan.FromSeconds(2));
        await Task.Delay(interval * 4);
        Assert.Equal(0, storeB.CatalogueCorrections);

        // A queue policy set, a queue created and a queue deleted straight in the table: no notice is sent.
        const string Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*"}]}""";
        await using var db = new NpgsqlConnection(test.ConnectionString);
        await db.OpenAsync();
        await using (var update = new NpgsqlCommand("UPDATE sqs_queues SET attributes = (attributes::jsonb || jsonb_build_object('Policy', $1::text))::text WHERE name = 'watched'", db))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = Policy });
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO sqs_queues(account, region, name, attributes, tags, created, modified) " +
            "SELECT account, region, 'unannounced', attributes, tags, created, modified FROM sqs_queues WHERE name = 'watched'", db))
        {
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        var bound = interval + TimeSpan.FromSeconds(3); // one interval, with room for this shared machine
        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "watched")!.Attributes.GetValueOrDefault("Policy") == Policy, bound);
        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "unannounced") is not null, bound);

        await using (var delete = new NpgsqlCommand("DELETE FROM sqs_queues WHERE name = 'watched'", db))
        {
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "watched") is null, bound);
        Assert.Equal(3, storeB.CatalogueCorrections);
        // Node A keeps the default interval (30 s): it has not seen any of it, which is what the check is for.
        Assert.Equal(queueA.Id, nodeA.Find(_caller.AccountId, _caller.Region, "watched")?.Id);
        Assert.Null(nodeA.Find(_caller.AccountId, _caller.Region, "unannounced"));
    }

    [PostgresFact]
    public async Task A_queue_a_node_has_not_heard_of_is_looked_up_before_the_node_says_it_does_not_exist()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var nodes = await TwoNodesAsync(test);
        var (nodeA, nodeB, storeB) = (nodes.NodeA, nodes.NodeB, nodes.StoreB);
        await nodeA.CreateQueueAsync(_caller, new CreateQueueRequest("template", [new("VisibilityTimeout", "45")], null));
        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "template") is not null, TimeSpan.FromSeconds(2));

        // Written straight into the table: no notice, and the periodic check is 30 s away, so node B has not heard of
        // it, as right after another node created it.
        await using var db = new NpgsqlConnection(test.ConnectionString);
        await db.OpenAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO sqs_queues(account, region, name, attributes, tags, created, modified) " +
            "SELECT account, region, 'unheard', attributes, tags, created, modified FROM sqs_queues WHERE name = 'template'", db))
        {
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        Assert.Null(nodeB.Find(_caller.AccountId, _caller.Region, "unheard"));
        await nodeB.LearnQueueAsync(_caller.AccountId, _caller.Region, "unheard");
        Assert.Equal("45", nodeB.Find(_caller.AccountId, _caller.Region, "unheard")?.Attributes["VisibilityTimeout"]);
        Assert.Equal(1, storeB.QueuesLearned);

        // Held now: nothing more is read for it. A name no queue has stays unknown; names no queue can have are not
        // looked up at all.
        await nodeB.LearnQueueAsync(_caller.AccountId, _caller.Region, "unheard");
        await nodeB.LearnQueueAsync(_caller.AccountId, _caller.Region, "nowhere");
        await nodeB.LearnQueueAsync(_caller.AccountId, _caller.Region, new string('x', 81));
        Assert.Null(nodeB.Find(_caller.AccountId, _caller.Region, "nowhere"));
        Assert.Equal(1, storeB.QueuesLearned);

        // A queue whose deletion this node has heard of is not brought back by a look-up that still finds its row (a
        // read just before the deletion committed, simulated with a deletion notice for a row left in place).
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO sqs_queues(account, region, name, attributes, tags, created, modified) " +
            "SELECT account, region, 'doomed', attributes, tags, created, modified FROM sqs_queues WHERE name = 'template' RETURNING id", db))
        {
            var doomed = (long)(await insert.ExecuteScalarAsync())!;
            await using var notice = new NpgsqlCommand($"SELECT pg_notify('{PostgresQueueStore.Channel}', 'elsewhere d ' || {doomed})", db);
            await notice.ExecuteNonQueryAsync();
        }

        // The notice is handled in turn with the others: once a later one (a queue change of node A) is seen on node
        // B, the deletion was handled too.
        await nodeA.SetQueueAttributesAsync(_caller, nodeA.Find(_caller.AccountId, _caller.Region, "template")!, [new("DelaySeconds", "2")]);
        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "template")!.Attributes.GetValueOrDefault("DelaySeconds") == "2", TimeSpan.FromSeconds(2));
        await nodeB.LearnQueueAsync(_caller.AccountId, _caller.Region, "doomed");
        Assert.Null(nodeB.Find(_caller.AccountId, _caller.Region, "doomed"));
        Assert.Equal(1, storeB.QueuesLearned);

        // A queue learned is followed like any other: deleted through node A (which learns it first), it is gone
        // from node B.
        await nodeA.LearnQueueAsync(_caller.AccountId, _caller.Region, "unheard");
        await nodeA.DeleteQueueAsync(_caller, nodeA.Find(_caller.AccountId, _caller.Region, "unheard")!);
        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "unheard") is null, TimeSpan.FromSeconds(2));
        await nodeB.LearnQueueAsync(_caller.AccountId, _caller.Region, "unheard");
        Assert.Null(nodeB.Find(_caller.AccountId, _caller.Region, "unheard"));
    }

    private static async Task Eventually(Func<bool> condition, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < within, $"not within {within.TotalMilliseconds} ms");
            await Task.Delay(20);
        }
    }

    private static async Task<Nodes> TwoNodesAsync(PostgresTestDatabase test, TimeSpan? checkB = null)
    {
        var nodes = new Nodes { DatabaseA = PostgresDatabase.Open(test.ConnectionString), DatabaseB = PostgresDatabase.Open(test.ConnectionString) };
        nodes.StoreA = await PostgresQueueStore.OpenAsync(nodes.DatabaseA);
        nodes.StoreB = await PostgresQueueStore.OpenAsync(nodes.DatabaseB, checkB ?? PostgresQueueStore.DefaultCatalogueCheckInterval);
        nodes.NodeA = await SqsService.StartAsync(nodes.StoreA, TimeProvider.System, TestKeys.Server);
        nodes.NodeB = await SqsService.StartAsync(nodes.StoreB, TimeProvider.System, TestKeys.Server);
        return nodes;
    }

    private sealed class Nodes : IAsyncDisposable
    {
        public required PostgresDatabase DatabaseA { get; init; }

        public required PostgresDatabase DatabaseB { get; init; }

        public PostgresQueueStore StoreA { get; set; } = null!;

        public PostgresQueueStore StoreB { get; set; } = null!;

        public SqsService NodeA { get; set; } = null!;

        public SqsService NodeB { get; set; } = null!;

        public async ValueTask DisposeAsync()
        {
            await NodeA.DisposeAsync();
            await NodeB.DisposeAsync();
            await StoreA.DisposeAsync();
            await StoreB.DisposeAsync();
            await DatabaseA.DisposeAsync();
            await DatabaseB.DisposeAsync();
        }
    }
}
