namespace Gatehouse.Policy;

/// <summary>One parsed statement, as written (before compilation). Lists keep the document's order.</summary>
public sealed record PolicyStatement
{
    public string? Sid { get; init; }
    public PolicyEffect Effect { get; init; }
    /// <summary>Null when the statement has neither Principal nor NotPrincipal.</summary>
    public PrincipalElement? Principal { get; init; }
    public bool IsNotPrincipal { get; init; }
    public IReadOnlyList<string> Actions { get; init; } = [];
    public bool IsNotAction { get; init; }
    /// <summary>Empty when the statement has neither Resource nor NotResource (role trust policies).</summary>
    public IReadOnlyList<string> Resources { get; init; } = [];
    public bool IsNotResource { get; init; }
    public bool HasResourceElement { get; init; }
    public IReadOnlyList<PolicyCondition> Conditions { get; init; } = [];
}

/// <summary>A Principal/NotPrincipal element: <c>"*"</c> or a map of AWS/Service/Federated/CanonicalUser lists.</summary>
public sealed record PrincipalElement
{
    /// <summary>True for the bare string form <c>"*"</c>.</summary>
    public bool IsWildcardString { get; init; }
    public IReadOnlyList<string> Aws { get; init; } = [];
    public IReadOnlyList<string> Service { get; init; } = [];
    public IReadOnlyList<string> Federated { get; init; } = [];
    public IReadOnlyList<string> CanonicalUser { get; init; } = [];

    internal int Count => (IsWildcardString ? 1 : 0) + Aws.Count + Service.Count + Federated.Count + CanonicalUser.Count;
}

/// <summary>One condition: operator (with any set prefix and IfExists suffix), key and values, as written.</summary>
public sealed record PolicyCondition(string Operator, string Key, IReadOnlyList<string> Values);
