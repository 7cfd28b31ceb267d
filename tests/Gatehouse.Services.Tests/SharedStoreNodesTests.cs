using System.Diagnostics;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Sqs;
using Gatehouse.Services.Tests.Stores;
using Gatehouse.Storage.Sqlite;

namespace Gatehouse.Services.Tests;

/// <summary>
/// Two nodes over one shared store: each node's view of the store raises the change notices a shared store
/// (PostgreSQL's LISTEN/NOTIFY) raises for what the other node wrote. The catalogue, the queue policy that
/// authorization reads, long polls and the identity registry follow at once.
/// </summary>
public sealed class SharedStoreNodesTests
{
    private const string Account = "000000000000";
    private readonly SqsCaller _caller = new(Account, "us-east-1", "AIDAEXAMPLE", "http://localhost:4566", QueryProtocol: false);

    [Fact]
    public async Task Queue_catalogue_policy_and_long_polls_follow_the_other_node()
    {
        await using var nodes = await QueueNodes.StartAsync();
        var (nodeA, nodeB) = (nodes.A, nodes.B);

        await nodeA.CreateQueueAsync(_caller, new CreateQueueRequest("shared", [], null));
        var onB = nodeB.Find(Account, "us-east-1", "shared");
        Assert.NotNull(onB);

        const string Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*"}]}""";
        await nodeA.SetQueueAttributesAsync(_caller, nodeA.Find(Account, "us-east-1", "shared")!, [new("Policy", Policy)]);
        Assert.Contains("\"Deny\"", nodeB.Find(Account, "us-east-1", "shared")!.Attributes[QueueAttributeNames.Policy], StringComparison.Ordinal);

        // A long poll on B wakes when A sends, long before its 10 s wait is over.
        var clock = Stopwatch.StartNew();
        var poll = nodeB.ReceiveMessageAsync(onB, new ReceiveMessageRequest("shared", null, null, null, 1, null, 10, null));
        await Task.Delay(300);
        await nodeA.SendMessageAsync(_caller, nodeA.Find(Account, "us-east-1", "shared")!, new SendMessageRequest("shared", "from A", null, null, null, null, null), null);
        var received = await poll;
        Assert.Equal("from A", Assert.Single(received.Messages).Body);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the poll took {clock.Elapsed}");

        await nodeA.DeleteQueueAsync(_caller, nodeA.Find(Account, "us-east-1", "shared")!);
        Assert.Null(nodeB.Find(Account, "us-east-1", "shared"));
    }

    [Fact]
    public async Task A_late_definition_of_a_deleted_queue_does_not_displace_the_newer_queue_of_its_name()
    {
        await using var nodes = await QueueNodes.StartAsync();
        var (nodeA, nodeB) = (nodes.A, nodes.B);

        await nodeA.CreateQueueAsync(_caller, new CreateQueueRequest("reborn", [new("VisibilityTimeout", "40")], null));
        var first = nodeB.Find(Account, "us-east-1", "reborn")!;
        await nodeA.DeleteQueueAsync(_caller, nodeA.Find(Account, "us-east-1", "reborn")!);
        await nodeB.CreateQueueAsync(_caller, new CreateQueueRequest("reborn", [new("VisibilityTimeout", "50")], null));
        var second = nodeB.Find(Account, "us-east-1", "reborn")!;
        Assert.True(second.Id > first.Id);

        // The first queue's definition, read before it was deleted, reaches node B only now; then its deletion again.
        nodes.ViewB.Deliver(new QueueChange(first.Id, first));
        Assert.Equal(second.Id, nodeB.Find(Account, "us-east-1", "reborn")?.Id);
        nodes.ViewB.Deliver(new QueueChange(first.Id, null, Deleted: true));
        Assert.Equal("50", nodeB.Find(Account, "us-east-1", "reborn")?.Attributes["VisibilityTimeout"]);
    }

    [Fact]
    public async Task Keys_and_policies_made_on_one_node_are_used_by_the_other()
    {
        var backing = new InMemoryIdentityStore();
        var a = new IdentityNodeView(backing);
        var b = new IdentityNodeView(backing);
        a.Peers.Add(b);
        b.Peers.Add(a);
        var protector = new SecretProtector(SecretProtector.NewKey());
        var options = new IdentityOptions(Account, "root-key", "root-secret");
        using var nodeA = new IdentityRegistry(a, protector, TimeProvider.System, options);
        using var nodeB = new IdentityRegistry(b, protector, TimeProvider.System, options);

        nodeA.CreateUser(Account, "ann", "/");
        var key = nodeA.CreateAccessKey(Account, "ann");
        var found = await nodeB.FindAccessKeyAsync(key.AccessKeyId);
        Assert.NotNull(found);
        Assert.Equal($"arn:aws:iam::{Account}:user/ann", found.Principal.Arn);

        nodeA.PutInlinePolicy(IamEntityKind.User, Account, "ann", "deny-all",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}""");
        var policies = await nodeB.GetPoliciesAsync(found.Principal);
        Assert.Contains(policies.IdentityPolicies, p => p.Document.Contains("\"Deny\"", StringComparison.Ordinal));

        nodeA.DeleteAccessKey(Account, "ann", key.AccessKeyId);
        Assert.Null(await nodeB.FindAccessKeyAsync(key.AccessKeyId));
    }

    /// <summary>One node's view of a shared identity store: what it writes is announced to its peers.</summary>
    private sealed class IdentityNodeView(IIdentityStore shared) : IIdentityStore
    {
        public List<IdentityNodeView> Peers { get; } = [];

        public event Action<IdentityChange>? ChangedElsewhere;

        public string Description => shared.Description;

        public IReadOnlyList<IdentityRow> LoadAll() => shared.LoadAll();

        public void Put(string kind, string key, string json)
        {
            shared.Put(kind, key, json);
            Peers.ForEach(p => p.ChangedElsewhere?.Invoke(new IdentityChange(kind, key, json)));
        }

        public void Delete(string kind, string key)
        {
            shared.Delete(kind, key);
            Peers.ForEach(p => p.ChangedElsewhere?.Invoke(new IdentityChange(kind, key, null)));
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Two SQS nodes, each over its own view of one shared SQLite store (<see cref="QueueNodeView"/>).</summary>
    private sealed class QueueNodes : IAsyncDisposable
    {
        private SqliteQueueStore _shared = null!;

        public QueueNodeView ViewB { get; private set; } = null!;

        public SqsService A { get; private set; } = null!;

        public SqsService B { get; private set; } = null!;

        public static async Task<QueueNodes> StartAsync()
        {
            var shared = SqliteQueueStore.Open(new SqliteStoreOptions());
            var a = new QueueNodeView(shared);
            var b = new QueueNodeView(shared);
            a.Peers.Add(b);
            b.Peers.Add(a);
            return new QueueNodes
            {
                _shared = shared,
                ViewB = b,
                A = await SqsService.StartAsync(a, TimeProvider.System, TestKeys.Server),
                B = await SqsService.StartAsync(b, TimeProvider.System, TestKeys.Server),
            };
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            await _shared.DisposeAsync();
        }
    }
}
