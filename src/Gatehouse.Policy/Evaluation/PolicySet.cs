namespace Gatehouse.Policy;

/// <summary>One level of an organization path (root, an OU, or the account) with the SCPs or RCPs attached there.</summary>
public sealed record PolicyLevel(string Name, IReadOnlyList<PolicyDocument> Policies);

/// <summary>
/// Every policy that takes part in one request (IAM User Guide, "Policy evaluation logic"). Leave a slot empty when it does not apply:
/// no organization ⇒ no SCP/RCP levels; request not through a VPC endpoint ⇒ no endpoint policy; no session policy
/// ⇒ an empty list (a federated-user session without one then has no identity permissions, IAM User Guide, "Session policies").
/// </summary>
public sealed record PolicySet
{
    /// <summary>Identity policies of the caller: user inline/managed/group policies, or the role's policies for a
    /// role session, or the creating user's policies for a federated-user session.</summary>
    public IReadOnlyList<PolicyDocument> IdentityPolicies { get; init; } = [];

    /// <summary>The resource's policy: queue policy, KMS key policy or role trust policy (its kind selects the mode).</summary>
    public PolicyDocument? ResourcePolicy { get; init; }

    /// <summary>The permissions boundary of the caller's user or role, if one is attached.</summary>
    public PolicyDocument? PermissionsBoundary { get; init; }

    /// <summary>Session policies (inline + managed ARNs) of the caller's session; together they form one ceiling.</summary>
    public IReadOnlyList<PolicyDocument> SessionPolicies { get; init; } = [];

    /// <summary>SCPs of the caller's account, one entry per level from the organization root to the account.</summary>
    public IReadOnlyList<PolicyLevel> ServiceControlPolicies { get; init; } = [];

    /// <summary>RCPs of the resource's account, one entry per level. <c>RCPFullAWSAccess</c> is implicit at every
    /// level (<see cref="AwsBehavior.RcpFullAwsAccessIsImplicit"/>).</summary>
    public IReadOnlyList<PolicyLevel> ResourceControlPolicies { get; init; } = [];

    /// <summary>The policy of the VPC endpoint the request came through, or null when it did not use one.</summary>
    public PolicyDocument? VpcEndpointPolicy { get; init; }

    /// <summary>The caller's account is the organization's management account: SCPs do not apply (Organizations User Guide, "Service control policies" and "Resource control policies").</summary>
    public bool PrincipalAccountIsManagementAccount { get; init; }

    /// <summary>The resource's account is the management account: RCPs do not apply (Organizations User Guide, "Service control policies" and "Resource control policies").</summary>
    public bool ResourceAccountIsManagementAccount { get; init; }

    /// <summary>The resource is an AWS-managed KMS key (such as <c>alias/aws/sqs</c>): RCPs do not apply (KMS Developer Guide).</summary>
    public bool ResourceIsAwsManagedKey { get; init; }
}
