using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.Services.Sqs;

/// <summary>
/// The MD5 digests SQS returns and SDKs verify (SQS Developer Guide, "Calculating the MD5 message digest for message attributes"): of the UTF-8 body, and of message
/// attributes sorted by name, each fed as length-prefixed name, type, a transport byte and the value.
/// </summary>
public static class Md5Digests
{
    private const byte StringTransport = 1;
    private const byte BinaryTransport = 2;
    private const byte StringListTransport = 3;
    private const byte BinaryListTransport = 4;

    public static string OfBody(string body)
    {
        var max = Encoding.UTF8.GetMaxByteCount(body.Length);
        var rented = max <= 4096 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            Span<byte> buf = rented ?? stackalloc byte[max];
            var n = Encoding.UTF8.GetBytes(body, buf);
            Span<byte> hash = stackalloc byte[16];
            MD5.HashData(buf[..n], hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Digest of the given attributes, or null when there are none (AWS then omits the member).</summary>
    public static string? OfAttributes(IReadOnlyCollection<KeyValuePair<string, MessageAttributeValue>> attributes)
    {
        if (attributes.Count == 0)
        {
            return null;
        }

        var sorted = attributes.OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var (name, value) in sorted)
        {
            AppendString(md5, name);
            AppendString(md5, value.DataType);
            if (value.BinaryValue is { } bin)
            {
                md5.AppendData([BinaryTransport]);
                AppendBytes(md5, bin);
            }
            else if (value.StringValue is { } str)
            {
                md5.AppendData([StringTransport]);
                AppendString(md5, str);
            }
            else if (value.StringListValues is { } strings)
            {
                md5.AppendData([StringListTransport]);
                foreach (var s in strings)
                {
                    AppendString(md5, s);
                }
            }
            else if (value.BinaryListValues is { } blobs)
            {
                md5.AppendData([BinaryListTransport]);
                foreach (var b in blobs)
                {
                    AppendBytes(md5, b);
                }
            }
        }

        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    private static void AppendString(IncrementalHash md5, string s) => AppendBytes(md5, Encoding.UTF8.GetBytes(s));

    private static void AppendBytes(IncrementalHash md5, ReadOnlySpan<byte> bytes)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, bytes.Length);
        md5.AppendData(len);
        md5.AppendData(bytes);
    }
}
