namespace Gatehouse.Services.Ec2;

/// <summary>An EC2 <c>Filter</c>: a name and values (<c>*</c> and <c>?</c> are wildcards); any value may match.</summary>
public sealed record Ec2Filter(string Name, IReadOnlyList<string> Values);

public sealed record CreateVpcInput(string? CidrBlock, string? InstanceTenancy, IReadOnlyList<Ec2Tag> Tags);

public sealed record CreateSubnetInput(string? VpcId, string? CidrBlock, string? AvailabilityZone, IReadOnlyList<Ec2Tag> Tags);

public sealed record CreateVpcEndpointInput(
    string? VpcId,
    string? ServiceName,
    string? VpcEndpointType,
    string? PolicyDocument,
    IReadOnlyList<string> SubnetIds,
    bool? PrivateDnsEnabled,
    IReadOnlyList<Ec2Tag> Tags);

public sealed record ModifyVpcEndpointInput(
    string? VpcEndpointId,
    string? PolicyDocument,
    bool ResetPolicy,
    IReadOnlyList<string> AddSubnetIds,
    IReadOnlyList<string> RemoveSubnetIds,
    bool? PrivateDnsEnabled);

/// <summary>One id <c>DeleteVpcEndpoints</c> could not delete, with EC2's error code and message.</summary>
public sealed record Ec2UnsuccessfulItem(string ResourceId, string Code, string Message);

/// <summary>An AWS service that interface endpoints can reach here.</summary>
public sealed record EndpointServiceInfo(string ServiceName, string Service, string Region);
