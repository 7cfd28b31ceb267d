using System.Globalization;
using Gatehouse.Protocol;
using Gatehouse.Protocol.Wire;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Ec2;
using Gatehouse.Services.Identity;

namespace Gatehouse.Server.Ec2;

/// <summary>
/// EC2's VPC, subnet and VPC endpoint actions as a service module: EC2 Query (<c>Version=2016-11-15</c>), signing
/// name <c>ec2</c>, no anonymous callers. Each action is authorized as its <c>ec2:</c> action on the resources EC2's
/// service authorization reference lists for it (<c>vpc/ID</c>, <c>subnet/ID</c>, <c>vpc-endpoint/ID</c>, <c>*</c>
/// for Describe actions); a refusal is EC2's <c>UnauthorizedOperation</c>. <c>DryRun</c> answers
/// <c>DryRunOperation</c> once authorization passed (docs/vpc-endpoints.md).
/// </summary>
internal static class Ec2Module
{
    public const string XmlNamespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    public static ServiceModule Create(Ec2Service ec2) => new()
    {
        Name = "ec2",
        SigningName = "ec2",
        QueryVersion = "2016-11-15",
        QueryProtocol = new Ec2QueryProtocol(XmlNamespace),
        Actions = new[]
        {
            Define("CreateVpc", r => new CreateVpcInput(r.GetString("CidrBlock"), r.GetString("InstanceTenancy"), Tags(r, "vpc")),
                (c, _) => [Query(c, "ec2:CreateVpc", Arn(c, "vpc/*"))],
                (c, input) =>
                {
                    var vpc = ec2.CreateVpc(Account(c), c.Region, input);
                    return Output(w => w.Structure("vpc", x => Vpc(x, vpc)));
                }),
            Define("DescribeVpcs", r => new Describe(r.GetStringList("VpcIds", "VpcId") ?? [], Filters(r)),
                (c, _) => [Query(c, "ec2:DescribeVpcs", "*")],
                (c, input) =>
                {
                    var vpcs = ec2.DescribeVpcs(Account(c), c.Region, input.Ids, input.Filters);
                    return Output(w => w.List("vpcSet", "item", vpcs, Vpc, emitEmpty: true));
                }),
            Define("DeleteVpc", r => new Id(r.GetString("VpcId")),
                (c, input) => [Query(c, "ec2:DeleteVpc", Arn(c, "vpc/" + input.Value))],
                (c, input) =>
                {
                    ec2.DeleteVpc(Account(c), c.Region, input.Value);
                    return Output(w => w.Bool("return", true));
                }),
            Define("CreateSubnet", r => new CreateSubnetInput(r.GetString("VpcId"), r.GetString("CidrBlock"), r.GetString("AvailabilityZone"), Tags(r, "subnet")),
                (c, input) => [Query(c, "ec2:CreateSubnet", Arn(c, "subnet/*")), Query(c, "ec2:CreateSubnet", Arn(c, "vpc/" + input.VpcId))],
                (c, input) =>
                {
                    var subnet = ec2.CreateSubnet(Account(c), c.Region, input);
                    return Output(w => w.Structure("subnet", x => Subnet(x, subnet)));
                }),
            Define("DescribeSubnets", r => new Describe(r.GetStringList("SubnetIds", "SubnetId") ?? [], Filters(r)),
                (c, _) => [Query(c, "ec2:DescribeSubnets", "*")],
                (c, input) =>
                {
                    var subnets = ec2.DescribeSubnets(Account(c), c.Region, input.Ids, input.Filters);
                    return Output(w => w.List("subnetSet", "item", subnets, Subnet, emitEmpty: true));
                }),
            Define("DeleteSubnet", r => new Id(r.GetString("SubnetId")),
                (c, input) => [Query(c, "ec2:DeleteSubnet", Arn(c, "subnet/" + input.Value))],
                (c, input) =>
                {
                    ec2.DeleteSubnet(Account(c), c.Region, input.Value);
                    return Output(w => w.Bool("return", true));
                }),
            Define("CreateVpcEndpoint", r => new CreateVpcEndpointInput(
                    r.GetString("VpcId"), r.GetString("ServiceName"), r.GetString("VpcEndpointType"), r.GetString("PolicyDocument"),
                    r.GetStringList("SubnetIds", "SubnetId") ?? [], r.GetBool("PrivateDnsEnabled"), Tags(r, "vpc-endpoint")),
                (c, input) => [
                    Query(c, "ec2:CreateVpcEndpoint", Arn(c, "vpc-endpoint/*")),
                    Query(c, "ec2:CreateVpcEndpoint", Arn(c, "vpc/" + input.VpcId)),
                    .. input.SubnetIds.Select(s => Query(c, "ec2:CreateVpcEndpoint", Arn(c, "subnet/" + s))),
                ],
                async (c, input) =>
                {
                    var endpoint = await ec2.CreateVpcEndpointAsync(Account(c), c.Region, input, c.Aborted);
                    return w => w.Structure("vpcEndpoint", x => Endpoint(x, endpoint));
                }),
            Define("ModifyVpcEndpoint", r => new ModifyVpcEndpointInput(
                    r.GetString("VpcEndpointId"), r.GetString("PolicyDocument"), r.GetBool("ResetPolicy") ?? false,
                    r.GetStringList("AddSubnetIds", "AddSubnetId") ?? [], r.GetStringList("RemoveSubnetIds", "RemoveSubnetId") ?? [],
                    r.GetBool("PrivateDnsEnabled")),
                (c, input) => [Query(c, "ec2:ModifyVpcEndpoint", Arn(c, "vpc-endpoint/" + input.VpcEndpointId))],
                (c, input) =>
                {
                    ec2.ModifyVpcEndpoint(Account(c), c.Region, input);
                    return Output(w => w.Bool("return", true));
                }),
            Define("DescribeVpcEndpoints", r => new Describe(r.GetStringList("VpcEndpointIds", "VpcEndpointId") ?? [], Filters(r)),
                (c, _) => [Query(c, "ec2:DescribeVpcEndpoints", "*")],
                (c, input) =>
                {
                    var endpoints = ec2.DescribeVpcEndpoints(Account(c), c.Region, input.Ids, input.Filters);
                    return Output(w => w.List("vpcEndpointSet", "item", endpoints, Endpoint, emitEmpty: true));
                }),
            Define("DeleteVpcEndpoints", r => new Describe(r.GetStringList("VpcEndpointIds", "VpcEndpointId") ?? [], []),
                (c, input) => input.Ids.Select(id => Query(c, "ec2:DeleteVpcEndpoints", Arn(c, "vpc-endpoint/" + id))),
                async (c, input) =>
                {
                    var failed = await ec2.DeleteVpcEndpointsAsync(Account(c), c.Region, input.Ids);
                    return w => w.List("unsuccessful", "item", failed, (x, f) =>
                    {
                        x.Structure("error", e =>
                        {
                            e.String("code", f.Code);
                            e.String("message", f.Message);
                        });
                        x.String("resourceId", f.ResourceId);
                    }, emitEmpty: true);
                }),
            Define("DescribeVpcEndpointServices", r => new Describe(r.GetStringList("ServiceNames", "ServiceName") ?? [], Filters(r)),
                (c, _) => [Query(c, "ec2:DescribeVpcEndpointServices", "*")],
                (c, input) =>
                {
                    var services = Ec2Service.ServicesOf(c.Region);
                    var unknown = input.Ids.FirstOrDefault(n => services.All(s => s.ServiceName != n));
                    if (unknown is not null)
                    {
                        throw new AwsErrorException(Ec2Errors.InvalidServiceName(unknown));
                    }

                    var chosen = services.Where(s => input.Ids.Count == 0 || input.Ids.Contains(s.ServiceName))
                        .Where(s => input.Filters.All(f => f.Name switch
                        {
                            "service-name" => f.Values.Contains(s.ServiceName),
                            "service-type" => f.Values.Contains("Interface"),
                            "owner" => f.Values.Contains("amazon"),
                            _ => throw new AwsErrorException(Ec2Errors.InvalidFilter(f.Name)),
                        })).ToList();
                    return Output(w =>
                    {
                        w.StringList("serviceNameSet", "item", [.. chosen.Select(s => s.ServiceName)], emitEmpty: true);
                        w.List("serviceDetailSet", "item", chosen, ServiceDetail, emitEmpty: true);
                    });
                }),
        }.ToDictionary(a => a.Name, StringComparer.Ordinal),
    };

