using System.Buffers;
using System.Text;

namespace Gatehouse.SigV4.Internal;

/// <summary>
/// RFC 3986 encoding as SigV4 defines it: unreserved characters (A–Z a–z 0–9 - _ . ~) stay, every other
/// UTF-8 byte becomes %XX with upper-case hex. https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
/// </summary>
internal static class UriEncoding
{
    private const string HexUpper = "0123456789ABCDEF";

    public static bool IsUnreserved(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~';

    public static void AppendEncoded(ref PooledText text, ReadOnlySpan<char> value, bool keepSlash)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsUnreserved(c) || (keepSlash && c == '/'))
            {
                text.Append(c);
                continue;
            }
            int count;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                count = Encoding.UTF8.GetBytes(value.Slice(i, 2), utf8);
                i++;
            }
            else
            {
                count = Encoding.UTF8.GetBytes(value.Slice(i, 1), utf8);
            }
            for (var b = 0; b < count; b++)
            {
                var target = text.AppendSpan(3);
                target[0] = '%';
                target[1] = HexUpper[utf8[b] >> 4];
                target[2] = HexUpper[utf8[b] & 0xF];
            }
        }
    }

    public static string Encode(ReadOnlySpan<char> value, bool keepSlash)
    {
        var text = new PooledText(value.Length * 3 + 8);
        try
        {
            AppendEncoded(ref text, value, keepSlash);
            return text.ToString();
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>
    /// Decodes a query-string component: %XX sequences as UTF-8 and '+' as a space (form encoding).
    /// Malformed escapes are kept literally, as lenient servers do.
    /// </summary>
    public static string DecodeQueryComponent(ReadOnlySpan<char> value)
    {
        if (value.IndexOfAny('%', '+') < 0)
            return new string(value);
        var bytes = ArrayPool<byte>.Shared.Rent((value.Length * 3) + 4);
        try
        {
            var n = 0;
            Span<byte> one = stackalloc byte[4];
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '+')
                {
                    bytes[n++] = (byte)' ';
                }
                else if (c == '%' && i + 2 < value.Length && IsHex(value[i + 1]) && IsHex(value[i + 2]))
                {
                    bytes[n++] = (byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2]));
                    i += 2;
                }
                else
                {
                    var take = char.IsHighSurrogate(c) && i + 1 < value.Length ? 2 : 1;
                    var count = Encoding.UTF8.GetBytes(value.Slice(i, take), one);
                    one[..count].CopyTo(bytes.AsSpan(n));
                    n += count;
                    i += take - 1;
                }
            }
            return Encoding.UTF8.GetString(bytes, 0, n);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
