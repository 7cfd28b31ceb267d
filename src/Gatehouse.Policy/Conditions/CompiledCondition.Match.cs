namespace Gatehouse.Policy;

internal sealed partial class CompiledCondition
{
    /// <summary>Whether request value <paramref name="i"/> equals/likes/compares to at least one policy value.</summary>
    private Tri MatchAny(ContextValue cv, int i, EvaluationContext context)
    {
        var value = cv.Values[i];
        switch (op.Family)
        {
            case OperatorFamily.String:
                for (var j = 0; j < strings.Length; j++)
                {
                    if (MatchString(j, value, context))
                        return Tri.Match;
                }
                return Tri.NoMatch;
            case OperatorFamily.Numeric:
                if (cv.Number(i) is not { } n)
                    return Tri.Invalid;
                foreach (var x in numbers!)
                {
                    if (Compare(n.CompareTo(x)))
                        return Tri.Match;
                }
                return Tri.NoMatch;
            case OperatorFamily.Date:
                if (cv.Date(i) is not { } d)
                    return Tri.Invalid;
                foreach (var x in dates!)
                {
                    if (Compare(d.CompareTo(x)))
                        return Tri.Match;
                }
                return Tri.NoMatch;
            case OperatorFamily.Bool:
                if (ConditionValueParsers.ParseBool(value) is not { } b)
                    return Tri.NoMatch;
                for (var j = 0; j < bools!.Length; j++)
                {
                    var expected = variables?[j] is { } v
                        ? ConditionValueParsers.ParseBool(v.Resolve(context, false) ?? "")
                        : bools[j];
                    if (expected == b)
                        return Tri.Match;
                }
                return Tri.NoMatch;
            case OperatorFamily.Binary:
                foreach (var s in strings)
                {
                    if (string.Equals(s, value, StringComparison.Ordinal))
                        return Tri.Match;
                }
                return Tri.NoMatch;
            case OperatorFamily.IpAddress:
                if (cv.Ip(i) is not { } ip)
                    return Tri.Invalid;
                foreach (var net in networks!)
                {
                    if (net.Contains(ip))
                        return Tri.Match;
                }
                return Tri.NoMatch;
            case OperatorFamily.Arn:
                if (!ParsedArn.TryParse(value, out var arn))
                    return Tri.Invalid;
                foreach (var a in arns!)
                {
                    if (a.Matches(arn, context))
                        return Tri.Match;
                }
                return Tri.NoMatch;
            default:
                return Tri.NoMatch;
        }
    }

    private bool MatchString(int j, string value, EvaluationContext context)
    {
        if (variables?[j] is { } v)
        {
            // IAM User Guide, "IAM policy elements: Variables and tags": a variable with no value and no default makes this value match nothing.
            var resolved = v.Resolve(context, forGlob: op.StringMode == StringMode.Like);
            if (resolved is null)
                return false;
            return op.StringMode switch
            {
                StringMode.Equals => string.Equals(resolved, value, StringComparison.Ordinal),
                StringMode.EqualsIgnoreCase => string.Equals(resolved, value, StringComparison.OrdinalIgnoreCase),
                _ => Glob.Match(resolved, value, false),
            };
        }
        return op.StringMode switch
        {
            StringMode.Equals => string.Equals(strings[j], value, StringComparison.Ordinal),
            StringMode.EqualsIgnoreCase => string.Equals(strings[j], value, StringComparison.OrdinalIgnoreCase),
            _ => likes![j]!.Matches(value),
        };
    }

    private bool Compare(int c) => op.Comparison switch
    {
        Comparison.Equals => c == 0,
        Comparison.LessThan => c < 0,
        Comparison.LessThanEquals => c <= 0,
        Comparison.GreaterThan => c > 0,
        _ => c >= 0,
    };
}
