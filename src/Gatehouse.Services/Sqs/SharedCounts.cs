namespace Gatehouse.Services.Sqs;

/// <summary>
/// Lets callers that ask for a queue's counts while a count of the same queue is running — for a moment at most a
/// second apart — share that count, so clients polling one big queue cost one scan, not one each. Both stores use it
/// for <see cref="IQueueStore.CountAsync"/>.
/// </summary>
public sealed class SharedCounts
{
    private readonly Dictionary<long, (Task<QueueCounts> Count, long NowMs)> _running = [];

    /// <summary>The running count of <paramref name="queueId"/> when it was taken for a moment within a second of
    /// <paramref name="nowMs"/>; otherwise a new one from <paramref name="count"/>.</summary>
    public Task<QueueCounts> GetAsync(long queueId, long nowMs, Func<Task<QueueCounts>> count)
    {
        lock (_running)
        {
            if (_running.TryGetValue(queueId, out var running) && Math.Abs(running.NowMs - nowMs) <= 1000)
            {
                return running.Count;
            }

            var started = count();
            if (!started.IsCompleted)
            {
                _running[queueId] = (started, nowMs);
                _ = started.ContinueWith(_ =>
                {
                    lock (_running)
                    {
                        if (_running.TryGetValue(queueId, out var current) && current.Count == started)
                        {
                            _running.Remove(queueId);
                        }
                    }
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return started;
        }
    }
}
