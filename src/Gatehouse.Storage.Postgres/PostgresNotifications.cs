using System.Collections.Concurrent;
using Npgsql;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// PostgreSQL's LISTEN/NOTIFY on one dedicated connection: how a node hears at once that another node sent a message
/// (a long poll wakes), changed a queue, an IAM entity or a policy (caches follow). Stores send notifications with
/// <c>pg_notify</c> inside their own transaction, so a notice goes out exactly when the change commits.
/// </summary>
/// <remarks>
/// Notifications are not stored: while the listening connection is down, notices are lost. After every reconnect
/// <see cref="Reconnected"/> fires so each subscriber reloads what it caches; until then the stores' periodic
/// refresh bounds how stale a cache can be (README, "PostgreSQL").
/// Payloads start with the sending node's <see cref="NodeId"/> so that a node can skip its own notices.
/// </remarks>
public sealed class PostgresNotifications : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ConcurrentDictionary<string, Action<string>> _handlers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
    private Task? _loop;

    internal PostgresNotifications(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>This process's id in notification payloads (a fresh one at each start).</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Raised after the listening connection was lost and is back: notices may have been missed.</summary>
    public event Action? Reconnected;

    /// <summary>Listens on <paramref name="channel"/> (a lower-case SQL identifier) and calls
    /// <paramref name="handler"/> with each payload, on the listener's thread; handlers must be quick. Returns once
    /// the LISTEN is in place.</summary>
    public async Task SubscribeAsync(string channel, Action<string> handler, CancellationToken ct = default)
    {
        ValidateChannel(channel);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_handlers.TryAdd(channel, handler))
        {
            throw new InvalidOperationException($"Channel {channel} already has a handler.");
        }

        _waiting[channel] = listening;
        lock (_handlers)
        {
            _loop ??= Task.Run(RunAsync, CancellationToken.None);
        }

        await listening.Task.WaitAsync(ct);
    }

    /// <summary>Sends a notice outside any transaction (most stores instead add <c>pg_notify</c> to the
    /// transaction that makes the change).</summary>
    public async Task NotifyAsync(string channel, string payload, CancellationToken ct = default)
    {
        ValidateChannel(channel);
        await using var command = _dataSource.CreateCommand("SELECT pg_notify(@c, @p)");
        command.Parameters.AddWithValue("c", channel);
        command.Parameters.AddWithValue("p", payload);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static void ValidateChannel(string channel)
    {
        if (channel.Length is 0 or > 63 || !channel.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException("A channel is 1–63 characters of a–z, 0–9 and _.", nameof(channel));
        }
    }

    private async Task RunAsync()
    {
        var first = true;
        var delay = TimeSpan.FromMilliseconds(100);
        while (!_stop.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await _dataSource.OpenConnectionAsync(_stop.Token);
                connection.Notification += (_, e) =>
                {
                    if (_handlers.TryGetValue(e.Channel, out var handler))
                    {
                        handler(e.Payload);
                    }
                };
                var listened = new HashSet<string>(StringComparer.Ordinal);
                await ListenToNewChannelsAsync(connection, listened);
                if (!first)
                {
                    Reconnected?.Invoke();
                }

                first = false;
                delay = TimeSpan.FromMilliseconds(100);
                while (!_stop.IsCancellationRequested)
                {
                    // A notification ends the wait at once; the timeout only lets new subscriptions in.
                    await connection.WaitAsync(SubscriptionLatency, _stop.Token);
                    await ListenToNewChannelsAsync(connection, listened);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or IOException or InvalidOperationException)
            {
                // Lost or refused: try again shortly, with a bounded back-off.
                try
                {
                    await Task.Delay(delay, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }
        }
    }

    /// <summary>How long a new subscription may wait for the listener to take it in.</summary>
    private static readonly TimeSpan SubscriptionLatency = TimeSpan.FromMilliseconds(200);

    private async Task ListenToNewChannelsAsync(NpgsqlConnection connection, HashSet<string> listened)
    {
        foreach (var channel in _handlers.Keys)
        {
            if (listened.Add(channel))
            {
                await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
                await listen.ExecuteNonQueryAsync(_stop.Token);
            }

            if (_waiting.TryRemove(channel, out var waiter))
            {
                waiter.TrySetResult();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }
}
