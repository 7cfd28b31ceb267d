using System.Collections.Immutable;
using System.Globalization;

namespace Gatehouse.Services.Sqs;

/// <summary>
/// A queue's durable definition: identity, the attributes set on it (defaults included) and tags.
/// Immutable: a change produces a new record, so readers never see half an update.
/// </summary>
public sealed record QueueRecord
{
    public required long Id { get; init; }

    public required string AccountId { get; init; }

    public required string Region { get; init; }

    public required string Name { get; init; }

    public required ImmutableSortedDictionary<string, string> Attributes { get; init; }

    public required ImmutableSortedDictionary<string, string> Tags { get; init; }

    /// <summary>Epoch seconds.</summary>
    public required long CreatedTimestamp { get; init; }

    /// <summary>Epoch seconds.</summary>
    public required long LastModifiedTimestamp { get; init; }

    public bool IsFifo => Name.EndsWith(".fifo", StringComparison.Ordinal);

    public string Arn => $"arn:aws:sqs:{Region}:{AccountId}:{Name}";

    private int Int(string name, int fallback) =>
        Attributes.TryGetValue(name, out var v) && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : fallback;

    public int VisibilityTimeout => Int(QueueAttributeNames.VisibilityTimeout, 30);

    public int DelaySeconds => Int(QueueAttributeNames.DelaySeconds, 0);

    public int MaximumMessageSize => Int(QueueAttributeNames.MaximumMessageSize, 1_048_576);

    public int MessageRetentionPeriod => Int(QueueAttributeNames.MessageRetentionPeriod, 345_600);

    public int ReceiveMessageWaitTimeSeconds => Int(QueueAttributeNames.ReceiveMessageWaitTimeSeconds, 0);

    public bool ContentBasedDeduplication =>
        Attributes.TryGetValue(QueueAttributeNames.ContentBasedDeduplication, out var v) && string.Equals(v, "true", StringComparison.OrdinalIgnoreCase);

    public bool DeduplicationScopeIsMessageGroup =>
        Attributes.TryGetValue(QueueAttributeNames.DeduplicationScope, out var v) && string.Equals(v, "messageGroup", StringComparison.Ordinal);

    /// <summary>The parsed RedrivePolicy, parsed once per attribute set rather than on every receive. The cache is
    /// keyed by the attribute map it came from, so a record made with <c>with { Attributes = … }</c> re-parses.</summary>
    public RedrivePolicy? RedrivePolicy
    {
        get
        {
            var cached = _redrive;
            if (cached is not null && ReferenceEquals(cached.Value.Source, Attributes))
            {
                return cached.Value.Policy;
            }

            var policy = Attributes.TryGetValue(QueueAttributeNames.RedrivePolicy, out var v) ? RedrivePolicy.TryParse(v) : null;
            _redrive = (Attributes, policy);
            return policy;
        }
    }

    private (ImmutableSortedDictionary<string, string> Source, RedrivePolicy? Policy)? _redrive;
}
