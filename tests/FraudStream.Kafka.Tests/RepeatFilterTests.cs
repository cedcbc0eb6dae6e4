namespace FraudStream.Kafka.Tests;

/// <summary>Unit tests of the filter that keeps the Kafka clients' repeated errors and log lines from flooding a log (no broker).</summary>
public sealed class RepeatFilterTests
{
    [Fact]
    public void Repeats_of_a_kind_within_the_window_are_counted_and_the_next_one_passed_says_how_many()
    {
        var clock = new ManualClock();
        var filter = new Internal.RepeatFilter(clock, TimeSpan.FromSeconds(30));

        Assert.True(filter.ShouldPass("consumer Local_Transport", out var held));
        Assert.Equal(0, held);
        Assert.True(filter.ShouldPass("producer Local_Transport", out _)); // another client: another kind
        Assert.True(filter.ShouldPass("consumer log FAIL", out _));
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.False(filter.ShouldPass("consumer Local_Transport", out _));
        }
        clock.Advance(TimeSpan.FromSeconds(25));
        Assert.True(filter.ShouldPass("consumer Local_Transport", out held));
        Assert.Equal(5, held);
        Assert.Equal(" (5 more like it since the last one logged)", Internal.RepeatFilter.Describe(held));
        Assert.Equal("", Internal.RepeatFilter.Describe(0));
        Assert.False(filter.ShouldPass("consumer Local_Transport", out _));
        Assert.Equal(6, filter.Suppressed);

        filter.Reset(); // recovered: the next outage is logged at once
        Assert.True(filter.ShouldPass("consumer Local_Transport", out held));
        Assert.Equal(0, held);
    }

    [Fact]
    public void Log_lines_that_differ_only_in_numbers_are_held_back_for_a_window_then_counted()
    {
        var clock = new ManualClock();
        var filter = new Internal.RepeatFilter(clock, TimeSpan.FromMinutes(1));
        const string First = "kafka: FAIL: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)";

        Assert.Equal(First, filter.Pass(First));
        Assert.Null(filter.Pass(First));
        Assert.Null(filter.Pass("kafka: FAIL: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 3ms in state CONNECT, 4 identical error(s) suppressed)"));
        Assert.Equal("kafka: 1/1 brokers are down", filter.Pass("kafka: 1/1 brokers are down"));
        Assert.Null(filter.Pass("kafka: 1/1 brokers are down"));
        Assert.Equal(3, filter.Suppressed);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Null(filter.Pass(First));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(First + " (3 more like it since the last one logged)", filter.Pass(First));
        Assert.Null(filter.Pass(First));
        Assert.Equal(5, filter.Suppressed);
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
