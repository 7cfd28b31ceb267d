namespace Gatehouse.Server.World;

/// <summary>The declarative world: accounts and everything in them (see docs/identity.md).</summary>
internal sealed record WorldSpec(IReadOnlyList<WorldAccount> Accounts)
{
    /// <summary>The organization of the management account, if the file declares one.</summary>
    public WorldOrganization? Organization { get; init; }
}

/// <summary>An organization (docs/identity.md, "Organizations"): policy types, SCPs/RCPs by name, OUs (nested), and
/// member accounts with their parent OU; applied through the organization service, as the API would.</summary>
internal sealed record WorldOrganization(
    string Path,
    IReadOnlyList<string> PolicyTypes,
    IReadOnlyList<WorldOrgPolicy> Policies,
    IReadOnlyList<string> RootPolicies,
    IReadOnlyList<WorldOrgUnit> Units,
    IReadOnlyList<WorldOrgAccount> Accounts);

internal sealed record WorldOrgPolicy(string Path, string Name, string Type, string? Description, WorldDocument Document);

internal sealed record WorldOrgUnit(string Path, string Name, IReadOnlyList<string> Policies, IReadOnlyList<WorldOrgUnit> Units);

/// <param name="Unit">The OU the account sits in, as a path of OU names (<c>Workloads/Prod</c>); null for the root.</param>
internal sealed record WorldOrgAccount(string Path, string Id, string Name, string Email, string? Unit, IReadOnlyList<string> Policies);

internal sealed record WorldAccount(
    string Path,
    string Id,
    WorldKey? RootAccessKey,
    IReadOnlyList<WorldPolicy> Policies,
    IReadOnlyList<WorldGroup> Groups,
    IReadOnlyList<WorldUser> Users,
    IReadOnlyList<WorldRole> Roles,
    IReadOnlyList<WorldQueue> Queues);

internal sealed record WorldKey(string Path, string AccessKeyId, string SecretAccessKey, string Status);

internal sealed record WorldDocument(string Path, string Json);

internal sealed record WorldPolicy(string Path, string Name, string IamPath, string? Description, WorldDocument Document);

/// <summary>What users, groups and roles have in common: inline and managed policies.</summary>
internal sealed record WorldPolicies(IReadOnlyList<(string Name, WorldDocument Document)> Inline, IReadOnlyList<(string Path, string Reference)> Managed);

internal sealed record WorldGroup(string Path, string Name, string IamPath, WorldPolicies Policies);

internal sealed record WorldUser(
    string Path,
    string Name,
    string IamPath,
    IReadOnlyList<(string Key, string Value)> Tags,
    IReadOnlyList<string> Groups,
    IReadOnlyList<WorldKey> AccessKeys,
    (string Path, string Reference)? Boundary,
    WorldPolicies Policies);

internal sealed record WorldRole(
    string Path,
    string Name,
    string IamPath,
    string? Description,
    int? MaxSessionDuration,
    WorldDocument TrustPolicy,
    IReadOnlyList<(string Key, string Value)> Tags,
    (string Path, string Reference)? Boundary,
    WorldPolicies Policies);

internal sealed record WorldQueue(
    string Path,
    string Name,
    string? Region,
    IReadOnlyList<KeyValuePair<string, string>> Attributes,
    WorldDocument? Policy,
    IReadOnlyList<KeyValuePair<string, string>> Tags);

/// <summary>A world file that cannot be applied: every problem, each naming the file and the JSON path.</summary>
internal sealed class WorldFileException(string file, IReadOnlyList<string> problems)
    : Exception($"World file {file} is invalid:" + string.Concat(problems.Select(p => Environment.NewLine + "  " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
