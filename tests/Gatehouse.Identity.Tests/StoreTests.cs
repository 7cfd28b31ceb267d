using System.Security.Cryptography;
using Gatehouse.Services.Iam;
using Gatehouse.Services.Identity;
using Gatehouse.Storage.Sqlite.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Identity.Tests;

/// <summary>The SQLite identity store: identities survive a restart, secrets are encrypted at rest.</summary>
public sealed class StoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"gatehouse-identity-{Guid.NewGuid():N}");
    private readonly byte[] _key = SecretProtector.NewKey();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private IdentityRegistry Open(byte[] key) => new(SqliteIdentityStore.Open(Path.Combine(_dir, "identity.db")), new SecretProtector(key), _time,
        new IdentityOptions("000000000000", "test", "test"));

    [Fact]
    public async Task Identities_survive_a_restart_and_secrets_are_not_stored_in_plain_text()
    {
        string secret;
        string keyId;
        using (var registry = Open(_key))
        {
            registry.CreateUser("000000000000", "frank", "/ops/");
            var key = registry.CreateAccessKey("000000000000", "frank");
            (keyId, secret) = (key.AccessKeyId, key.SecretAccessKey!);
            registry.CreatePolicy("000000000000", "p", "/", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}""");
            registry.AttachPolicy(IamEntityKind.User, "000000000000", "frank", "arn:aws:iam::000000000000:policy/p");
        }

        using (var reopened = Open(_key))
        {
            var found = await reopened.FindAccessKeyAsync(keyId);
            Assert.Equal(secret, found!.SecretAccessKey);
            Assert.Equal("arn:aws:iam::000000000000:user/ops/frank", found.Principal.Arn);
            Assert.Single((await reopened.GetPoliciesAsync(found.Principal)).IdentityPolicies);
        }

        foreach (var file in Directory.GetFiles(_dir))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.DoesNotContain(secret, System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        }

        Assert.ThrowsAny<CryptographicException>(() => Open(SecretProtector.NewKey()));
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
