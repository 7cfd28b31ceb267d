namespace Gatehouse.Policy;

internal enum OperatorFamily
{
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    IpAddress,
    Arn,
    Null,
}

internal enum StringMode
{
    Equals,
    EqualsIgnoreCase,
    Like,
}

internal enum Comparison
{
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

internal enum SetOperator
{
    None,
    ForAllValues,
    ForAnyValue,
}

/// <summary>A parsed operator name such as <c>ForAnyValue:StringNotLikeIfExists</c>. Names are case-sensitive
/// (moto, an open-source AWS mock, treats wrong-case operators as syntax errors).</summary>
internal sealed record ConditionOperator(OperatorFamily Family, bool Negated, Comparison Comparison, StringMode StringMode,
    bool IfExists, SetOperator Set)
{
    /// <summary>Variables are allowed in String*, Arn* and Bool values only (IAM User Guide, "IAM policy elements: Variables and tags").</summary>
    internal bool AllowsVariables => Family is OperatorFamily.String or OperatorFamily.Arn or OperatorFamily.Bool;

    internal static ConditionOperator? TryParse(string name)
    {
        var set = SetOperator.None;
        var rest = name;
        if (rest.StartsWith("ForAllValues:", StringComparison.Ordinal))
        {
            set = SetOperator.ForAllValues;
            rest = rest["ForAllValues:".Length..];
        }
        else if (rest.StartsWith("ForAnyValue:", StringComparison.Ordinal))
        {
            set = SetOperator.ForAnyValue;
            rest = rest["ForAnyValue:".Length..];
        }
        var ifExists = false;
        if (rest.EndsWith("IfExists", StringComparison.Ordinal) && rest != "IfExists")
        {
            ifExists = true;
            rest = rest[..^"IfExists".Length];
        }
        var op = rest switch
        {
            "StringEquals" => Str(false, StringMode.Equals),
            "StringNotEquals" => Str(true, StringMode.Equals),
            "StringEqualsIgnoreCase" => Str(false, StringMode.EqualsIgnoreCase),
            "StringNotEqualsIgnoreCase" => Str(true, StringMode.EqualsIgnoreCase),
            "StringLike" => Str(false, StringMode.Like),
            "StringNotLike" => Str(true, StringMode.Like),
            "NumericEquals" => Cmp(OperatorFamily.Numeric, false, Comparison.Equals),
            "NumericNotEquals" => Cmp(OperatorFamily.Numeric, true, Comparison.Equals),
            "NumericLessThan" => Cmp(OperatorFamily.Numeric, false, Comparison.LessThan),
            "NumericLessThanEquals" => Cmp(OperatorFamily.Numeric, false, Comparison.LessThanEquals),
            "NumericGreaterThan" => Cmp(OperatorFamily.Numeric, false, Comparison.GreaterThan),
            "NumericGreaterThanEquals" => Cmp(OperatorFamily.Numeric, false, Comparison.GreaterThanEquals),
            "DateEquals" => Cmp(OperatorFamily.Date, false, Comparison.Equals),
            "DateNotEquals" => Cmp(OperatorFamily.Date, true, Comparison.Equals),
            "DateLessThan" => Cmp(OperatorFamily.Date, false, Comparison.LessThan),
            "DateLessThanEquals" => Cmp(OperatorFamily.Date, false, Comparison.LessThanEquals),
            "DateGreaterThan" => Cmp(OperatorFamily.Date, false, Comparison.GreaterThan),
            "DateGreaterThanEquals" => Cmp(OperatorFamily.Date, false, Comparison.GreaterThanEquals),
            "Bool" => Cmp(OperatorFamily.Bool, false, Comparison.Equals),
            "BinaryEquals" => Cmp(OperatorFamily.Binary, false, Comparison.Equals),
            "IpAddress" => Cmp(OperatorFamily.IpAddress, false, Comparison.Equals),
            "NotIpAddress" => Cmp(OperatorFamily.IpAddress, true, Comparison.Equals),
            // IAM User Guide, "IAM JSON policy elements: Condition operators": ArnEquals and ArnLike behave identically, as do ArnNotEquals and ArnNotLike.
            "ArnEquals" or "ArnLike" => Cmp(OperatorFamily.Arn, false, Comparison.Equals),
            "ArnNotEquals" or "ArnNotLike" => Cmp(OperatorFamily.Arn, true, Comparison.Equals),
            "Null" => Cmp(OperatorFamily.Null, false, Comparison.Equals),
            _ => null,
        };
        if (op is null || (op.Family == OperatorFamily.Null && (ifExists || set != SetOperator.None)))
            return null;
        return op with { IfExists = ifExists, Set = set };

        static ConditionOperator Str(bool negated, StringMode mode) =>
            new(OperatorFamily.String, negated, Comparison.Equals, mode, false, SetOperator.None);
        static ConditionOperator Cmp(OperatorFamily family, bool negated, Comparison comparison) =>
            new(family, negated, comparison, StringMode.Equals, false, SetOperator.None);
    }
}
