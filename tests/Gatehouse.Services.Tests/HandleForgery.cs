using System.Buffers.Binary;

namespace Gatehouse.Services.Tests;

/// <summary>A fixed server key for tests.</summary>
internal static class TestKeys
{
    public static readonly byte[] Server = [.. Enumerable.Range(100, 32).Select(i => (byte)i)];
}

/// <summary>What an attacker could build before handles were keyed: the version 2 handle format, whose checksum
/// was a public function of (queue id, message id, receive number).</summary>
internal static class HandleForgery
{
    public static string Version2(long queueId, long rowId, int nonce)
    {
        var buf = new byte[29];
        buf[0] = 2;
        BinaryPrimitives.WriteInt64BigEndian(buf.AsSpan(1), queueId);
        BinaryPrimitives.WriteInt64BigEndian(buf.AsSpan(9), rowId);
        BinaryPrimitives.WriteInt32BigEndian(buf.AsSpan(17), nonce);
        var sum = Mix(Mix(Mix((ulong)queueId ^ 0x6761_7465_686f_7573UL) ^ (ulong)rowId) ^ (uint)nonce ^ (2UL << 56));
        BinaryPrimitives.WriteUInt64BigEndian(buf.AsSpan(21), sum);
        return "AQEB" + Convert.ToBase64String(buf);
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        x ^= x >> 33;
        return x;
    }
}
