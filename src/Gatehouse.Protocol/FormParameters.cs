using System.Buffers;
using System.Text;

namespace Gatehouse.Protocol;

/// <summary>
/// Parses <c>application/x-www-form-urlencoded</c> text (a URL's query string or a Query-protocol body) strictly and
/// in one pass: <c>+</c> is a space, <c>%XX</c> a byte, the bytes UTF-8. Nothing is guessed: a malformed escape,
/// bytes that are not UTF-8, or a parameter given twice is refused with <c>MalformedQueryString</c> rather than kept
/// literally, joined or silently overridden (AWS "Common Errors": the query string contains a syntax error).
/// </summary>
public static class FormParameters
{
    /// <summary>Adds the parameters of <paramref name="text"/> (a leading <c>?</c> is skipped) to
    /// <paramref name="into"/>. A name already present from an earlier call is replaced (the body wins over the URL);
    /// a name repeated within <paramref name="text"/> is refused.</summary>
    public static void Parse(ReadOnlySpan<char> text, Dictionary<string, string> into)
    {
        if (text.StartsWith("?"))
        {
            text = text[1..];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!text.IsEmpty)
        {
            var amp = text.IndexOf('&');
            var pair = amp < 0 ? text : text[..amp];
            text = amp < 0 ? [] : text[(amp + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            var name = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            if (!seen.Add(name))
            {
                throw new AwsErrorException(CommonErrors.MalformedQueryString());
            }

            into[name] = value;
        }
    }

    /// <summary>As <see cref="Parse(ReadOnlySpan{char}, Dictionary{string, string})"/> for a request body, which must
    /// be UTF-8.</summary>
    public static void Parse(ReadOnlySpan<byte> body, Dictionary<string, string> into)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            throw new AwsErrorException(CommonErrors.MalformedQueryString());
        }

        Parse(text, into);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Decode(ReadOnlySpan<char> s)
    {
        if (s.IndexOfAny('%', '+') < 0)
        {
            return s.ToString();
        }

        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(s.Length));
        try
        {
            var n = 0;
            for (var i = 0; i < s.Length; i++)
            {
                var c = s[i];
                if (c == '+')
                {
                    rented[n++] = (byte)' ';
                }
                else if (c == '%')
                {
                    if (i + 2 >= s.Length || !IsHex(s[i + 1]) || !IsHex(s[i + 2]))
                    {
                        throw new AwsErrorException(CommonErrors.MalformedQueryString());
                    }

                    rented[n++] = (byte)((HexValue(s[i + 1]) << 4) | HexValue(s[i + 2]));
                    i += 2;
                }
                else if (c < 0x80)
                {
                    rented[n++] = (byte)c;
                }
                else
                {
                    // Characters sent unescaped: keep them as their UTF-8 bytes.
                    var end = i + 1;
                    while (end < s.Length && s[end] >= 0x80)
                    {
                        end++;
                    }

                    n += Encoding.UTF8.GetBytes(s[i..end], rented.AsSpan(n));
                    i = end - 1;
                }
            }

            try
            {
                return StrictUtf8.GetString(rented, 0, n);
            }
            catch (DecoderFallbackException)
            {
                throw new AwsErrorException(CommonErrors.MalformedQueryString());
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
