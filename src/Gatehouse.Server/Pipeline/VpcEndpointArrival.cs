namespace Gatehouse.Server.Pipeline;

/// <summary>
/// A request-level feature set only by a VPC endpoint's own listener (<see cref="Ec2.VpcEndpointListeners"/>): the
/// request arrived through that endpoint. Nothing the client sends can set it, so a queue policy that allows by
/// <c>aws:SourceVpce</c> cannot be fooled by a Host header (docs/vpc-endpoints.md).
/// </summary>
/// <param name="Service">The service the endpoint reaches (<c>sqs</c>); requests for other services are refused.</param>
internal sealed record VpcEndpointArrival(string VpcEndpointId, string Service);
