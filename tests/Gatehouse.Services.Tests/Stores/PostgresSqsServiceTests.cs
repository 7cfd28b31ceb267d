using Gatehouse.Services.Sqs;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Stores;

/// <summary>The queue semantics of <see cref="SqsServiceTests"/> over PostgreSQL: a database per test, and a
/// "restart" is a new store (a new node) over the same database.</summary>
[NeedsPostgres]
public sealed class PostgresSqsServiceTests : SqsServiceTests
{
    private readonly List<IAsyncDisposable> _owned = [];
    private PostgresTestDatabase? _database;

    protected override async Task<IQueueStore> OpenStoreAsync()
    {
        _database ??= await PostgresTestServer.CreateDatabaseAsync();
        var database = PostgresDatabase.Open(_database.ConnectionString);
        _owned.Add(database);
        return await PostgresQueueStore.OpenAsync(database);
    }

    /// <summary>Each durable store is a database of its own, named by the path.</summary>
    protected override async Task<IQueueStore> OpenDurableStoreAsync(string path)
    {
        if (!_durable.TryGetValue(path, out var test))
        {
            test = await PostgresTestServer.CreateDatabaseAsync();
            _durable[path] = test;
        }

        var database = PostgresDatabase.Open(test.ConnectionString);
        _owned.Add(database);
        return await PostgresQueueStore.OpenAsync(database);
    }

    private readonly Dictionary<string, PostgresTestDatabase> _durable = [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        foreach (var test in _durable.Values.Append(_database))
        {
            if (test is not null)
            {
                await test.DisposeAsync();
            }
        }
    }
}