    private sealed record Id(string? Value);

    private sealed record Describe(IReadOnlyList<string> Ids, IReadOnlyList<Ec2Filter> Filters);

    /// <summary>An action whose handler first honours <c>DryRun</c>: authorization has passed, nothing is done.</summary>
    private static ActionSpec Define<TRequest>(
        string name,
        Func<IRequestReader, TRequest> decode,
        Func<ActionContext, TRequest, IEnumerable<AuthorizationQuery>> authorize,
        Func<ActionContext, TRequest, Task<Action<IResponseWriter>?>> handle)
        where TRequest : notnull =>
        ActionSpec.Define<(TRequest Request, bool DryRun)>(name, ["ec2:" + name],
            r => (decode(r), r.GetBool("DryRun") ?? false),
            (c, r) => authorize(c, r.Request),
            (c, r) => r.DryRun ? throw new AwsErrorException(Ec2Errors.DryRunOperation()) : handle(c, r.Request)) with
        {
            Denied = (_, _, _, decision) => Ec2Errors.UnauthorizedOperation(decision.Message ?? ""),
        };

    private static string Account(ActionContext c) => c.Caller.AccountId;

    private static string Arn(ActionContext c, string resource) => $"arn:aws:ec2:{c.Region}:{c.Caller.AccountId}:{resource}";

