using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;

namespace Gatehouse.Server.Tests.Kms;

/// <summary>The KMS key-management and data operations through the AWS SDK for .NET (AWS JSON 1.1).</summary>
[Collection("kms")]
public sealed class KmsApiTests(KmsFixture f)
{
    [Fact]
    public async Task Keys_aliases_tags_and_policies_are_listed_and_changed()
    {
        using var kms = f.Kms("root-a");
        var first = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "first" })).KeyMetadata;
        var second = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "second" })).KeyMetadata;
        var keys = (await kms.ListKeysAsync(new ListKeysRequest())).Keys.Select(k => k.KeyId).ToList();
        Assert.Contains(first.KeyId, keys);
        Assert.Contains(second.KeyId, keys);
        // KMS sends CreationDate as epoch seconds with milliseconds; two keys both landing on a whole second is a
        // one-in-a-million chance.
        Assert.InRange(DateTime.UtcNow - first.CreationDate.GetValueOrDefault().ToUniversalTime(), TimeSpan.FromSeconds(-5), TimeSpan.FromSeconds(60));
        Assert.True(first.CreationDate.GetValueOrDefault().Millisecond != 0 || second.CreationDate.GetValueOrDefault().Millisecond != 0);

        var alias = "alias/api-" + Guid.NewGuid().ToString("N")[..8];
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = first.KeyId });
        await kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = alias, TargetKeyId = second.KeyId });
        var listed = (await kms.ListAliasesAsync(new ListAliasesRequest())).Aliases.Single(a => a.AliasName == alias);
        Assert.Equal(second.KeyId, listed.TargetKeyId);
        Assert.Equal(second.KeyId, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = alias })).KeyMetadata.KeyId);
        await kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = alias });
        Assert.DoesNotContain((await kms.ListAliasesAsync(new ListAliasesRequest())).Aliases, a => a.AliasName == alias);
        await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = alias }));

        await kms.TagResourceAsync(new TagResourceRequest { KeyId = first.KeyId, Tags = [new Tag { TagKey = "team", TagValue = "orders" }, new Tag { TagKey = "tmp", TagValue = "1" }] });
        await kms.UntagResourceAsync(new UntagResourceRequest { KeyId = first.KeyId, TagKeys = ["tmp"] });
        var tag = Assert.Single((await kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = first.KeyId })).Tags);
        Assert.Equal(("team", "orders"), (tag.TagKey, tag.TagValue));

        Assert.Equal(["default"], (await kms.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = first.KeyId })).PolicyNames);
    }

    [Fact]
    public async Task Data_keys_reencryption_and_random_bytes()
    {
        using var kms = f.Kms("root-a");
        var a = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.Arn;
        var b = (await kms.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.Arn;
        var context = new Dictionary<string, string> { ["purpose"] = "test" };

        var withoutPlaintext = await kms.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest { KeyId = a, KeySpec = DataKeySpec.AES_256, EncryptionContext = context });
        var decrypted = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = withoutPlaintext.CiphertextBlob, EncryptionContext = context });
        Assert.Equal(32, decrypted.Plaintext.Length);
        Assert.Equal(a, decrypted.KeyId);

        withoutPlaintext.CiphertextBlob.Position = 0;
        var moved = await kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = withoutPlaintext.CiphertextBlob,
            SourceEncryptionContext = context,
            DestinationKeyId = b,
            DestinationEncryptionContext = new Dictionary<string, string> { ["purpose"] = "moved" },
        });
        Assert.Equal(a, moved.SourceKeyId);
        Assert.Equal(b, moved.KeyId);
        var again = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = moved.CiphertextBlob, EncryptionContext = new Dictionary<string, string> { ["purpose"] = "moved" } });
        decrypted.Plaintext.Position = 0;
        Assert.Equal(decrypted.Plaintext.ToArray(), again.Plaintext.ToArray());

        var random = await kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 64 });
        Assert.Equal(64, random.Plaintext.Length);
        var other = await kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 64 });
        Assert.NotEqual(random.Plaintext.ToArray(), other.Plaintext.ToArray());
    }

    [Fact]
    public async Task A_grantee_retires_its_grant()
    {
        using var owner = f.Kms("root-a");
        var key = (await owner.CreateKeyAsync(new CreateKeyRequest())).KeyMetadata.Arn;
        var grantee = "arn:aws:iam::000000000000:user/producer";
        var grant = await owner.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key,
            GranteePrincipal = grantee,
            RetiringPrincipal = grantee,
            Operations = [GrantOperation.Decrypt],
        });
        var retirable = (await owner.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = grantee })).Grants;
        Assert.Contains(retirable, g => g.GrantId == grant.GrantId);

        await owner.RetireGrantAsync(new RetireGrantRequest { KeyId = key, GrantId = grant.GrantId });
        Assert.DoesNotContain((await owner.ListGrantsAsync(new ListGrantsRequest { KeyId = key })).Grants, g => g.GrantId == grant.GrantId);
    }
}
