namespace FraudStream.Features.Internal;

/// <summary>US and Canadian daylight saving time rules in force since 2007.</summary>
internal static class UsDaylightSaving
{
    /// <summary>First and last year of the table of transitions; other years compute theirs on each call.</summary>
    private const int FirstTableYear = 2000;
    private const int LastTableYear = 2199;

    /// <summary>Mean Gregorian year (365.2425 days): an instant's table row, exact but within two days of a new year.</summary>
    private const long TicksPerMeanYear = 365_2425 * TimeSpan.TicksPerDay / 10_000;

    private static readonly long TableStartTicks = new DateTime(FirstTableYear, 1, 1).Ticks;
    private static readonly long TableEndTicks = new DateTime(LastTableYear + 1, 1, 1).Ticks;

    /// <summary>Per table year, the local standard-time instants DST starts and ends: [2y] start, [2y + 1] end.</summary>
    private static readonly long[] Transitions = BuildTransitions();

    /// <summary>
    /// Whether DST is in effect at a local standard-time instant (ticks of local standard time): from
    /// 02:00 standard time on the second Sunday of March to 01:00 standard time (02:00 daylight time)
    /// on the first Sunday of November. Earlier years are treated with the same rules.
    /// </summary>
    public static bool IsInEffect(long localStandardTicks)
    {
        var sinceTableStart = localStandardTicks - TableStartTicks;
        if ((ulong)sinceTableStart < (ulong)(TableEndTicks - TableStartTicks))
        {
            // The row may be the neighbouring year's within two days of a new year; DST is off then, and both
            // neighbours say so (the instant is before that year's start, or after the previous year's end).
            var row = Math.Min((int)(sinceTableStart / TicksPerMeanYear), LastTableYear - FirstTableYear);
            return localStandardTicks >= Transitions[2 * row] && localStandardTicks < Transitions[(2 * row) + 1];
        }
        return IsInEffectByCalendar(localStandardTicks);
    }

    /// <summary>The rule evaluated on the calendar: for years outside the table, and to build it.</summary>
    internal static bool IsInEffectByCalendar(long localStandardTicks)
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
            return local >= Start(year);
        }
        return local < End(year);
    }

    private static DateTime Start(int year) => NthSunday(year, 3, 2).AddHours(2);

    private static DateTime End(int year) => NthSunday(year, 11, 1).AddHours(1);

    private static long[] BuildTransitions()
    {
        var transitions = new long[2 * (LastTableYear - FirstTableYear + 1)];
        for (var year = FirstTableYear; year <= LastTableYear; year++)
        {
            transitions[2 * (year - FirstTableYear)] = Start(year).Ticks;
            transitions[(2 * (year - FirstTableYear)) + 1] = End(year).Ticks;
        }
        return transitions;
    }

    private static DateTime NthSunday(int year, int month, int n)
    {
        var first = new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var toSunday = ((int)DayOfWeek.Sunday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(toSunday + (7 * (n - 1)));
    }
}
