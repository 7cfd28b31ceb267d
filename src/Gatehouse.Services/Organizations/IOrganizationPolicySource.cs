using Gatehouse.Services.Identity;

namespace Gatehouse.Services.Organizations;

/// <summary>
/// What the authorizer needs to know about an account's organization (the port between the organization service and
/// the one authorizer, so the policy engine stays pure): the organization id and path (<c>aws:PrincipalOrgID</c>,
/// <c>aws:PrincipalOrgPaths</c>, <c>aws:ResourceOrgID</c>, <c>aws:ResourceOrgPaths</c>), whether it is the management
/// account, and the SCPs and RCPs attached at each level of its path, from the root to the account.
/// </summary>
public interface IOrganizationPolicySource
{
    /// <summary>The account's organization view, or null when the account belongs to no organization.</summary>
    AccountOrganization? ForAccount(string accountId);
}

/// <param name="Path">The account's organization path, <c>o-…/r-…/ou-…/</c> (Organizations user guide,
/// "aws:PrincipalOrgPaths").</param>
/// <param name="ServiceControlPolicies">One level per root, OU and the account when SCPs are enabled; else empty.</param>
/// <param name="ResourceControlPolicies">One level per root, OU and the account when RCPs are enabled; else empty.</param>
public sealed record AccountOrganization(
    string OrganizationId,
    string Path,
    bool IsManagementAccount,
    IReadOnlyList<OrganizationPolicyLevel> ServiceControlPolicies,
    IReadOnlyList<OrganizationPolicyLevel> ResourceControlPolicies);

/// <summary>One level of an organization path (root, OU or account) and the policies of one type attached there.</summary>
public sealed record OrganizationPolicyLevel(string Name, IReadOnlyList<NamedPolicy> Policies);

/// <summary>No organizations: every account stands alone.</summary>
public sealed class NoOrganizations : IOrganizationPolicySource
{
    public AccountOrganization? ForAccount(string accountId) => null;
}
