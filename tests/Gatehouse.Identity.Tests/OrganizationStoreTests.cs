using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Organizations;
using Gatehouse.Storage.Sqlite.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Identity.Tests;

/// <summary>The organization service over the SQLite identity store with a fake clock: CreateAccount's progress, and
/// everything surviving a restart.</summary>
public sealed class OrganizationStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"gatehouse-org-{Guid.NewGuid():N}");
    private readonly byte[] _key = SecretProtector.NewKey();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private (IdentityRegistry Registry, OrganizationService Organizations) Open()
    {
        var registry = new IdentityRegistry(SqliteIdentityStore.Open(Path.Combine(_dir, "identity.db")), new SecretProtector(_key), _time,
            new IdentityOptions("000000000000", "test", "test"));
        return (registry, new OrganizationService(registry.Store, registry, _time));
    }

    [Fact]
    public void Create_account_is_in_progress_until_it_succeeds_and_the_organization_survives_a_restart()
    {
        string account, ou, policy;
        var (registry, orgs) = Open();
        using (registry)
        {
            var created = orgs.CreateOrganization("000000000000", "ALL");
            var root = orgs.ListRoots("000000000000")[0].Id;
            orgs.EnablePolicyType("000000000000", root, OrgPolicyTypes.ServiceControlPolicy);
            var status = orgs.CreateAccount("000000000000", "dev@example.com", "dev", null);
            Assert.Equal("IN_PROGRESS", status.State);
            Assert.Null(status.AccountId);
            Assert.DoesNotContain(orgs.ListAccounts("000000000000"), a => a.Name == "dev");
            _time.Advance(OrganizationService.AccountCreationTime);
            status = orgs.DescribeCreateAccountStatus("000000000000", status.Id);
            Assert.Equal("SUCCEEDED", status.State);
            account = status.AccountId!;
            Assert.Contains(orgs.ListAccounts("000000000000"), a => a.Id == account);

            var duplicate = orgs.CreateAccount("000000000000", "dev@example.com", "dev-again", null);
            _time.Advance(OrganizationService.AccountCreationTime);
            Assert.Equal("FAILED", orgs.DescribeCreateAccountStatus("000000000000", duplicate.Id).State);
            Assert.Equal("EMAIL_ALREADY_EXISTS", orgs.DescribeCreateAccountStatus("000000000000", duplicate.Id).FailureReason);

            ou = orgs.CreateUnit("000000000000", root, "Workloads").Id;
            orgs.MoveAccount("000000000000", account, root, ou);
            policy = orgs.CreatePolicy("000000000000", "NoSend", "", """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sqs:SendMessage","Resource":"*"}]}""",
                OrgPolicyTypes.ServiceControlPolicy).Id;
            orgs.AttachPolicy("000000000000", policy, ou);
            Assert.Equal(created.Id, orgs.ForAccount(account)!.OrganizationId);
        }

        var (reopened, orgs2) = Open();
        using (reopened)
        {
            var view = orgs2.ForAccount(account)!;
            Assert.False(view.IsManagementAccount);
            Assert.Matches($"^o-[a-z0-9]{{10}}/r-[a-z0-9]{{4}}/{ou}/$", view.Path);
            Assert.Equal(3, view.ServiceControlPolicies.Count);
            Assert.Equal(ou, view.ServiceControlPolicies[1].Name);
            Assert.Equal(2, view.ServiceControlPolicies[1].Policies.Count);
            Assert.Empty(view.ResourceControlPolicies);
            Assert.True(orgs2.ForAccount("000000000000")!.IsManagementAccount);
            Assert.Null(orgs2.ForAccount("999999999999"));
            Assert.NotNull(reopened.FindRoleByArn($"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"));
            Assert.Equal("NoSend", orgs2.DescribePolicy("000000000000", policy).Name);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
