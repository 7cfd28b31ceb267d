namespace Gatehouse.Policy;

/// <summary>
/// A string that may contain policy variables (<c>${aws:username}</c>, <c>${aws:PrincipalTag/team, 'default'}</c>,
/// <c>${*}</c>, <c>${?}</c>, <c>${$}</c>). Only compiled under Version 2012-10-17 (IAM User Guide, "IAM policy elements: Variables and tags"); otherwise strings are
/// literal. Parsed once; resolution per request only substitutes.
/// </summary>
internal sealed class PolicyVariables
{
    private readonly Part[] parts;

    private PolicyVariables(Part[] parts) => this.parts = parts;

    private readonly record struct Part(string? Literal, string? Key, string? Default, char Special);

    /// <summary>Null when <paramref name="text"/> has no variable (the common case).</summary>
    internal static PolicyVariables? TryParse(string text)
    {
        if (!text.Contains("${", StringComparison.Ordinal))
            return null;
        var parts = new List<Part>();
        var i = 0;
        var literalStart = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                    break;
                if (i > literalStart)
                    parts.Add(new Part(text[literalStart..i], null, null, '\0'));
                var body = text[(i + 2)..close];
                if (body is "*" or "?" or "$")
                    parts.Add(new Part(null, null, null, body[0]));
                else
                {
                    // IAM User Guide, "Variables and tags": the default follows ", " in single quotes; we split on exactly ", ".
                    var comma = body.IndexOf(", ", StringComparison.Ordinal);
                    string key = body, dflt = null!;
                    if (comma >= 0)
                    {
                        key = body[..comma];
                        var d = body[(comma + 2)..];
                        dflt = d.Length >= 2 && d[0] == '\'' && d[^1] == '\'' ? d[1..^1] : d;
                    }
                    parts.Add(new Part(null, key.Trim(), dflt, '\0'));
                }
                i = close + 1;
                literalStart = i;
                continue;
            }
            i++;
        }
        if (literalStart < text.Length)
            parts.Add(new Part(text[literalStart..], null, null, '\0'));
        return new PolicyVariables([.. parts]);
    }

    /// <summary>Substitutes the variables. For glob use, substituted text and the special characters become
    /// literal sentinels (INVARIANT glob-sentinels). Returns null when a variable has no value and no default:
    /// such an entry matches nothing (IAM User Guide, "IAM policy elements: Variables and tags", "Policy variables with no value").</summary>
    internal string? Resolve(EvaluationContext context, bool forGlob)
    {
        // Fast path, no allocation: the whole value is one variable (e.g. "${aws:PrincipalTag/team}").
        if (parts is [{ Key: { } onlyKey } only])
        {
            var value = context.GetSingleValue(onlyKey) ?? only.Default;
            if (value is null || !forGlob || value.AsSpan().IndexOfAny('*', '?') < 0)
                return value;
        }
        var sb = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            if (part.Literal is not null)
                sb.Append(part.Literal);
            else if (part.Special != '\0')
                sb.Append(forGlob ? Escape(part.Special) : part.Special);
            else
            {
                var value = context.GetSingleValue(part.Key!) ?? part.Default;
                if (value is null)
                    return null;
                if (forGlob)
                {
                    foreach (var c in value)
                        sb.Append(Escape(c));
                }
                else
                    sb.Append(value);
            }
        }
        return sb.ToString();
    }

    private static char Escape(char c) => c switch
    {
        '*' => Glob.LiteralStar,
        '?' => Glob.LiteralQuestion,
        _ => c,
    };
}
