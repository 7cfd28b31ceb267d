namespace Gatehouse.Policy;

/// <summary>
/// AWS wildcard matching: <c>*</c> matches any run (including empty), <c>?</c> exactly one character.
/// INVARIANT (glob-sentinels): a literal <c>*</c>/<c>?</c> inside a pattern (from <c>${*}</c>, <c>${?}</c> or a
/// substituted variable value) is stored as <see cref="LiteralStar"/>/<see cref="LiteralQuestion"/> so it never
/// acts as a wildcard; <see cref="PolicyVariables"/> produces them and only this class reads them.
/// </summary>
internal static class Glob
{
    internal const char LiteralStar = '\uE000';
    internal const char LiteralQuestion = '\uE001';

    internal static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <summary>Iterative matcher with single-star backtracking: O(n·m) worst case, no allocation.</summary>
    internal static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> input, bool ignoreCase)
    {
        int p = 0, s = 0, star = -1, mark = 0;
        while (s < input.Length)
        {
            if (p < pattern.Length)
            {
                var pc = pattern[p];
                if (pc == '*')
                {
                    star = p++;
                    mark = s;
                    continue;
                }
                if (pc == '?' || CharEquals(pc, input[s], ignoreCase))
                {
                    p++;
                    s++;
                    continue;
                }
            }
            if (star < 0)
                return false;
            p = star + 1;
            s = ++mark;
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }

    private static bool CharEquals(char pc, char c, bool ignoreCase)
    {
        pc = pc switch
        {
            LiteralStar => '*',
            LiteralQuestion => '?',
            _ => pc,
        };
        return pc == c || (ignoreCase && char.ToUpperInvariant(pc) == char.ToUpperInvariant(c));
    }

    /// <summary>Turns sentinel characters back into the characters they stand for (for display).</summary>
    internal static string Display(string pattern) =>
        pattern.Replace(LiteralStar, '*').Replace(LiteralQuestion, '?');
}

/// <summary>A compiled wildcard pattern specialised by shape so the common cases (<c>*</c>, exact, prefix) cost a
/// single comparison.</summary>
internal sealed class GlobPattern
{
    private enum Shape
    {
        Any,
        Exact,
        Prefix,
        General,
    }

    private readonly Shape shape;
    private readonly string text;
    private readonly bool ignoreCase;

    internal GlobPattern(string pattern, bool ignoreCase)
    {
        text = pattern;
        this.ignoreCase = ignoreCase;
        var firstWild = pattern.AsSpan().IndexOfAny('*', '?');
        var hasSentinel = pattern.AsSpan().IndexOfAny(Glob.LiteralStar, Glob.LiteralQuestion) >= 0;
        if (pattern == "*")
            shape = Shape.Any;
        else if (firstWild < 0 && !hasSentinel)
            shape = Shape.Exact;
        else if (!hasSentinel && firstWild == pattern.Length - 1 && pattern[^1] == '*')
        {
            shape = Shape.Prefix;
            text = pattern[..^1];
        }
        else
            shape = Shape.General;
    }

    internal string Source => shape == Shape.Prefix ? text + "*" : text;

    internal bool Matches(ReadOnlySpan<char> input)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return shape switch
        {
            Shape.Any => true,
            Shape.Exact => input.Equals(text, comparison),
            Shape.Prefix => input.StartsWith(text, comparison),
            _ => Glob.Match(text, input, ignoreCase),
        };
    }
}
