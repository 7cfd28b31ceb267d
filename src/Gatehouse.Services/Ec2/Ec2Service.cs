using System.IO.Enumeration;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Gatehouse.Policy;
using Gatehouse.Protocol;
using Gatehouse.Services.Authorization;

namespace Gatehouse.Services.Ec2;

/// <summary>
/// VPCs, subnets and interface VPC endpoints (EC2 API reference: CreateVpc, CreateSubnet, CreateVpcEndpoint, …),
/// per account and region, kept in an <see cref="IEc2Store"/>. Each endpoint is a real entry point opened through
/// <see cref="IVpcEndpointNetwork"/>; requests that arrive through it are authorized with its policy
/// (<see cref="Find"/>, docs/vpc-endpoints.md).
/// </summary>
public sealed class Ec2Service : IVpcEndpointPolicySource, IDisposable
{
    /// <summary>The endpoint policy attached when none is given: full access (AWS PrivateLink guide, "Control access
    /// to VPC endpoints using endpoint policies", default endpoint policy). Rendered as EC2 returns policies.</summary>
    public const string DefaultEndpointPolicy =
        "{\n  \"Statement\": [\n    {\n      \"Action\": \"*\",\n      \"Effect\": \"Allow\",\n      \"Principal\": \"*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}";

    /// <summary>The services whose interface endpoints this server can be reached through.</summary>
    public static readonly IReadOnlyList<string> EndpointServices = ["sqs", "sts"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, VpcRecord> _vpcs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SubnetRecord> _subnets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VpcEndpointRecord> _endpoints = new(StringComparer.Ordinal);
    private readonly IEc2Store _store;
    private readonly TimeProvider _time;

    public Ec2Service(IEc2Store store, TimeProvider time)
    {
        _store = store;
        _time = time;
        foreach (var row in store.LoadAll())
        {
            Apply(row.Kind, row.Id, row.Json);
        }

        store.ChangedElsewhere += OnChangedElsewhere;
    }

    private void Apply(string kind, string id, string json)
    {
        switch (kind)
        {
            case "vpc":
                _vpcs[id] = JsonSerializer.Deserialize<VpcRecord>(json, Json)!;
                break;
            case "subnet":
                _subnets[id] = JsonSerializer.Deserialize<SubnetRecord>(json, Json)!;
                break;
            case "vpc-endpoint":
                _endpoints[id] = JsonSerializer.Deserialize<VpcEndpointRecord>(json, Json)!;
                break;
        }
    }

    /// <summary>Another node changed a VPC, subnet or endpoint in the shared store: its policy is in force here at
    /// once. (An endpoint's entry point is a listener of the node that created it; docs/postgres.md.)</summary>
    private void OnChangedElsewhere(Ec2Change change)
    {
        lock (_gate)
        {
            if (change.Json is { } json)
            {
                Apply(change.Kind, change.Id, json);
                return;
            }

            _ = change.Kind switch
            {
                "vpc" => _vpcs.Remove(change.Id),
                "subnet" => _subnets.Remove(change.Id),
                "vpc-endpoint" => _endpoints.Remove(change.Id),
                _ => false,
            };
        }
    }

    public string StoreDescription => _store.Description;

    /// <summary>Opens and closes the endpoints' entry points; set once the request pipeline exists.</summary>
    public IVpcEndpointNetwork? Network { get; set; }

    /// <summary>Reopens every stored endpoint's entry point (after a restart), on its old port when it is free.</summary>
    public async Task RestoreAsync(CancellationToken ct = default)
    {
        var network = Network ?? throw new InvalidOperationException("No endpoint network is attached.");
        VpcEndpointRecord[] endpoints;
        lock (_gate)
        {
            endpoints = [.. _endpoints.Values];
        }

        foreach (var endpoint in endpoints)
        {
            var port = await network.OpenAsync(endpoint, endpoint.Port, ct);
            if (port != endpoint.Port)
            {
                lock (_gate)
                {
                    if (_endpoints.ContainsKey(endpoint.VpcEndpointId))
                    {
                        Save(endpoint with { Port = port });
                    }
                }
            }
        }
    }

    /// <summary>The endpoint a request arrived through, for its policy and condition keys; null once it was deleted.</summary>
    public VpcEndpointPolicyInfo? Find(string vpcEndpointId)
    {
        lock (_gate)
        {
            return _endpoints.TryGetValue(vpcEndpointId, out var e) ? new VpcEndpointPolicyInfo(e.VpcEndpointId, e.VpcId, e.OwnerId, e.PolicyDocument) : null;
        }
    }

    public VpcEndpointRecord? Endpoint(string vpcEndpointId)
    {
        lock (_gate)
        {
            return _endpoints.GetValueOrDefault(vpcEndpointId);
        }
    }

    // ---- VPCs ----

    public VpcRecord CreateVpc(string account, string region, CreateVpcInput input)
    {
        var cidr = input.CidrBlock ?? throw new AwsErrorException(Ec2Errors.MissingParameter("cidrBlock"));
        var (_, prefix) = ParseCidr(cidr, "cidrBlock");
        if (prefix is < 16 or > 28)
        {
            // VPC user guide, "VPC CIDR blocks": an IPv4 block is between /16 and /28.
            throw new AwsErrorException(Ec2Errors.InvalidVpcRange(cidr));
        }

        var tenancy = input.InstanceTenancy ?? "default";
        if (tenancy is not ("default" or "dedicated"))
        {
            throw new AwsErrorException(Ec2Errors.InvalidParameterValue($"Value ({tenancy}) for parameter instanceTenancy is invalid."));
        }

        var vpc = new VpcRecord(NewId("vpc"), account, region, Canonical(cidr), NewId("vpc-cidr-assoc"), tenancy, input.Tags);
        lock (_gate)
        {
            Save(vpc);
        }

        return vpc;
    }

    public IReadOnlyList<VpcRecord> DescribeVpcs(string account, string region, IReadOnlyList<string> ids, IReadOnlyList<Ec2Filter> filters)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (!Owned(_vpcs, id, account, region))
                {
                    throw new AwsErrorException(Ec2Errors.InvalidVpcIdNotFound(id));
                }
            }

