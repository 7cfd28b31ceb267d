using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.Services.Iam;

/// <summary>
/// Console passwords as slow salted hashes: PBKDF2 with HMAC-SHA-256, a random 16-byte salt per password and
/// <see cref="Iterations"/> rounds, stored as <c>pbkdf2-sha256$ROUNDS$SALT$HASH</c> (base64). Verification
/// compares in constant time and re-derives with the rounds the hash was made with, so the count can be raised
/// later without invalidating stored passwords. The password itself is never stored or logged (docs/console.md).
/// </summary>
public static class PasswordHasher
{
    /// <summary>PBKDF2-HMAC-SHA256 rounds for new hashes: the OWASP password storage recommendation.</summary>
    public const int Iterations = 600_000;

    private const string Scheme = "pbkdf2-sha256";

    /// <summary>A hash of a password nobody has, verified against when the user does not exist, so a sign-in
    /// for an unknown user takes as long as one for a known user.</summary>
    private static readonly Lazy<string> Decoy = new(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))));

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Whether <paramref name="password"/> is the one <paramref name="stored"/> was made from; a null
    /// <paramref name="stored"/> is checked against a decoy and is always false.</summary>
    public static bool Verify(string password, string? stored)
    {
        var parts = (stored ?? Decoy.Value).Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rounds) || rounds < 1)
        {
            return false;
        }

        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, rounds, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected) && stored is not null;
    }
}
