namespace Gatehouse.Policy;

/// <summary>An ARN split on its first five colons: partition, service, region, account, resource
/// (the resource part keeps any further colons; IAM User Guide, "IAM identifiers" and AWS General Reference, "Amazon Resource Names").</summary>
internal readonly struct ParsedArn
{
    private readonly string text;
    private readonly int c1, c2, c3, c4, c5;

    private ParsedArn(string text, int c1, int c2, int c3, int c4, int c5)
    {
        this.text = text;
        this.c1 = c1;
        this.c2 = c2;
        this.c3 = c3;
        this.c4 = c4;
        this.c5 = c5;
    }

    internal static bool TryParse(string? text, out ParsedArn arn)
    {
        arn = default;
        if (text is null || !text.StartsWith("arn:", StringComparison.Ordinal))
            return false;
        var c1 = 3;
        var c2 = text.IndexOf(':', c1 + 1);
        var c3 = c2 < 0 ? -1 : text.IndexOf(':', c2 + 1);
        var c4 = c3 < 0 ? -1 : text.IndexOf(':', c3 + 1);
        var c5 = c4 < 0 ? -1 : text.IndexOf(':', c4 + 1);
        if (c5 < 0)
            return false;
        arn = new ParsedArn(text, c1, c2, c3, c4, c5);
        return true;
    }

    internal string Text => text;
    internal ReadOnlySpan<char> Partition => text.AsSpan(c1 + 1, c2 - c1 - 1);
    internal ReadOnlySpan<char> Service => text.AsSpan(c2 + 1, c3 - c2 - 1);
    internal ReadOnlySpan<char> Region => text.AsSpan(c3 + 1, c4 - c3 - 1);
    internal ReadOnlySpan<char> Account => text.AsSpan(c4 + 1, c5 - c4 - 1);
    internal ReadOnlySpan<char> Resource => text.AsSpan(c5 + 1);

    internal ReadOnlySpan<char> Segment(int i) => i switch
    {
        0 => Partition,
        1 => Service,
        2 => Region,
        3 => Account,
        _ => Resource,
    };
}

/// <summary>A Resource/NotResource entry or an Arn* condition value, compiled to per-segment matchers.
/// Wildcards never cross the first five colons; the resource part is matched as a whole.</summary>
internal sealed class ArnPattern
{
    private readonly GlobPattern[]? segments;
    private readonly PolicyVariables? variables;
    private readonly bool any;
    private readonly bool serviceIgnoresCase;
    private readonly bool resourceIgnoresCase;

    internal ArnPattern(string pattern, bool allowVariables, bool isResourceElement)
    {
        Source = pattern;
        serviceIgnoresCase = isResourceElement;
        resourceIgnoresCase = isResourceElement && !AwsBehavior.ResourceNameCaseSensitive;
        if (pattern == "*" && isResourceElement)
        {
            any = true;
            return;
        }
        variables = allowVariables ? PolicyVariables.TryParse(pattern) : null;
        if (variables is null)
            segments = Compile(pattern, serviceIgnoresCase, resourceIgnoresCase);
    }

    internal string Source { get; }

    /// <summary>True when the entry can never match (not an ARN).</summary>
    internal bool IsMalformed => !any && variables is null && segments is null;

    internal static bool LooksLikeArn(string s) => ParsedArn.TryParse(s, out _);

    private static GlobPattern[]? Compile(string pattern, bool serviceIgnoresCase, bool resourceIgnoresCase)
    {
        if (!ParsedArn.TryParse(pattern, out var arn))
            return null;
        return
        [
            new GlobPattern(arn.Partition.ToString(), false),
            new GlobPattern(arn.Service.ToString(), serviceIgnoresCase),
            new GlobPattern(arn.Region.ToString(), false),
            new GlobPattern(arn.Account.ToString(), false),
            new GlobPattern(arn.Resource.ToString(), resourceIgnoresCase),
        ];
    }

    internal bool Matches(in ParsedArn target, EvaluationContext context)
    {
        if (any)
            return true;
        if (segments is not null)
        {
            for (var i = 0; i < 5; i++)
            {
                if (!segments[i].Matches(target.Segment(i)))
                    return false;
            }
            return true;
        }
        if (variables is null)
            return false;
        var resolved = variables.Resolve(context, forGlob: true);
        if (resolved is null || !ParsedArn.TryParse(resolved, out var p))
            return false;
        for (var i = 0; i < 5; i++)
        {
            var ic = (i == 1 && serviceIgnoresCase) || (i == 4 && resourceIgnoresCase);
            if (!Glob.Match(p.Segment(i), target.Segment(i), ic))
                return false;
        }
        return true;
    }

    /// <summary>Whether a variable in this entry cannot be resolved for this request (for the trace).</summary>
    internal bool IsUnresolved(EvaluationContext context) => variables is not null && variables.Resolve(context, true) is null;
}

/// <summary>An Action/NotAction entry: case-insensitive (IAM User Guide, "IAM JSON policy elements: Action"), <c>*</c> and <c>?</c> wildcards.
/// Patterns and request actions are both lower-cased once so matching is ordinal.</summary>
internal sealed class ActionPattern(string pattern)
{
    private readonly GlobPattern glob = new(pattern.ToLowerInvariant(), ignoreCase: false);

    internal string Source { get; } = pattern;

    internal bool Matches(string lowerAction) => glob.Matches(lowerAction);
}
