using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Sqlite;

namespace Gatehouse.Services.Tests;

/// <summary>Long operations on a big queue (counts, purge, queue deletion, the retention sweep) run on the writer
/// in slices, so an unrelated queue's request is served while they are still going: it does not wait behind a
/// scan of the big queue.</summary>
public sealed class SlicedOperationsTests : IAsyncLifetime
{
    private const int Messages = 20_000;
    private SqliteQueueStore _store = null!;
    private long _big;
    private long _other;

    private static QueueRecord NewQueue(string name) => TestQueues.New(name);

    private static NewMessage Message(long sentMs, long visibleMs) =>
        new(Uuids.NewV4(), "m", [], null, "AIDAEXAMPLE", sentMs, visibleMs, null, null, null, 0);

    public async Task InitializeAsync()
    {
        _store = SqliteQueueStore.Open(new SqliteStoreOptions { SliceRows = 100 });
        _big = (await _store.CreateQueueAsync(NewQueue("big"))).Id;
        _other = (await _store.CreateQueueAsync(NewQueue("other"))).Id;

        // Visible, in flight and delayed messages, sent at different times.
        for (var i = 0; i < Messages; i += 500)
        {
            await _store.SendAsync(_big, false, [.. Enumerable.Range(i, 500).Select(n => Message(n, n % 3 == 2 ? 1_000_000 : n))]);
        }

        await _store.ReceiveAsync(new ReceiveCommand(_big, false, Messages, 10, 500_000, 0, null, null, 0));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    /// <summary>Starts <paramref name="longOperation"/>, then sends to the other queue: the send must complete
    /// while the long operation is still running.</summary>
    private async Task<T> AssertOtherQueueIsServedDuring<T>(Func<Task<T>> longOperation)
    {
        var running = longOperation();
        await _store.SendAsync(_other, false, [Message(1, 1)]);
        Assert.False(running.IsCompleted, "the other queue's send waited for the whole operation on the big queue");
        return await running;
    }

    [Fact]
    public async Task Counts_do_not_hold_up_other_queues_and_are_exact_when_nothing_changes()
    {
        var counts = await AssertOtherQueueIsServedDuring(() => _store.CountAsync(_big, 100_000, 0));

        // 20,000 messages: every third one (6,666) delayed (visible at 1,000,000), ten received (in flight until 500,000).
        Assert.Equal(new QueueCounts(Messages - 6666 - 10, 10, 6666), counts);
    }

    [Fact]
    public async Task Callers_asking_for_a_queue_being_counted_share_the_count()
    {
        var first = _store.CountAsync(_big, 100_000, 0);
        var joined = _store.CountAsync(_big, 100_500, 0);
        var later = _store.CountAsync(_big, 200_000, 0);
        Assert.Same(first, joined);
        Assert.NotSame(first, later);
        Assert.Equal(await first, await later);
    }

    [Fact]
    public async Task Purge_does_not_hold_up_other_queues_and_keeps_messages_sent_after_it_began()
    {
        var running = _store.PurgeAsync(_big);
        await _store.SendAsync(_big, false, [Message(1, 1)]);
        Assert.False(running.IsCompleted, "a send waited for the whole purge");
        Assert.Equal(Messages, await running);
        Assert.Equal(new QueueCounts(1, 0, 0), await _store.CountAsync(_big, 100_000, 0));
    }

    [Fact]
    public async Task Deleting_a_big_queue_does_not_hold_up_other_queues()
    {
        await AssertOtherQueueIsServedDuring(async () =>
        {
            await _store.DeleteQueueAsync(_big);
            return true;
        });
        Assert.Equal(new QueueCounts(0, 0, 0), await _store.CountAsync(_big, 100_000, 0));
        Assert.DoesNotContain(await _store.LoadQueuesAsync(), q => q.Id == _big);
    }

    [Fact]
    public async Task The_retention_sweep_does_not_hold_up_other_queues_and_removes_exactly_the_expired()
    {
        var expired = await AssertOtherQueueIsServedDuring(() => _store.ExpireAsync(_big, 15_000, 100_000));
        Assert.Equal(15_000, expired);
        var left = await _store.CountAsync(_big, 2_000_000, 0);
        Assert.Equal(Messages - 15_000, left.Visible + left.NotVisible + left.Delayed);
    }
}
