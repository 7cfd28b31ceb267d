using Gatehouse.Services.Ec2;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Kms;
using Gatehouse.Storage.Postgres;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.Postgres;

/// <summary>KMS key policies and VPC endpoint policies are authorization inputs that each node caches: a change made
/// on one node is in force on the other at once (docs/postgres.md, "Caches and how stale they can be").</summary>
public sealed class ServiceCachesFollowTests
{
    private const string Account = "000000000000", Region = "us-east-1";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    [PostgresFact]
    public async Task A_key_policy_changed_or_key_scheduled_for_deletion_on_one_node_is_seen_by_the_other()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var dbA = PostgresDatabase.Open(test.ConnectionString);
        await using var dbB = PostgresDatabase.Open(test.ConnectionString);
        var protector = new SecretProtector(SecretProtector.NewKey());
        using var nodeA = new KmsService(await PostgresKmsStore.OpenAsync(dbA), protector, TimeProvider.System);
        using var nodeB = new KmsService(await PostgresKmsStore.OpenAsync(dbB), protector, TimeProvider.System);

        var key = nodeA.CreateKey(Account, Region, "orders", """{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}""", null);
        await Eventually(() => nodeB.ListKeys(Account, Region).Any(k => k.Arn == key.Arn));

        var deny = """{"Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}""";
        nodeA.PutPolicy(key, deny);
        await Eventually(() => nodeB.EffectivePolicy(nodeB.Resolve(key.Arn, Account, Region)) == deny);

        nodeA.ScheduleDeletion(nodeA.Resolve(key.Arn, Account, Region), 7);
        await Eventually(() => nodeB.Resolve(key.Arn, Account, Region).State == KmsKeyState.PendingDeletion);
    }

    [PostgresFact]
    public async Task A_row_the_other_node_cannot_read_does_not_stop_it_following_later_changes()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var dbA = PostgresDatabase.Open(test.ConnectionString);
        await using var dbB = PostgresDatabase.Open(test.ConnectionString);
        var protector = new SecretProtector(SecretProtector.NewKey());
        using var storeA = await PostgresKmsStore.OpenAsync(dbA);
        using var nodeA = new KmsService(storeA, protector, TimeProvider.System);
        using var nodeB = new KmsService(await PostgresKmsStore.OpenAsync(dbB), protector, TimeProvider.System);

        storeA.Put("key", "arn:aws:kms:us-east-1:000000000000:key/broken", "{not json");
        var key = nodeA.CreateKey(Account, Region, null, """{"Statement":[]}""", null);

        await Eventually(() => nodeB.ListKeys(Account, Region).Any(k => k.Arn == key.Arn));
    }

    [PostgresFact]
    public async Task An_endpoint_policy_changed_on_one_node_is_enforced_by_the_other()
    {
        await using var test = await PostgresTestServer.CreateDatabaseAsync();
        await using var dbA = PostgresDatabase.Open(test.ConnectionString);
        await using var dbB = PostgresDatabase.Open(test.ConnectionString);
        using var nodeA = new Ec2Service(await PostgresEc2Store.OpenAsync(dbA), TimeProvider.System);
        using var nodeB = new Ec2Service(await PostgresEc2Store.OpenAsync(dbB), TimeProvider.System);

        nodeA.EnsureVpc(Account, Region, "vpc-1a2b3c4d", "10.0.0.0/16");
        nodeA.EnsureVpcEndpoint(Account, Region, "vpce-0123456789abcdef0", "vpc-1a2b3c4d", "sqs", null);
        await Eventually(() => nodeB.Find("vpce-0123456789abcdef0")?.PolicyDocument == Ec2Service.DefaultEndpointPolicy);

        var deny = """{"Statement":[{"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*"}]}""";
        nodeA.EnsureVpcEndpoint(Account, Region, "vpce-0123456789abcdef0", "vpc-1a2b3c4d", "sqs", deny);
        await Eventually(() => nodeB.Find("vpce-0123456789abcdef0")?.PolicyDocument.Contains("\"Deny\"", StringComparison.Ordinal) == true);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Bound, "not seen on the other node within the stated bound");
            await Task.Delay(5);
        }
    }
}
