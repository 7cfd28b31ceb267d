using Amazon.SecurityToken.Model;
using Amazon.SQS.Model;
using Gatehouse.Server.World;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Identity.Tests;

/// <summary>The example world file: applied at start-up, usable through real clients, idempotent.</summary>
public sealed class WorldFileTests : IAsyncLifetime
{
    private static readonly string ExampleFile = Path.Combine(RepoRoot(), "examples", "world.json");
    private readonly IdentityServer _server = new(TimeProvider.System, o => o with { WorldFile = ExampleFile });

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Gatehouse.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private string Snapshot()
    {
        var r = _server.Registry;
        var lines = new List<string>();
        foreach (var (account, _) in r.Accounts())
        {
            lines.AddRange(r.ListUsers(account).Select(u => $"user {u.Arn} {u.UserId} {string.Join(',', u.Tags)} {u.PermissionsBoundaryArn}"));
            lines.AddRange(r.ListUsers(account).SelectMany(u => r.ListAccessKeys(account, u.UserName)).Select(k => $"key {k.AccessKeyId} {k.Status}"));
            lines.AddRange(r.ListRoles(account).Select(x => $"role {x.Arn} {x.RoleId} {x.MaxSessionDuration} {x.AssumeRolePolicyDocument}"));
            lines.AddRange(r.ListGroups(account).Select(g => $"group {g.Arn} {g.GroupId}"));
            lines.AddRange(r.ListPolicies(account, "Local", false, null).Select(p => $"policy {p.Arn} {p.DefaultVersionId} {p.AttachmentCount}"));
        }

        return string.Join('\n', lines);
    }

    [Fact]
    public async Task Example_world_cross_account_half_works_as_documented()
    {
        // docs/identity.md, "Worked example": the partner's user assumes partner-sender (roles cannot be assumed by
        // a root user) and sends to orders, which the queue policy allows that role.
        using var partner = _server.Sts("AKIAPARTNERAPP000001", "partner-app-secret-for-local-use-only");
        var session = await partner.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = "arn:aws:iam::222222222222:role/partner-sender", RoleSessionName = "p1" });
        using var sender = _server.Sqs(session.Credentials.AccessKeyId, session.Credentials.SecretAccessKey, session.Credentials.SessionToken);
        using var root = _server.Sqs();
        var url = (await root.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = "orders" })).QueueUrl;
        await sender.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "from-partner" });
    }

    [Fact]
    public async Task Example_world_is_live_and_applying_it_again_changes_nothing()
    {
        var before = Snapshot();
        Assert.Contains("user arn:aws:iam::000000000000:user/eng/alice", before, StringComparison.Ordinal);
        Assert.Contains("role arn:aws:iam::222222222222:role/partner-sender", before, StringComparison.Ordinal);

        using var alice = _server.Sts("AKIAALICEEXAMPLE0001", "alice-secret-for-local-use-only");
        Assert.Equal("arn:aws:iam::000000000000:user/eng/alice", (await alice.GetCallerIdentityAsync(new GetCallerIdentityRequest())).Arn);
        var worker = await alice.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = "arn:aws:iam::000000000000:role/app/orders-worker", RoleSessionName = "w1" });
        Assert.Equal("arn:aws:sts::000000000000:assumed-role/orders-worker/w1", worker.AssumedRoleUser.Arn);

        using var publisher = _server.Sqs("AKIAPUBLISHEREXAMPLE", "publisher-secret-for-local-use-only");
        using var root = _server.Sqs();
        var url = (await root.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = "orders" })).QueueUrl;
        await publisher.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "order-1" });

        using var partnerRoot = _server.Sts("AKIAPARTNERROOT00001", "partner-root-secret");
        Assert.Equal("222222222222", (await partnerRoot.GetCallerIdentityAsync(new GetCallerIdentityRequest())).Account);

        var sqs = ((Microsoft.AspNetCore.Builder.WebApplication?)typeof(IdentityServer)
            .GetField("_app", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(_server))!
            .Services.GetRequiredService<Gatehouse.Services.Sqs.SqsService>();
        var queue = sqs.Find("000000000000", "us-east-1", "orders")!;
        var attributesBefore = string.Join(',', queue.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal));

        await WorldApplier.ApplyFileAsync(ExampleFile, _server.Registry, sqs, new Server.GatehouseOptions());
        await WorldApplier.ApplyFileAsync(ExampleFile, _server.Registry, sqs, new Server.GatehouseOptions());
        Assert.Equal(before, Snapshot());
        Assert.Equal(attributesBefore, string.Join(',', sqs.Find("000000000000", "us-east-1", "orders")!.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal)));
        Assert.Equal("arn:aws:iam::000000000000:user/eng/alice", (await alice.GetCallerIdentityAsync(new GetCallerIdentityRequest())).Arn);
    }

    [Fact]
    public void Invalid_world_file_names_the_file_the_path_and_the_problem()
    {
        var text = """
            {
              "accounts": [
                {
                  "id": "000000000000",
                  "users": [ { "name": "bad name" }, { "name": "ok", "groups": ["nope"] } ],
                  "roles": [ { "name": "r", "trustPolicy": { "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "sts:AssumeRole" } ] } } ],
                  "policies": [ { "name": "p", "document": { "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Resource": "*" } ] } } ],
                  "qeueus": []
                }
              ]
            }
            """;
        var ex = Assert.Throws<WorldFileException>(() => WorldParser.Parse("team/world.json", text));
        Assert.StartsWith("World file team/world.json is invalid:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.accounts[0].users[0].name: 1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", ex.Problems);
        Assert.Contains("$.accounts[0].users[1].groups: group nope is not declared in this account", ex.Problems);
        Assert.Contains(ex.Problems, p => p.StartsWith("$.accounts[0].roles[0].trustPolicy.Statement[0]", StringComparison.Ordinal) && p.Contains("MalformedPolicyDocument", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("$.accounts[0].policies[0].document.Statement[0]", StringComparison.Ordinal) && p.Contains("Policy statement must contain actions.", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("$.accounts[0].qeueus: unknown property", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_up_fails_on_an_invalid_world_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"gatehouse-world-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{ "accounts": [ { "id": "12" } ] }""");
        try
        {
            var ex = await Assert.ThrowsAsync<WorldFileException>(() =>
                Server.GatehouseApp.BuildAsync(new Server.GatehouseOptions { Port = 0, InMemory = true, WorldFile = file }, TimeProvider.System));
            Assert.Contains(file, ex.Message, StringComparison.Ordinal);
            Assert.Contains("$.accounts[0].id: must be a 12-digit account id", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
