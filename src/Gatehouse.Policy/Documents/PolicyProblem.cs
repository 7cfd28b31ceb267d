namespace Gatehouse.Policy;

/// <summary>What is wrong with a document. Each API renders these in its own AWS wording
/// (<see cref="PolicyErrors"/>).</summary>
public enum PolicyProblemCode
{
    InvalidJson,
    NotAnObject,
    DuplicateKey,
    UnknownElement,
    WrongType,
    InvalidVersion,
    MissingStatement,
    EmptyStatement,
    InvalidSid,
    DuplicateSid,
    IdNotAllowed,
    MissingEffect,
    InvalidEffect,
    MissingAction,
    ActionAndNotAction,
    EmptyAction,
    ActionMissingVendor,
    ActionTooManyColons,
    InvalidVendor,
    MissingResource,
    ResourceAndNotResource,
    ProhibitedResource,
    InvalidResource,
    MissingPrincipal,
    PrincipalNotAllowed,
    PrincipalAndNotPrincipal,
    InvalidPrincipal,
    PrincipalMustBeWildcard,
    AllowNotPermitted,
    UnknownConditionOperator,
    InvalidConditionValue,
    EmptyConditionValue,
    InvalidCharacter,
    PolicyTooLarge,
    TooManyStatements,
    TooManyPrincipals,
    TooManyConditions,
    TooManyActions,
    CrossAccountNonShareableAction,
}

/// <summary>A problem at a JSON path (<c>$.Statement[1].Effect</c>), with a human explanation and, for count
/// limits, the count found.</summary>
public sealed record PolicyProblem(PolicyProblemCode Code, string Path, string Detail, int Count = 0)
{
    public override string ToString() => $"{Path}: {Code}: {Detail}";
}

/// <summary>Result of <see cref="PolicyDocument.Parse"/>: either a compiled document, or the problems.</summary>
public sealed class PolicyParseResult
{
    internal PolicyParseResult(PolicyDocument? document, IReadOnlyList<PolicyProblem> problems)
    {
        Document = document;
        Problems = problems;
    }

    /// <summary>Non-null exactly when <see cref="Problems"/> is empty.</summary>
    public PolicyDocument? Document { get; }

    public IReadOnlyList<PolicyProblem> Problems { get; }

    public bool IsValid => Document is not null;
}
