using FraudStream.Kafka.Processing;

namespace FraudStream.Service.Tests;

/// <summary>Unit tests of the filter that keeps the Kafka clients' repeated errors and warnings from flooding the log.</summary>
public sealed class RepeatFilterTests
{
    [Fact]
    public void Repeats_of_a_kind_within_the_interval_are_counted_and_the_next_logged_one_says_how_many()
    {
        long now = 0;
        var second = System.Diagnostics.Stopwatch.Frequency;
        var filter = new RepeatFilter(TimeSpan.FromSeconds(30), () => now);

        Assert.True(filter.ShouldLog("consumer", "Local_Transport", out var repeats));
        Assert.Equal(0, repeats);
        Assert.True(filter.ShouldLog("producer", "Local_Transport", out _)); // another client: another kind
        Assert.True(filter.ShouldLog("consumer", "log FAIL", out _));
        for (var i = 0; i < 5; i++)
        {
            now += second;
            Assert.False(filter.ShouldLog("consumer", "Local_Transport", out _));
        }
        now = 30 * second;
        Assert.True(filter.ShouldLog("consumer", "Local_Transport", out repeats));
        Assert.Equal(5, repeats);
        Assert.Equal(" (5 more like it since the last one logged)", RepeatFilter.Describe(repeats));
        Assert.Equal("", RepeatFilter.Describe(0));
        Assert.False(filter.ShouldLog("consumer", "Local_Transport", out _));

        filter.Reset(); // recovered: the next outage is logged at once
        Assert.True(filter.ShouldLog("consumer", "Local_Transport", out repeats));
        Assert.Equal(0, repeats);
    }
}
