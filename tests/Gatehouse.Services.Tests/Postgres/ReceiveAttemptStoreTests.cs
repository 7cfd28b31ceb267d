using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>The PostgreSQL receive-attempt store's knowledge of which queues have remembered FIFO receive attempts:
/// deletes and visibility changes on other queues skip the database.</summary>
public sealed class ReceiveAttemptStoreTests : IAsyncLifetime
{
    private readonly PostgresStoreNodes _nodes = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _nodes.DisposeAsync().AsTask();

    [PostgresFact]
    public async Task A_node_started_later_knows_from_the_table_which_queues_have_attempts_and_hears_of_new_ones()
    {
        var (_, first) = await _nodes.OpenAsync();
        var (_, second) = await _nodes.OpenAsync();
        var earlier = await PostgresReceiveAttemptStore.OpenAsync(first, TimeProvider.System);
        await earlier.SaveAsync(7, "attempt-1", "{}", ["handle-1"], TimeSpan.FromMinutes(5));

        // Started after the save: it missed the notice, and read the table instead.
        var later = await PostgresReceiveAttemptStore.OpenAsync(second, TimeProvider.System);
        Assert.True(later.MayHaveAttempts(7));
        Assert.False(later.MayHaveAttempts(8));
        Assert.Equal("{}", await later.FindAsync(7, "attempt-1"));

        // A save on the first node reaches the second by its notice.
        await earlier.SaveAsync(9, "attempt-2", "{}", ["handle-2"], TimeSpan.FromMinutes(5));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!later.MayHaveAttempts(9) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.True(later.MayHaveAttempts(9));
        Assert.False(later.MayHaveAttempts(8));
    }
}
