using FraudStream.Traffic.Internal;

namespace FraudStream.Traffic.Tests;

public sealed class ZoneTests
{
    private static long Ms(int y, int mo, int d, int h, int mi = 0) =>
        new DateTimeOffset(y, mo, d, h, mi, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Theory]
    [InlineData(212, Zones.Eastern)]
    [InlineData(202, Zones.Eastern)]
    [InlineData(312, Zones.Central)]
    [InlineData(713, Zones.Central)]
    [InlineData(303, Zones.Mountain)]
    [InlineData(602, Zones.Arizona)]
    [InlineData(415, Zones.Pacific)]
    [InlineData(907, Zones.Alaska)]
    [InlineData(808, Zones.Hawaii)]
    [InlineData(800, Zones.Eastern)]
    public void Area_codes_map_to_their_time_zone(int npa, int zone) => Assert.Equal(zone, NumberPlan.ZoneOfAreaCode(npa));

    [Fact]
    public void Daylight_saving_follows_the_us_rule()
    {
        var zones = new Zones(Ms(2026, 1, 1, 0), Ms(2026, 12, 31, 0));
        const long H = 3_600_000;
        // 2026: DST from Sunday 8 March 07:00 UTC (Eastern) to Sunday 1 November 06:00 UTC.
        Assert.Equal(-5 * H, zones.OffsetMs(Zones.Eastern, Ms(2026, 3, 8, 6, 59)));
        Assert.Equal(-4 * H, zones.OffsetMs(Zones.Eastern, Ms(2026, 3, 8, 7)));
        Assert.Equal(-4 * H, zones.OffsetMs(Zones.Eastern, Ms(2026, 11, 1, 5, 59)));
        Assert.Equal(-5 * H, zones.OffsetMs(Zones.Eastern, Ms(2026, 11, 1, 6)));
        Assert.Equal(-7 * H, zones.OffsetMs(Zones.Pacific, Ms(2026, 7, 1, 12)));
        Assert.Equal(-7 * H, zones.OffsetMs(Zones.Arizona, Ms(2026, 7, 1, 12)));
        Assert.Equal(-10 * H, zones.OffsetMs(Zones.Hawaii, Ms(2026, 7, 1, 12)));
        Assert.Equal(1, zones.LocalDayOfWeek(Zones.Eastern, Ms(2026, 11, 2, 12))); // Monday
        Assert.Equal(8.5, zones.LocalHour(Zones.Central, Ms(2026, 11, 2, 14, 30)), 6);
    }
}
