namespace FraudStream.Traffic.Internal;

/// <summary>US time zones of the simulated subscribers, with the US daylight-saving rule (2007 onwards).</summary>
internal sealed class Zones
{
    public const int Eastern = 0, Central = 1, Mountain = 2, Arizona = 3, Pacific = 4, Alaska = 5, Hawaii = 6, Count = 7;

    private static readonly int[] StandardHours = [-5, -6, -7, -7, -8, -9, -10];
    private static readonly bool[] ObservesDst = [true, true, true, false, true, true, false];

    private const long HourMs = 3_600_000, DayMs = 86_400_000;

    // Per zone: (daylight start, daylight end) in UTC milliseconds for every year the window touches.
    private readonly (long Start, long End)[][] _dst;
    private readonly int _firstYear;

    public Zones(long windowStartMs, long windowEndMs)
    {
        _firstYear = DateTime.UnixEpoch.AddMilliseconds(windowStartMs).Year - 1;
        int lastYear = DateTime.UnixEpoch.AddMilliseconds(windowEndMs).Year + 1;
        _dst = new (long, long)[Count][];
        for (int z = 0; z < Count; z++)
        {
            _dst[z] = new (long, long)[lastYear - _firstYear + 1];
            for (int y = _firstYear; y <= lastYear; y++)
            {
                // Second Sunday of March, 02:00 standard time; first Sunday of November, 02:00 daylight time.
                long start = SundayOnOrAfter(y, 3, 8) + (2 * HourMs) - (StandardHours[z] * HourMs);
                long end = SundayOnOrAfter(y, 11, 1) + (2 * HourMs) - ((StandardHours[z] + 1) * HourMs);
                _dst[z][y - _firstYear] = ObservesDst[z] ? (start, end) : (0, 0);
            }
        }
    }

    private static long SundayOnOrAfter(int year, int month, int day)
    {
        var d = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc);
        d = d.AddDays(((int)DayOfWeek.Sunday - (int)d.DayOfWeek + 7) % 7);
        return (long)(d - DateTime.UnixEpoch).TotalMilliseconds;
    }

    /// <summary>UTC offset of the zone at the instant, in milliseconds.</summary>
    public long OffsetMs(int zone, long utcMs)
    {
        long offset = StandardHours[zone] * HourMs;
        if (!ObservesDst[zone])
            return offset;
        int year = DateTime.UnixEpoch.AddMilliseconds(utcMs).Year - _firstYear;
        var (start, end) = _dst[zone][Math.Clamp(year, 0, _dst[zone].Length - 1)];
        return utcMs >= start && utcMs < end ? offset + HourMs : offset;
    }

    /// <summary>Local wall-clock time as milliseconds since 1970-01-01 00:00 local.</summary>
    public long LocalMs(int zone, long utcMs) => utcMs + OffsetMs(zone, utcMs);

    /// <summary>Local hour of day (fractional, 0 to 24).</summary>
    public double LocalHour(int zone, long utcMs)
    {
        long local = LocalMs(zone, utcMs);
        return (double)(((local % DayMs) + DayMs) % DayMs) / HourMs;
    }

    /// <summary>Local day of week (0 = Sunday).</summary>
    public int LocalDayOfWeek(int zone, long utcMs) => DayOfWeekOf(LocalMs(zone, utcMs));

    /// <summary>Day of week (0 = Sunday) of a wall-clock time in milliseconds since 1970-01-01 (a Thursday).</summary>
    public static int DayOfWeekOf(long wallMs) => (int)(((Math.Floor((double)wallMs / DayMs) + 4) % 7 + 7) % 7);
}
