namespace Gatehouse.Services.Identity;

/// <summary>
/// The policies that apply to a principal, as JSON documents, gathered by the identity store for the authorizer:
/// identity policies (inline and attached managed policies of the user or role, and of the user's groups), the
/// permissions boundary, and a role session's session policies.
/// </summary>
public interface IIdentityPolicySource
{
    ValueTask<PrincipalPolicies> GetPoliciesAsync(Principal principal, CancellationToken ct = default);
}

/// <param name="IdentityPolicies">Each identity-based policy, named (<c>user/alice/inline/MyPolicy</c>,
/// <c>arn:aws:iam::aws:policy/AmazonSQSFullAccess</c>) so a denial can say which one decided.</param>
/// <param name="PermissionsBoundary">The boundary's (name, document), if the user or role has one.</param>
/// <param name="SessionPolicies">A role session's inline <c>Policy</c> and <c>PolicyArns</c> documents.</param>
public sealed record PrincipalPolicies(
    IReadOnlyList<NamedPolicy> IdentityPolicies,
    NamedPolicy? PermissionsBoundary,
    IReadOnlyList<NamedPolicy> SessionPolicies)
{
    public static PrincipalPolicies None { get; } = new([], null, []);
}

public sealed record NamedPolicy(string Name, string Document);

/// <summary>No identities but root users: no identity policies.</summary>
public sealed class NoIdentityPolicies : IIdentityPolicySource
{
    public ValueTask<PrincipalPolicies> GetPoliciesAsync(Principal principal, CancellationToken ct = default) => ValueTask.FromResult(PrincipalPolicies.None);
}
