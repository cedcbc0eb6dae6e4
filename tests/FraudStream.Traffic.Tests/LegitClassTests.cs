namespace FraudStream.Traffic.Tests;

public sealed class LegitClassTests
{
    private static GeneratedTraffic Default => GeneratedTraffic.Get(GeneratedTraffic.Default);
    private static GeneratedTraffic Heavy => GeneratedTraffic.Get(GeneratedTraffic.Heavy);

    private static double Share<T>(IReadOnlyCollection<T> items, Func<T, bool> predicate) => items.Count(predicate) / (double)items.Count;

    private static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Order()];
        return v.Length == 0 ? double.NaN : v[v.Length / 2];
    }

    [Fact]
    public void Domestic_calls_follow_the_person_to_person_profile()
    {
        Call[] calls = [.. Default.Of(TrafficClass.LegitDomestic)];
        Assert.InRange(Share(calls, c => c.Answered), 0.68, 0.72);
        Assert.InRange(Share(calls, c => c.Disposition == "no_answer"), 0.20, 0.24);
        Assert.InRange(Share(calls, c => c.Attest is null), 0.35, 0.55);
        Call[] signed = [.. calls.Where(c => c.Attest is not null)];
        Assert.InRange(Share(signed, c => c.Attest == "A"), 0.85, 0.95);
        Assert.All(calls, c => Assert.Equal("US", c.Orig));
        // Log-normal talk time, median about a minute.
        Assert.InRange(Median(calls.Where(c => c.Answered).Select(c => c.Duration)), 52, 70);
        Call[] unanswered = [.. calls.Where(c => c.Disposition == "no_answer")];
        Assert.True(Share(unanswered, c => c.RingMs is >= 18_000 and <= 32_000) > 0.98);
        // Day-time and evening in the callee's time zone, little at night.
        Assert.True(Share(calls, c => LocalTime.Hour(c.Callee, c.StartMs) is >= 1 and < 5) < 0.03);
        Assert.True(Share(calls, c => LocalTime.Hour(c.Callee, c.StartMs) is >= 9 and < 21) > 0.7);
        // Distinct values everywhere (no fixed values a model could learn).
        Assert.True(calls.Select(c => c.RingMs).Distinct().Count() > 10_000);
        Assert.True(calls.Select(c => c.Trunk).Distinct().Count() > 30);
    }

    [Fact]
    public void Domestic_callers_mostly_call_a_small_circle_of_contacts()
    {
        var byCaller = Heavy.Of(TrafficClass.LegitDomestic).Where(c => c.Caller != "anonymous")
            .GroupBy(c => c.Caller).Where(g => g.Count() >= 8).ToList();
        Assert.True(byCaller.Count > 500);
        // Over three days most calls go to contacts called before.
        double repeated = byCaller.Average(g => 1 - (g.Select(c => c.Callee).Distinct().Count() / (double)g.Count()));
        Assert.True(repeated > 0.3, $"repeat share {repeated:F2}");
        double calls = Heavy.Of(TrafficClass.LegitDomestic).Count(c => c.Caller != "anonymous")
            / (double)Heavy.Of(TrafficClass.LegitDomestic).Select(c => c.Caller).Distinct().Count();
        Assert.InRange(calls / 3, 1.5, 5.5); // calls per subscriber per day (subscribers may also be drawn twice)
    }

    [Fact]
    public void A_few_percent_of_domestic_calls_go_to_neighbours_on_the_callers_own_exchange()
    {
        static bool SameExchange(Call c) => Call.AreaCode(c.Caller) > 0 && Call.NpaNxx(c.Caller) == Call.NpaNxx(c.Callee);
        Call[] domestic = [.. Default.Of(TrafficClass.LegitDomestic).Where(c => c.Caller != "anonymous")];
        Assert.InRange(Share(domestic, SameExchange), 0.02, 0.10);
        Call[] business = [.. Default.Of(TrafficClass.LegitBusiness)];
        Assert.InRange(Share(business, SameExchange), 0.01, 0.08);
        // Ordinary carrier trunks carry some of them, so a non-zero NPA-NXX match share is normal.
        Assert.True(domestic.Where(SameExchange).Select(c => c.Trunk).Distinct().Count() > 30);
    }

    [Fact]
    public void Businesses_place_hundreds_of_calls_a_day_from_one_number()
    {
        Call[] calls = [.. Default.Of(TrafficClass.LegitBusiness)];
        Assert.InRange(Share(calls, c => c.Answered), 0.45, 0.61);
        Assert.True(Share(calls, c => c.Attest == "A") > 0.88);
        Assert.All(calls.Where(c => c.Answered), c => Assert.InRange(c.Duration, 29.9, 300.1));
        var perNumber = calls.GroupBy(c => c.Caller).Select(g => g.Count()).ToList();
        Assert.True(perNumber.Count(n => n >= 100) >= 10, "high-volume numbers");
        Assert.True(perNumber.Max() >= 300);
    }

    /// <summary>Bursts of the alert numbers with many calls: runs of calls separated by less than an hour.</summary>
    private static List<List<Call>> Bursts(GeneratedTraffic data) =>
        [.. data.Of(TrafficClass.LegitAlerts).GroupBy(c => c.Caller).Where(g => g.Count() >= 300).SelectMany(number =>
        {
            Call[] calls = [.. number.OrderBy(c => c.StartMs)];
            var groups = new List<List<Call>> { new() { calls[0] } };
            for (int i = 1; i < calls.Length; i++)
            {
                if (calls[i].StartMs - calls[i - 1].StartMs > 3_600_000)
                    groups.Add([]);
                groups[^1].Add(calls[i]);
            }
            return groups;
        }).Where(b => b.Count >= 300 && b[^1].StartMs - b[0].StartMs <= 3_600_000)]; // reminders spread over the day

    [Fact]
    public void School_alerts_burst_to_thousands_within_45_minutes_at_dawn_or_late_evening()
    {
        List<List<Call>> bursts = [.. Bursts(Default), .. Bursts(Heavy)];
        Assert.True(bursts.Count >= 3, $"{bursts.Count} bursts");
        Assert.Contains(bursts, b => b.Select(c => c.Callee).Distinct().Count() >= 1000);
        foreach (List<Call> burst in bursts)
        {
            Assert.True(burst[^1].StartMs - burst[0].StartMs <= 45 * 60_000);
            Assert.Equal(burst.Count, burst.Select(c => c.Callee).Distinct().Count());
            foreach (Call c in burst)
            {
                double h = LocalTime.Hour(c.Callee, c.StartMs);
                Assert.True(h is >= 6 and < 6.76 or >= 21.74 and < 22.5, $"school alert at local hour {h:F2}");
            }
            Assert.All(burst, c => Assert.Equal("A", c.Attest));
            Assert.All(burst.Where(c => c.Answered), c => Assert.InRange(c.Duration, 17, 43));
        }
    }

    [Fact]
    public void School_alerts_call_the_same_roster_day_after_day()
    {
        var byNumber = Bursts(Heavy).GroupBy(b => b[0].Caller).Where(g => g.Count() >= 2).ToList();
        Assert.NotEmpty(byNumber);
        foreach (var number in byNumber)
        {
            List<Call>[] days = [.. number];
            var first = days[0].Select(c => c.Callee).ToHashSet();
            for (int d = 1; d < days.Length; d++)
            {
                Assert.True(days[d][0].StartMs - days[0][0].StartMs >= 20 * 3_600_000L);
                Assert.True(days[d].Count(c => first.Contains(c.Callee)) > days[d].Count * 0.9);
            }
        }
    }

    [Fact]
    public void Family_calls_come_from_india_unsigned_in_stable_pairs_and_talk_long()
    {
        Call[] calls = [.. Heavy.Of(TrafficClass.LegitInternationalFamily)];
        Assert.InRange(Share(calls, c => c.Caller.StartsWith("+91", StringComparison.Ordinal)), 0.8, 0.9);
        Assert.All(calls.Where(c => c.Caller.StartsWith("+91", StringComparison.Ordinal)), c =>
        {
            Assert.Equal("IN", c.Orig);
            Assert.Matches(@"^\+91[6-9]\d{9}$", c.Caller);
        });
        Assert.All(calls, c => Assert.Null(c.Attest));
        double median = Median(calls.Where(c => c.Answered).Select(c => c.Duration));
        Assert.InRange(median, 360, 600);
        var pairs = calls.GroupBy(c => (c.Caller, c.Callee)).ToList();
        Assert.True(pairs.Where(g => g.Count() >= 2).Sum(g => g.Count()) > calls.Length * 0.6, "repeated pairs");
        // Evenings and weekends US time (the heavy set is Monday to Wednesday: evenings).
        Assert.True(Share(calls, c => LocalTime.Hour(c.Callee, c.StartMs) is >= 17 or < 1) > 0.5);
    }

    [Fact]
    public void Offshore_callbacks_are_signed_at_gateways_and_mostly_follow_the_customers_call()
    {
        GeneratedTraffic data = Default;
        Call[] callbacks = [.. data.Of(TrafficClass.LegitOffshoreService)];
        Assert.All(callbacks, c =>
        {
            Assert.Contains(c.Orig, new[] { "IN", "PH" });
            Assert.Contains(c.Attest, new[] { "B", "C" });
            Assert.Matches(@"^\+1\d{10}$", c.Caller);
        });
        Assert.True(Share(callbacks, c => c.Attest == "C") > 0.7);
        Assert.InRange(Share(callbacks, c => c.Answered), 0.56, 0.64);
        Assert.All(callbacks.Where(c => c.Answered), c => Assert.InRange(c.Duration, 119.9, 900.1));
        Assert.True(Share(callbacks, c => c.Caller.StartsWith("+18", StringComparison.Ordinal)) > 0.4, "toll-free numbers");

        // The customer's own call to the company number appears earlier in the stream (a legit_domestic call).
        var firstInbound = new Dictionary<(string, string), int>();
        foreach (Call c in data.Calls)
        {
            if (c.Scheme == TrafficClass.LegitDomestic.Name())
                firstInbound.TryAdd((c.Caller, c.Callee), c.Line);
        }
        double preceded = Share(callbacks, c => firstInbound.TryGetValue((c.Callee, c.Caller), out int line) && line < c.Line);
        Assert.InRange(preceded, 0.72, 0.85);
    }
}
