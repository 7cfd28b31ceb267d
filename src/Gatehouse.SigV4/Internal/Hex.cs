namespace Gatehouse.SigV4.Internal;

internal static class Hex
{
    private const string Lower = "0123456789abcdef";

    public static void WriteLower(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = Lower[bytes[i] >> 4];
            destination[(2 * i) + 1] = Lower[bytes[i] & 0xF];
        }
    }
}
