using System.Text.RegularExpressions;

namespace Gatehouse.Services.Tests;

public sealed partial class UuidsTests
{
    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex V4();

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex V5();

    [Fact]
    public void Message_ids_are_distinct_version_4_uuids_across_buffer_refills()
    {
        // 64 ids fit one buffer; 5,000 cross many refills.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 5000; i++)
        {
            var id = Uuids.NewV4();
            Assert.Matches(V4(), id);
            Assert.True(seen.Add(id), $"duplicate id {id} after {i} ids");
        }
    }

    [Fact]
    public void Request_ids_carry_version_5_and_the_rfc_variant()
    {
        for (var i = 0; i < 200; i++)
        {
            Assert.Matches(V5(), Uuids.New(5));
        }
    }

    [Fact]
    public void Ids_drawn_on_different_threads_do_not_collide()
    {
        var bags = new string[4][];
        Parallel.For(0, bags.Length, t => bags[t] = [.. Enumerable.Range(0, 1000).Select(_ => Uuids.NewV4())]);
        var all = bags.SelectMany(b => b).ToList();
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Version_outside_a_nibble_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Uuids.New(16));
        Assert.Throws<ArgumentOutOfRangeException>(() => Uuids.New(-1));
    }
}
