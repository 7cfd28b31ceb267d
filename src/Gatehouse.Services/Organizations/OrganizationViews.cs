namespace Gatehouse.Services.Organizations;

public sealed record OrganizationView(
    string Id,
    string Arn,
    string FeatureSet,
    string ManagementAccountArn,
    string ManagementAccountId,
    string ManagementAccountEmail,
    IReadOnlyList<string> EnabledPolicyTypes);

public sealed record RootView(string Id, string Arn, string Name, IReadOnlyList<string> EnabledPolicyTypes);

public sealed record AccountView(string Id, string Arn, string Email, string Name, string JoinedMethod, DateTimeOffset Joined);

public sealed record CreateAccountView(
    string Id,
    string AccountName,
    string State,
    DateTimeOffset Requested,
    DateTimeOffset? Completed,
    string? AccountId,
    string? FailureReason);

public sealed record UnitView(string Id, string Arn, string Name);

public sealed record PolicyView(string Id, string Arn, string Name, string Description, string Type, bool AwsManaged, string Content);

public sealed record TargetView(string TargetId, string Arn, string Name, string Type);

public sealed record ChildView(string Id, string Type);

public sealed record ServiceAccessView(string ServicePrincipal, DateTimeOffset Enabled);

/// <summary>The IAM centralized root access state of an organization (IAM <c>ListOrganizationsFeatures</c>).</summary>
public sealed record RootAccessFeatures(string OrganizationId, IReadOnlyList<string> EnabledFeatures);
