using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Gatehouse.Protocol;

namespace Gatehouse.Services.Sqs;

/// <summary>What CreateQueue and SetQueueAttributes accept, with AWS's codes and texts (SQS API Reference, CreateQueue and SetQueueAttributes).</summary>
internal static class QueueAttributeRules
{
    private static readonly Dictionary<string, (int Min, int Max)> Ranges = new(StringComparer.Ordinal)
    {
        [QueueAttributeNames.DelaySeconds] = (0, 900),
        [QueueAttributeNames.MaximumMessageSize] = (1024, 1_048_576),
        [QueueAttributeNames.MessageRetentionPeriod] = (60, 1_209_600),
        [QueueAttributeNames.ReceiveMessageWaitTimeSeconds] = (0, 20),
        [QueueAttributeNames.VisibilityTimeout] = (0, 43_200),
        [QueueAttributeNames.KmsDataKeyReusePeriodSeconds] = (60, 86_400),
    };

    /// <summary>Defaults of a new queue as GetQueueAttributes shows them.</summary>
    public static ImmutableSortedDictionary<string, string> Defaults(bool fifo)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        b[QueueAttributeNames.DelaySeconds] = "0";
        b[QueueAttributeNames.MaximumMessageSize] = "1048576";
        b[QueueAttributeNames.MessageRetentionPeriod] = "345600";
        b[QueueAttributeNames.ReceiveMessageWaitTimeSeconds] = "0";
        b[QueueAttributeNames.VisibilityTimeout] = "30";
        b[QueueAttributeNames.SqsManagedSseEnabled] = "true";
        if (fifo)
        {
            b[QueueAttributeNames.FifoQueue] = "true";
            b[QueueAttributeNames.ContentBasedDeduplication] = "false";
            b[QueueAttributeNames.DeduplicationScope] = "queue";
            b[QueueAttributeNames.FifoThroughputLimit] = "perQueue";
        }

