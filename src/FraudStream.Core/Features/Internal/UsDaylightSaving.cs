namespace FraudStream.Features.Internal;

/// <summary>US and Canadian daylight saving time rules in force since 2007.</summary>
internal static class UsDaylightSaving
{
    /// <summary>
    /// Whether DST is in effect at a local standard-time instant (ticks of local standard time): from
    /// 02:00 standard time on the second Sunday of March to 01:00 standard time (02:00 daylight time)
    /// on the first Sunday of November. Earlier years are treated with the same rules.
    /// </summary>
    public static bool IsInEffect(long localStandardTicks)
    {
        var local = new DateTime(localStandardTicks, DateTimeKind.Unspecified);
        var month = local.Month;
        if (month is < 3 or > 11)
        {
            return false;
        }
        if (month is > 3 and < 11)
        {
            return true;
        }
        var year = local.Year;
        if (month == 3)
        {
            var start = NthSunday(year, 3, 2).AddHours(2);
            return local >= start;
        }
        var end = NthSunday(year, 11, 1).AddHours(1);
        return local < end;
    }

    private static DateTime NthSunday(int year, int month, int n)
    {
        var first = new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var toSunday = ((int)DayOfWeek.Sunday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(toSunday + (7 * (n - 1)));
    }
}
