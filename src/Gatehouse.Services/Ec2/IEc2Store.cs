using System.Collections.Concurrent;

namespace Gatehouse.Services.Ec2;

/// <summary>A stored EC2 object: its kind (<c>vpc</c>, <c>subnet</c>, <c>vpc-endpoint</c>), id and JSON.</summary>
public sealed record Ec2Row(string Kind, string Id, string Json);

/// <summary>Where VPCs, subnets and VPC endpoints are kept (SQLite: <c>ec2.db</c> in the data directory).</summary>
public interface IEc2Store : IDisposable
{
    string Description { get; }

    IReadOnlyList<Ec2Row> LoadAll();

    void Put(string kind, string id, string json);

    void Delete(string kind, string id);

    /// <summary>Raised when another Gatehouse node sharing the store changed a row (endpoint policies are
    /// authorization inputs, so each node's cache follows). A store only this process writes never raises it.</summary>
    event Action<Ec2Change>? ChangedElsewhere
    {
        add { }
        remove { }
    }
}

/// <summary>One row changed by another node: its new JSON, or null when it was deleted.</summary>
public sealed record Ec2Change(string Kind, string Id, string? Json);

/// <summary>The store for <c>--in-memory</c>: nothing survives a restart.</summary>
public sealed class InMemoryEc2Store : IEc2Store
{
    private readonly ConcurrentDictionary<(string Kind, string Id), string> _rows = new();

    public string Description => "memory";

    public IReadOnlyList<Ec2Row> LoadAll() => [.. _rows.Select(r => new Ec2Row(r.Key.Kind, r.Key.Id, r.Value))];

    public void Put(string kind, string id, string json) => _rows[(kind, id)] = json;

    public void Delete(string kind, string id) => _rows.TryRemove((kind, id), out _);

    public void Dispose()
    {
    }
}

/// <summary>
/// The network side of VPC endpoints: each endpoint is a real entry point (a loopback listener) that hands its
/// requests to the one request pipeline marked with the endpoint (docs/vpc-endpoints.md).
/// </summary>
public interface IVpcEndpointNetwork
{
    /// <summary>Opens the endpoint's entry point, on <paramref name="preferredPort"/> when it is free (0: any);
    /// returns the port it listens on.</summary>
    Task<int> OpenAsync(VpcEndpointRecord endpoint, int preferredPort, CancellationToken ct = default);

    /// <summary>Closes the endpoint's entry point; requests in flight finish.</summary>
    Task CloseAsync(string vpcEndpointId);
}