    private static AuthorizationQuery Query(ActionContext c, string action, string resource) => c.Query(action, resource, c.Caller.AccountId);

    private static Task<Action<IResponseWriter>?> Output(Action<IResponseWriter> write) => Task.FromResult<Action<IResponseWriter>?>(write);

    /// <summary>Tags from <c>TagSpecification.N</c> entries for the resource type being created.</summary>
    private static IReadOnlyList<Ec2Tag> Tags(IRequestReader r, string resourceType) =>
        [.. (r.GetList("TagSpecifications", "TagSpecification") ?? [])
            .Where(s => s.GetString("ResourceType") == resourceType)
            .SelectMany(s => s.GetList("Tags", "Tag") ?? [])
            .Select(t => new Ec2Tag(t.GetString("Key") ?? "", t.GetString("Value") ?? ""))];

    private static IReadOnlyList<Ec2Filter> Filters(IRequestReader r) =>
        [.. (r.GetList("Filters", "Filter") ?? []).Select(f => new Ec2Filter(f.GetString("Name") ?? "", f.GetStringList("Values", "Value") ?? []))];

    private static void TagSet(IResponseWriter w, IReadOnlyList<Ec2Tag> tags) =>
        w.List("tagSet", "item", tags, (x, t) =>
        {
            x.String("key", t.Key);
            x.String("value", t.Value);
        });

    private static void Vpc(IResponseWriter w, VpcRecord v)
    {
        w.String("vpcId", v.VpcId);
        w.String("ownerId", v.OwnerId);
        w.String("state", "available");
        w.String("cidrBlock", v.CidrBlock);
        w.List("cidrBlockAssociationSet", "item", [v], (x, a) =>
        {
            x.String("cidrBlock", a.CidrBlock);
            x.String("associationId", a.CidrAssociationId);
            x.Structure("cidrBlockState", s => s.String("state", "associated"));
        });
        w.String("dhcpOptionsId", "default");
        w.String("instanceTenancy", v.InstanceTenancy);
        w.Bool("isDefault", false);
        TagSet(w, v.Tags);
    }

