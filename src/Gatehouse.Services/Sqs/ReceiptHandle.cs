using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Gatehouse.Services.Sqs;

/// <summary>
/// An opaque receipt handle: queue id, message row, the receive it came from, and a checksum so that a handle
/// this server never issued is told apart from a stale one (ReceiptHandleIsInvalid only for the former, wire
/// reference §4.9). Base64 like AWS's handles.
/// </summary>
public readonly record struct ReceiptHandle(long QueueId, long RowId, int Nonce)
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 8 + 8 + 4;
    private const int Length = PayloadLength + 8;

    public string Encode()
    {
        Span<byte> buf = stackalloc byte[Length];
        buf[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(buf[1..], QueueId);
        BinaryPrimitives.WriteInt64BigEndian(buf[9..], RowId);
        BinaryPrimitives.WriteInt32BigEndian(buf[17..], Nonce);
        Checksum(buf[..PayloadLength], buf[PayloadLength..]);
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
        if (!Convert.TryFromBase64String(text[4..], buf, out var written) || written != Length || buf[0] != Version)
        {
            return false;
        }

        Span<byte> sum = stackalloc byte[8];
        Checksum(buf[..PayloadLength], sum);
        if (!sum.SequenceEqual(buf.Slice(PayloadLength, 8)))
        {
            return false;
        }

        handle = new ReceiptHandle(
            BinaryPrimitives.ReadInt64BigEndian(buf[1..]),
            BinaryPrimitives.ReadInt64BigEndian(buf[9..]),
            BinaryPrimitives.ReadInt32BigEndian(buf[17..]));
        return true;
    }

    private static void Checksum(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload, hash);
        hash[..8].CopyTo(destination);
    }
}
