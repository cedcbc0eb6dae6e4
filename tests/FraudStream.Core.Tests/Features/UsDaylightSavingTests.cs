using FraudStream.Features.Internal;

namespace FraudStream.Core.Tests.Features;

public sealed class UsDaylightSavingTests
{
    [Fact]
    public void Table_of_transitions_agrees_with_the_calendar_rule_every_hour_from_1999_to_2201()
    {
        var end = new DateTime(2202, 1, 1).Ticks;
        for (var t = new DateTime(1999, 1, 1).Ticks; t < end; t += TimeSpan.TicksPerHour)
        {
            Assert.Equal(UsDaylightSaving.IsInEffectByCalendar(t), UsDaylightSaving.IsInEffect(t));
        }
    }

    [Fact]
    public void Table_of_transitions_agrees_with_the_calendar_rule_at_every_transition_and_new_year()
    {
        for (var year = 1999; year <= 2201; year++)
        {
            foreach (var instant in new[] { new DateTime(year, 1, 1), new DateTime(year, 3, 8), new DateTime(year, 11, 1) })
            {
                // Every minute from two days before to eight days after each instant (the second Sunday of March and
                // the first of November lie in those windows), and the tick before each minute.
                for (var t = instant.Ticks - (2 * TimeSpan.TicksPerDay); t < instant.Ticks + (8 * TimeSpan.TicksPerDay); t += TimeSpan.TicksPerMinute)
                {
                    Assert.Equal(UsDaylightSaving.IsInEffectByCalendar(t), UsDaylightSaving.IsInEffect(t));
                    Assert.Equal(UsDaylightSaving.IsInEffectByCalendar(t - 1), UsDaylightSaving.IsInEffect(t - 1));
                }
            }
        }
    }

    [Theory]
    [InlineData("2026-03-08T01:59:59", false)]
    [InlineData("2026-03-08T02:00:00", true)]
    [InlineData("2026-11-01T00:59:59", true)]
    [InlineData("2026-11-01T01:00:00", false)]
    [InlineData("1990-07-01T12:00:00", true)] // before the table: the same rules, from the calendar
    [InlineData("2300-12-01T12:00:00", false)]
    public void Dst_starts_and_ends_at_the_local_standard_time_instants(string localStandard, bool inEffect) =>
        Assert.Equal(inEffect, UsDaylightSaving.IsInEffect(DateTime.Parse(localStandard, System.Globalization.CultureInfo.InvariantCulture).Ticks));
}
