namespace Gatehouse.Services.Sqs;

/// <summary>
/// FIFO receive attempts shared by the nodes of a cluster: a <c>ReceiveMessage</c> retried with the same
/// <c>ReceiveRequestAttemptId</c> within five minutes returns the same messages and receipt handles, on whichever node
/// it arrives, unless one of them was deleted or had its visibility changed since (docs/sqs-behaviour.md). A single
/// node keeps them in memory instead (no store).
/// </summary>
public interface IReceiveAttemptStore
{
    /// <summary>The answer remembered for the attempt (as <see cref="ReceiveAttempts.Write"/> wrote it), or null.</summary>
    Task<string?> FindAsync(long queueId, string attemptId, CancellationToken ct = default);

    /// <summary>Remembers an answer with the receipt handles it gave, for <paramref name="window"/>.</summary>
    Task SaveAsync(long queueId, string attemptId, string response, IReadOnlyList<string> receiptHandles, TimeSpan window, CancellationToken ct = default);

    /// <summary>Whether any node may remember an attempt of the queue now (so that a delete or visibility change
    /// must look for it); false lets the common case skip the database.</summary>
    bool MayHaveAttempts(long queueId);

    /// <summary>Forgets every remembered attempt of the queue that gave one of <paramref name="receiptHandles"/>.</summary>
    Task ForgetAsync(long queueId, IReadOnlyList<string> receiptHandles, CancellationToken ct = default);
}

/// <summary>A remembered answer as JSON.</summary>
public static class ReceiveAttempts
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new();

    public static string Write(ReceiveMessageResponse response) => System.Text.Json.JsonSerializer.Serialize(response, Json);

    public static ReceiveMessageResponse Read(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<ReceiveMessageResponse>(json, Json) ?? new ReceiveMessageResponse([]);
}
