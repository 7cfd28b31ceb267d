using System.Collections.Concurrent;
using System.Globalization;

namespace Gatehouse.Storage.Postgres;

/// <summary>
/// A statement whose row limit is written into its text (<c>LIMIT $limit</c> in the template) instead of passed as a
/// parameter. Statements are prepared with one reusable plan per connection (docs/postgres.md, "Plans"), and such
/// a plan is made without the parameters' values: for a <c>LIMIT $n</c> PostgreSQL assumes a tenth of the rows
/// will be read, so on a large queue an ordered index scan that stops after a dozen rows can lose to reading and
/// sorting every visible message. With the limit in the text each limit is a statement of its own, planned for
/// that limit. Limits come from small bounded sets (a receive's scan sizes, a slice size), so the texts are few;
/// each is built once. Where the statement had a parameter for the limit, it keeps its place, unreferenced, so the
/// other parameters keep their numbers.
/// </summary>
internal sealed class LimitedSql(string template)
{
    private const string Token = "$limit";
    private readonly ConcurrentDictionary<int, string> _texts = new();

    /// <summary>The statement with <paramref name="limit"/> (a negative one counts as 0) written in.</summary>
    public string For(int limit) => _texts.GetOrAdd(Math.Max(0, limit), static (l, t) =>
        t.Replace(Token, l.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), template);
}