    private static void Subnet(IResponseWriter w, SubnetRecord s)
    {
        var prefix = int.Parse(s.CidrBlock[(s.CidrBlock.IndexOf('/', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        w.String("subnetId", s.SubnetId);
        w.String("subnetArn", $"arn:aws:ec2:{s.Region}:{s.OwnerId}:subnet/{s.SubnetId}");
        w.String("state", "available");
        w.String("ownerId", s.OwnerId);
        w.String("vpcId", s.VpcId);
        w.String("cidrBlock", s.CidrBlock);
        // VPC user guide, "Subnet CIDR blocks": AWS reserves five addresses of each subnet.
        w.Number("availableIpAddressCount", (1L << (32 - prefix)) - 5);
        w.String("availabilityZone", s.AvailabilityZone);
        w.Bool("defaultForAz", false);
        w.Bool("mapPublicIpOnLaunch", false);
        w.Bool("assignIpv6AddressOnCreation", false);
        TagSet(w, s.Tags);
    }

    private static void Endpoint(IResponseWriter w, VpcEndpointRecord e)
    {
        w.String("vpcEndpointId", e.VpcEndpointId);
        w.String("vpcEndpointType", "Interface");
        w.String("vpcId", e.VpcId);
        w.String("serviceName", e.ServiceName);
        w.String("state", "available");
        w.String("policyDocument", e.PolicyDocument);
        w.StringList("routeTableIdSet", "item", [], emitEmpty: true);
        w.StringList("subnetIdSet", "item", e.SubnetIds, emitEmpty: true);
        w.List("groupSet", "item", Array.Empty<string>(), (_, _) => { }, emitEmpty: true);
        w.String("ipAddressType", "ipv4");
        w.Structure("dnsOptions", d => d.String("dnsRecordIpType", "ipv4"));
        w.Bool("privateDnsEnabled", e.PrivateDnsEnabled);
        w.Bool("requesterManaged", false);
        w.StringList("networkInterfaceIdSet", "item", [], emitEmpty: true);
        // DnsEntries[0] is what a client puts in its endpoint URL (http:// or https:// + DnsName): a loopback
        // address with the endpoint's own port, reachable without DNS set-up (docs/vpc-endpoints.md).
        w.List("dnsEntrySet", "item", [e.DnsName, e.LocalhostDnsName], (x, name) =>
        {
            x.String("dnsName", name);
            x.String("hostedZoneId", "ZGATEHOUSELOCAL");
        }, emitEmpty: true);
        w.String("creationTimestamp", e.CreationTimestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        TagSet(w, e.Tags);
        w.String("ownerId", e.OwnerId);
    }

    private static void ServiceDetail(IResponseWriter w, EndpointServiceInfo s)
    {
        w.String("serviceName", s.ServiceName);
        w.String("serviceId", "vpce-svc-" + s.Service);
        w.List("serviceType", "item", [s], (x, _) => x.String("serviceType", "Interface"));
        w.StringList("availabilityZoneSet", "item", [.. "abcdef".Select(c => s.Region + c)]);
        w.String("owner", "amazon");
        w.StringList("baseEndpointDnsNameSet", "item", [$"{s.Service}.{s.Region}.vpce.amazonaws.com"]);
        w.String("privateDnsName", $"{s.Service}.{s.Region}.amazonaws.com");
        w.Bool("vpcEndpointPolicySupported", true);
        w.Bool("acceptanceRequired", false);
        w.Bool("managesVpcEndpoints", false);
        w.StringList("supportedIpAddressTypeSet", "item", ["ipv4"]);
    }
}
