using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.Services.Identity;

/// <summary>
/// Encrypts secrets at rest (secret access keys, session tokens) with AES-256-GCM under the server key. The
/// ciphertext is <c>v1:</c> + base64(nonce ‖ tag ‖ ciphertext); a wrong key fails authentication rather than
/// yielding garbage.
/// </summary>
public sealed class SecretProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const string Prefix = "v1:";
    private readonly byte[] _key;

    public SecretProtector(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The server key must be 32 bytes (256 bits).", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>A fresh random 256-bit key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    public string Protect(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var buffer = new byte[NonceSize + TagSize + plain.Length];
        var nonce = buffer.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, buffer.AsSpan(NonceSize + TagSize), buffer.AsSpan(NonceSize, TagSize));
        return Prefix + Convert.ToBase64String(buffer);
    }

    /// <exception cref="CryptographicException">The value was encrypted under another key or was altered.</exception>
    public string Unprotect(string protectedSecret)
    {
        if (!protectedSecret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CryptographicException("Not a protected secret.");
        }

        var buffer = Convert.FromBase64String(protectedSecret[Prefix.Length..]);
        if (buffer.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("Protected secret is truncated.");
        }

        var plain = new byte[buffer.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(buffer.AsSpan(0, NonceSize), buffer.AsSpan(NonceSize + TagSize), buffer.AsSpan(NonceSize, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }
}
