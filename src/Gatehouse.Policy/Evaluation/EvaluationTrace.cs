namespace Gatehouse.Policy;

/// <summary>Everything the evaluator looked at, for "explain" and for logs.</summary>
public sealed record EvaluationTrace(IReadOnlyList<PolicyTrace> Policies, IReadOnlyList<string> Steps, IReadOnlyList<string> Diagnostics)
{
    public override string ToString() =>
        string.Join('\n', Steps.Concat(Policies.SelectMany(p => p.Statements.Select(s => $"{p.Type} {p.Name} {s}"))));
}

/// <summary>One policy: its type, name, SCP/RCP level, whether it was applied at all, and each statement's outcome.</summary>
public sealed record PolicyTrace(PolicyType Type, string? Name, string? Level, bool Applied, string? NotAppliedReason, IReadOnlyList<StatementTrace> Statements);

/// <summary>One statement: whether it matched and, if not, the first element that failed (and for conditions,
/// which operator, key and values).</summary>
public sealed record StatementTrace(StatementReference Statement, bool Matched, StatementElement FailedElement,
    PrincipalMatchKind PrincipalMatch, ConditionTrace? FailedCondition, string Explanation)
{
    public override string ToString() => $"{Statement} {(Matched ? "MATCHED" : "no match")}: {Explanation}";
}

/// <summary>The condition that failed: operator, key, the request's values (null when the key was absent),
/// the policy's values and why.</summary>
public sealed record ConditionTrace(string Operator, string Key, IReadOnlyList<string>? RequestValues, IReadOnlyList<string> PolicyValues,
    ConditionFailureReason Reason);
