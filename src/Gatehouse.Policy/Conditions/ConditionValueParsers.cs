using System.Globalization;
using System.Net;

namespace Gatehouse.Policy;

/// <summary>Typed parses shared by policy values (at compile time) and request values (cached per request).</summary>
internal static class ConditionValueParsers
{
    internal static decimal? ParseNumber(string s) =>
        decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    /// <summary>ISO-8601 (W3C profile) or epoch seconds (IAM User Guide, "IAM JSON policy elements: Condition operators", Date).</summary>
    internal static DateTimeOffset? ParseDate(string s)
    {
        if (s.Length > 0 && s.All(char.IsAsciiDigit) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            && epoch is >= -62135596800 and <= 253402300799)
            return DateTimeOffset.FromUnixTimeSeconds(epoch);
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
            ? d
            : null;
    }

    internal static bool? ParseBool(string s)
    {
        var comparison = AwsBehavior.BoolIgnoresCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (string.Equals(s, "true", comparison))
            return true;
        if (string.Equals(s, "false", comparison))
            return false;
        return null;
    }

    internal static bool IsBase64(string s)
    {
        Span<byte> buffer = s.Length <= 1024 ? stackalloc byte[s.Length] : new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out _);
    }
}

/// <summary>An IPv4 or IPv6 network (a bare address is /32 or /128), compared on the prefix bits.</summary>
internal readonly struct IpNetwork
{
    private readonly byte[] bytes;
    private readonly int prefix;

    private IpNetwork(byte[] bytes, int prefix)
    {
        this.bytes = bytes;
        this.prefix = prefix;
    }

    internal static bool TryParse(string s, out IpNetwork network)
    {
        network = default;
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? s : s[..slash];
        if (!IPAddress.TryParse(addressText, out var address))
            return false;
        var bytes = address.GetAddressBytes();
        var max = bytes.Length * 8;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(s.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
            return false;
        network = new IpNetwork(bytes, prefix);
        return true;
    }

    /// <summary>Whether the address <paramref name="address"/> (a full-length network) lies in this network.</summary>
    internal bool Contains(IpNetwork address)
    {
        if (address.bytes is null || bytes is null || address.bytes.Length != bytes.Length)
            return false;
        var full = prefix / 8;
        for (var i = 0; i < full; i++)
        {
            if (bytes[i] != address.bytes[i])
                return false;
        }
        var rest = prefix % 8;
        if (rest == 0)
            return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (bytes[full] & mask) == (address.bytes[full] & mask);
    }
}