        return b.ToImmutable();
    }

    /// <summary>Checks each supplied attribute and applies them over <paramref name="current"/>; throws the AWS error
    /// of the first problem.</summary>
    public static ImmutableSortedDictionary<string, string> Apply(
        ImmutableSortedDictionary<string, string> current, IReadOnlyList<KeyValuePair<string, string>> supplied, bool fifo, bool creating, string? ownerAccount = null)
    {
        var result = current.ToBuilder();
        foreach (var (name, value) in supplied)
        {
            Check(name, value, fifo, creating, ownerAccount);
            if (value.Length == 0 && name is QueueAttributeNames.Policy or QueueAttributeNames.RedrivePolicy
                    or QueueAttributeNames.RedriveAllowPolicy or QueueAttributeNames.KmsMasterKeyId)
            {
                if (name == QueueAttributeNames.KmsMasterKeyId && result.Remove(name))
                {
                    // Turning KMS encryption off takes its data key reuse period with it, and leaves SQS-managed
                    // encryption off too (AWS: GetQueueAttributes(All) then shows neither KMS attribute and
                    // SqsManagedSseEnabled=false).
                    result.Remove(QueueAttributeNames.KmsDataKeyReusePeriodSeconds);
                    result[QueueAttributeNames.SqsManagedSseEnabled] = "false";
                    continue;
                }

                result.Remove(name);
                continue;
            }

            result[name] = Normalize(name, value);
            if (name == QueueAttributeNames.KmsMasterKeyId)
            {
                result[QueueAttributeNames.SqsManagedSseEnabled] = "false";
                if (!result.ContainsKey(QueueAttributeNames.KmsDataKeyReusePeriodSeconds))
                {
                    // SSE-KMS queues show the reuse period, 300 seconds unless set (SQS API reference, SetQueueAttributes).
                    result[QueueAttributeNames.KmsDataKeyReusePeriodSeconds] = "300";
                }
            }
        }

        var kms = result.ContainsKey(QueueAttributeNames.KmsMasterKeyId);
        var sse = result.TryGetValue(QueueAttributeNames.SqsManagedSseEnabled, out var s) && s == "true";
        if (kms && sse && supplied.Any(p => p.Key == QueueAttributeNames.SqsManagedSseEnabled))
        {
            throw new AwsErrorException(SqsErrors.InvalidAttributeName(
                "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE."));
        }

        if (fifo && result.TryGetValue(QueueAttributeNames.FifoThroughputLimit, out var limit) && limit == "perMessageGroupId"
            && !(result.TryGetValue(QueueAttributeNames.DeduplicationScope, out var scope) && scope == "messageGroup"))
        {
            throw new AwsErrorException(SqsErrors.InvalidAttributeValue(
                "The queue should either have DeduplicationScope set to messageGroup or FifoThroughputLimit set to perQueue"));
        }

        return result.ToImmutable();
    }

    private static string Normalize(string name, string value) => name switch
    {
        // SQS keeps the caller's text, adding "Version":"2008-10-17" when it is missing.
        QueueAttributeNames.Policy => Gatehouse.Policy.PolicyDocument.WithDefaultQueuePolicyVersion(value),
        QueueAttributeNames.SqsManagedSseEnabled or QueueAttributeNames.ContentBasedDeduplication or QueueAttributeNames.FifoQueue
            => value.ToLowerInvariant(),

        // AWS stores the redrive policy re-serialised: its two keys in this order, maxReceiveCount a number, no
        // whitespace ({"deadLetterTargetArn":"…","maxReceiveCount":"1"} reads back with maxReceiveCount 1).
        QueueAttributeNames.RedrivePolicy when RedrivePolicy.TryParse(value) is { } policy => policy.ToJson(),
        _ when Ranges.ContainsKey(name) => int.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        _ => value,
    };

    private static void Check(string name, string value, bool fifo, bool creating, string? ownerAccount)
    {
        if (!QueueAttributeNames.Known.Contains(name) || QueueAttributeNames.ReadOnly.Contains(name))
        {
            throw new AwsErrorException(SqsErrors.UnknownAttribute(name));
        }

        // Attribute values are strings with the message body's character set (SQS developer guide, "Quotas
        // related to messages"): a value that could not be written into an XML response is never stored.
        if (MessageValidation.FirstInvalidCharacter(value) >= 0)
        {
            throw new AwsErrorException(SqsErrors.InvalidAttributeValueFor(name));
        }

        if (!fifo)
        {
            switch (name)
            {
                case QueueAttributeNames.FifoQueue when !creating || !IsTrue(value):
                case QueueAttributeNames.ContentBasedDeduplication:
                    throw new AwsErrorException(SqsErrors.UnknownAttribute(name));
                case QueueAttributeNames.DeduplicationScope:
                case QueueAttributeNames.FifoThroughputLimit:
                    throw new AwsErrorException(SqsErrors.InvalidAttributeName(
                        $"You can specify the {name} only when FifoQueue is set to true."));
            }
        }

        if (Ranges.TryGetValue(name, out var range))
        {
            if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || n < range.Min || n > range.Max)
            {
                throw new AwsErrorException(SqsErrors.InvalidAttributeValueFor(name));
            }

            return;
        }

        switch (name)
        {
            case QueueAttributeNames.FifoQueue:
                if (!IsTrue(value))
                {
                    throw new AwsErrorException(creating
                        ? SqsErrors.InvalidAttributeValueFor(name)
                        : SqsErrors.InvalidAttributeValue("Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."));
                }

                break;
            case QueueAttributeNames.SqsManagedSseEnabled:
            case QueueAttributeNames.ContentBasedDeduplication:
                if (!IsTrue(value) && !string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
                {
                    throw new AwsErrorException(SqsErrors.InvalidAttributeValueFor(name));
                }

                break;
            case QueueAttributeNames.DeduplicationScope when value is not ("messageGroup" or "queue"):
            case QueueAttributeNames.FifoThroughputLimit when value is not ("perQueue" or "perMessageGroupId"):
                throw new AwsErrorException(SqsErrors.InvalidAttributeValueFor(name));
            case QueueAttributeNames.Policy when value.Length > 0:
                CheckPolicy(value, ownerAccount);
                break;
            case QueueAttributeNames.RedrivePolicy when value.Length > 0:
                CheckRedrivePolicy(value);
                break;
            case QueueAttributeNames.RedriveAllowPolicy when value.Length > 0:
                CheckRedriveAllowPolicy(value);
                break;
        }
    }

    private static bool IsTrue(string value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The queue policy validated by the policy engine with SQS's rules and quotas (8,192 bytes,
    /// 20 statements, 50 principals, 10 conditions): <c>OverLimit</c> (403) or <c>InvalidAttributeValue</c>.</summary>
    private static void CheckPolicy(string value, string? ownerAccount)
    {
        var parsed = Gatehouse.Policy.PolicyDocument.Parse(value, Gatehouse.Policy.PolicyKind.QueuePolicy,
            new Gatehouse.Policy.PolicyParseOptions { ResourceAccountId = ownerAccount });
        if (Gatehouse.Policy.PolicyErrors.ForSqs(parsed.Problems) is { } error)
        {
            throw new AwsErrorException(error.Code == "OverLimit" ? SqsErrors.OverLimit(error.Message) : SqsErrors.InvalidAttributeValue(error.Message));
        }
    }

    private static void CheckRedrivePolicy(string value)
    {
        AwsErrorException Bad(string reason) =>
            new(SqsErrors.InvalidValue(value, QueueAttributeNames.RedrivePolicy, reason));

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(value);
        }
        catch (JsonException)
        {
            throw Bad("Invalid JSON.");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad("Invalid JSON.");
            }

            if (!root.TryGetProperty("maxReceiveCount", out var max))
            {
                throw Bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
            }

            if (!root.TryGetProperty("deadLetterTargetArn", out var arn))
            {
                throw Bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
            }

            if (RedrivePolicy.TryParse(value) is not { MaxReceiveCount: <= 1000 } || arn.ValueKind != JsonValueKind.String)
            {
                throw Bad(max.ValueKind is JsonValueKind.Number or JsonValueKind.String
                    ? "Invalid value for maxReceiveCount: " + max.ToString() + ", valid values are from 1 to 1000 both inclusive."
                    : "Invalid JSON.");
            }

            foreach (var p in root.EnumerateObject())
            {
                if (p.Name is not ("maxReceiveCount" or "deadLetterTargetArn"))
                {
                    throw Bad($"Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].");
                }
            }
        }
    }

    private static void CheckRedriveAllowPolicy(string value)
    {
        AwsErrorException Bad(string reason) =>
            new(SqsErrors.InvalidValue(value, QueueAttributeNames.RedriveAllowPolicy, reason));

        try
        {
            using var doc = JsonDocument.Parse(value);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("redrivePermission", out var perm) || perm.ValueKind != JsonValueKind.String)
            {
                throw Bad("Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.");
            }

            var permission = perm.GetString();
            var hasArns = root.TryGetProperty("sourceQueueArns", out var arns);
            switch (permission)
            {
                case "allowAll" or "denyAll" when hasArns:
                    throw Bad("Amazon SQS can't create the redrive allow policy. To specify one or more source queues, you must set redrivePermission to byQueue.");
                case "byQueue" when !hasArns || arns.ValueKind != JsonValueKind.Array || arns.GetArrayLength() == 0:
                    throw Bad("Amazon SQS can't create the redrive allow policy. When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values.");
                case "byQueue" when arns.GetArrayLength() > 10:
                    throw Bad("Amazon SQS can't create the redrive allow policy. The maximum number of source queue ARNs you can specify is 10.");
                case "allowAll" or "denyAll" or "byQueue":
                    break;
                default:
                    throw Bad("Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.");
            }
        }
        catch (JsonException)
        {
            throw Bad("Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.");
        }
    }
}
