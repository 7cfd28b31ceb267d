using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Stores;

/// <summary>The queue store contract over PostgreSQL: each test gets a database of its own; its two nodes are two
/// stores over two connection pools of that database, as two Gatehouse processes would be.</summary>
[NeedsPostgres]
public sealed class PostgresQueueStoreContractTests : QueueStoreContract
{
    private readonly List<IAsyncDisposable> _owned = [];
    private PostgresTestDatabase? _database;

    /// <summary>A store (a node of its own) over this test's database.</summary>
    internal async Task<PostgresQueueStore> OpenNodeAsync()
    {
        if (_database is null)
        {
            _database = await PostgresTestServer.CreateDatabaseAsync();
        }

        var database = PostgresDatabase.Open(_database.ConnectionString);
        _owned.Add(database);
        var store = await PostgresQueueStore.OpenAsync(database);
        _owned.Add(store);
        return store;
    }

    protected override async Task<IQueueStore> OpenStoreAsync() => await OpenNodeAsync();

    protected override async Task<(IQueueStore A, IQueueStore B)> OpenTwoNodesAsync() => (await OpenNodeAsync(), await OpenNodeAsync());

    public override async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
