namespace Gatehouse.Services.Ec2;

/// <summary>An EC2 tag (<c>Key</c>/<c>Value</c>).</summary>
public sealed record Ec2Tag(string Key, string Value);

/// <summary>A VPC: its IPv4 CIDR block and owner (EC2 API reference, <c>Vpc</c>).</summary>
public sealed record VpcRecord(
    string VpcId,
    string OwnerId,
    string Region,
    string CidrBlock,
    string CidrAssociationId,
    string InstanceTenancy,
    IReadOnlyList<Ec2Tag> Tags);

/// <summary>A subnet of a VPC in one availability zone (EC2 API reference, <c>Subnet</c>).</summary>
public sealed record SubnetRecord(
    string SubnetId,
    string VpcId,
    string OwnerId,
    string Region,
    string CidrBlock,
    string AvailabilityZone,
    IReadOnlyList<Ec2Tag> Tags);

/// <summary>
/// An interface VPC endpoint for an AWS service (EC2 API reference, <c>VpcEndpoint</c>). <see cref="Port"/> is the
/// loopback port of its entry point on this machine (docs/vpc-endpoints.md); its DNS name is derived from it.
/// </summary>
/// <param name="Service">The short service name the endpoint reaches (<c>sqs</c>).</param>
/// <param name="PolicyDocument">The endpoint policy as stored: the one given, or the default full-access policy.</param>
public sealed record VpcEndpointRecord(
    string VpcEndpointId,
    string OwnerId,
    string Region,
    string VpcId,
    string ServiceName,
    string Service,
    string PolicyDocument,
    IReadOnlyList<string> SubnetIds,
    bool PrivateDnsEnabled,
    DateTimeOffset CreationTimestamp,
    int Port,
    IReadOnlyList<Ec2Tag> Tags)
{
    /// <summary>The name a client uses as its endpoint URL's authority: a loopback address and the endpoint's own
    /// port, which resolves without any DNS set-up (docs/vpc-endpoints.md).</summary>
    public string DnsName => $"127.0.0.1:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>AWS's shape of an endpoint-specific DNS name under <c>localhost</c>
    /// (<c>vpce-…-….sqs.us-east-1.vpce.localhost:PORT</c>): resolves to loopback for the clients that treat
    /// <c>*.localhost</c> as loopback, not for all.</summary>
    public string LocalhostDnsName =>
        $"{VpcEndpointId}.{Service}.{Region}.vpce.localhost:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