            return [.. _vpcs.Values
                .Where(v => v.OwnerId == account && v.Region == region && (ids.Count == 0 || ids.Contains(v.VpcId)))
                .Where(v => Matches(filters, v.Tags, name => name switch
                {
                    "vpc-id" => [v.VpcId],
                    "cidr" or "cidr-block-association.cidr-block" => [v.CidrBlock],
                    "cidr-block-association.association-id" => [v.CidrAssociationId],
                    "state" => ["available"],
                    "is-default" => ["false"],
                    "owner-id" => [v.OwnerId],
                    "dhcp-options-id" => ["default"],
                    _ => null,
                }))
                .OrderBy(v => v.VpcId, StringComparer.Ordinal)];
        }
    }

    public void DeleteVpc(string account, string region, string? vpcId)
    {
        var id = vpcId ?? throw new AwsErrorException(Ec2Errors.MissingParameter("vpcId"));
        lock (_gate)
        {
            if (!Owned(_vpcs, id, account, region))
            {
                throw new AwsErrorException(Ec2Errors.InvalidVpcIdNotFound(id));
            }

            if (_subnets.Values.Any(s => s.VpcId == id) || _endpoints.Values.Any(e => e.VpcId == id))
            {
                throw new AwsErrorException(Ec2Errors.DependencyViolation("vpc", id));
            }

            _vpcs.Remove(id);
            _store.Delete("vpc", id);
        }
    }

    // ---- Subnets ----

    public SubnetRecord CreateSubnet(string account, string region, CreateSubnetInput input)
    {
        var vpcId = input.VpcId ?? throw new AwsErrorException(Ec2Errors.MissingParameter("vpcId"));
        var cidr = input.CidrBlock ?? throw new AwsErrorException(Ec2Errors.MissingParameter("cidrBlock"));
        var (network, prefix) = ParseCidr(cidr, "cidrBlock");
        var zone = input.AvailabilityZone ?? region + "a";
        if (zone.Length != region.Length + 1 || !zone.StartsWith(region, StringComparison.Ordinal) || zone[^1] is < 'a' or > 'f')
        {
            throw new AwsErrorException(Ec2Errors.InvalidParameterValue($"Value ({zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {string.Join(", ", "abcdef".Select(c => region + c))}."));
        }

        lock (_gate)
        {
            if (!_vpcs.TryGetValue(vpcId, out var vpc) || vpc.OwnerId != account || vpc.Region != region)
            {
                throw new AwsErrorException(Ec2Errors.InvalidVpcIdNotFound(vpcId));
            }

            var (vpcNetwork, vpcPrefix) = ParseCidr(vpc.CidrBlock, "cidrBlock");
            if (prefix is < 16 or > 28 || prefix < vpcPrefix || !Contains(vpcNetwork, vpcPrefix, network))
            {
                throw new AwsErrorException(Ec2Errors.InvalidSubnetRange(cidr));
            }

            foreach (var other in _subnets.Values.Where(s => s.VpcId == vpcId))
            {
                var (otherNetwork, otherPrefix) = ParseCidr(other.CidrBlock, "cidrBlock");
                if (Contains(otherNetwork, otherPrefix, network) || Contains(network, prefix, otherNetwork))
                {
                    throw new AwsErrorException(Ec2Errors.InvalidSubnetConflict(cidr));
                }
            }

            var subnet = new SubnetRecord(NewId("subnet"), vpcId, account, region, Canonical(cidr), zone, input.Tags);
            Save(subnet);
            return subnet;
        }
    }

    public IReadOnlyList<SubnetRecord> DescribeSubnets(string account, string region, IReadOnlyList<string> ids, IReadOnlyList<Ec2Filter> filters)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (!Owned(_subnets, id, account, region))
                {
                    throw new AwsErrorException(Ec2Errors.InvalidSubnetIdNotFound(id));
                }
            }

            return [.. _subnets.Values
                .Where(s => s.OwnerId == account && s.Region == region && (ids.Count == 0 || ids.Contains(s.SubnetId)))
                .Where(s => Matches(filters, s.Tags, name => name switch
                {
                    "subnet-id" => [s.SubnetId],
                    "vpc-id" => [s.VpcId],
                    "cidr" or "cidr-block" or "cidrBlock" => [s.CidrBlock],
                    "availability-zone" or "availabilityZone" => [s.AvailabilityZone],
                    "state" => ["available"],
                    "owner-id" => [s.OwnerId],
                    "default-for-az" or "defaultForAz" => ["false"],
                    _ => null,
                }))
                .OrderBy(s => s.SubnetId, StringComparer.Ordinal)];
        }
    }

    public void DeleteSubnet(string account, string region, string? subnetId)
    {
        var id = subnetId ?? throw new AwsErrorException(Ec2Errors.MissingParameter("subnetId"));
        lock (_gate)
        {
            if (!Owned(_subnets, id, account, region))
            {
                throw new AwsErrorException(Ec2Errors.InvalidSubnetIdNotFound(id));
            }

            if (_endpoints.Values.Any(e => e.SubnetIds.Contains(id)))
            {
                // An interface endpoint has a network interface in each of its subnets.
                throw new AwsErrorException(Ec2Errors.DependencyViolation("subnet", id));
            }

            _subnets.Remove(id);
            _store.Delete("subnet", id);
        }
    }

    // ---- VPC endpoints ----

    /// <summary>The interface endpoint services of a region (<c>com.amazonaws.REGION.sqs</c>, …).</summary>
    public static IReadOnlyList<EndpointServiceInfo> ServicesOf(string region) =>
        [.. EndpointServices.Select(s => new EndpointServiceInfo($"com.amazonaws.{region}.{s}", s, region))];

    public async Task<VpcEndpointRecord> CreateVpcEndpointAsync(string account, string region, CreateVpcEndpointInput input, CancellationToken ct = default)
    {
        var vpcId = input.VpcId ?? throw new AwsErrorException(Ec2Errors.MissingParameter("VpcId"));
        var serviceName = input.ServiceName ?? throw new AwsErrorException(Ec2Errors.MissingParameter("ServiceName"));
        var service = ServicesOf(region).FirstOrDefault(s => s.ServiceName == serviceName)
            ?? throw new AwsErrorException(Ec2Errors.InvalidServiceName(serviceName));
        // CreateVpcEndpoint reference: VpcEndpointType defaults to Gateway; these services offer Interface only.
        var type = input.VpcEndpointType ?? "Gateway";
        if (type != "Interface")
        {
            throw new AwsErrorException(Ec2Errors.InvalidParameter($"Endpoint type ({type}) does not match available service types ([Interface])."));
        }

        var policy = input.PolicyDocument is { } given ? ValidPolicy(given) : DefaultEndpointPolicy;
        var network = Network ?? throw new InvalidOperationException("No endpoint network is attached.");
        VpcEndpointRecord endpoint;
        lock (_gate)
        {
            if (!Owned(_vpcs, vpcId, account, region))
            {
                throw new AwsErrorException(Ec2Errors.InvalidVpcIdNotFound(vpcId));
            }

            CheckSubnets(account, region, vpcId, input.SubnetIds);
            endpoint = new VpcEndpointRecord(NewId("vpce"), account, region, vpcId, serviceName, service.Service, policy,
                [.. input.SubnetIds.Distinct(StringComparer.Ordinal)], input.PrivateDnsEnabled ?? true, _time.GetUtcNow(), 0, input.Tags);
        }

        var port = await network.OpenAsync(endpoint, 0, ct);
        endpoint = endpoint with { Port = port };
        lock (_gate)
        {
            Save(endpoint);
        }

        return endpoint;
    }

    public VpcEndpointRecord ModifyVpcEndpoint(string account, string region, ModifyVpcEndpointInput input)
    {
        var id = input.VpcEndpointId ?? throw new AwsErrorException(Ec2Errors.MissingParameter("VpcEndpointId"));
        if (input.ResetPolicy && input.PolicyDocument is not null)
        {
            throw new AwsErrorException(Ec2Errors.InvalidParameter("PolicyDocument and ResetPolicy cannot both be specified."));
        }

        var policy = input.PolicyDocument is { } given ? ValidPolicy(given) : null;
        lock (_gate)
        {
            if (!Owned(_endpoints, id, account, region))
            {
                throw new AwsErrorException(Ec2Errors.InvalidVpcEndpointIdNotFound(id));
            }

            var endpoint = _endpoints[id];
            CheckSubnets(account, region, endpoint.VpcId, input.AddSubnetIds);
            var subnets = endpoint.SubnetIds.Concat(input.AddSubnetIds).Except(input.RemoveSubnetIds).Distinct(StringComparer.Ordinal).ToList();
            endpoint = endpoint with
            {
                PolicyDocument = input.ResetPolicy ? DefaultEndpointPolicy : policy ?? endpoint.PolicyDocument,
                SubnetIds = subnets,
                PrivateDnsEnabled = input.PrivateDnsEnabled ?? endpoint.PrivateDnsEnabled,
            };
            Save(endpoint);
            return endpoint;
        }
    }

    public IReadOnlyList<VpcEndpointRecord> DescribeVpcEndpoints(string account, string region, IReadOnlyList<string> ids, IReadOnlyList<Ec2Filter> filters)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (!Owned(_endpoints, id, account, region))
                {
                    throw new AwsErrorException(Ec2Errors.InvalidVpcEndpointIdNotFound(id));
                }
            }

            return [.. _endpoints.Values
                .Where(e => e.OwnerId == account && e.Region == region && (ids.Count == 0 || ids.Contains(e.VpcEndpointId)))
                .Where(e => Matches(filters, e.Tags, name => name switch
                {
                    "service-name" => [e.ServiceName],
                    "vpc-id" => [e.VpcId],
                    "vpc-endpoint-id" => [e.VpcEndpointId],
                    "vpc-endpoint-state" => ["available"],
                    "vpc-endpoint-type" => ["Interface"],
                    "ip-address-type" => ["ipv4"],
                    _ => null,
                }))
                .OrderBy(e => e.CreationTimestamp).ThenBy(e => e.VpcEndpointId, StringComparer.Ordinal)];
        }
    }

    /// <summary>Deletes what it can; each id it cannot delete is reported, not thrown (DeleteVpcEndpoints reference).</summary>
    public async Task<IReadOnlyList<Ec2UnsuccessfulItem>> DeleteVpcEndpointsAsync(string account, string region, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            throw new AwsErrorException(Ec2Errors.MissingParameter("VpcEndpointId"));
        }

        var failed = new List<Ec2UnsuccessfulItem>();
        var closed = new List<string>();
        lock (_gate)
        {
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                if (!id.StartsWith("vpce-", StringComparison.Ordinal))
                {
                    var e = Ec2Errors.InvalidVpcEndpointIdMalformed(id);
                    failed.Add(new Ec2UnsuccessfulItem(id, e.QueryCode, e.Message));
                }
                else if (!Owned(_endpoints, id, account, region))
                {
                    var e = Ec2Errors.InvalidVpcEndpointIdNotFound(id);
                    failed.Add(new Ec2UnsuccessfulItem(id, e.QueryCode, e.Message));
                }
                else
                {
                    _endpoints.Remove(id);
                    _store.Delete("vpc-endpoint", id);
                    closed.Add(id);
                }
            }
        }

        if (Network is { } network)
        {
            foreach (var id in closed)
            {
                await network.CloseAsync(id);
            }
        }

        return failed;
    }

    // ---- World file ----

    /// <summary>Declares a VPC with a given id (world file); an existing one is kept.</summary>
    public VpcRecord EnsureVpc(string account, string region, string vpcId, string cidr)
    {
        lock (_gate)
        {
            if (_vpcs.TryGetValue(vpcId, out var existing))
            {
                return existing;
            }

            ParseCidr(cidr, "cidrBlock");
            var vpc = new VpcRecord(vpcId, account, region, Canonical(cidr), NewId("vpc-cidr-assoc"), "default", []);
            Save(vpc);
            return vpc;
        }
    }

    /// <summary>Declares an interface endpoint with a given id and policy (world file); an existing one gets the
    /// declared policy. Its entry point opens with <see cref="RestoreAsync"/>.</summary>
    public VpcEndpointRecord EnsureVpcEndpoint(string account, string region, string vpcEndpointId, string vpcId, string service, string? policy)
    {
        var document = policy is null ? DefaultEndpointPolicy : ValidPolicy(policy);
        lock (_gate)
        {
            if (!Owned(_vpcs, vpcId, account, region))
            {
                throw new AwsErrorException(Ec2Errors.InvalidVpcIdNotFound(vpcId));
            }

            var endpoint = _endpoints.TryGetValue(vpcEndpointId, out var existing)
                ? existing with { PolicyDocument = document }
                : new VpcEndpointRecord(vpcEndpointId, account, region, vpcId, $"com.amazonaws.{region}.{service}", service, document, [], true, _time.GetUtcNow(), 0, []);
            Save(endpoint);
            return endpoint;
        }
    }

    public void Dispose() => _store.Dispose();

    // ---- helpers ----

    private void CheckSubnets(string account, string region, string vpcId, IReadOnlyList<string> subnetIds)
    {
        foreach (var subnetId in subnetIds)
        {
            if (!_subnets.TryGetValue(subnetId, out var subnet) || subnet.OwnerId != account || subnet.Region != region)
            {
                throw new AwsErrorException(Ec2Errors.InvalidSubnetIdNotFound(subnetId));
            }

            if (subnet.VpcId != vpcId)
            {
                throw new AwsErrorException(Ec2Errors.InvalidParameter($"The subnet ID '{subnetId}' is not in VPC '{vpcId}'."));
            }
        }
    }

    /// <summary>An endpoint policy must parse as one (it must name a Principal; at most 20,480 characters: AWS
    /// PrivateLink guide, "Considerations").</summary>
    private static string ValidPolicy(string json)
    {
        var parsed = PolicyDocument.Parse(json, PolicyKind.VpcEndpointPolicy);
        if (!parsed.IsValid)
        {
            throw new AwsErrorException(Ec2Errors.MalformedPolicy("Invalid policy document: " + string.Join("; ", parsed.Problems.Select(p => p.Detail))));
        }

        return json;
    }

    private void Save(VpcRecord vpc)
    {
        _vpcs[vpc.VpcId] = vpc;
        _store.Put("vpc", vpc.VpcId, JsonSerializer.Serialize(vpc, Json));
    }

    private void Save(SubnetRecord subnet)
    {
        _subnets[subnet.SubnetId] = subnet;
        _store.Put("subnet", subnet.SubnetId, JsonSerializer.Serialize(subnet, Json));
    }

    private void Save(VpcEndpointRecord endpoint)
    {
        _endpoints[endpoint.VpcEndpointId] = endpoint;
        _store.Put("vpc-endpoint", endpoint.VpcEndpointId, JsonSerializer.Serialize(endpoint, Json));
    }

    private static bool Owned<T>(Dictionary<string, T> map, string id, string account, string region) =>
        map.TryGetValue(id, out var v) && v switch
        {
            VpcRecord x => x.OwnerId == account && x.Region == region,
            SubnetRecord x => x.OwnerId == account && x.Region == region,
            VpcEndpointRecord x => x.OwnerId == account && x.Region == region,
            _ => false,
        };

    /// <summary>EC2 filters: every filter must match (AND); any of a filter's values may (OR); <c>*</c> and <c>?</c>
    /// are wildcards; <c>tag:KEY</c> matches the tag's value, <c>tag-key</c> a key (EC2 API reference, "Filter").</summary>
    private static bool Matches(IReadOnlyList<Ec2Filter> filters, IReadOnlyList<Ec2Tag> tags, Func<string, string[]?> field)
    {
        foreach (var filter in filters)
        {
            var values = filter.Name.StartsWith("tag:", StringComparison.Ordinal)
                ? tags.Where(t => t.Key == filter.Name[4..]).Select(t => t.Value).ToArray()
                : filter.Name == "tag-key"
                    ? tags.Select(t => t.Key).ToArray()
                    : field(filter.Name) ?? throw new AwsErrorException(Ec2Errors.InvalidFilter(filter.Name));
            if (!filter.Values.Any(pattern => values.Any(v => FileSystemName.MatchesSimpleExpression(pattern, v, ignoreCase: false))))
            {
                return false;
            }
        }

        return true;
    }

    private static string NewId(string prefix) => prefix + "-" + RandomNumberGenerator.GetHexString(17, lowercase: true);

    private static (uint Network, int Prefix) ParseCidr(string cidr, string parameter)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IPAddress.TryParse(cidr[..slash], out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && cidr[..slash].Count(c => c == '.') == 3
            && int.TryParse(cidr[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix) && prefix is >= 0 and <= 32)
        {
            var bytes = address.GetAddressBytes();
            var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
            return (value & Mask(prefix), prefix);
        }

        throw new AwsErrorException(Ec2Errors.InvalidParameterValue($"Value ({cidr}) for parameter {parameter} is invalid. This is not a valid CIDR block."));
    }

    private static uint Mask(int prefix) => prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);

    private static bool Contains(uint network, int prefix, uint address) => (address & Mask(prefix)) == network;

    /// <summary>The block with its host bits cleared, as EC2 stores it.</summary>
    private static string Canonical(string cidr)
    {
        var (network, prefix) = ParseCidr(cidr, "cidrBlock");
        return $"{network >> 24}.{(network >> 16) & 255}.{(network >> 8) & 255}.{network & 255}/{prefix}";
    }
}
