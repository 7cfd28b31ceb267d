using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.Services.Sqs;

/// <summary>
/// An opaque receipt handle: queue id, message row, the receive it came from, and a keyed MAC over the three, so
/// that a handle this server never issued is refused (ReceiptHandleIsInvalid; docs/sqs-behaviour.md). Base64 like
/// AWS's handles.
/// </summary>
/// <remarks>
/// Every receive yields a handle no other receive had: queue and message ids are never reused
/// (<c>AUTOINCREMENT</c> in the store) and <see cref="Nonce"/> counts the message's receives. The MAC makes
/// handles unforgeable: a principal allowed only <c>sqs:DeleteMessage</c> cannot delete a message it never
/// received by making up a handle. Handles of versions 1 and 2 (earlier builds) carried an unkeyed checksum that
/// anyone could compute, so they are no longer accepted (docs/sqs-behaviour.md, "Receipt handles").
/// </remarks>
public readonly record struct ReceiptHandle(long QueueId, long RowId, int Nonce)
{
    private const byte Version = 3;
    private const int PayloadLength = 1 + 8 + 8 + 4;
    private const int Length = PayloadLength + 8;

    public string Encode(ReceiptHandleKey key)
    {
        Span<byte> buf = stackalloc byte[Length];
        buf[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(buf[1..], QueueId);
        BinaryPrimitives.WriteInt64BigEndian(buf[9..], RowId);
        BinaryPrimitives.WriteInt32BigEndian(buf[17..], Nonce);
        BinaryPrimitives.WriteUInt64BigEndian(buf[PayloadLength..], key.Mac(buf[..PayloadLength]));
        return "AQEB" + Convert.ToBase64String(buf);
    }

    public static bool TryDecode(string? text, ReceiptHandleKey key, out ReceiptHandle handle)
    {
        handle = default;
        if (text is null || text.Length is < 8 or > 128 || !text.StartsWith("AQEB", StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> buf = stackalloc byte[96];
        if (!Convert.TryFromBase64String(text[4..], buf, out var written) || written != Length || buf[0] != Version)
        {
            return false;
        }

        // Constant-time comparison: the time taken tells nothing about how much of a guessed MAC was right.
        Span<byte> expected = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(expected, key.Mac(buf[..PayloadLength]));
        if (!CryptographicOperations.FixedTimeEquals(expected, buf.Slice(PayloadLength, 8)))
        {
            return false;
        }

        handle = new ReceiptHandle(
            BinaryPrimitives.ReadInt64BigEndian(buf[1..]),
            BinaryPrimitives.ReadInt64BigEndian(buf[9..]),
            BinaryPrimitives.ReadInt32BigEndian(buf[17..]));
        return true;
    }
}

/// <summary>
/// The key that authenticates receipt handles, derived from the server key (HKDF-SHA256, RFC 5869), so handles
/// stay valid across restarts and on every node that shares the server key. The MAC is SipHash-2-4 (Aumasson and
/// Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed 64-bit PRF made for short inputs, about fifty
/// times cheaper than an HMAC-SHA256 call here, and every receive and delete computes up to ten.
/// </summary>
public sealed class ReceiptHandleKey
{
    private static readonly byte[] Info = Encoding.ASCII.GetBytes("gatehouse sqs receipt handle v3");
    private readonly ulong _k0;
    private readonly ulong _k1;

    public ReceiptHandleKey(ReadOnlySpan<byte> serverKey)
    {
        if (serverKey.Length < 16)
        {
            throw new ArgumentException("The server key must be at least 16 bytes.", nameof(serverKey));
        }

        Span<byte> k = stackalloc byte[16];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, serverKey, k, salt: default, Info);
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(k);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(k[8..]);
        CryptographicOperations.ZeroMemory(k);
    }

    /// <summary>A key made directly from SipHash's two 64-bit key words (for the reference test vector).</summary>
    internal ReceiptHandleKey(ulong k0, ulong k1)
    {
        _k0 = k0;
        _k1 = k1;
    }

    /// <summary>SipHash-2-4 of <paramref name="data"/>.</summary>
    internal ulong Mac(ReadOnlySpan<byte> data)
    {
        var v0 = _k0 ^ 0x736f6d6570736575UL;
        var v1 = _k1 ^ 0x646f72616e646f6dUL;
        var v2 = _k0 ^ 0x6c7967656e657261UL;
        var v3 = _k1 ^ 0x7465646279746573UL;
        var end = data.Length - (data.Length % 8);
        for (var i = 0; i < end; i += 8)
        {
            var m = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        // The last block: the remaining bytes, little-endian, with the length's low byte on top.
        var last = (ulong)data.Length << 56;
        for (var i = end; i < data.Length; i++)
        {
            last |= (ulong)data[i] << (8 * (i - end));
        }

        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;
        v2 ^= 0xff;
        for (var i = 0; i < 4; i++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }

        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = ulong.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = ulong.RotateLeft(v0, 32);
        v2 += v3;
        v3 = ulong.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = ulong.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = ulong.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = ulong.RotateLeft(v2, 32);
    }
}
