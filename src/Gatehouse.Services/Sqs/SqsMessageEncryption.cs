using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gatehouse.Services.Kms;

namespace Gatehouse.Services.Sqs;

/// <summary>A data key SQS holds for one producer of one SSE-KMS queue: the plaintext key that encrypts message
/// bodies, the same key encrypted under the KMS key (stored with every message), and when reuse ends.</summary>
public sealed record SseDataKey(string KeyArn, string QueueArn, byte[] Plaintext, byte[] EncryptedKey, long ExpiresMs);

/// <summary>
/// Server-side encryption with KMS for SQS messages (Amazon SQS developer guide, "Encryption at rest" and "Key
/// management"): envelope encryption with data keys from <see cref="KmsService"/>, each reused for
/// <c>KmsDataKeyReusePeriodSeconds</c> per queue, key and principal (messages sent by different principals get
/// different data keys), and decryption authorized once per reuse period per consumer. The message body and its
/// attributes are sealed with AES-256-GCM under the data key before they reach the store, so the database holds
/// only the envelope: the encrypted data key, the queue ARN of its encryption context, and the ciphertext.
/// </summary>
public sealed class SqsMessageEncryption(KmsService kms, TimeProvider time)
{
    /// <summary>The encryption context SQS sends with its KMS calls for a queue (<c>aws:sqs:arn</c>).</summary>
    public const string ContextKey = "aws:sqs:arn";

    /// <summary>The default and the bounds of <c>KmsDataKeyReusePeriodSeconds</c>.</summary>
    public const int DefaultReusePeriodSeconds = 300;

    /// <summary>U+0001 cannot occur in an SQS message body (the allowed characters exclude it), so no plaintext body
    /// is ever mistaken for an envelope.</summary>
    private const string Prefix = "\u0001ghsse1:";
    private const int NonceSize = 12, TagSize = 16;

    private readonly ConcurrentDictionary<(string Queue, string Key, string Principal), SseDataKey> _encrypt = new();
    private readonly ConcurrentDictionary<(string Queue, string Key, string Principal), long> _decryptAuthorized = new();
    private readonly ConcurrentDictionary<string, (byte[] Plaintext, long ExpiresMs)> _unwrapped = new(StringComparer.Ordinal);

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public static IReadOnlyList<KeyValuePair<string, string>> Context(string queueArn) => [new(ContextKey, queueArn)];

    /// <summary>The producer's data key while its reuse period lasts.</summary>
    public SseDataKey? CachedDataKey(string queueArn, string keyArn, string principal) =>
        _encrypt.TryGetValue((queueArn, keyArn, principal), out var key) && key.ExpiresMs > NowMs ? key : null;

    /// <summary>A new data key for the producer, from KMS (GenerateDataKey, then Decrypt to verify it, as SQS does);
    /// throws KMS's error for a key that is not usable.</summary>
    public SseDataKey NewDataKey(KmsKey key, string queueArn, string principal, int reusePeriodSeconds)
    {
        var context = Context(queueArn);
        var (plaintext, encrypted) = kms.GenerateDataKey(key, 32, context);
        kms.Decrypt(key, encrypted, context);
        var dataKey = new SseDataKey(key.Arn, queueArn, plaintext, encrypted, NowMs + (reusePeriodSeconds * 1000L));
        _encrypt[(queueArn, key.Arn, principal)] = dataKey;
        _unwrapped[Convert.ToBase64String(encrypted)] = (plaintext, dataKey.ExpiresMs);
        return dataKey;
    }

    /// <summary>Whether the consumer's KMS Decrypt authorization for the queue and key is still within its reuse period.</summary>
    public bool DecryptAuthorized(string queueArn, string keyArn, string principal) =>
        _decryptAuthorized.TryGetValue((queueArn, keyArn, principal), out var until) && until > NowMs;

    public void RecordDecryptAuthorized(string queueArn, string keyArn, string principal, int reusePeriodSeconds) =>
        _decryptAuthorized[(queueArn, keyArn, principal)] = NowMs + (reusePeriodSeconds * 1000L);

    /// <summary>Forgets every cached data key (tests; a key whose material must stop being used).</summary>
    public void Clear()
    {
        _encrypt.Clear();
        _decryptAuthorized.Clear();
        _unwrapped.Clear();
    }

    public static bool IsSealed(string body) => body.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The message with its body and attributes replaced by the envelope.</summary>
    public static NewMessage Seal(NewMessage message, SseDataKey dataKey)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Payload(message.Body, [.. message.Attributes.Select(a => new PayloadAttribute(
            a.Key, a.Value.DataType, a.Value.StringValue, a.Value.BinaryValue))]));
        var arn = Encoding.UTF8.GetBytes(dataKey.QueueArn);
        var header = 2 + arn.Length + 2 + dataKey.EncryptedKey.Length;
        var envelope = new byte[header + NonceSize + TagSize + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(envelope, (ushort)arn.Length);
        arn.CopyTo(envelope, 2);
        BinaryPrimitives.WriteUInt16BigEndian(envelope.AsSpan(2 + arn.Length), (ushort)dataKey.EncryptedKey.Length);
        dataKey.EncryptedKey.CopyTo(envelope, 4 + arn.Length);
        var nonce = envelope.AsSpan(header, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(dataKey.Plaintext, TagSize);
        aes.Encrypt(nonce, payload, envelope.AsSpan(header + NonceSize + TagSize), envelope.AsSpan(header + NonceSize, TagSize));
        return message with { Body = Prefix + Convert.ToBase64String(envelope), Attributes = [] };
    }

    /// <summary>The message with its plaintext body and attributes back; bodies that are not envelopes pass
    /// unchanged. Unwrapping a data key not seen within the reuse period is a KMS Decrypt.</summary>
    public StoredMessage Open(StoredMessage message)
    {
        if (!IsSealed(message.Body))
        {
            return message;
        }

        var envelope = Convert.FromBase64String(message.Body[Prefix.Length..]);
        var arnLength = BinaryPrimitives.ReadUInt16BigEndian(envelope);
        var queueArn = Encoding.UTF8.GetString(envelope, 2, arnLength);
        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(envelope.AsSpan(2 + arnLength));
        var encryptedKey = envelope.AsSpan(4 + arnLength, keyLength).ToArray();
        var header = 4 + arnLength + keyLength;
        var id = Convert.ToBase64String(encryptedKey);
        byte[] dataKey;
        if (_unwrapped.TryGetValue(id, out var cached) && cached.ExpiresMs > NowMs)
        {
            dataKey = cached.Plaintext;
        }
        else
        {
            var key = kms.KeyOfCiphertext(encryptedKey);
            dataKey = kms.Decrypt(key, encryptedKey, Context(queueArn));
            _unwrapped[id] = (dataKey, NowMs + (DefaultReusePeriodSeconds * 1000L));
        }

        var payload = new byte[envelope.Length - header - NonceSize - TagSize];
        using (var aes = new AesGcm(dataKey, TagSize))
        {
            aes.Decrypt(envelope.AsSpan(header, NonceSize), envelope.AsSpan(header + NonceSize + TagSize), envelope.AsSpan(header + NonceSize, TagSize), payload);
        }

        var plain = JsonSerializer.Deserialize<Payload>(payload)!;
        return message with
        {
            Body = plain.B,
            Attributes = [.. plain.A.Select(a => new KeyValuePair<string, MessageAttributeValue>(a.N, new MessageAttributeValue(a.T, a.S, a.V)))],
        };
    }

    private sealed record Payload(string B, List<PayloadAttribute> A);

    private sealed record PayloadAttribute(string N, string T, string? S, byte[]? V);
}
