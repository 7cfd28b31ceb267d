namespace Gatehouse.SigV4.Internal;

/// <summary>ISO-8601 basic format, <c>yyyyMMdd'T'HHmmss'Z'</c>, the only date form SigV4 accepts.</summary>
internal static class AmzDate
{
    public const int Length = 16;

    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length != Length || text[8] != 'T' || text[15] != 'Z')
            return false;
        if (!Digits(text, 0, 4, out var year) || !Digits(text, 4, 2, out var month) || !Digits(text, 6, 2, out var day) ||
            !Digits(text, 9, 2, out var hour) || !Digits(text, 11, 2, out var minute) || !Digits(text, 13, 2, out var second))
            return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 59)
            return false;
        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    public static string Format(DateTimeOffset value)
    {
        Span<char> buffer = stackalloc char[Length];
        FormatTo(value, buffer);
        return new string(buffer);
    }

    public static void FormatTo(DateTimeOffset value, Span<char> destination)
    {
        var utc = value.UtcDateTime;
        Write(destination, 0, 4, utc.Year);
        Write(destination, 4, 2, utc.Month);
        Write(destination, 6, 2, utc.Day);
        destination[8] = 'T';
        Write(destination, 9, 2, utc.Hour);
        Write(destination, 11, 2, utc.Minute);
        Write(destination, 13, 2, utc.Second);
        destination[15] = 'Z';
    }

    /// <summary>Drops sub-second precision: SigV4 dates have whole seconds.</summary>
    public static DateTimeOffset TruncateToSeconds(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    private static bool Digits(ReadOnlySpan<char> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var c = text[i];
            if (c is < '0' or > '9')
                return false;
            value = (value * 10) + (c - '0');
        }
        return true;
    }

    private static void Write(Span<char> destination, int start, int count, int value)
    {
        for (var i = start + count - 1; i >= start; i--)
        {
            destination[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }
}
