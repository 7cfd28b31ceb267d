using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Gatehouse.Services.Sqs;

/// <summary>
/// An opaque receipt handle: queue id, message row, the receive it came from, and a checksum so that a handle
/// this server never issued is told apart from a stale one (ReceiptHandleIsInvalid only for the former, wire
/// reference §4.9). Base64 like AWS's handles.
/// </summary>
/// <remarks>
/// The checksum guards against typos and made-up handles, not against forgery (a handle grants nothing that the
/// caller's permissions do not), so it is a 64-bit mix of the fields rather than a cryptographic hash: every
/// receive and every delete computes ten of them. Version 1 handles (SHA-256 checksum) from earlier builds are
/// still accepted.
/// </remarks>
public readonly record struct ReceiptHandle(long QueueId, long RowId, int Nonce)
{
    private const byte Version = 2;
    private const byte Version1 = 1;
    private const int PayloadLength = 1 + 8 + 8 + 4;
    private const int Length = PayloadLength + 8;

    public string Encode()
    {
        Span<byte> buf = stackalloc byte[Length];
        buf[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(buf[1..], QueueId);
        BinaryPrimitives.WriteInt64BigEndian(buf[9..], RowId);
        BinaryPrimitives.WriteInt32BigEndian(buf[17..], Nonce);
        BinaryPrimitives.WriteUInt64BigEndian(buf[PayloadLength..], Checksum(QueueId, RowId, Nonce));
        return "AQEB" + Convert.ToBase64String(buf);
    }

    public static bool TryDecode(string? text, out ReceiptHandle handle)
    {
        handle = default;
        if (text is null || text.Length < 8 || !text.StartsWith("AQEB", StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> buf = stackalloc byte[64];
        if (!Convert.TryFromBase64String(text[4..], buf, out var written) || written != Length || buf[0] is not (Version or Version1))
        {
            return false;
        }

        var decoded = new ReceiptHandle(
            BinaryPrimitives.ReadInt64BigEndian(buf[1..]),
            BinaryPrimitives.ReadInt64BigEndian(buf[9..]),
            BinaryPrimitives.ReadInt32BigEndian(buf[17..]));
        var sum = buf.Slice(PayloadLength, 8);
        var valid = buf[0] == Version
            ? BinaryPrimitives.ReadUInt64BigEndian(sum) == Checksum(decoded.QueueId, decoded.RowId, decoded.Nonce)
            : Version1Checksum(buf[..PayloadLength]).SequenceEqual(sum);
        if (!valid)
        {
            return false;
        }

        handle = decoded;
        return true;
    }

    private static ulong Checksum(long queueId, long rowId, int nonce) =>
        Mix(Mix(Mix((ulong)queueId ^ 0x6761_7465_686f_7573UL) ^ (ulong)rowId) ^ (uint)nonce ^ ((ulong)Version << 56));

    /// <summary>A 64-bit finalizer (xor-shift and multiply rounds): every input bit affects every output bit.</summary>
    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        x ^= x >> 33;
        return x;
    }

    private static byte[] Version1Checksum(ReadOnlySpan<byte> payload) => SHA256.HashData(payload)[..8];
}
