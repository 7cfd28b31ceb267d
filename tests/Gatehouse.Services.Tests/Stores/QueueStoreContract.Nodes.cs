using System.Collections.Concurrent;
using System.Diagnostics;
using Gatehouse.Services.Sqs;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Stores;

/// <summary>Concurrency, and several nodes over one database.</summary>
public abstract partial class QueueStoreContract
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [ContractFact]
    public async Task Concurrent_receivers_never_get_the_same_message()
    {
        var (a, b) = await OpenTwoNodesAsync();
        var q = await Create(a, "q");
        const int Messages = 300;
        for (var i = 0; i < Messages; i += 10)
        {
            await a.SendAsync(q, false, [.. Enumerable.Range(i, 10).Select(n => Message("m" + n))]);
        }

        var got = new ConcurrentBag<(long RowId, string Body)>();
        var receivers = Enumerable.Range(0, 8).Select(r => Task.Run(async () =>
        {
            var store = r % 2 == 0 ? a : b;
            var empty = 0;
            while (empty < 3)
            {
                var received = await store.ReceiveAsync(Receive(q, T0, max: 1 + (r % 10), visibilityMs: 600_000));
                empty = received.Messages.Count == 0 ? empty + 1 : 0;
                foreach (var m in received.Messages)
                {
                    got.Add((m.RowId, m.Body));
                }
            }
        })).ToList();
        await Task.WhenAll(receivers);

        Assert.Equal(Messages, got.Count);
        Assert.Equal(Messages, got.Select(m => m.RowId).Distinct().Count());
        Assert.Equal(new QueueCounts(0, Messages, 0), await b.CountAsync(q, T0, 0));
    }

    [ContractFact]
    public async Task Fifo_consumers_on_two_nodes_never_hold_one_group_together_and_see_each_group_in_order()
    {
        var (a, b) = await OpenTwoNodesAsync();
        var q = await Create(a, "q.fifo");
        const int Groups = 8, PerGroup = 40;
        for (var i = 0; i < PerGroup; i++)
        {
            await a.SendAsync(q, true, [.. Enumerable.Range(0, Groups).Select(g => Message($"{g}:{i}", group: "g" + g, dedup: $"{g}-{i}"))]);
        }

        var owner = new ConcurrentDictionary<string, int>();
        var seen = new ConcurrentDictionary<string, List<int>>();
        var violations = new ConcurrentBag<string>();
        var done = 0;
        var consumers = Enumerable.Range(0, 6).Select(c => Task.Run(async () =>
        {
            var store = c % 2 == 0 ? a : b;
            while (Volatile.Read(ref done) < Groups * PerGroup)
            {
                var received = (await store.ReceiveAsync(Receive(q, T0, max: c == 0 ? 1 : 10, visibilityMs: 600_000, fifo: true))).Messages;
                var groups = received.Select(m => m.MessageGroupId!).Distinct().ToList();
                foreach (var g in groups)
                {
                    if (!owner.TryAdd(g, c))
                    {
                        violations.Add($"consumer {c} got group {g} held by {owner.GetValueOrDefault(g)}");
                    }
                }

                foreach (var m in received)
                {
                    seen.GetOrAdd(m.MessageGroupId!, _ => []).Add(int.Parse(m.Body.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
                }

                // Give the groups back before deleting: from the delete on, another consumer may take them.
                foreach (var g in groups)
                {
                    owner.TryRemove(KeyValuePair.Create(g, c));
                }

                if (received.Count == 0)
                {
                    await Task.Delay(1);
                }
                else
                {
                    Assert.All(await store.DeleteAsync(q, [.. received.Select(m => Handle(q, m))], T0, true), o => Assert.Equal(HandleOutcome.Ok, o));
                    Interlocked.Add(ref done, received.Count);
                }
            }
        })).ToList();
        await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Empty(violations);
        Assert.Equal(Groups, seen.Count);
        Assert.All(seen.Values, order => Assert.Equal(Enumerable.Range(0, PerGroup), order));
    }

    [ContractFact]
    public async Task Concurrent_duplicates_from_two_nodes_are_enqueued_once()
    {
        var (a, b) = await OpenTwoNodesAsync();
        var q = await Create(a, "q.fifo");
        for (var i = 0; i < 20; i++)
        {
            var both = await Task.WhenAll(
                Task.Run(() => a.SendAsync(q, true, [Message("x" + i, group: "g", dedup: "d" + i)])),
                Task.Run(() => b.SendAsync(q, true, [Message("y" + i, group: "h", dedup: "d" + i)])));
            var (first, second) = (Assert.Single(both[0]), Assert.Single(both[1]));
            Assert.Equal(first.MessageId, second.MessageId);
            Assert.Equal(first.SequenceNumber, second.SequenceNumber);
            Assert.Equal(1, new[] { first, second }.Count(o => !o.Duplicate));
        }

        Assert.Equal(20, (await a.CountAsync(q, T0, 0)).Visible);
        var sequence = (await a.PeekAsync(q, 100)).Messages.Select(m => m.Message.SequenceNumber).ToList();
        Assert.Equal(sequence.Order(), sequence);
        Assert.Equal(20, sequence.Distinct().Count());
    }

    [ContractFact]
    public async Task Each_node_hears_the_other_nodes_changes_but_not_its_own()
    {
        var (a, b) = await OpenTwoNodesAsync();
        var onA = new ConcurrentQueue<QueueChange>();
        var onB = new ConcurrentQueue<QueueChange>();
        a.ChangedElsewhere += onA.Enqueue;
        b.ChangedElsewhere += onB.Enqueue;

        var created = await a.CreateQueueAsync(NewQueue("q"));
        var change = await WaitForChange(onB, c => c.QueueId == created.Id && c.Queue is not null);
        Assert.Equal("q", change.Queue!.Name);

        var policy = created.Attributes.SetItem("Policy", """{"Statement":[{"Effect":"Deny"}]}""");
        await a.UpdateQueueAsync(created with { Attributes = policy, LastModifiedTimestamp = 9 });
        change = await WaitForChange(onB, c => c.QueueId == created.Id && c.Queue?.LastModifiedTimestamp == 9);
        Assert.Equal(policy, change.Queue!.Attributes);

        await a.SendAsync(created.Id, false, [Message("m")]);
        await WaitForChange(onB, c => c.QueueId == created.Id && c.MessagesArrived);

        // Made visible again by a visibility change on B: A hears of it.
        var m = Assert.Single((await b.ReceiveAsync(Receive(created.Id, T0))).Messages);
        await b.ChangeVisibilityAsync(created.Id, [new VisibilityChange(Handle(created.Id, m), T0, 0)], T0, false);
        await WaitForChange(onA, c => c.QueueId == created.Id && c.MessagesArrived);

        await a.DeleteQueueAsync(created.Id);
        await WaitForChange(onB, c => c.QueueId == created.Id && c.Deleted);

        // A heard none of what it did itself.
        await Task.Delay(200);
        Assert.DoesNotContain(onA, c => c.Deleted || c.Queue is not null);
    }

    public static async Task<QueueChange> WaitForChange(ConcurrentQueue<QueueChange> changes, Func<QueueChange, bool> match)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (changes.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(5);
        }

        throw new TimeoutException("No such change was raised: " + string.Join(", ", changes));
    }

    // ---- The service over two nodes -------------------------------------------------------------------------------

    private readonly SqsCaller _caller = new("000000000000", "us-east-1", "AIDAEXAMPLE", "http://localhost:4566", QueryProtocol: false);

    [ContractFact]
    public async Task The_service_on_one_node_follows_the_catalogue_policy_and_messages_of_the_other()
    {
        var (a, b) = await OpenTwoNodesAsync();
        await using var nodeA = await SqsService.StartAsync(a, TimeProvider.System, TestKeys.Server);
        await using var nodeB = await SqsService.StartAsync(b, TimeProvider.System, TestKeys.Server);

        await nodeA.CreateQueueAsync(_caller, new CreateQueueRequest("shared", [], null));
        var onB = await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "shared"));

        const string Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*"}]}""";
        await nodeA.SetQueueAttributesAsync(_caller, nodeA.Find(_caller.AccountId, _caller.Region, "shared")!, [new("Policy", Policy)]);
        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "shared") is { } q
            && q.Attributes.GetValueOrDefault(QueueAttributeNames.Policy, "").Contains("\"Deny\"", StringComparison.Ordinal) ? q : null);

        // A long poll on B wakes as soon as A's send is acknowledged: within 100 ms, long before its 20 s wait ends.
        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var poll = nodeB.ReceiveMessageAsync(onB, new ReceiveMessageRequest("shared", null, null, null, 1, null, 20, null));
            await Task.Delay(300);
            Assert.False(poll.IsCompleted);
            await nodeA.SendMessageAsync(_caller, nodeA.Find(_caller.AccountId, _caller.Region, "shared")!,
                new SendMessageRequest("shared", "from A " + i, null, null, null, null, null), null);
            var sent = Stopwatch.StartNew();
            var received = await poll.WaitAsync(Patience);
            latencies.Add(sent.Elapsed);
            Assert.Equal("from A " + i, Assert.Single(received.Messages).Body);
            await nodeB.DeleteMessageAsync(onB, received.Messages[0].ReceiptHandle);
        }

        latencies.Sort();
        Assert.True(latencies[1] < TimeSpan.FromMilliseconds(100), "long polls woke after " + string.Join(", ", latencies));

        await nodeA.DeleteQueueAsync(_caller, nodeA.Find(_caller.AccountId, _caller.Region, "shared")!);
        await Eventually(() => nodeB.Find(_caller.AccountId, _caller.Region, "shared") is null ? "gone" : null);
    }

    private static async Task<T> Eventually<T>(Func<T?> probe)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(5);
        }

        throw new TimeoutException("The other node did not follow.");
    }
}
