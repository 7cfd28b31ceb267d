using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.SigV4.Internal;

/// <summary>
/// Canonical request → string to sign → signature, per
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (non-S3 rules: path
/// segments normalised and URI-encoded twice). Shared by the verifier and the signer, so they cannot drift.
/// </summary>
internal static class SignatureCalculator
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const int SignatureLength = 64;

    /// <summary>Inputs that differ per request.</summary>
    public readonly record struct Inputs(
        string Method,
        string RawPath,
        List<KeyValuePair<string, string>> Query,
        bool SkipSignatureParameter,
        ISigV4Headers Headers,
        string SignedHeaders,
        string PayloadHash,
        string AmzDate,
        string Scope);

    /// <summary>Writes the lower-case hex signature into <paramref name="signature"/> (64 chars).</summary>
    public static void Compute(in Inputs inputs, byte[] signingKey, Span<char> signature) =>
        Compute(inputs, signingKey, signature, out _, out _, captureText: false);

    public static void Compute(
        in Inputs inputs, byte[] signingKey, Span<char> signature,
        out string? canonicalRequest, out string? stringToSign, bool captureText)
    {
        Span<byte> hash = stackalloc byte[32];
        var canonical = new PooledText(512);
        try
        {
            WriteCanonicalRequest(ref canonical, inputs);
            Sha256(canonical.Written, hash);
            canonicalRequest = captureText ? canonical.ToString() : null;
        }
        finally
        {
            canonical.Dispose();
        }

        var toSign = new PooledText(256);
        try
        {
            toSign.Append(Algorithm);
            toSign.Append('\n');
            toSign.Append(inputs.AmzDate);
            toSign.Append('\n');
            toSign.Append(inputs.Scope);
            toSign.Append('\n');
            Hex.WriteLower(hash, toSign.AppendSpan(64));
            stringToSign = captureText ? toSign.ToString() : null;

            Span<byte> mac = stackalloc byte[32];
            var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(toSign.Written.Length));
            try
            {
                var count = Encoding.UTF8.GetBytes(toSign.Written, bytes);
                HMACSHA256.HashData(signingKey, bytes.AsSpan(0, count), mac);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
            Hex.WriteLower(mac, signature);
        }
        finally
        {
            toSign.Dispose();
        }
    }

    /// <summary>Lower-case hex SHA-256 of a payload.</summary>
    public static string HashPayload(ReadOnlySpan<byte> payload)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload, hash);
        Span<char> hex = stackalloc char[64];
        Hex.WriteLower(hash, hex);
        return new string(hex);
    }

    public static string EmptyPayloadHash { get; } = HashPayload([]);

    private static void Sha256(ReadOnlySpan<char> text, Span<byte> hash)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var count = Encoding.UTF8.GetBytes(text, bytes);
            SHA256.HashData(bytes.AsSpan(0, count), hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static void WriteCanonicalRequest(ref PooledText text, in Inputs inputs)
    {
        text.Append(inputs.Method);
        text.Append('\n');
        WriteCanonicalPath(ref text, inputs.RawPath);
        text.Append('\n');
        WriteCanonicalQuery(ref text, inputs.Query, inputs.SkipSignatureParameter);
        text.Append('\n');
        var names = inputs.SignedHeaders.AsSpan();
        foreach (var range in names.Split(';'))
        {
            var name = names[range];
            if (name.Length == 0)
                continue;
            WriteLower(ref text, name);
            text.Append(':');
            WriteCanonicalHeaderValue(ref text, inputs.Headers.GetValues(name.ToString()));
            text.Append('\n');
        }
        text.Append('\n');
        WriteLower(ref text, names);
        text.Append('\n');
        text.Append(inputs.PayloadHash);
    }

    /// <summary>
    /// Removes empty and '.' segments, resolves '..', keeps a trailing slash, then encodes each raw
    /// (already percent-encoded) segment once more: the "double encoding" of non-S3 services.
    /// </summary>
    internal static void WriteCanonicalPath(ref PooledText text, string rawPath)
    {
        var path = rawPath.AsSpan();
        Span<Range> stack = path.Length <= 64 ? stackalloc Range[path.Length + 1] : new Range[path.Length + 1];
        var depth = 0;
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            if (segment.Length == 0 || segment is ".")
                continue;
            if (segment is "..")
            {
                if (depth > 0)
                    depth--;
                continue;
            }
            stack[depth++] = range;
        }
        if (depth == 0)
        {
            text.Append('/');
            return;
        }
        for (var i = 0; i < depth; i++)
        {
            text.Append('/');
            UriEncoding.AppendEncoded(ref text, path[stack[i]], keepSlash: false);
        }
        if (path[^1] == '/')
            text.Append('/');
    }

    private static void WriteCanonicalQuery(
        ref PooledText text, List<KeyValuePair<string, string>> query, bool skipSignature)
    {
        if (query.Count == 0)
            return;
        var encoded = new KeyValuePair<string, string>[query.Count];
        var n = 0;
        foreach (var pair in query)
        {
            if (skipSignature && string.Equals(pair.Key, "X-Amz-Signature", StringComparison.Ordinal))
                continue;
            encoded[n++] = new(UriEncoding.Encode(pair.Key, false), UriEncoding.Encode(pair.Value, false));
        }
        Array.Sort(encoded, 0, n, PairComparer.Instance);
        for (var i = 0; i < n; i++)
        {
            if (i > 0)
                text.Append('&');
            text.Append(encoded[i].Key);
            text.Append('=');
            text.Append(encoded[i].Value);
        }
    }

    /// <summary>Values trimmed, runs of spaces collapsed to one, several values joined with ','.</summary>
    private static void WriteCanonicalHeaderValue(ref PooledText text, IReadOnlyList<string?>? values)
    {
        if (values is null)
            return;
        var first = true;
        foreach (var value in values)
        {
            if (value is null)
                continue;
            if (!first)
                text.Append(',');
            first = false;
            var trimmed = value.AsSpan().Trim();
            var previousSpace = false;
            foreach (var c in trimmed)
            {
                var isSpace = c is ' ' or '\t';
                if (isSpace && previousSpace)
                    continue;
                text.Append(isSpace ? ' ' : c);
                previousSpace = isSpace;
            }
        }
    }

    private static void WriteLower(ref PooledText text, ReadOnlySpan<char> value)
    {
        var target = text.AppendSpan(value.Length);
        value.ToLowerInvariant(target);
    }

    private sealed class PairComparer : IComparer<KeyValuePair<string, string>>
    {
        public static readonly PairComparer Instance = new();

        public int Compare(KeyValuePair<string, string> x, KeyValuePair<string, string> y)
        {
            var byKey = string.CompareOrdinal(x.Key, y.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(x.Value, y.Value);
        }
    }
}
