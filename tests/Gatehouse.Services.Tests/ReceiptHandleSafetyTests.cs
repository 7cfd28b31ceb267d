using Gatehouse.Protocol;
using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Services.Tests;

/// <summary>Receipt handles are unique per receive for the life of the store and cannot be made up: a stale,
/// foreign or guessed handle never deletes a message its holder did not receive.</summary>
public sealed class ReceiptHandleSafetyTests : IAsyncLifetime, IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly SqsCaller _caller = new("000000000000", "us-east-1", "AIDAEXAMPLE", "http://localhost:4566", QueryProtocol: false);
    private readonly string _dir = Directory.CreateTempSubdirectory("gatehouse-handles-").FullName;
    private SqliteQueueStore _store = null!;
    private SqsService _sqs = null!;

    public async Task InitializeAsync()
    {
        _store = SqliteQueueStore.Open(new SqliteStoreOptions());
        _sqs = await SqsService.StartAsync(_store, _time, TestKeys.Server);
    }

    public async Task DisposeAsync()
    {
        await _sqs.DisposeAsync();
        await _store.DisposeAsync();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<QueueRecord> Create(SqsService sqs, SqsCaller caller, string name)
    {
        await sqs.CreateQueueAsync(caller, new CreateQueueRequest(name, [], null));
        return sqs.Find(caller.AccountId, caller.Region, name)!;
    }

    private Task<QueueRecord> Create(string name) => Create(_sqs, _caller, name);

    private static async Task<string> SendAndReceive(SqsService sqs, SqsCaller caller, QueueRecord q, string body)
    {
        await sqs.SendMessageAsync(caller, q, new SendMessageRequest(q.Name, body, null, null, null, null, null), null);
        var received = (await sqs.ReceiveMessageAsync(q, new ReceiveMessageRequest(q.Name, null, null, null, 1, 30, 0, null))).Messages;
        return Assert.Single(received).ReceiptHandle;
    }

    private static async Task<string> InFlight(SqsService sqs, QueueRecord q) =>
        (await sqs.GetQueueAttributesAsync(q, ["ApproximateNumberOfMessagesNotVisible"])).Attributes.Single().Value;

    [Fact]
    public async Task A_retried_delete_does_not_delete_the_next_message_received()
    {
        var q = await Create("retry");
        var h1 = await SendAndReceive(_sqs, _caller, q, "first");
        await _sqs.DeleteMessageAsync(q, h1);

        // The next message, in flight to another consumer, has a handle of its own...
        var h2 = await SendAndReceive(_sqs, _caller, q, "second");
        Assert.NotEqual(h1, h2);

        // ...and the first consumer's retried delete (the message is gone: AWS answers success) leaves it alone.
        await _sqs.DeleteMessageAsync(q, h1);
        await _sqs.DeleteMessageBatchAsync(q, new DeleteMessageBatchRequest(q.Name, [new("a", h1)]));
        await Assert.ThrowsAsync<AwsErrorException>(() => _sqs.ChangeMessageVisibilityAsync(q, new ChangeMessageVisibilityRequest(q.Name, h1, 0)));
        Assert.Equal("1", await InFlight(_sqs, q));
        await _sqs.DeleteMessageAsync(q, h2);
        Assert.Equal("0", await InFlight(_sqs, q));
    }

    [Fact]
    public async Task A_handle_from_a_deleted_queue_does_not_reach_a_new_queue()
    {
        var gone = await Create("gone");
        var old = await SendAndReceive(_sqs, _caller, gone, "old");
        await _sqs.DeleteQueueAsync(_caller, gone);

        var fresh = await Create("fresh");
        Assert.NotEqual(gone.Id, fresh.Id);
        await SendAndReceive(_sqs, _caller, fresh, "new");
        var ex = await Assert.ThrowsAsync<AwsErrorException>(() => _sqs.DeleteMessageAsync(fresh, old));
        Assert.Equal("ReceiptHandleIsInvalid", ex.Error.QueryCode);
        Assert.Equal("1", await InFlight(_sqs, fresh));
    }

    [Fact]
    public async Task Guessed_handles_delete_nothing()
    {
        var q = await Create("guess");
        await SendAndReceive(_sqs, _caller, q, "someone else's");

        // The format of earlier builds: the checksum was a public function of small integers.
        for (var row = 1; row <= 5; row++)
        {
            for (var nonce = 1; nonce <= 3; nonce++)
            {
                var forged = HandleForgery.Version2(q.Id, row, nonce);
                var ex = await Assert.ThrowsAsync<AwsErrorException>(() => _sqs.DeleteMessageAsync(q, forged));
                Assert.Equal("ReceiptHandleIsInvalid", ex.Error.QueryCode);
            }
        }

        // Today's format with made-up MACs (seeded, so a failure repeats).
        var random = new Random(17);
        var buf = new byte[29];
        var batch = new List<DeleteMessageBatchEntry>();
        for (var i = 0; i < 10; i++)
        {
            random.NextBytes(buf);
            buf[0] = 3;
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(buf.AsSpan(1), q.Id);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(buf.AsSpan(9), 1);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buf.AsSpan(17), 1);
            batch.Add(new("e" + i, "AQEB" + Convert.ToBase64String(buf)));
        }

        var result = await _sqs.DeleteMessageBatchAsync(q, new DeleteMessageBatchRequest(q.Name, batch));
        Assert.Empty(result.Successful);
        Assert.All(result.Failed, f => Assert.Equal("ReceiptHandleIsInvalid", f.Code));
        Assert.Equal("1", await InFlight(_sqs, q));
    }

    [Fact]
    public async Task Message_and_queue_ids_are_not_reused_after_a_restart()
    {
        var path = Path.Combine(_dir, "gatehouse.db");
        string old;
        long oldQueueId;
        await using (var store = SqliteQueueStore.Open(new SqliteStoreOptions { Path = path }))
        await using (var sqs = await SqsService.StartAsync(store, _time, TestKeys.Server))
        {
            var gone = await Create(sqs, _caller, "before");
            oldQueueId = gone.Id;
            old = await SendAndReceive(sqs, _caller, gone, "old");
            await sqs.DeleteMessageAsync(gone, old);
            await sqs.DeleteQueueAsync(_caller, gone);
        }

        await using (var store = SqliteQueueStore.Open(new SqliteStoreOptions { Path = path }))
        await using (var sqs = await SqsService.StartAsync(store, _time, TestKeys.Server))
        {
            var q = await Create(sqs, _caller, "after");
            Assert.NotEqual(oldQueueId, q.Id);
            var handle = await SendAndReceive(sqs, _caller, q, "new");
            Assert.NotEqual(old, handle);
            await Assert.ThrowsAsync<AwsErrorException>(() => sqs.DeleteMessageAsync(q, old));
            Assert.Equal("1", await InFlight(sqs, q));
        }
    }

    [Fact]
    public async Task A_version_1_database_is_rebuilt_with_ids_that_are_never_reused()
    {
        // A database as version 1 wrote it: the same tables without AUTOINCREMENT, one queue and one message.
        var path = Path.Combine(_dir, "v1.db");
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + path + ";Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = Schema.Create.Replace(" AUTOINCREMENT", "", StringComparison.Ordinal) + """
                INSERT INTO meta VALUES ('schema_version', '1');
                INSERT INTO queues(id, account, region, name, attributes, tags, created, modified)
                    VALUES (7, '000000000000', 'us-east-1', 'kept', '{}', '{}', 1, 1);
                INSERT INTO messages(id, queue_id, message_id, body, sender, sent_ms, visible_ms)
                    VALUES (41, 7, 'm-1', 'survives', 'AIDAEXAMPLE', 1767225600000, 0);
                """;
            cmd.ExecuteNonQuery();
        }

        await using (var store = SqliteQueueStore.Open(new SqliteStoreOptions { Path = path }))
        await using (var sqs = await SqsService.StartAsync(store, _time, TestKeys.Server))
        {
            var q = sqs.Find("000000000000", "us-east-1", "kept")!;
            Assert.Equal(7, q.Id);
            var m = Assert.Single((await sqs.ReceiveMessageAsync(q, new ReceiveMessageRequest(q.Name, null, null, null, 10, 30, 0, null))).Messages);
            Assert.Equal("survives", m.Body);
            await sqs.DeleteMessageAsync(q, m.ReceiptHandle);
            var next = await SendAndReceive(sqs, _caller, q, "next");
            Assert.NotEqual(m.ReceiptHandle, next);
            await sqs.DeleteMessageAsync(q, m.ReceiptHandle);
            Assert.Equal("1", await InFlight(sqs, q));
            Assert.NotEqual(7, (await Create(sqs, _caller, "other")).Id);
        }
    }
}
