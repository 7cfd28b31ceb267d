using System.Collections.Immutable;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Services.Tests;

/// <summary>A queue record as the store tests create it (account 000000000000, us-east-1, no attributes or tags).</summary>
internal static class TestQueues
{
    public static QueueRecord New(string name) => new()
    {
        Id = 0,
        AccountId = "000000000000",
        Region = "us-east-1",
        Name = name,
        Attributes = ImmutableSortedDictionary<string, string>.Empty,
        Tags = ImmutableSortedDictionary<string, string>.Empty,
        CreatedTimestamp = 1,
        LastModifiedTimestamp = 1,
    };
}
