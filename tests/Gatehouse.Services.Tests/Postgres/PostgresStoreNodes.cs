using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>Queue stores ("nodes") over one new test database, each with a connection pool of its own, as separate
/// Gatehouse processes would have. Disposing closes them in reverse order and drops the database.</summary>
internal sealed class PostgresStoreNodes : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private PostgresTestDatabase? _database;

    /// <summary>The test database's connection string (after the first node was opened).</summary>
    public string ConnectionString => (_database ?? throw new InvalidOperationException("No node was opened yet.")).ConnectionString;

    public async Task<(PostgresQueueStore Store, PostgresDatabase Database)> OpenAsync()
    {
        _database ??= await PostgresTestServer.CreateDatabaseAsync();
        var database = PostgresDatabase.Open(_database.ConnectionString);
        _owned.Add(database);
        var store = await PostgresQueueStore.OpenAsync(database);
        _owned.Add(store);
        return (store, database);
    }

    public async ValueTask DisposeAsync()
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
