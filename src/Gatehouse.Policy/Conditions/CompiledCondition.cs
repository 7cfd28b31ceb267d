namespace Gatehouse.Policy;

/// <summary>Why a condition was not satisfied (shown in the trace).</summary>
public enum ConditionFailureReason
{
    None,
    /// <summary>The key is not in the request context and the operator is positive (no IfExists).</summary>
    KeyMissing,
    /// <summary>No policy value matched the request value.</summary>
    NoValueMatched,
    /// <summary>A negated operator: the request value matched one of the listed values.</summary>
    NegatedValueMatched,
    /// <summary>The request value does not parse as the operator's type (number, date, IP, ARN).</summary>
    RequestValueInvalid,
    /// <summary>A plain operator was used with a multivalued key (use ForAllValues/ForAnyValue).</summary>
    MultivaluedKeyWithPlainOperator,
    /// <summary>ForAnyValue on a missing or empty key.</summary>
    EmptySetForAnyValue,
    /// <summary>ForAllValues: at least one request value was not satisfied.</summary>
    SomeValueNotSatisfied,
    /// <summary>Null: the key's presence is the opposite of what the policy tests.</summary>
    NullCheckFailed,
}

internal enum Tri
{
    NoMatch,
    Match,
    Invalid,
}

/// <summary>One condition key under one operator, with its values already typed (compiled once, evaluated many times).
/// Several values OR (for negated operators: the request value must match none, IAM User Guide, "Multivalued context keys").</summary>
internal sealed partial class CompiledCondition
{
    private readonly ConditionOperator op;
    private readonly string[] strings;
    private readonly PolicyVariables?[]? variables;
    private readonly GlobPattern?[]? likes;
    private readonly decimal[]? numbers;
    private readonly DateTimeOffset[]? dates;
    private readonly bool[]? bools;
    private readonly IpNetwork[]? networks;
    private readonly ArnPattern[]? arns;

    internal CompiledCondition(PolicyCondition source, ConditionOperator op, bool allowVariables)
    {
        Source = source;
        this.op = op;
        strings = [.. source.Values];
        var withVariables = allowVariables && op.AllowsVariables;
        if (withVariables && op.Family is OperatorFamily.String or OperatorFamily.Bool)
        {
            variables = strings.Select(PolicyVariables.TryParse).ToArray();
            if (variables.All(v => v is null))
                variables = null;
        }
        switch (op.Family)
        {
            case OperatorFamily.String:
                if (op.StringMode == StringMode.Like)
                    likes = strings.Select((s, i) => variables?[i] is null ? new GlobPattern(s, false) : null).ToArray();
                break;
            case OperatorFamily.Numeric:
                numbers = strings.Select(s => ConditionValueParsers.ParseNumber(s) ?? 0m).ToArray();
                break;
            case OperatorFamily.Date:
                dates = strings.Select(s => ConditionValueParsers.ParseDate(s) ?? default).ToArray();
                break;
            case OperatorFamily.Bool:
                bools = strings.Select(s => ConditionValueParsers.ParseBool(s) ?? false).ToArray();
                break;
            case OperatorFamily.IpAddress:
                networks = strings.Select(s => IpNetwork.TryParse(s, out var n) ? n : default).ToArray();
                break;
            case OperatorFamily.Arn:
                arns = strings.Select(s => new ArnPattern(s, withVariables, isResourceElement: false)).ToArray();
                break;
        }
    }

    internal PolicyCondition Source { get; }

    internal string Key => Source.Key;

    internal bool Evaluate(EvaluationContext context) => Evaluate(context, out _);

    internal bool Evaluate(EvaluationContext context, out ConditionFailureReason reason)
    {
        reason = ConditionFailureReason.None;
        var cv = context.Get(Source.Key);
        if (op.Family == OperatorFamily.Null)
            return EvaluateNull(cv, out reason);
        var missing = cv is null || cv.Values.Length == 0;
        switch (op.Set)
        {
            case SetOperator.ForAllValues:
                // ForAllValues is true when the key is missing or its set is empty, with or without IfExists (IAM
                // User Guide, "Single-valued vs. multivalued context keys", ForAllValues).
                if (missing)
                    return true;
                for (var i = 0; i < cv!.Values.Length; i++)
                {
                    if (!Satisfied(MatchAny(cv, i, context)))
                    {
                        reason = ConditionFailureReason.SomeValueNotSatisfied;
                        return false;
                    }
                }
                return true;
            case SetOperator.ForAnyValue:
                // ForAnyValue is false when the key is missing or its set is empty, whatever IfExists says (IAM User
                // Guide, "Single-valued vs. multivalued context keys", ForAnyValue; on AWS an Allow with
                // ForAnyValue:StringEqualsIfExists on aws:TagKeys does not allow an untagged ListQueues). So a Deny
                // with ForAnyValue:...NotEqualsIfExists on an absent key does not deny either.
                if (missing)
                {
                    reason = ConditionFailureReason.EmptySetForAnyValue;
                    return false;
                }
                for (var i = 0; i < cv!.Values.Length; i++)
                {
                    if (Satisfied(MatchAny(cv, i, context)))
                        return true;
                }
                reason = op.Negated ? ConditionFailureReason.NegatedValueMatched : ConditionFailureReason.NoValueMatched;
                return false;
            default:
                // IAM User Guide, "IAM JSON policy elements: Condition operators": a missing key makes positive operators false and negated ones true.
                if (missing)
                {
                    if (op.IfExists || op.Negated)
                        return true;
                    reason = ConditionFailureReason.KeyMissing;
                    return false;
                }
                if (cv!.IsMultivalued || cv.Values.Length > 1)
                {
                    reason = ConditionFailureReason.MultivaluedKeyWithPlainOperator;
                    return AwsBehavior.PlainOperatorOnMultivaluedKeyMatches;
                }
                var t = MatchAny(cv, 0, context);
                if (t == Tri.Invalid)
                {
                    reason = ConditionFailureReason.RequestValueInvalid;
                    return !AwsBehavior.UnparsableRequestValueFailsNegatedOperators && op.Negated;
                }
                if (Satisfied(t))
                    return true;
                reason = op.Negated ? ConditionFailureReason.NegatedValueMatched : ConditionFailureReason.NoValueMatched;
                return false;
        }
    }

    private bool Satisfied(Tri t) => t != Tri.Invalid && (op.Negated ? t == Tri.NoMatch : t == Tri.Match);

    private bool EvaluateNull(ContextValue? cv, out ConditionFailureReason reason)
    {
        var present = cv is not null && (cv.Values.Length > 0 || !AwsBehavior.NullTreatsEmptySetAsAbsent);
        foreach (var s in strings)
        {
            // "true" tests absence, "false" presence (IAM User Guide, "IAM JSON policy elements: Condition operators", Null).
            if (ConditionValueParsers.ParseBool(s) is { } expectAbsent && expectAbsent != present)
            {
                reason = ConditionFailureReason.None;
                return true;
            }
        }
        reason = ConditionFailureReason.NullCheckFailed;
        return false;
    }
}
