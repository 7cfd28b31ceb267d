using System.Globalization;
using Gatehouse.Protocol;
using Gatehouse.Server.Kms;
using Gatehouse.Server.Pipeline;
using Gatehouse.Services.Identity;
using Gatehouse.Services.Kms;
using Gatehouse.Services.Sqs;

namespace Gatehouse.Server.Sqs;

/// <summary>
/// Step 4 for encrypted queues (Amazon SQS developer guide, "Encryption at rest" and "Key management"):
/// requests to an SSE-KMS queue must be HTTPS and signed (else <c>InvalidSecurity</c>); a producer needs
/// <c>kms:GenerateDataKey</c> and <c>kms:Decrypt</c> and a consumer <c>kms:Decrypt</c> on the queue's key, asked of the
/// one authorizer as KMS asks them when SQS calls on the caller's behalf: the caller as principal, the key ARN as
/// resource, the key policy (with grants) as the mandatory resource policy, <c>kms:ViaService</c> =
/// <c>sqs.REGION.amazonaws.com</c>, <c>kms:CallerAccount</c>, and the encryption context
/// <c>aws:sqs:arn</c> = queue ARN. Within <c>KmsDataKeyReusePeriodSeconds</c> SQS does not call KMS again for the same
/// queue, key and principal, so nothing is asked then.
/// </summary>
internal static class SqsSse
{
    /// <summary>Where the authorization step leaves the producer's data key for the handler.</summary>
    public const string DataKeyItem = "gatehouse.sse.dataKey";

    public static IEnumerable<AuthorizationQuery> Queries(ActionContext c, SqsService sqs, KmsService kms, SqsMessageEncryption encryption,
        object request, SqsCaller caller, GatehouseOptions options)
    {
        var url = SqsAuthorization.QueueUrlOf(request);
        if (string.IsNullOrEmpty(url) || SqsService.ParseQueueUrl(caller, url) is not { Name: { } name } parsed
            || sqs.Find(parsed.Account, caller.Region, name) is not { } queue)
        {
            yield break;
        }

        var keyId = queue.Attributes.GetValueOrDefault(QueueAttributeNames.KmsMasterKeyId);
        var sseSqs = queue.Attributes.GetValueOrDefault(QueueAttributeNames.SqsManagedSseEnabled) == "true";
        if ((keyId is not null || (sseSqs && options.SseSqsRequiresHttps)) && HttpsOnly(request)
            && (!c.Facts.SecureTransport || c.Caller.Kind == PrincipalKind.Anonymous))
        {
            throw new AwsErrorException(SqsKmsErrors.InvalidSecurity());
        }

        var sending = request is SendMessageRequest or SendMessageBatchRequest;
        if (keyId is null || !(sending || request is ReceiveMessageRequest))
        {
            yield break;
        }

        KmsKey key;
        try
        {
            key = kms.Resolve(keyId, queue.AccountId, queue.Region);
        }
        catch (AwsErrorException e)
        {
            throw new AwsErrorException(SqsKmsErrors.FromKms(e.Error));
        }

        var reuse = int.TryParse(queue.Attributes.GetValueOrDefault(QueueAttributeNames.KmsDataKeyReusePeriodSeconds), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : SqsMessageEncryption.DefaultReusePeriodSeconds;
        var principal = c.Caller.Arn;
        if (sending)
        {
            if (encryption.CachedDataKey(queue.Arn, key.Arn, principal) is { } cached)
            {
                c.Http.Items[DataKeyItem] = cached;
                yield break;
            }

            yield return ViaSqs(c, kms, "kms:GenerateDataKey", key, queue);
            yield return ViaSqs(c, kms, "kms:Decrypt", key, queue);
            c.Http.Items[DataKeyItem] = KmsCall(() => encryption.NewDataKey(key, queue.Arn, principal, reuse));
        }
        else
        {
            if (encryption.DecryptAuthorized(queue.Arn, key.Arn, principal))
            {
                yield break;
            }

            yield return ViaSqs(c, kms, "kms:Decrypt", key, queue);
            KmsCall(() =>
            {
                KmsService.RequireUsable(key);
                return true;
            });
            encryption.RecordDecryptAuthorized(queue.Arn, key.Arn, principal, reuse);
        }
    }

    /// <summary>
    /// The requests the HTTPS rule covers: those that carry or hand out message data (send, receive, and the receipt
    /// handles of delete and visibility changes). The SQS developer guide says "all requests" to an SSE queue; no
    /// capture shows queue management (attributes, tags, deletion) refused over HTTP, and tools manage SSE-KMS queues
    /// over plain HTTP endpoints, so management stays open. One named rule, to widen if a capture says otherwise.
    /// </summary>
    public static bool HttpsOnly(object request) => request is SendMessageRequest or SendMessageBatchRequest or ReceiveMessageRequest
        or DeleteMessageRequest or DeleteMessageBatchRequest or ChangeMessageVisibilityRequest or ChangeMessageVisibilityBatchRequest;

    /// <summary>The producer's data key, when the authorization step obtained one.</summary>
    public static SseDataKey? DataKey(ActionContext c) => c.Http.Items.TryGetValue(DataKeyItem, out var key) ? key as SseDataKey : null;

    /// <summary>A KMS query as KMS sees a call SQS makes for its caller (forward access): no source IP of the client,
    /// TLS between the services, <c>aws:ViaAWSService</c> true.</summary>
    private static AuthorizationQuery ViaSqs(ActionContext c, KmsService kms, string action, KmsKey key, QueueRecord queue) =>
        KmsAuthorization.OnKey(kms, c.Caller, c.Facts with { SourceIp = null, SecureTransport = true }, action, key,
            SqsMessageEncryption.Context(queue.Arn), extra: new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
            {
                ["kms:ViaService"] = [$"sqs.{queue.Region}.amazonaws.com"],
                ["aws:ViaAWSService"] = ["true"],
            });

    private static T KmsCall<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (AwsErrorException e)
        {
            throw new AwsErrorException(SqsKmsErrors.FromKms(e.Error));
        }
    }
}
