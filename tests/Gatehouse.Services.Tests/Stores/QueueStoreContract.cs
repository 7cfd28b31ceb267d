using System.Collections.Immutable;
using Gatehouse.Services.Sqs;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Stores;

/// <summary>
/// What every <see cref="IQueueStore"/> must do, run unchanged over each implementation (one concrete class per
/// store). Times are the explicit milliseconds the service passes in, so no clock is involved.
/// </summary>
public abstract partial class QueueStoreContract : IAsyncLifetime
{
    private const long T0 = 1_000_000;

    /// <summary>A store over a fresh, empty database.</summary>
    protected abstract Task<IQueueStore> OpenStoreAsync();

    /// <summary>Two nodes over one fresh database: each raises <see cref="IQueueStore.ChangedElsewhere"/> for what
    /// the other changes.</summary>
    protected abstract Task<(IQueueStore A, IQueueStore B)> OpenTwoNodesAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public abstract Task DisposeAsync();

    protected static QueueRecord NewQueue(string name, params (string Key, string Value)[] attributes) => new()
    {
        Id = 0,
        AccountId = "000000000000",
        Region = "us-east-1",
        Name = name,
        Attributes = attributes.ToImmutableSortedDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal),
        Tags = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal),
        CreatedTimestamp = 1,
        LastModifiedTimestamp = 1,
    };

    protected static NewMessage Message(string body, long sentMs = T0, long? visibleMs = null, string? group = null, string? dedup = null,
        string scope = "", IReadOnlyList<KeyValuePair<string, MessageAttributeValue>>? attributes = null) =>
        new(Uuids.NewV4(), body, attributes ?? [], null, "AIDAEXAMPLE", sentMs, visibleMs ?? sentMs, group, dedup, dedup is null ? null : scope, sentMs + 300_000);

    protected static ReceiveCommand Receive(long queueId, long now, int max = 10, long visibilityMs = 30_000, bool fifo = false,
        long oldestAliveSentMs = 0, long? deadLetterQueueId = null, string? sourceArn = null, int maxReceiveCount = 0) =>
        new(queueId, fifo, now, max, visibilityMs, oldestAliveSentMs, deadLetterQueueId, sourceArn, maxReceiveCount);

    private static ReceiptHandle Handle(long queueId, StoredMessage m) => new(queueId, m.RowId, m.Nonce);

    private static async Task<long> Create(IQueueStore store, string name) => (await store.CreateQueueAsync(NewQueue(name))).Id;

    // ---- Queues ---------------------------------------------------------------------------------------------------

    [ContractFact]
    public async Task Queues_are_created_updated_loaded_and_deleted()
    {
        var store = await OpenStoreAsync();
        var a = await store.CreateQueueAsync(NewQueue("a", ("DelaySeconds", "5")));
        var b = await store.CreateQueueAsync(NewQueue("b.fifo", ("FifoQueue", "true")));
        Assert.True(a.Id > 0);
        Assert.NotEqual(a.Id, b.Id);

        var updated = a with
        {
            Attributes = a.Attributes.SetItem("Policy", """{"Statement":[]}"""),
            Tags = a.Tags.SetItem("team", "x"),
            LastModifiedTimestamp = 7,
        };
        await store.UpdateQueueAsync(updated);
        var loaded = (await store.LoadQueuesAsync()).ToDictionary(q => q.Name);
        Assert.Equal(["a", "b.fifo"], loaded.Keys.Order());
        Assert.Equal(updated.Attributes, loaded["a"].Attributes);
        Assert.Equal(updated.Tags, loaded["a"].Tags);
        Assert.Equal((1L, 7L), (loaded["a"].CreatedTimestamp, loaded["a"].LastModifiedTimestamp));
        Assert.Equal(("000000000000", "us-east-1"), (loaded["a"].AccountId, loaded["a"].Region));

        await store.SendAsync(a.Id, false, [Message("m")]);
        await store.DeleteQueueAsync(a.Id);
        Assert.Equal(["b.fifo"], (await store.LoadQueuesAsync()).Select(q => q.Name));
        Assert.Equal(new QueueCounts(0, 0, 0), await store.CountAsync(a.Id, T0, 0));
    }

    [ContractFact]
    public async Task A_queue_name_is_unique_per_account_and_region()
    {
        var store = await OpenStoreAsync();
        var first = await store.CreateQueueAsync(NewQueue("same", ("DelaySeconds", "5")));
        // The second is told which queue holds the name (the service answers as CreateQueue of an existing name).
        var taken = await Assert.ThrowsAsync<QueueNameTakenException>(() => store.CreateQueueAsync(NewQueue("same")));
        Assert.Equal(first.Id, taken.Existing.Id);
        Assert.Equal("5", taken.Existing.Attributes["DelaySeconds"]);
        await store.CreateQueueAsync(NewQueue("same") with { Region = "eu-west-1" });
        Assert.Equal(2, (await store.LoadQueuesAsync()).Count);
    }

    [ContractFact]
    public async Task Ids_are_never_reused_after_deletion()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        await store.SendAsync(q, false, [Message("one")]);
        var first = Assert.Single((await store.ReceiveAsync(Receive(q, T0))).Messages);
        Assert.Equal([HandleOutcome.Ok], await store.DeleteAsync(q, [Handle(q, first)], T0, false));

        await store.SendAsync(q, false, [Message("two")]);
        var second = Assert.Single((await store.ReceiveAsync(Receive(q, T0))).Messages);
        Assert.True(second.RowId > first.RowId);

        // The first message's handle cannot reach the second message.
        Assert.Equal([HandleOutcome.MessageGone], await store.DeleteAsync(q, [Handle(q, first)], T0, false));
        Assert.Equal(new QueueCounts(0, 1, 0), await store.CountAsync(q, T0, 0));

        // Nor does a deleted queue's id come back.
        await store.DeleteQueueAsync(q);
        var again = await Create(store, "q");
        Assert.True(again > q);
    }

    // ---- Send and receive -----------------------------------------------------------------------------------------

    [ContractFact]
    public async Task A_message_comes_back_whole_and_is_invisible_until_its_timeout_ends()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        List<KeyValuePair<string, MessageAttributeValue>> attributes =
        [
            new("s", new MessageAttributeValue("String", "text ü", null)),
            new("n", new MessageAttributeValue("Number.int", "42", null)),
            new("b", new MessageAttributeValue("Binary", null, [0, 1, 2, 255])),
        ];
        var sent = new NewMessage(Uuids.NewV4(), "body ✓", attributes, "Root=1-abc", "AIDASENDER", T0, T0, null, null, null, 0);
        var outcome = Assert.Single(await store.SendAsync(q, false, [sent]));
        Assert.Equal((sent.MessageId, 0L, false), (outcome.MessageId, outcome.SequenceNumber, outcome.Duplicate));

        var m = Assert.Single((await store.ReceiveAsync(Receive(q, T0 + 10, visibilityMs: 30_000))).Messages);
        Assert.Equal((sent.MessageId, "body ✓", "Root=1-abc", "AIDASENDER", T0), (m.MessageId, m.Body, m.AwsTraceHeader, m.SenderId, m.SentMs));
        Assert.Equal((1, T0 + 10, (string?)null, (string?)null), (m.ReceiveCount, m.FirstReceiveMs, m.MessageGroupId, m.DeadLetterQueueSourceArn));
        Assert.Equal(3, m.Attributes.Count);
        Assert.Equal("text ü", m.Attributes.Single(a => a.Key == "s").Value.StringValue);
        Assert.Equal("Number.int", m.Attributes.Single(a => a.Key == "n").Value.DataType);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, m.Attributes.Single(a => a.Key == "b").Value.BinaryValue);

        var hidden = await store.ReceiveAsync(Receive(q, T0 + 20_000));
        Assert.Empty(hidden.Messages);
        Assert.Equal(T0 + 30_010, hidden.NextVisibleAtMs);

        var again = Assert.Single((await store.ReceiveAsync(Receive(q, T0 + 30_010))).Messages);
        Assert.Equal((2, T0 + 10), (again.ReceiveCount, again.FirstReceiveMs));
        Assert.NotEqual(m.Nonce, again.Nonce);
        Assert.Equal(m.RowId, again.RowId);
    }

    [ContractFact]
    public async Task Standard_receive_serves_the_longest_visible_first_and_holds_back_delayed_messages()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        await store.SendAsync(q, false, [Message("late", visibleMs: T0 + 500), Message("early", visibleMs: T0 + 100), Message("delayed", visibleMs: T0 + 20_000)]);
        await store.SendAsync(q, false, [Message("now")]);

        Assert.Equal(new QueueCounts(1, 0, 3), await store.CountAsync(q, T0, 0));
        var got = await store.ReceiveAsync(Receive(q, T0 + 1000));
        Assert.Equal(["now", "early", "late"], got.Messages.Select(m => m.Body));
        Assert.Equal(new QueueCounts(0, 3, 1), await store.CountAsync(q, T0 + 1000, 0));

        var none = await store.ReceiveAsync(Receive(q, T0 + 1000));
        Assert.Empty(none.Messages);
        Assert.Equal(T0 + 20_000, none.NextVisibleAtMs);
        Assert.Equal(["delayed"], (await store.ReceiveAsync(Receive(q, T0 + 20_000))).Messages.Select(m => m.Body));
    }

    [ContractFact]
    public async Task A_batch_is_stored_all_together_and_received_at_most_max_at_a_time()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        var outcomes = await store.SendAsync(q, false, [.. Enumerable.Range(0, 10).Select(i => Message("m" + i))]);
        Assert.Equal(10, outcomes.Select(o => o.MessageId).Distinct().Count());
        var first = await store.ReceiveAsync(Receive(q, T0, max: 4));
        var second = await store.ReceiveAsync(Receive(q, T0, max: 10));
        Assert.Equal(4, first.Messages.Count);
        Assert.Equal(6, second.Messages.Count);
        Assert.Equal(10, first.Messages.Concat(second.Messages).Select(m => m.Body).Distinct().Count());
        Assert.Null(second.NextVisibleAtMs);
    }

    [ContractFact]
    public async Task Messages_past_retention_are_never_delivered_and_the_sweep_removes_them()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        await store.SendAsync(q, false, [Message("old", sentMs: T0), Message("old2", sentMs: T0 + 1)]);
        await store.SendAsync(q, false, [Message("new", sentMs: T0 + 5000)]);

        var got = await store.ReceiveAsync(Receive(q, T0 + 6000, oldestAliveSentMs: T0 + 1));
        Assert.Equal(["new", "old2"], got.Messages.Select(m => m.Body).Order(StringComparer.Ordinal));
        Assert.Equal(new QueueCounts(0, 2, 0), await store.CountAsync(q, T0 + 6000, 0));

        await store.SendAsync(q, false, [Message("mid", sentMs: T0 + 2000)]);
        Assert.Equal(2, await store.ExpireAsync(q, T0 + 3000, T0 + 6000));
        var left = await store.PeekAsync(q, 10);
        Assert.Equal(["new"], left.Messages.Select(m => m.Message.Body));
    }

    [ContractFact]
    public async Task Standard_receive_handles_up_to_32_rows_beyond_its_maximum_skipping_expired_ones()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        await store.SendAsync(q, false, [.. Enumerable.Range(0, 40).Select(n => Message("old" + n, sentMs: 10 + n))]);
        await store.SendAsync(q, false, [.. Enumerable.Range(0, 12).Select(n => Message("alive" + n, sentMs: 5000 + n))]);

        // 42 rows: the 40 expired are deleted on the way, the last two received.
        var first = await store.ReceiveAsync(Receive(q, 6000, max: 10, oldestAliveSentMs: 1000));
        Assert.Equal(["alive0", "alive1"], first.Messages.Select(m => m.Body));
        var second = await store.ReceiveAsync(Receive(q, 6000, max: 10, oldestAliveSentMs: 1000));
        Assert.Equal([.. Enumerable.Range(2, 10).Select(n => "alive" + n)], second.Messages.Select(m => m.Body));

        var left = await store.PeekAsync(q, 100);
        Assert.Equal(12, left.Messages.Count);
        Assert.All(left.Messages, m => Assert.StartsWith("alive", m.Message.Body, StringComparison.Ordinal));
    }

    // ---- Delete and visibility ------------------------------------------------------------------------------------

    [ContractFact]
    public async Task Standard_delete_accepts_an_older_handle_and_reports_what_is_gone()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        var other = await Create(store, "other");
        await store.SendAsync(q, false, [Message("a"), Message("b")]);
        var first = (await store.ReceiveAsync(Receive(q, T0, visibilityMs: 1000))).Messages.ToDictionary(m => m.Body);
        var second = (await store.ReceiveAsync(Receive(q, T0 + 1000, visibilityMs: 1000))).Messages.ToDictionary(m => m.Body);

        var outcomes = await store.DeleteAsync(q, [Handle(q, first["a"]), Handle(q, second["b"]), Handle(q, second["b"])], T0 + 1500, false);
        Assert.Equal([HandleOutcome.Ok, HandleOutcome.Ok, HandleOutcome.MessageGone], outcomes);
        Assert.Equal([HandleOutcome.MessageGone], await store.DeleteAsync(q, [Handle(q, second["a"])], T0 + 1500, false));
        Assert.Equal(new QueueCounts(0, 0, 0), await store.CountAsync(q, T0 + 1500, 0));

        // A handle is bound to its queue.
        await store.SendAsync(other, false, [Message("c")]);
        var c = Assert.Single((await store.ReceiveAsync(Receive(other, T0))).Messages);
        Assert.Equal([HandleOutcome.MessageGone], await store.DeleteAsync(q, [new ReceiptHandle(q, c.RowId, c.Nonce)], T0, false));
        Assert.Equal(new QueueCounts(0, 1, 0), await store.CountAsync(other, T0, 0));
    }

    [ContractFact]
    public async Task Fifo_delete_needs_the_latest_handle_while_in_flight()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        await store.SendAsync(q, true, [Message("a", group: "g", dedup: "1"), Message("b", group: "h", dedup: "2")]);
        var first = (await store.ReceiveAsync(Receive(q, T0, visibilityMs: 1000, fifo: true))).Messages.ToDictionary(m => m.Body);
        var second = (await store.ReceiveAsync(Receive(q, T0 + 1000, visibilityMs: 1000, fifo: true))).Messages.ToDictionary(m => m.Body);

        var outcomes = await store.DeleteAsync(q, [Handle(q, first["a"]), Handle(q, second["b"])], T0 + 1500, true);
        Assert.Equal([HandleOutcome.Stale, HandleOutcome.Ok], outcomes);

        // Its visibility ran out: the handle has expired.
        Assert.Equal([HandleOutcome.NotInFlight], await store.DeleteAsync(q, [Handle(q, second["a"])], T0 + 2000, true));
        Assert.Equal(new QueueCounts(1, 0, 0), await store.CountAsync(q, T0 + 2000, 0));
    }

    [ContractFact]
    public async Task Visibility_changes_follow_the_handle_rules_and_the_twelve_hour_cap()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        await store.SendAsync(q, false, [Message("a"), Message("b")]);
        var old = (await store.ReceiveAsync(Receive(q, T0, visibilityMs: 1000))).Messages.ToDictionary(m => m.Body);
        var latest = (await store.ReceiveAsync(Receive(q, T0 + 1000, visibilityMs: 1000))).Messages.ToDictionary(m => m.Body);
        var now = T0 + 1500;

        var outcomes = await store.ChangeVisibilityAsync(q,
        [
            new VisibilityChange(Handle(q, old["a"]), now + 60_000, 60),
            new VisibilityChange(Handle(q, latest["b"]), T0 + 1000 + (43_200_000L + 1), 43_200),
            new VisibilityChange(new ReceiptHandle(q, latest["b"].RowId + 1000, 1), now, 0),
        ], now, false);
        Assert.Equal([HandleOutcome.Ok, HandleOutcome.TotalVisibilityExceeded, HandleOutcome.MessageGone], outcomes);

        // a stays hidden for its new 60 s; b's timeout runs out as before.
        Assert.Equal(["b"], (await store.ReceiveAsync(Receive(q, T0 + 2000, visibilityMs: 1000))).Messages.Select(m => m.Body));

        // A change after the timeout ran out still applies on a standard queue, and says so.
        var b = (await store.PeekAsync(q, 10)).Messages.Single(p => p.Message.Body == "b").Message;
        Assert.Equal([HandleOutcome.NotInFlight], await store.ChangeVisibilityAsync(q, [new VisibilityChange(Handle(q, b), T0 + 10_000, 7)], T0 + 3500, false));
        Assert.Empty((await store.ReceiveAsync(Receive(q, T0 + 9000))).Messages);

        // Back to visible now: receivable at once.
        Assert.Equal([HandleOutcome.Ok], await store.ChangeVisibilityAsync(q, [new VisibilityChange(Handle(q, old["a"]), T0 + 9000, 0)], T0 + 9000, false));
        Assert.Equal(["a"], (await store.ReceiveAsync(Receive(q, T0 + 9000))).Messages.Select(m => m.Body));
    }

    [ContractFact]
    public async Task Fifo_visibility_changes_need_the_latest_handle_in_flight()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        await store.SendAsync(q, true, [Message("a", group: "g", dedup: "1")]);
        var h1 = Assert.Single((await store.ReceiveAsync(Receive(q, T0, visibilityMs: 1000, fifo: true))).Messages);
        var h2 = Assert.Single((await store.ReceiveAsync(Receive(q, T0 + 1000, visibilityMs: 1000, fifo: true))).Messages);
        Assert.Equal([HandleOutcome.Stale], await store.ChangeVisibilityAsync(q, [new VisibilityChange(Handle(q, h1), T0 + 1500, 0)], T0 + 1500, true));
        Assert.Equal([HandleOutcome.NotInFlight], await store.ChangeVisibilityAsync(q, [new VisibilityChange(Handle(q, h2), T0 + 9000, 7)], T0 + 2000, true));
        Assert.Equal([HandleOutcome.Ok], await store.ChangeVisibilityAsync(q, [new VisibilityChange(Handle(q, h2), T0 + 9000, 7)], T0 + 1500, true));
        Assert.Empty((await store.ReceiveAsync(Receive(q, T0 + 8000, fifo: true))).Messages);
    }

    // ---- FIFO -----------------------------------------------------------------------------------------------------

    [ContractFact]
    public async Task Fifo_sequence_numbers_grow_per_queue_and_duplicates_return_the_original()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        var other = await Create(store, "other.fifo");
        var batch = await store.SendAsync(q, true, [Message("a", group: "g", dedup: "1"), Message("b", group: "g", dedup: "2"), Message("a again", group: "g", dedup: "1")]);
        Assert.Equal([false, false, true], batch.Select(o => o.Duplicate));
        Assert.Equal(batch[0].MessageId, batch[2].MessageId);
        Assert.Equal(batch[0].SequenceNumber, batch[2].SequenceNumber);
        Assert.Equal(batch[0].SequenceNumber + 1, batch[1].SequenceNumber);

        var next = Assert.Single(await store.SendAsync(q, true, [Message("c", group: "g", dedup: "3")]));
        Assert.Equal(batch[1].SequenceNumber + 1, next.SequenceNumber);
        var dup = Assert.Single(await store.SendAsync(q, true, [Message("b later", sentMs: T0 + 299_999, group: "h", dedup: "2")]));
        Assert.True(dup.Duplicate);
        Assert.Equal((batch[1].MessageId, batch[1].SequenceNumber), (dup.MessageId, dup.SequenceNumber));

        // Another queue has its own numbers and its own deduplication.
        var elsewhere = Assert.Single(await store.SendAsync(other, true, [Message("a", group: "g", dedup: "1")]));
        Assert.False(elsewhere.Duplicate);

        // After the five-minute window the same id is a new message with a later number.
        var fresh = Assert.Single(await store.SendAsync(q, true, [Message("a", sentMs: T0 + 300_000, group: "g", dedup: "1")]));
        Assert.False(fresh.Duplicate);
        Assert.True(fresh.SequenceNumber > next.SequenceNumber);
        Assert.Equal(4, (await store.CountAsync(q, T0 + 300_000, 0)).Visible);
    }

    [ContractFact]
    public async Task Fifo_deduplication_scope_is_per_group_when_asked()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        var a = Assert.Single(await store.SendAsync(q, true, [Message("x", group: "g1", dedup: "d", scope: "g1")]));
        var b = Assert.Single(await store.SendAsync(q, true, [Message("x", group: "g2", dedup: "d", scope: "g2")]));
        var c = Assert.Single(await store.SendAsync(q, true, [Message("x", group: "g2", dedup: "d", scope: "g2")]));
        Assert.False(b.Duplicate);
        Assert.NotEqual(a.MessageId, b.MessageId);
        Assert.True(c.Duplicate);
        Assert.Equal(b.MessageId, c.MessageId);
    }

    [ContractFact]
    public async Task A_fifo_send_to_a_queue_that_does_not_exist_fails_and_stores_nothing()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SendAsync(q + 1000, true, [Message("orphan", group: "g", dedup: "1")]));
        Assert.Equal(new QueueCounts(0, 0, 0), await store.CountAsync(q + 1000, T0, 0));
    }

    [ContractFact]
    public async Task Fifo_keeps_group_order_and_blocks_a_group_while_a_message_of_it_is_in_flight()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        for (var i = 0; i < 3; i++)
        {
            await store.SendAsync(q, true, [Message($"a{i}", group: "A", dedup: $"a{i}"), Message($"b{i}", group: "B", dedup: $"b{i}")]);
        }

        var first = Assert.Single((await store.ReceiveAsync(Receive(q, T0, max: 1, fifo: true))).Messages);
        Assert.Equal("a0", first.Body);
        Assert.Equal("A", first.MessageGroupId);
        Assert.Equal(["b0", "b1", "b2"], (await store.ReceiveAsync(Receive(q, T0, fifo: true))).Messages.Select(m => m.Body));
        var blocked = await store.ReceiveAsync(Receive(q, T0, fifo: true));
        Assert.Empty(blocked.Messages);
        Assert.Equal(T0 + 30_000, blocked.NextVisibleAtMs);

        await store.DeleteAsync(q, [Handle(q, first)], T0, true);
        var rest = (await store.ReceiveAsync(Receive(q, T0, fifo: true))).Messages;
        Assert.Equal(["a1", "a2"], rest.Select(m => m.Body));
        Assert.True(rest[0].SequenceNumber < rest[1].SequenceNumber);
    }

    [ContractFact]
    public async Task Fifo_serves_one_group_first_then_the_others_in_sequence_order()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        await store.SendAsync(q, true, [Message("x1", group: "X", dedup: "1"), Message("y1", group: "Y", dedup: "2"), Message("x2", group: "X", dedup: "3"),
            Message("z1", group: "Z", dedup: "4"), Message("y2", group: "Y", dedup: "5")]);
        var got = await store.ReceiveAsync(Receive(q, T0, fifo: true));
        Assert.Equal(["x1", "x2", "y1", "z1", "y2"], got.Messages.Select(m => m.Body));
    }

    [ContractFact]
    public async Task Fifo_group_is_blocked_from_its_first_message_in_flight_on()
    {
        // foo, bar, baz of one group received; only bar's visibility extended: the next receive returns foo alone.
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        await store.SendAsync(q, true, [Message("foo", group: "g", dedup: "1"), Message("bar", group: "g", dedup: "2"), Message("baz", group: "g", dedup: "3")]);
        var got = (await store.ReceiveAsync(Receive(q, T0, visibilityMs: 1000, fifo: true))).Messages.ToDictionary(m => m.Body);
        Assert.Equal(3, got.Count);
        Assert.Equal([HandleOutcome.Ok], await store.ChangeVisibilityAsync(q, [new VisibilityChange(Handle(q, got["bar"]), T0 + 4000, 4)], T0 + 10, true));
        Assert.Equal(["foo"], (await store.ReceiveAsync(Receive(q, T0 + 2500, visibilityMs: 1000, fifo: true))).Messages.Select(m => m.Body));
        Assert.Equal(["foo", "bar", "baz"], (await store.ReceiveAsync(Receive(q, T0 + 4500, fifo: true))).Messages.Select(m => m.Body));
    }

    [ContractFact]
    public async Task Fifo_delayed_message_holds_back_the_rest_of_its_group()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        await store.SendAsync(q, true, [Message("late", visibleMs: T0 + 5000, group: "g", dedup: "1")]);
        await store.SendAsync(q, true, [Message("after", group: "g", dedup: "2"), Message("other", group: "h", dedup: "3")]);
        Assert.Equal(["other"], (await store.ReceiveAsync(Receive(q, T0, fifo: true))).Messages.Select(m => m.Body));
        Assert.Equal(["late", "after"], (await store.ReceiveAsync(Receive(q, T0 + 5000, fifo: true))).Messages.Select(m => m.Body));
    }

    [ContractFact]
    public async Task Fifo_receive_reads_past_a_long_run_of_expired_messages()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        for (var i = 0; i < 1500; i += 500)
        {
            await store.SendAsync(q, true, [.. Enumerable.Range(i, 500).Select(n => Message("old", sentMs: 10, group: "g" + (n % 50), dedup: "d" + n))]);
        }

        await store.SendAsync(q, true, [Message("alive", sentMs: 5000, group: "g0", dedup: "alive")]);
        var got = await store.ReceiveAsync(Receive(q, 6000, fifo: true, oldestAliveSentMs: 1000));
        Assert.Equal(["alive"], got.Messages.Select(m => m.Body));
        Assert.Equal("alive", Assert.Single((await store.PeekAsync(q, 10)).Messages).Message.Body);
    }

    [ContractFact]
    public async Task Fifo_receive_takes_messages_on_both_sides_of_a_run_of_expired_ones()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q.fifo");
        await store.SendAsync(q, true, [.. Enumerable.Range(0, 5).Select(n => Message("a" + n, sentMs: 5000, group: "a" + n, dedup: "a" + n))]);
        await store.SendAsync(q, true, [.. Enumerable.Range(0, 40).Select(n => Message("old" + n, sentMs: 10, group: "x" + n, dedup: "x" + n))]);
        await store.SendAsync(q, true, [.. Enumerable.Range(0, 10).Select(n => Message("b" + n, sentMs: 5000, group: "b" + n, dedup: "b" + n))]);

        // Five before the run, the run deleted on the way, five after it: one receive, as a single scan would.
        var got = await store.ReceiveAsync(Receive(q, 6000, max: 10, fifo: true, oldestAliveSentMs: 1000));
        Assert.Equal(["a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2", "b3", "b4"], got.Messages.Select(m => m.Body));
        var left = await store.PeekAsync(q, 100);
        Assert.Equal(15, left.Messages.Count);
        Assert.DoesNotContain(left.Messages, m => m.Message.Body.StartsWith("old", StringComparison.Ordinal));
    }

    // ---- Dead-letter queues and moves -----------------------------------------------------------------------------

    [ContractFact]
    public async Task A_receive_past_maxReceiveCount_moves_the_message_to_the_dead_letter_queue()
    {
        var store = await OpenStoreAsync();
        var dlq = await Create(store, "dlq");
        var q = await Create(store, "src");
        const string Arn = "arn:aws:sqs:us-east-1:000000000000:src";
        await store.SendAsync(q, false, [Message("poison"), Message("fine")]);
        ReceiveCommand R(long now) => Receive(q, now, visibilityMs: 1000, deadLetterQueueId: dlq, sourceArn: Arn, maxReceiveCount: 2);

        Assert.Equal(2, (await store.ReceiveAsync(R(T0))).Messages.Count);
        var second = await store.ReceiveAsync(R(T0 + 1000));
        Assert.Equal(2, second.Messages.Count);
        await store.DeleteAsync(q, [Handle(q, second.Messages.Single(m => m.Body == "fine"))], T0 + 1000, false);

        var third = await store.ReceiveAsync(R(T0 + 2000));
        Assert.Empty(third.Messages);
        Assert.Equal(1, third.MovedToDeadLetterQueue);

        var dead = Assert.Single((await store.ReceiveAsync(Receive(dlq, T0 + 2000))).Messages);
        Assert.Equal(("poison", Arn, 3), (dead.Body, dead.DeadLetterQueueSourceArn, dead.ReceiveCount));
    }

    [ContractFact]
    public async Task Fifo_dead_lettering_holds_back_the_rest_of_the_group_for_that_receive()
    {
        var store = await OpenStoreAsync();
        var dlq = await Create(store, "dlq.fifo");
        var q = await Create(store, "src.fifo");
        const string Arn = "arn:aws:sqs:us-east-1:000000000000:src.fifo";
        await store.SendAsync(q, true, [Message("head", group: "g", dedup: "1")]);
        var head = Assert.Single((await store.ReceiveAsync(Receive(q, T0, max: 1, visibilityMs: 1000, fifo: true))).Messages);
        Assert.Equal("head", head.Body);
        await store.SendAsync(q, true, [Message("next", group: "g", dedup: "2"), Message("other", group: "h", dedup: "3")]);

        var got = await store.ReceiveAsync(Receive(q, T0 + 1000, fifo: true, deadLetterQueueId: dlq, sourceArn: Arn, maxReceiveCount: 1));
        Assert.Equal(1, got.MovedToDeadLetterQueue);
        Assert.Equal(["other"], got.Messages.Select(m => m.Body));
        Assert.Equal(["next"], (await store.ReceiveAsync(Receive(q, T0 + 1000, fifo: true, deadLetterQueueId: dlq, sourceArn: Arn, maxReceiveCount: 1))).Messages.Select(m => m.Body));
        Assert.Equal(["head"], (await store.ReceiveAsync(Receive(dlq, T0 + 1000, fifo: true))).Messages.Select(m => m.Body));
    }

    [ContractFact]
    public async Task Moves_resend_messages_to_a_destination_or_back_to_their_sources()
    {
        var store = await OpenStoreAsync();
        var dlq = await Create(store, "dlq");
        var a = await Create(store, "a");
        var b = await Create(store, "b");
        var dest = await Create(store, "dest");
        var arns = new Dictionary<string, long> { ["arn:a"] = a, ["arn:b"] = b };
        foreach (var (arn, id) in arns)
        {
            await store.SendAsync(id, false, [Message("from " + arn), Message("from " + arn)]);
            await store.ReceiveAsync(Receive(id, T0, visibilityMs: 0));
            Assert.Equal(2, (await store.ReceiveAsync(Receive(id, T0, deadLetterQueueId: dlq, sourceArn: arn, maxReceiveCount: 1))).MovedToDeadLetterQueue);
        }

        await store.SendAsync(dlq, false, [Message("no source", visibleMs: T0 + 5)]);
        await store.SendAsync(dlq, false, [Message("not yet visible", visibleMs: T0 + 99_000)]);
        var before = (await store.PeekAsync(dlq, 10)).Messages.ToDictionary(p => p.Message.RowId, p => p.Message.MessageId);

        // Back to the sources, two at a time: a message without a source stays where it is.
        Assert.Equal(2, await store.MoveMessagesAsync(dlq, null, arn => arns.TryGetValue(arn, out var id) ? id : null, 2, T0 + 10));
        Assert.Equal(2, await store.MoveMessagesAsync(dlq, null, arn => arns.TryGetValue(arn, out var id) ? id : null, 10, T0 + 10));
        Assert.Equal(0, await store.MoveMessagesAsync(dlq, null, arn => arns.TryGetValue(arn, out var id) ? id : null, 10, T0 + 10));
        foreach (var id in arns.Values)
        {
            var back = (await store.ReceiveAsync(Receive(id, T0 + 20))).Messages;
            Assert.Equal(2, back.Count);

            // A re-send: new message id and enqueue time, no receives yet and no source.
            Assert.All(back, m => Assert.Equal((1, T0 + 10, (string?)null), (m.ReceiveCount, m.SentMs, m.DeadLetterQueueSourceArn)));
            Assert.All(back, m => Assert.NotEqual(before[m.RowId], m.MessageId));
        }

        Assert.Equal(1, await store.MoveMessagesAsync(dlq, dest, _ => null, 10, T0 + 10));
        Assert.Equal(["no source"], (await store.ReceiveAsync(Receive(dest, T0 + 20))).Messages.Select(m => m.Body));
        Assert.Equal(new QueueCounts(0, 0, 1), await store.CountAsync(dlq, T0 + 20, 0));
    }

    // ---- Purge, counts, peek, move tasks --------------------------------------------------------------------------

    [ContractFact]
    public async Task Purge_deletes_every_message_of_the_queue_only()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        var other = await Create(store, "other");
        for (var i = 0; i < 3; i++)
        {
            await store.SendAsync(q, false, [.. Enumerable.Range(0, 10).Select(n => Message("m", visibleMs: T0 + (n % 2 * 10_000)))]);
        }

        await store.ReceiveAsync(Receive(q, T0));
        await store.SendAsync(other, false, [Message("keep")]);
        Assert.Equal(30, await store.PurgeAsync(q));
        Assert.Equal(new QueueCounts(0, 0, 0), await store.CountAsync(q, T0, 0));
        Assert.Equal(new QueueCounts(1, 0, 0), await store.CountAsync(other, T0, 0));
        Assert.Equal(0, await store.PurgeAsync(q));
    }

    [ContractFact]
    public async Task Counts_retention_purge_and_queue_deletion_are_exact_on_a_queue_larger_than_one_slice()
    {
        // Both stores work through big queues in slices of a few thousand rows; these runs take several.
        const int Messages = 12_000;
        var store = await OpenStoreAsync();
        var big = await Create(store, "big");
        var doomed = await Create(store, "doomed");
        for (var i = 0; i < Messages; i += 500)
        {
            // Sent at n; every third one delayed until 1,000,000.
            await store.SendAsync(big, false, [.. Enumerable.Range(i, 500).Select(n => Message("m", sentMs: n, visibleMs: n % 3 == 2 ? 1_000_000 : n))]);
            await store.SendAsync(doomed, false, [.. Enumerable.Range(i, 500).Select(n => Message("d", sentMs: n))]);
        }

        Assert.Equal(10, (await store.ReceiveAsync(Receive(big, Messages, visibilityMs: 500_000))).Messages.Count);
        Assert.Equal(new QueueCounts(Messages - 4000 - 10, 10, 4000), await store.CountAsync(big, 100_000, 0));

        Assert.Equal(9000, await store.ExpireAsync(big, 9000, 100_000));
        var left = await store.CountAsync(big, 2_000_000, 0);
        Assert.Equal(Messages - 9000, left.Visible + left.NotVisible + left.Delayed);
        Assert.Equal(9000, (await store.PeekAsync(big, 1)).OldestSentMs);

        await store.DeleteQueueAsync(doomed);
        Assert.Equal(new QueueCounts(0, 0, 0), await store.CountAsync(doomed, 100_000, 0));
        Assert.Equal(["big"], (await store.LoadQueuesAsync()).Select(q => q.Name));

        Assert.Equal(Messages - 9000, await store.PurgeAsync(big));
        Assert.Equal(new QueueCounts(0, 0, 0), await store.CountAsync(big, 2_000_000, 0));
    }

    [ContractFact]
    public async Task Peek_shows_messages_in_send_order_without_changing_them()
    {
        var store = await OpenStoreAsync();
        var q = await Create(store, "q");
        Assert.Equal((0, (long?)null), ((await store.PeekAsync(q, 10)).Messages.Count, (await store.PeekAsync(q, 10)).OldestSentMs));
        await store.SendAsync(q, false, [Message("second", sentMs: T0 + 1), Message("first", sentMs: T0, visibleMs: T0 + 500)]);
        await store.SendAsync(q, false, [Message("third", sentMs: T0 + 2)]);
        var received = Assert.Single((await store.ReceiveAsync(Receive(q, T0 + 10, max: 1))).Messages);

        var (messages, oldest) = await store.PeekAsync(q, 2);
        Assert.Equal(T0, oldest);
        Assert.Equal(["first", "second"], messages.Select(m => m.Message.Body));
        Assert.Equal(T0 + 500, messages[0].VisibleAtMs);
        var peekedReceived = (await store.PeekAsync(q, 10)).Messages.Single(m => m.Message.RowId == received.RowId);
        Assert.Equal((received.Nonce, 1, T0 + 10 + 30_000), (peekedReceived.Message.Nonce, peekedReceived.Message.ReceiveCount, peekedReceived.VisibleAtMs));

        // Peeking changed nothing: the received message's handle still deletes it.
        Assert.Equal([HandleOutcome.Ok], await store.DeleteAsync(q, [Handle(q, received)], T0 + 20, false));
    }

    [ContractFact]
    public async Task Move_tasks_are_saved_updated_and_the_ten_newest_per_source_kept()
    {
        var store = await OpenStoreAsync();
        // One task of a source is active at a time (a store several nodes share refuses a second): the earlier ones
        // ended.
        for (var i = 0; i < 12; i++)
        {
            await store.SaveMoveTaskAsync(new MoveTaskRecord($"t{i:D2}", "arn:src", "arn:dest", i % 2 == 0 ? 5 : null, 100, T0 + i, 0, i == 11 ? "RUNNING" : "COMPLETED", null));
        }

        await store.SaveMoveTaskAsync(new MoveTaskRecord("other", "arn:other", null, null, 1, T0, 0, "RUNNING", null));
        await store.SaveMoveTaskAsync(new MoveTaskRecord("t11", "arn:src", "arn:dest", null, 100, T0 + 11, 100, "FAILED", "why"));

        var tasks = await store.LoadMoveTasksAsync();
        var src = tasks.Where(t => t.SourceArn == "arn:src").ToList();
        Assert.Equal([.. Enumerable.Range(2, 10).Reverse().Select(i => $"t{i:D2}")], src.Select(t => t.Id));
        Assert.Equal(new MoveTaskRecord("t11", "arn:src", "arn:dest", null, 100, T0 + 11, 100, "FAILED", "why"), src[0]);
        Assert.Equal(new MoveTaskRecord("t10", "arn:src", "arn:dest", 5, 100, T0 + 10, 0, "COMPLETED", null), src[1]);
        Assert.Single(tasks, t => t.Id == "other");
    }
}
