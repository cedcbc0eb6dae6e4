using System.Text;

namespace FraudStream.Traffic.Tests;

/// <summary>The subscriber population grows with the number of calls, so a large run has many distinct callers.</summary>
public sealed class PopulationTests
{
    [Fact]
    public void Distinct_callers_grow_in_proportion_to_the_calls()
    {
        double small = DistinctCallersPerCall(new TrafficOptions { Calls = 50_000, Seed = 31 });
        double large = DistinctCallersPerCall(new TrafficOptions { Calls = 400_000, Seed = 31 });

        // About one distinct caller number per five calls over a day (docs/traffic-generator.md, "Volume").
        Assert.InRange(small, 0.17, 0.23);
        Assert.InRange(large, 0.17, 0.23);
        Assert.InRange(large / small, 0.93, 1.07);
    }

    [Fact]
    public void A_shorter_period_with_the_same_calls_has_more_distinct_callers()
    {
        // Subscribers make 3-5 calls a day: in a few hours most of them call once.
        double day = DistinctCallersPerCall(new TrafficOptions { Calls = 100_000, Seed = 32 });
        double hours = DistinctCallersPerCall(new TrafficOptions { Calls = 100_000, Seed = 32, Duration = TimeSpan.FromHours(2) });

        Assert.True(hours > day * 1.3, $"{hours:F3} distinct callers per call in 2 hours, {day:F3} in 24 hours");
    }

    private static double DistinctCallersPerCall(TrafficOptions options)
    {
        var (calls, _, summary) = GeneratedTraffic.Raw(options);
        var callers = new HashSet<string>(StringComparer.Ordinal);
        const string Field = "\"caller\":\"";
        foreach (var line in Encoding.UTF8.GetString(calls).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int start = line.IndexOf(Field, StringComparison.Ordinal) + Field.Length;
            string caller = line[start..line.IndexOf('"', start)];
            if (caller != "anonymous")
                callers.Add(caller);
        }
        return callers.Count / (double)summary.Calls;
    }
}
