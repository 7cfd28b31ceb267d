using System.Net;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using SqsKmsErrors = Gatehouse.Services.Sqs.SqsKmsErrors;

namespace Gatehouse.Server.Tests.Kms;

/// <summary>SSE-KMS queues through the real SDKs (AWS JSON protocol): who may send and receive, with which KMS
/// error, and how often KMS is asked.</summary>
[Collection("kms")]
public sealed class SseKmsTests(KmsFixture f)
{
    private const string Suffix = " (Service: AWSKMS; Status Code: 400; Error Code: ";

    private async Task<string> NewKeyAsync(string? policy = null, string owner = "root-a")
    {
        using var kms = f.Kms(owner);
        var request = new CreateKeyRequest { Description = "sse test" };
        if (policy is not null)
        {
            request.Policy = policy;
            request.BypassPolicyLockoutSafetyCheck = true;
        }

        return (await kms.CreateKeyAsync(request)).KeyMetadata.Arn;
    }

    /// <summary>A queue in account A encrypted with the key, whose queue policy lets account B send and receive.</summary>
    private async Task<string> NewQueueAsync(string kmsKeyId)
    {
        using var sqs = f.Sqs("root-a");
        var name = "sse" + Guid.NewGuid().ToString("N")[..10];
        var url = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = name,
            Attributes = new() { ["KmsMasterKeyId"] = kmsKeyId },
        })).QueueUrl;
        await sqs.SetQueueAttributesAsync(url, new Dictionary<string, string>
        {
            ["Policy"] = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{KmsIdentities.B}}:root"},"Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":"arn:aws:sqs:us-east-1:{{KmsIdentities.A}}:{{name}}"}]}""",
        });
        return url;
    }

    private static async Task<AmazonSQSException> Refused(Func<Task> call)
    {
        var ex = await Assert.ThrowsAnyAsync<AmazonSQSException>(call);
        return ex;
    }

    private static void AssertKmsDenied(AmazonSQSException ex, string user, string action, string keyArn, string reason)
    {
        Assert.Equal("KMS.AccessDeniedException", ex.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.StartsWith($"User: {user} is not authorized to perform: {action} on resource: {keyArn} {reason}{Suffix}AccessDeniedException; Request ID: ", ex.Message);
        Assert.EndsWith("; Proxy: null)", ex.Message);
    }

    [Fact]
    public async Task Producer_without_GenerateDataKey_gets_KMS_AccessDeniedException()
    {
        var key = await NewKeyAsync();
        var url = await NewQueueAsync(key);
        using var sqs = f.Sqs("sqs-only");
        var ex = await Refused(() => sqs.SendMessageAsync(url, "x"));
        AssertKmsDenied(ex, $"arn:aws:iam::{KmsIdentities.A}:user/sqs-only", "kms:GenerateDataKey", key,
            "because no identity-based policy allows the kms:GenerateDataKey action");
        var batch = await Refused(() => sqs.SendMessageBatchAsync(url, [new SendMessageBatchRequestEntry("a", "x")]));
        Assert.Equal("KMS.AccessDeniedException", batch.ErrorCode);
    }

    [Fact]
    public async Task Explicit_deny_on_GenerateDataKey_is_named()
    {
        var key = await NewKeyAsync();
        var url = await NewQueueAsync(key);
        using var sqs = f.Sqs("no-gdk");
        var ex = await Refused(() => sqs.SendMessageAsync(url, "x"));
        AssertKmsDenied(ex, $"arn:aws:iam::{KmsIdentities.A}:user/no-gdk", "kms:GenerateDataKey", key,
            "with an explicit deny in an identity-based policy");
    }

    [Fact]
    public async Task Consumer_without_Decrypt_gets_KMS_AccessDeniedException()
    {
        var key = await NewKeyAsync();
        var url = await NewQueueAsync(key);
        using (var producer = f.Sqs("producer"))
        {
            await producer.SendMessageAsync(url, "for the consumer");
        }

        using var consumer = f.Sqs("sqs-only");
        var ex = await Refused(() => consumer.ReceiveMessageAsync(url));
        AssertKmsDenied(ex, $"arn:aws:iam::{KmsIdentities.A}:user/sqs-only", "kms:Decrypt", key,
            "because no identity-based policy allows the kms:Decrypt action");
        using var allowed = f.Sqs("producer");
        var got = await allowed.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MessageAttributeNames = ["All"] });
        Assert.Equal("for the consumer", Assert.Single(got.Messages).Body);
    }

    [Fact]
    public async Task A_key_policy_that_does_not_delegate_to_IAM_refuses_what_IAM_allows()
    {
        // Only the kms-admin user is named; the account is not, so the producer's IAM policy counts for nothing.
        var key = await NewKeyAsync($$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{KmsIdentities.A}}:user/kms-admin"},"Action":"kms:*","Resource":"*"}]}""");
        var url = await NewQueueAsync(key);
        using var sqs = f.Sqs("producer");
        var ex = await Refused(() => sqs.SendMessageAsync(url, "x"));
        AssertKmsDenied(ex, $"arn:aws:iam::{KmsIdentities.A}:user/producer", "kms:GenerateDataKey", key,
            "because no resource-based policy allows the kms:GenerateDataKey action");
        using var admin = f.Sqs("kms-admin");
        await admin.SendMessageAsync(url, "named in the key policy");
    }

    [Fact]
    public async Task Cross_account_producer_is_refused_with_the_AWS_managed_key_and_served_with_a_shared_customer_key()
    {
        var managedUrl = await NewQueueAsync("alias/aws/sqs");
        using var partner = f.Sqs("partner");
        var ex = await Refused(() => partner.SendMessageAsync(managedUrl, "x"));
        using (var kms = f.Kms("root-a"))
        {
            var managed = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/sqs" })).KeyMetadata;
            Assert.Equal("AWS", managed.KeyManager.Value);
            AssertKmsDenied(ex, $"arn:aws:iam::{KmsIdentities.B}:user/partner", "kms:GenerateDataKey", managed.Arn,
                "because no resource-based policy allows the kms:GenerateDataKey action");
        }

        // The owner's own principals can use the AWS managed key through SQS.
        using (var owner = f.Sqs("sqs-only"))
        {
            await owner.SendMessageAsync(managedUrl, "same account");
            Assert.Equal("same account", Assert.Single((await owner.ReceiveMessageAsync(managedUrl)).Messages).Body);
        }

        var shared = await NewKeyAsync($$"""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{KmsIdentities.A}}:root"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{KmsIdentities.B}}:root"},"Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*"}]}
            """);
        var sharedUrl = await NewQueueAsync(shared);
        await partner.SendMessageAsync(sharedUrl, "from account B");
        Assert.Equal("from account B", Assert.Single((await partner.ReceiveMessageAsync(sharedUrl)).Messages).Body);
    }

    [Fact]
    public async Task Disabled_pending_deletion_and_missing_keys_give_SQS_KMS_errors()
    {
        var key = await NewKeyAsync();
        var url = await NewQueueAsync(key);
        using var kms = f.Kms("root-a");
        using var sqs = f.Sqs("producer");
        await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key });
        var disabled = await Refused(() => sqs.SendMessageAsync(url, "x"));
        Assert.Equal("KMS.DisabledException", disabled.ErrorCode);
        Assert.StartsWith($"{key} is disabled.{Suffix}DisabledException;", disabled.Message);

        await kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key, PendingWindowInDays = 7 });
        var pending = await Refused(() => sqs.SendMessageAsync(url, "x"));
        Assert.Equal("KMS.InvalidStateException", pending.ErrorCode);
        Assert.StartsWith($"{key} is pending deletion.{Suffix}KMSInvalidStateException;", pending.Message);

        var missing = await NewQueueAsync("alias/does-not-exist");
        var notFound = await Refused(() => sqs.SendMessageAsync(missing, "x"));
        Assert.Equal("KMS.NotFoundException", notFound.ErrorCode);
        Assert.StartsWith($"Alias arn:aws:kms:us-east-1:{KmsIdentities.A}:alias/does-not-exist is not found.", notFound.Message);
    }

    [Fact]
    public async Task SSE_SQS_is_the_default_and_needs_no_KMS_permission_even_over_plain_HTTP()
    {
        using var owner = f.Sqs("root-a", https: false);
        var url = (await owner.CreateQueueAsync("plain" + Guid.NewGuid().ToString("N")[..8])).QueueUrl;
        var attributes = (await owner.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.Equal("true", attributes["SqsManagedSseEnabled"]);
        using var sqs = f.Sqs("sqs-only", https: false);
        await sqs.SendMessageAsync(url, "no kms needed");
        Assert.Equal("no kms needed", Assert.Single((await sqs.ReceiveMessageAsync(url)).Messages).Body);
    }

    [Fact]
    public async Task Plain_HTTP_to_an_SSE_KMS_queue_is_InvalidSecurity()
    {
        var url = await NewQueueAsync(await NewKeyAsync());
        using var sqs = f.Sqs("producer", https: false);
        var ex = await Refused(() => sqs.SendMessageAsync(url, "x"));
        Assert.Equal("AWS.SimpleQueueService.InvalidSecurity", ex.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        await Refused(() => sqs.ReceiveMessageAsync(url));
    }

    [Fact]
    public async Task Data_keys_are_reused_one_KMS_authorization_per_principal_per_reuse_period()
    {
        var key = await NewKeyAsync();
        var url = await NewQueueAsync(key);
        using var sqs = f.Sqs("producer");
        for (var i = 0; i < 12; i++)
        {
            await sqs.SendMessageAsync(url, "m" + i);
        }

        await sqs.SendMessageBatchAsync(url, [.. Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry("b" + i, "batch " + i))]);
        var received = 0;
        for (var attempt = 0; attempt < 20 && received < 22; attempt++)
        {
            received += (await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10 })).Messages?.Count ?? 0;
        }

        Assert.Equal(22, received);
        var decisions = f.Authorizer.Log.Recent(1000).Where(d => d.Resource == key).ToList();
        // 22 sends: one GenerateDataKey (and the Decrypt that verifies it); receives: one Decrypt.
        Assert.Equal(1, decisions.Count(d => d.Action == "kms:GenerateDataKey"));
        Assert.Equal(2, decisions.Count(d => d.Action == "kms:Decrypt"));

        // Another principal gets its own data key.
        using var admin = f.Sqs("kms-admin");
        await admin.SendMessageAsync(url, "other principal");
        Assert.Equal(2, f.Authorizer.Log.Recent(1000).Count(d => d.Resource == key && d.Action == "kms:GenerateDataKey"));
    }

    [Fact]
    public async Task KMS_API_with_real_ciphertexts_aliases_and_key_states()
    {
        using var kms = f.Kms("root-a");
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "api" })).KeyMetadata;
        Assert.Equal(KeyState.Enabled, key.KeyState);
        var alias = "alias/api-" + Guid.NewGuid().ToString("N")[..8];
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        var context = new Dictionary<string, string> { ["purpose"] = "test" };
        var sealedText = await kms.EncryptAsync(new EncryptRequest { KeyId = alias, Plaintext = new MemoryStream("hello"u8.ToArray()), EncryptionContext = context });
        Assert.Equal(key.Arn, sealedText.KeyId);
        var opened = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(sealedText.CiphertextBlob.ToArray()), EncryptionContext = context });
        Assert.Equal("hello"u8.ToArray(), opened.Plaintext.ToArray());
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(sealedText.CiphertextBlob.ToArray()) }));

        var policy = (await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "default" })).Policy;
        Assert.Contains($"\"AWS\":\"arn:aws:iam::{KmsIdentities.A}:root\"", policy, StringComparison.Ordinal);
        var lockout = await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() => kms.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId,
            PolicyName = "default",
            Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/kms-admin"},"Action":"kms:*","Resource":"*"}]}""",
        }));
        Assert.Equal("The new key policy will not allow you to update the key policy in the future.", lockout.Message);

        await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.Arn });
        await Assert.ThrowsAsync<DisabledException>(() => kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = alias, KeySpec = DataKeySpec.AES_256 }));
        var scheduled = await kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 });
        Assert.Equal(KeyState.PendingDeletion, scheduled.KeyState);
        await Assert.ThrowsAsync<KMSInvalidStateException>(() => kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }));
        await kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId });
        Assert.Equal(KeyState.Disabled, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = $"arn:aws:kms:us-east-1:{KmsIdentities.A}:{alias}" })).KeyMetadata.KeyState);
        await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/none" }));
        // Key management takes a key id or key ARN only.
        await Assert.ThrowsAsync<NotFoundException>(() => kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = alias, PolicyName = "default" }));
    }

    [Fact]
    public async Task KMS_refuses_in_its_own_wording_and_grants_grant()
    {
        var key = await NewKeyAsync();
        using var sqsOnly = f.Kms("sqs-only");
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            sqsOnly.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = new MemoryStream([1]) }));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.Equal($"User: arn:aws:iam::{KmsIdentities.A}:user/sqs-only is not authorized to perform: kms:Encrypt on resource: {key} because no identity-based policy allows the kms:Encrypt action", denied.Message);

        using var owner = f.Kms("root-a");
        var grant = await owner.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key,
            GranteePrincipal = $"arn:aws:iam::{KmsIdentities.A}:user/sqs-only",
            Operations = [GrantOperation.Encrypt],
            Constraints = new GrantConstraints { EncryptionContextSubset = new() { ["team"] = "a" } },
        });
        await sqsOnly.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = new MemoryStream([1]), EncryptionContext = new() { ["team"] = "a" } });
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            sqsOnly.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = new MemoryStream([1]), EncryptionContext = new() { ["team"] = "b" } }));
        Assert.Single((await owner.ListGrantsAsync(new ListGrantsRequest { KeyId = key })).Grants);
        await owner.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key, GrantId = grant.GrantId });
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            sqsOnly.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = new MemoryStream([1]), EncryptionContext = new() { ["team"] = "a" } }));
    }

    [Fact]
    public void The_older_KMS_form_is_a_switch()
    {
        var legacy = SqsKmsErrors.AccessDenied("User: u is not authorized to perform: kms:GenerateDataKey on resource: k with an explicit deny", legacy: true);
        Assert.Equal("User: u is not authorized to perform: kms:GenerateDataKey on resource: k with an explicit deny.", legacy.Message);
        Assert.Equal("KMS.AccessDeniedException", legacy.QueryCode);
    }
}
