namespace Gatehouse.Services.Organizations;

/// <summary>The policy types of an organization that Gatehouse evaluates (Organizations API reference, <c>PolicyType</c>).</summary>
public static class OrgPolicyTypes
{
    public const string ServiceControlPolicy = "SERVICE_CONTROL_POLICY";
    public const string ResourceControlPolicy = "RESOURCE_CONTROL_POLICY";

    public static bool IsKnown(string? type) => type is ServiceControlPolicy or ResourceControlPolicy;

    /// <summary>The lower-case form used in policy ARNs (<c>service_control_policy</c>).</summary>
    public static string ArnSegment(string type) => type.ToLowerInvariant();
}

/// <summary>
/// One organization as stored: its root, OUs, accounts, policies and their attachments, trusted services, the
/// CreateAccount requests, tags, and the IAM centralized-root-access features. Stored as one JSON row per
/// organization in the identity store (kind <c>organization</c>).
/// </summary>
public sealed class Organization
{
    public string Id { get; set; } = "";

    public string ManagementAccountId { get; set; } = "";

    public string ManagementAccountEmail { get; set; } = "";

    public string ManagementAccountName { get; set; } = "";

    /// <summary><c>ALL</c> (the only feature set Gatehouse creates) or <c>CONSOLIDATED_BILLING</c>.</summary>
    public string FeatureSet { get; set; } = "ALL";

    public string RootId { get; set; } = "";

    public DateTimeOffset Created { get; set; }

    /// <summary>Policy types enabled on the root (<c>SERVICE_CONTROL_POLICY</c>, <c>RESOURCE_CONTROL_POLICY</c>).</summary>
    public List<string> EnabledPolicyTypes { get; set; } = [];

    public List<OrgUnit> Units { get; set; } = [];

    public List<OrgAccount> Accounts { get; set; } = [];

    public List<OrgPolicy> Policies { get; set; } = [];

    public List<OrgAttachment> Attachments { get; set; } = [];

    public List<OrgServiceAccess> ServiceAccess { get; set; } = [];

    public List<CreateAccountRecord> CreateAccountRequests { get; set; } = [];

    /// <summary>Tags by target id (account, OU, root or policy id).</summary>
    public Dictionary<string, List<OrgTag>> Tags { get; set; } = [];

    /// <summary>IAM's centralized root access features enabled for the organization: <c>RootCredentialsManagement</c>,
    /// <c>RootSessions</c> (IAM API reference, <c>ListOrganizationsFeatures</c>).</summary>
    public List<string> IamFeatures { get; set; } = [];

    public string Arn => $"arn:aws:organizations::{ManagementAccountId}:organization/{Id}";

    public string RootArn => $"arn:aws:organizations::{ManagementAccountId}:root/{Id}/{RootId}";

    public string UnitArn(string ouId) => $"arn:aws:organizations::{ManagementAccountId}:ou/{Id}/{ouId}";

    public string AccountArn(string accountId) => $"arn:aws:organizations::{ManagementAccountId}:account/{Id}/{accountId}";

    public string PolicyArn(OrgPolicy p) => p.AwsManaged
        ? $"arn:aws:organizations::aws:policy/{OrgPolicyTypes.ArnSegment(p.Type)}/{p.Id}"
        : $"arn:aws:organizations::{ManagementAccountId}:policy/{Id}/{OrgPolicyTypes.ArnSegment(p.Type)}/{p.Id}";
}

public sealed class OrgUnit
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string ParentId { get; set; } = "";
}

public sealed class OrgAccount
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string Email { get; set; } = "";

    public string ParentId { get; set; } = "";

    /// <summary><c>CREATED</c> or <c>INVITED</c> (the management account counts as invited).</summary>
    public string JoinedMethod { get; set; } = "CREATED";

    /// <summary>When the account joined; an account made by CreateAccount is listed only from then on.</summary>
    public DateTimeOffset Joined { get; set; }
}

public sealed class OrgPolicy
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public string Type { get; set; } = OrgPolicyTypes.ServiceControlPolicy;

    public string Content { get; set; } = "";

    public bool AwsManaged { get; set; }
}

public sealed record OrgAttachment(string PolicyId, string TargetId);

public sealed record OrgServiceAccess(string ServicePrincipal, DateTimeOffset Enabled);

public sealed record OrgTag(string Key, string Value);

/// <summary>One CreateAccount request (<c>CreateAccountStatus</c>): in progress until <see cref="Completes"/>.</summary>
public sealed class CreateAccountRecord
{
    public string Id { get; set; } = "";

    public string AccountName { get; set; } = "";

    public DateTimeOffset Requested { get; set; }

    public DateTimeOffset Completes { get; set; }

    public string? AccountId { get; set; }

    public string? FailureReason { get; set; }

    /// <summary><c>IN_PROGRESS</c>, <c>SUCCEEDED</c> or <c>FAILED</c> at <paramref name="now"/>.</summary>
    public string StateAt(DateTimeOffset now) => now < Completes ? "IN_PROGRESS" : FailureReason is null ? "SUCCEEDED" : "FAILED";
}
