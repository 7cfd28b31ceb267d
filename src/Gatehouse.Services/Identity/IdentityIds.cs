using System.Security.Cryptography;

namespace Gatehouse.Services.Identity;

/// <summary>
/// AWS-shaped identifiers: unique ids are a four-letter type prefix and 17 base32 characters (21 in all:
/// <c>AIDA…</c> user, <c>AROA…</c> role, <c>AGPA…</c> group, <c>ANPA…</c> managed policy); access key ids are a
/// prefix and 16 characters (20 in all: <c>AKIA…</c> long-term, <c>ASIA…</c> temporary), as AWS issues them.
/// </summary>
public static class IdentityIds
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public const string UserPrefix = "AIDA";
    public const string RolePrefix = "AROA";
    public const string GroupPrefix = "AGPA";
    public const string PolicyPrefix = "ANPA";
    public const string LongTermKeyPrefix = "AKIA";
    public const string TemporaryKeyPrefix = "ASIA";

    public static string UniqueId(string prefix) => prefix + Random(Base32, 17);

    public static string AccessKeyId(bool temporary) => (temporary ? TemporaryKeyPrefix : LongTermKeyPrefix) + Random(Base32, 16);

    /// <summary>A 40-character secret access key.</summary>
    public static string SecretAccessKey() => Random(SecretAlphabet, 40);

    /// <summary>An opaque session token (AWS's are a few hundred base64 characters).</summary>
    public static string SessionToken() => "IQoJb3JpZ2luX2VjE" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(240));

    private static string Random(string alphabet, int length) => RandomNumberGenerator.GetString(alphabet, length);
}
