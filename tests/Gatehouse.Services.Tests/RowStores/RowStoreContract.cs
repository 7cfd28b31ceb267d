using Gatehouse.Services.Authorization;
using Gatehouse.Services.Ec2;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Kms;
using Gatehouse.Tests.Shared;

namespace Gatehouse.Services.Tests.RowStores;

/// <summary>
/// What every implementation of the row-store ports (identity, KMS, EC2) and of the decision store must do, run
/// unchanged over SQLite (<see cref="SqliteRowStoreTests"/>) and PostgreSQL (<see cref="PostgresRowStoreTests"/>).
/// "Open" opens the same place again, as a restarted node would.
/// </summary>
public abstract class RowStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    protected abstract Task<IIdentityStore> OpenIdentityAsync();

    protected abstract Task<IKmsStore> OpenKmsAsync();

    protected abstract Task<IEc2Store> OpenEc2Async();

    protected abstract Task<IDecisionStore> OpenDecisionsAsync();

    [ContractFact]
    public async Task Identity_rows_are_put_replaced_deleted_and_survive_reopening()
    {
        using (var store = await OpenIdentityAsync())
        {
            Assert.Empty(store.LoadAll());
            store.Put("user", "000000000000/ALICE", """{"name":"alice"}""");
            store.Put("user", "000000000000/BOB", """{"name":"bob"}""");
            store.Put("policy", "000000000000/READ", """{"doc":"ü ✓ \"quoted\""}""");
            store.Put("user", "000000000000/ALICE", """{"name":"alice","v":2}""");
            store.Delete("user", "000000000000/BOB");
            store.Delete("user", "000000000000/NOBODY");
        }

        using var reopened = await OpenIdentityAsync();
        Assert.Equal(
            [
                new IdentityRow("policy", "000000000000/READ", """{"doc":"ü ✓ \"quoted\""}"""),
                new IdentityRow("user", "000000000000/ALICE", """{"name":"alice","v":2}"""),
            ],
            reopened.LoadAll().OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal));
        Assert.DoesNotContain("password", reopened.Description, StringComparison.OrdinalIgnoreCase);
    }

    [ContractFact]
    public async Task Kms_rows_are_put_replaced_deleted_and_survive_reopening()
    {
        using (var store = await OpenKmsAsync())
        {
            store.Put("key", "arn:aws:kms:us-east-1:000000000000:key/1", "{\"policy\":\"a\"}");
            store.Put("alias", "arn:aws:kms:us-east-1:000000000000:alias/x", "{}");
            store.Put("key", "arn:aws:kms:us-east-1:000000000000:key/1", "{\"policy\":\"b\"}");
            store.Delete("alias", "arn:aws:kms:us-east-1:000000000000:alias/x");
        }

        using var reopened = await OpenKmsAsync();
        Assert.Equal([new KmsRow("key", "arn:aws:kms:us-east-1:000000000000:key/1", "{\"policy\":\"b\"}")], reopened.LoadAll());
    }

    [ContractFact]
    public async Task Ec2_rows_are_put_replaced_deleted_and_survive_reopening()
    {
        using (var store = await OpenEc2Async())
        {
            store.Put("vpc", "vpc-1", "{}");
            store.Put("vpc-endpoint", "vpce-1", "{\"policy\":\"allow\"}");
            store.Put("vpc-endpoint", "vpce-1", "{\"policy\":\"deny\"}");
            store.Delete("vpc", "vpc-1");
        }

        using var reopened = await OpenEc2Async();
        Assert.Equal([new Ec2Row("vpc-endpoint", "vpce-1", "{\"policy\":\"deny\"}")], reopened.LoadAll());
    }

    [ContractFact]
    public async Task Decisions_are_kept_newest_first_up_to_the_retention_and_found_by_filters()
    {
        static StoredDecision Row(int i, string decision = "Allow", string principal = "arn:aws:iam::000000000000:user/alice") =>
            new(T0.AddMinutes(i), "req-" + i, principal, principal + "-arn", "sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:q", decision,
                decision != "Allow", "{\"i\":" + i + "}");

        using (var store = await OpenDecisionsAsync())
        {
            store.Append([Row(1), Row(2, "ImplicitDeny"), Row(3)], retention: 3);
            store.Append([Row(4, "ExplicitDeny", "arn:aws:iam::000000000000:user/bob"), Row(5)], retention: 3);
            store.Append([], retention: 3);
            Assert.Equal(["req-5", "req-4", "req-3"], store.Query(new DecisionQuery()).Select(r => r.RequestId));
        }

        using var reopened = await OpenDecisionsAsync();
        var one = Assert.Single(reopened.Query(new DecisionQuery { RequestId = "req-4" }));
        Assert.Equal(Row(4, "ExplicitDeny", "arn:aws:iam::000000000000:user/bob"), one);
        Assert.Equal(["req-4"], reopened.Query(new DecisionQuery { DeniedOnly = true }).Select(r => r.RequestId));
        Assert.Equal(["req-4"], reopened.Query(new DecisionQuery { Principal = "arn:aws:iam::000000000000:user/bob-arn" }).Select(r => r.RequestId));
        Assert.Equal(["req-5"], reopened.Query(new DecisionQuery { Since = T0.AddMinutes(5) }).Select(r => r.RequestId));
        Assert.Equal(["req-5"], reopened.Query(new DecisionQuery { Max = 1 }).Select(r => r.RequestId));
    }
}

