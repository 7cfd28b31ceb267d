using System.Text.Json;
using Gatehouse.Protocol;
using Gatehouse.Services.Ec2;

namespace Gatehouse.Server.World;

/// <summary>
/// The world file's <c>vpcs</c>: VPCs and their interface endpoints with their policies (docs/vpc-endpoints.md,
/// "World file"). Declared ids are kept; an endpoint's entry point opens when the server starts.
/// </summary>
internal static class WorldVpcs
{
    /// <returns>How many endpoints the file declares.</returns>
    public static async Task<int> ApplyFileAsync(string file, Ec2Service ec2, GatehouseOptions options, CancellationToken ct = default)
    {
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file, ct), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!doc.RootElement.TryGetProperty("vpcs", out var vpcs))
        {
            return 0;
        }

        var problems = new List<string>();
        var endpoints = 0;
        if (vpcs.ValueKind != JsonValueKind.Array)
        {
            throw new WorldFileException(file, ["$.vpcs: must be an array"]);
        }

        var i = 0;
        foreach (var vpc in vpcs.EnumerateArray())
        {
            var path = $"$.vpcs[{i++}]";
            try
            {
                var account = Text(vpc, "account") ?? options.AccountId;
                var region = Text(vpc, "region") ?? options.DefaultRegion;
                var vpcId = Text(vpc, "id") ?? throw new FormatException("id is required");
                if (!vpcId.StartsWith("vpc-", StringComparison.Ordinal))
                {
                    throw new FormatException("id must start with vpc-");
                }

                ec2.EnsureVpc(account, region, vpcId, Text(vpc, "cidr") ?? "10.0.0.0/16");
                if (!vpc.TryGetProperty("endpoints", out var list))
                {
                    continue;
                }

                var j = 0;
                foreach (var endpoint in list.EnumerateArray())
                {
                    path = $"$.vpcs[{i - 1}].endpoints[{j++}]";
                    var id = Text(endpoint, "id") ?? throw new FormatException("id is required");
                    if (!id.StartsWith("vpce-", StringComparison.Ordinal))
                    {
                        throw new FormatException("id must start with vpce-");
                    }

                    var service = Text(endpoint, "service") ?? "sqs";
                    if (!Ec2Service.EndpointServices.Contains(service))
                    {
                        throw new FormatException($"service must be one of: {string.Join(", ", Ec2Service.EndpointServices)}");
                    }

                    var policy = endpoint.TryGetProperty("policy", out var p) && p.ValueKind != JsonValueKind.Null
                        ? p.ValueKind == JsonValueKind.String ? p.GetString() : p.GetRawText()
                        : null;
                    ec2.EnsureVpcEndpoint(account, region, id, vpcId, service, policy);
                    endpoints++;
                }
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or AwsErrorException)
            {
                problems.Add($"{path}: {ex.Message}");
            }
        }

        return problems.Count > 0 ? throw new WorldFileException(file, problems) : endpoints;
    }

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw new FormatException($"{name} must be a string")
            : null;
}
