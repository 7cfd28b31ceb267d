using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.Services.Kms;

/// <summary>
/// The ciphertext blob of a symmetric key: <c>"GHK1"</c> ‖ key-ARN length (2 bytes) ‖ key ARN ‖ nonce (12) ‖
/// tag (16) ‖ AES-256-GCM ciphertext. The additional authenticated data binds the key ARN and the encryption
/// context, so a blob decrypts only with its key and exactly the context it was encrypted with (AWS KMS
/// developer guide, "Encryption context").
/// </summary>
public static class KmsCrypto
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Magic = "GHK1"u8.ToArray();

    public static byte[] Seal(byte[] material, string keyArn, ReadOnlySpan<byte> plaintext, IReadOnlyCollection<KeyValuePair<string, string>>? context)
    {
        var arn = Encoding.UTF8.GetBytes(keyArn);
        var header = Magic.Length + 2 + arn.Length;
        var blob = new byte[header + NonceSize + TagSize + plaintext.Length];
        Magic.CopyTo(blob, 0);
        BinaryPrimitives.WriteUInt16BigEndian(blob.AsSpan(Magic.Length), (ushort)arn.Length);
        arn.CopyTo(blob, Magic.Length + 2);
        var nonce = blob.AsSpan(header, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(material, TagSize);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(header + NonceSize + TagSize), blob.AsSpan(header + NonceSize, TagSize), Aad(keyArn, context));
        return blob;
    }

    /// <summary>The key ARN a blob names, or null when it is not a blob of ours.</summary>
    public static string? KeyArnOf(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < Magic.Length + 2 || !blob[..Magic.Length].SequenceEqual(Magic))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(blob[Magic.Length..]);
        return blob.Length < Magic.Length + 2 + length + NonceSize + TagSize
            ? null
            : Encoding.UTF8.GetString(blob.Slice(Magic.Length + 2, length));
    }

    /// <summary>The plaintext, or null when the blob was altered or the context differs.</summary>
    public static byte[]? Open(byte[] material, string keyArn, ReadOnlySpan<byte> blob, IReadOnlyCollection<KeyValuePair<string, string>>? context)
    {
        var header = Magic.Length + 2 + Encoding.UTF8.GetByteCount(keyArn);
        if (blob.Length < header + NonceSize + TagSize)
        {
            return null;
        }

        var plaintext = new byte[blob.Length - header - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(material, TagSize);
            aes.Decrypt(blob.Slice(header, NonceSize), blob[(header + NonceSize + TagSize)..], blob.Slice(header + NonceSize, TagSize), plaintext, Aad(keyArn, context));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>Key ARN and context pairs (sorted by key, each length-prefixed): the context is order-insensitive
    /// as in KMS, and no two different contexts serialize alike.</summary>
    private static byte[] Aad(string keyArn, IReadOnlyCollection<KeyValuePair<string, string>>? context)
    {
        using var stream = new MemoryStream();
        void Write(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            stream.Write(length);
            stream.Write(bytes);
        }

        Write(keyArn);
        foreach (var (k, v) in (context ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Write(k);
            Write(v);
        }

        return stream.ToArray();
    }
}
