using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Sqlite;

namespace Gatehouse.Services.Tests.Stores;

/// <summary>The queue store contract over SQLite (in memory). Its two nodes are two views of one store that
/// announce their changes to each other (<see cref="QueueNodeView"/>): a SQLite database has one owner process.</summary>
public sealed class SqliteQueueStoreContractTests : QueueStoreContract
{
    private readonly List<SqliteQueueStore> _stores = [];

    protected override Task<IQueueStore> OpenStoreAsync()
    {
        var store = SqliteQueueStore.Open(new SqliteStoreOptions());
        _stores.Add(store);
        return Task.FromResult<IQueueStore>(store);
    }

    protected override Task<(IQueueStore A, IQueueStore B)> OpenTwoNodesAsync()
    {
        var store = SqliteQueueStore.Open(new SqliteStoreOptions());
        _stores.Add(store);
        var a = new QueueNodeView(store);
        var b = new QueueNodeView(store);
        a.Peers.Add(b);
        b.Peers.Add(a);
        return Task.FromResult<(IQueueStore, IQueueStore)>((a, b));
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }
}
