using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.SigV4.Internal;

/// <summary>
/// Derived signing keys per (secret, date, region, service). A key is valid for one day, so a busy caller
/// costs four HMACs a day instead of four per request. Bounded: when full, the cache starts over.
/// </summary>
internal sealed class SigningKeyCache(int capacity)
{
    private readonly ConcurrentDictionary<Key, byte[]> _keys = new();

    public int Count => _keys.Count;

    public byte[] Get(string secret, string date, string region, string service)
    {
        var key = new Key(secret, date, region, service);
        if (_keys.TryGetValue(key, out var signingKey))
            return signingKey;
        signingKey = Derive(secret, date, region, service);
        if (_keys.Count >= capacity)
            _keys.Clear();
        _keys[key] = signingKey;
        return signingKey;
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").</summary>
    public static byte[] Derive(string secret, string date, string region, string service)
    {
        var current = Encoding.UTF8.GetBytes("AWS4" + secret);
        Span<byte> next = stackalloc byte[32];
        foreach (var part in (ReadOnlySpan<string>)[date, region, service, "aws4_request"])
        {
            HMACSHA256.HashData(current, Encoding.UTF8.GetBytes(part), next);
            current = next.ToArray();
        }
        return current;
    }

    private readonly record struct Key(string Secret, string Date, string Region, string Service);
}
