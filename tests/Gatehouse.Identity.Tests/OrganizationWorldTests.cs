using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Identity.Tests;

/// <summary>A world file that declares an organization: OUs, a member account (with its root key), an SCP; applied at
/// start-up through the organization service, twice without change, and enforced.</summary>
public sealed class OrganizationWorldTests : IAsyncLifetime
{
    private const string World = """
        {
          "accounts": [
            { "id": "555555555555", "rootAccessKey": { "accessKeyId": "AKIAWORLDMEMBER00001", "secretAccessKey": "world-member-secret" } }
          ],
          "organization": {
            "policyTypes": ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"],
            "policies": [
              { "name": "NoPurge", "type": "SERVICE_CONTROL_POLICY",
                "document": { "Version": "2012-10-17", "Statement": [{ "Effect": "Deny", "Action": "sqs:PurgeQueue", "Resource": "*" }] } }
            ],
            "units": [ { "name": "Workloads", "units": [ { "name": "Prod", "policies": ["NoPurge"] } ] } ],
            "accounts": [ { "id": "555555555555", "name": "prod", "email": "prod@example.com", "unit": "Workloads/Prod" } ]
          }
        }
        """;

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"gatehouse-org-world-{Guid.NewGuid():N}.json");
    private IdentityServer? _server;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_file, World);
        _server = new IdentityServer(TimeProvider.System, o => o with { WorldFile = _file });
        await _server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _server!.DisposeAsync();
        File.Delete(_file);
    }

    [Fact]
    public async Task The_world_file_builds_the_organization_and_its_scp_binds_the_member_root()
    {
        var server = _server!;
        var organizations = server.Services.GetRequiredService<Gatehouse.Services.Organizations.OrganizationService>();
        var sqs = server.Services.GetRequiredService<Gatehouse.Services.Sqs.SqsService>();
        await Server.World.WorldApplier.ApplyFileAsync(_file, server.Registry, sqs, new Server.GatehouseOptions(), organizations);

        var r = await OrganizationScripts.RunAsync(server, """
            root = org.list_roots()["Roots"][0]["Id"]
            workloads = [u for u in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]]
            prod = org.list_organizational_units_for_parent(ParentId=workloads[0]["Id"])["OrganizationalUnits"]
            out = {"units": [u["Name"] for u in workloads + prod], "policies": sorted(p["Name"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"])}
            out["parent"] = org.list_parents(ChildId="555555555555")["Parents"][0]["Id"] == prod[0]["Id"]
            out["path"] = [root, workloads[0]["Id"], prod[0]["Id"]]
            out["org"] = org.describe_organization()["Organization"]["Id"]
            msqs = client("sqs", "AKIAWORLDMEMBER00001", "world-member-secret")
            url = msqs.create_queue(QueueName="world-q")["QueueUrl"]
            out["purge"] = err(lambda: msqs.purge_queue(QueueUrl=url))
            out["role"] = client("iam", "AKIAWORLDMEMBER00001", "world-member-secret").get_role(RoleName="OrganizationAccountAccessRole")["Role"]["Arn"]
            print(json.dumps(out))
            """);
        Assert.Equal(["Workloads", "Prod"], r.GetProperty("units").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["FullAWSAccess", "NoPurge"], r.GetProperty("policies").EnumerateArray().Select(e => e.GetString()));
        Assert.True(r.GetProperty("parent").GetBoolean());
        Assert.Equal("User: arn:aws:iam::555555555555:root is not authorized to perform: sqs:purgequeue on resource: arn:aws:sqs:us-east-1:555555555555:world-q with an explicit deny in a service control policy",
            r.GetProperty("purge").GetProperty("Message").GetString());
        Assert.Equal("arn:aws:iam::555555555555:role/OrganizationAccountAccessRole", r.GetProperty("role").GetString());
        var path = r.GetProperty("path").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal($"{r.GetProperty("org").GetString()}/{path[0]}/{path[1]}/{path[2]}/", organizations.ForAccount("555555555555")!.Path);
    }
}
