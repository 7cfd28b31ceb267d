namespace Gatehouse.Policy;

/// <summary>Validates and compiles Condition entries.</summary>
internal static class ConditionCompiler
{
    internal readonly record struct Error(PolicyProblemCode Code, string Detail);

    /// <summary>The first problem with one condition entry, or null.</summary>
    internal static Error? Check(PolicyCondition c)
    {
        if (ConditionOperator.TryParse(c.Operator) is not { } op)
            return new(PolicyProblemCode.UnknownConditionOperator, $"'{c.Operator}' is not a condition operator");
        if (c.Key.Length == 0)
            return new(PolicyProblemCode.InvalidConditionValue, "the condition key is empty");
        foreach (var v in c.Values)
        {
            var ok = op.Family switch
            {
                OperatorFamily.Numeric => ConditionValueParsers.ParseNumber(v) is not null,
                OperatorFamily.Date => ConditionValueParsers.ParseDate(v) is not null,
                OperatorFamily.Bool or OperatorFamily.Null => ConditionValueParsers.ParseBool(v) is not null || v.Contains("${", StringComparison.Ordinal) && op.Family == OperatorFamily.Bool,
                OperatorFamily.IpAddress => IpNetwork.TryParse(v, out _),
                OperatorFamily.Binary => ConditionValueParsers.IsBase64(v),
                _ => true,
            };
            if (!ok)
                return new(PolicyProblemCode.InvalidConditionValue, $"'{v}' is not a valid value for {c.Operator}");
        }
        return null;
    }

    internal static CompiledCondition Compile(PolicyCondition c, bool allowVariables) =>
        new(c, ConditionOperator.TryParse(c.Operator)!, allowVariables);
}
