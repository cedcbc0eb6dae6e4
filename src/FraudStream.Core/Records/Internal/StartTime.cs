namespace FraudStream.Records.Internal;

/// <summary>
/// The <c>start</c> format: exactly <c>YYYY-MM-DDTHH:MM:SS</c>, then optionally <c>.</c> and 1 to 9
/// digits, then <c>Z</c> or <c>+00:00</c>; a real proleptic-Gregorian date from year 0001 (as
/// <see cref="DateTime"/>), no leap second. Digits of the fraction past the 7th (100 ns) are truncated.
/// </summary>
internal static class StartTime
{
    /// <summary>The longest valid text: 19 + <c>.</c> and 9 digits + <c>+00:00</c>.</summary>
    public const int MaxLength = 35;

    public static bool TryParse(ReadOnlySpan<byte> text, out long ticks)
    {
        ticks = 0;
        if (text.Length < 20 || text.Length > MaxLength
            || text[4] != (byte)'-' || text[7] != (byte)'-' || text[10] != (byte)'T'
            || text[13] != (byte)':' || text[16] != (byte)':')
        {
            return false;
        }
        var year = Digits(text, 0, 4);
        var month = Digits(text, 5, 2);
        var day = Digits(text, 8, 2);
        var hour = Digits(text, 11, 2);
        var minute = Digits(text, 14, 2);
        var second = Digits(text, 17, 2);
        if (year < 1 || (uint)(month - 1) >= 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || (uint)hour > 23 || (uint)minute > 59 || (uint)second > 59)
        {
            return false; // a field that is not all digits is -1, caught here too
        }

        var i = 19;
        long fraction = 0;
        if (text[i] == (byte)'.')
        {
            i++;
            var first = i;
            var scale = TimeSpan.TicksPerSecond;
            while (i < text.Length && (uint)(text[i] - '0') <= 9)
            {
                scale /= 10; // after 7 digits the scale is 0: finer digits are truncated
                fraction += (text[i] - '0') * scale;
                i++;
            }
            if (i == first || i - first > 9)
            {
                return false;
            }
        }
        var zone = text[i..];
        if (!zone.SequenceEqual("Z"u8) && !zone.SequenceEqual("+00:00"u8))
        {
            return false;
        }
        ticks = (new DateOnly(year, month, day).DayNumber * TimeSpan.TicksPerDay)
            + (hour * TimeSpan.TicksPerHour) + (minute * TimeSpan.TicksPerMinute)
            + (second * TimeSpan.TicksPerSecond) + fraction;
        return true;
    }

    // The number written by `count` ASCII digits at `start`, or -1 if one of them is not a digit.
    private static int Digits(ReadOnlySpan<byte> text, int start, int count)
    {
        var value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = (uint)(text[i] - '0');
            if (d > 9)
            {
                return -1;
            }
            value = (value * 10) + (int)d;
        }
        return value;
    }
}
