namespace Gatehouse.Services.Authorization;

/// <summary>Where the authorizer finds the policy of the VPC endpoint a request arrived through (the EC2 service's
/// endpoints), so the policy engine stays free of I/O.</summary>
public interface IVpcEndpointPolicySource
{
    /// <summary>The endpoint, or null when it no longer exists.</summary>
    VpcEndpointPolicyInfo? Find(string vpcEndpointId);
}

/// <summary>A VPC endpoint as authorization needs it: its VPC (<c>aws:SourceVpc</c>), owner and policy.</summary>
public sealed record VpcEndpointPolicyInfo(string VpcEndpointId, string VpcId, string OwnerId, string PolicyDocument);
