using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Sqlite;

namespace Gatehouse.Services.Tests;

/// <summary>The store on a real file: ownership of the database and what survives reopening it.</summary>
public sealed class SqliteStoreFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gatehouse-store-").FullName;

    private string DbPath => Path.Combine(_dir, "gatehouse.db");

    private static QueueRecord NewQueue(string name) => TestQueues.New(name);

    private static NewMessage Message(string body, long now) =>
        new(Uuids.NewV4(), body, [], null, "AIDAEXAMPLE", now, now, null, null, null, 0);

    [Fact]
    public async Task A_second_store_on_the_same_file_is_refused_at_open_with_a_clear_message()
    {
        await using var first = SqliteQueueStore.Open(new SqliteStoreOptions { Path = DbPath });
        var ex = Assert.Throws<InvalidOperationException>(() => SqliteQueueStore.Open(new SqliteStoreOptions { Path = DbPath }));
        Assert.Contains("in use by another process", ex.Message, StringComparison.Ordinal);
        Assert.Contains(DbPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_and_receives_survive_reopening_and_the_log_is_checkpointed_as_it_grows()
    {
        long queueId;
        var body = new string('b', 2000);
        await using (var store = SqliteQueueStore.Open(new SqliteStoreOptions { Path = DbPath, CheckpointPages = 2000 }))
        {
            queueId = (await store.CreateQueueAsync(NewQueue("q"))).Id;

            // ~40 MB of messages: several checkpoints' worth of log at 2,000 pages (8 MiB) each.
            for (var i = 0; i < 2000; i++)
            {
                await store.SendAsync(queueId, false, [.. Enumerable.Range(0, 10).Select(_ => Message(body, 1000))]);
            }

            // The log is checkpointed and started over as it goes: it does not hold the whole history.
            var walBytes = new FileInfo(DbPath + "-wal").Length;
            Assert.True(walBytes < 16L * 1024 * 1024, $"write-ahead log is {walBytes} bytes after ~40 MB of writes");

            var received = await store.ReceiveAsync(new ReceiveCommand(queueId, false, 2000, 10, 60_000, 0, null, null, 0));
            Assert.Equal(10, received.Messages.Count);
        }

        // Reopening works once the first store is closed, and sees everything that was acknowledged.
        await using (var reopened = SqliteQueueStore.Open(new SqliteStoreOptions { Path = DbPath }))
        {
            var counts = await reopened.CountAsync(queueId, 3000, 0);
            Assert.Equal(19_990, counts.Visible);
            Assert.Equal(10, counts.NotVisible);
        }
    }

    [Fact]
    public async Task An_operation_that_fails_inside_a_group_commit_fails_alone()
    {
        await using var store = SqliteQueueStore.Open(new SqliteStoreOptions { Path = DbPath });
        var queueId = (await store.CreateQueueAsync(NewQueue("q"))).Id;

        // Issued together, these land in the same transactions; the FIFO send to a queue that does not exist
        // throws inside the store after the others have written.
        var good = Enumerable.Range(0, 200).Select(i => store.SendAsync(queueId, false, [Message("m" + i, 1000)])).ToList();
        var bad = store.SendAsync(queueId + 1000, true, [Message("orphan", 1000)]);
        var more = Enumerable.Range(0, 200).Select(i => store.SendAsync(queueId, false, [Message("n" + i, 1000)])).ToList();

        await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        var outcomes = await Task.WhenAll(good.Concat(more));
        Assert.All(outcomes, o => Assert.Single(o));
        Assert.Equal(400, (await store.CountAsync(queueId, 2000, 0)).Visible);
        Assert.Equal(0, (await store.CountAsync(queueId + 1000, 2000, 0)).Visible);
    }

    [Fact]
    public async Task Each_commit_reaches_the_log_file_in_one_write()
    {
        await using var store = SqliteQueueStore.Open(new SqliteStoreOptions { Path = DbPath });
        var queueId = (await store.CreateQueueAsync(NewQueue("q"))).Id;
        var body = new string('x', 3000);

        // One at a time, so that each operation is its own transaction: ten 3 KB messages span several pages, and
        // SQLite writes each page of the log as a frame header plus the page — two writes per page.
        for (var i = 0; i < 5; i++)
        {
            var before = await store.LogWritesAsync();
            await store.SendAsync(queueId, false, [.. Enumerable.Range(0, 10).Select(_ => Message(body, 1000))]);
            var after = await store.LogWritesAsync();
            Assert.True(after.Received - before.Received >= 8, $"SQLite asked for {after.Received - before.Received} log writes");
            Assert.Equal(1, after.Issued - before.Issued);
        }

        var received = await store.ReceiveAsync(new ReceiveCommand(queueId, false, 2000, 10, 60_000, 0, null, null, 0));
        var beforeDelete = await store.LogWritesAsync();
        var deleted = await store.DeleteAsync(queueId, [.. received.Messages.Select(m => new ReceiptHandle(queueId, m.RowId, m.Nonce))], 2000, false);
        var afterDelete = await store.LogWritesAsync();
        Assert.All(deleted, d => Assert.Equal(HandleOutcome.Ok, d));
        Assert.Equal(1, afterDelete.Issued - beforeDelete.Issued);
    }

    [Fact]
    public async Task A_commit_larger_than_one_file_write_is_written_whole()
    {
        // A full 1 MiB batch is one commit of about 270 pages: the gathered log is handed over in pieces, because the
        // default file layer cannot take a single write of 128 KiB or more.
        long queueId;
        var bodies = Enumerable.Range(0, 5).Select(i => new string((char)('a' + i), 200_000)).ToList();
        await using (var store = SqliteQueueStore.Open(new SqliteStoreOptions { Path = DbPath }))
        {
            queueId = (await store.CreateQueueAsync(NewQueue("q"))).Id;
            for (var round = 0; round < 3; round++)
            {
                await store.SendAsync(queueId, false, [.. bodies.Select(b => Message(b, 1000))]);
            }
        }

        await using var reopened = SqliteQueueStore.Open(new SqliteStoreOptions { Path = DbPath });
        var received = await reopened.ReceiveAsync(new ReceiveCommand(queueId, false, 2000, 10, 60_000, 0, null, null, 0));
        Assert.Equal(10, received.Messages.Count);
        Assert.All(received.Messages, m => Assert.Contains(m.Body, bodies));
        Assert.Equal(15, (await reopened.CountAsync(queueId, 2000, 0)) is var c ? c.Visible + c.NotVisible : 0);
    }

    [Fact]
    public async Task What_a_crash_would_leave_on_disk_holds_every_acknowledged_commit()
    {
        // A copy of the files taken while the store runs is what kill -9 would leave: whatever the server has handed
        // to the operating system. Every acknowledged send must be in it, and it must be an ordinary SQLite database.
        var copy = Path.Combine(_dir, "copy");
        Directory.CreateDirectory(copy);
        await using (var store = SqliteQueueStore.Open(new SqliteStoreOptions { Path = DbPath }))
        {
            var queueId = (await store.CreateQueueAsync(NewQueue("q"))).Id;
            await Task.WhenAll(Enumerable.Range(0, 300).Select(i => store.SendAsync(queueId, false, [Message("m" + i, 1000), Message("n" + i, 1000)])));
            var received = await store.ReceiveAsync(new ReceiveCommand(queueId, false, 2000, 10, 60_000, 0, null, null, 0));
            await store.DeleteAsync(queueId, [.. received.Messages.Select(m => new ReceiptHandle(queueId, m.RowId, m.Nonce))], 2000, false);

            File.Copy(DbPath, Path.Combine(copy, "gatehouse.db"));
            File.Copy(DbPath + "-wal", Path.Combine(copy, "gatehouse.db-wal"));
        }

        using var plain = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Path.Combine(copy, "gatehouse.db"));
        plain.Open();
        using var check = plain.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", check.ExecuteScalar());
        check.CommandText = "SELECT COUNT(*) FROM messages";
        Assert.Equal(590L, check.ExecuteScalar());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
