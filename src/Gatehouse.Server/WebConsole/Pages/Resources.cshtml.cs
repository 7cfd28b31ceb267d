namespace Gatehouse.Server.WebConsole.Pages;

/// <summary>The organization tree (Organizations DescribeOrganization, ListRoots, ListOrganizationalUnitsForParent,
/// ListAccountsForParent), KMS keys (ListKeys, DescribeKey) and VPC endpoints (EC2 DescribeVpcEndpoints), read-only,
/// each a real call as the signed-in principal with its refusal shown.</summary>
public sealed class ResourcesModel : ConsolePage
{
    public sealed record Node(string Kind, string Id, string Name, int Depth);

    public List<Node> Tree { get; } = [];

    public List<(string Id, string Arn, string State, string Description)> KmsKeys { get; } = [];

    public List<(string Id, string Service, string State, string Vpc)> Endpoints { get; } = [];

    public List<Refusal> Refusals { get; } = [];

    private const string Organizations = "AWSOrganizationsV20161128.";

    public async Task OnGetAsync()
    {
        await LoadOrganizationAsync();
        await LoadKeysAsync();
        await LoadEndpointsAsync();
    }

    private async Task<ApiResult?> OrgAsync(string action, object request)
    {
        var result = await Api.Json11Async(Session, "organizations", Organizations + action, request, Aborted);
        if (!result.Ok)
        {
            Refusals.Add(Refused("organizations:" + action, result));
            return null;
        }

        return result;
    }

    private async Task LoadOrganizationAsync()
    {
        if (await OrgAsync("ListRoots", new { }) is not { } roots)
        {
            return;
        }

        foreach (var root in roots.Json.GetProperty("Roots").EnumerateArray())
        {
            await AddAsync("Root", root.GetProperty("Id").GetString()!, root.GetProperty("Name").GetString() ?? "Root", 0);
        }
    }

    private async Task AddAsync(string kind, string id, string name, int depth)
    {
        Tree.Add(new(kind, id, name, depth));
        if (depth > 5)
        {
            return;
        }

        if (await OrgAsync("ListAccountsForParent", new { ParentId = id }) is { } accounts)
        {
            foreach (var a in accounts.Json.GetProperty("Accounts").EnumerateArray())
            {
                Tree.Add(new("Account", a.GetProperty("Id").GetString()!, a.TryGetProperty("Name", out var n) ? n.GetString() ?? "" : "", depth + 1));
            }
        }

        if (await OrgAsync("ListOrganizationalUnitsForParent", new { ParentId = id }) is { } units)
        {
            foreach (var u in units.Json.GetProperty("OrganizationalUnits").EnumerateArray())
            {
                await AddAsync("OU", u.GetProperty("Id").GetString()!, u.GetProperty("Name").GetString() ?? "", depth + 1);
            }
        }
    }

    private async Task LoadKeysAsync()
    {
        var list = await Api.Json11Async(Session, "kms", "TrentService.ListKeys", new { }, Aborted);
        if (!list.Ok)
        {
            Refusals.Add(Refused("kms:ListKeys", list));
            return;
        }

        foreach (var key in list.Json.GetProperty("Keys").EnumerateArray())
        {
            var id = key.GetProperty("KeyId").GetString()!;
            var described = await Api.Json11Async(Session, "kms", "TrentService.DescribeKey", new { KeyId = id }, Aborted);
            if (!described.Ok)
            {
                KmsKeys.Add((id, key.GetProperty("KeyArn").GetString() ?? "", "not authorized: kms:DescribeKey", ""));
                continue;
            }

            var m = described.Json.GetProperty("KeyMetadata");
            KmsKeys.Add((id, m.GetProperty("Arn").GetString() ?? "", m.GetProperty("KeyState").GetString() ?? "", m.TryGetProperty("Description", out var d) ? d.GetString() ?? "" : ""));
        }
    }

    private async Task LoadEndpointsAsync()
    {
        var result = await Api.QueryAsync(Session, "ec2", "2016-11-15", "DescribeVpcEndpoints", [], Aborted);
        if (!result.Ok)
        {
            Refusals.Add(Refused("ec2:DescribeVpcEndpoints", result));
            return;
        }

        var set = result.Elements("vpcEndpointSet").FirstOrDefault();
        foreach (var item in set?.Elements().Where(e => e.Name.LocalName == "item") ?? [])
        {
            string Value(string name) => item.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Endpoints.Add((Value("vpcEndpointId"), Value("serviceName"), Value("state"), Value("vpcId")));
        }
    }
}
