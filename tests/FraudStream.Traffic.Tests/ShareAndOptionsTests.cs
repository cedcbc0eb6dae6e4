namespace FraudStream.Traffic.Tests;

public sealed class ShareAndOptionsTests
{
    // Default shares from the traffic model (legitimate 91% of the weights, scams 8%).
    private static readonly Dictionary<TrafficClass, double> Model = new()
    {
        [TrafficClass.LegitDomestic] = 0.76,
        [TrafficClass.LegitBusiness] = 0.06,
        [TrafficClass.LegitAlerts] = 0.02,
        [TrafficClass.LegitInternationalFamily] = 0.04,
        [TrafficClass.LegitOffshoreService] = 0.03,
        [TrafficClass.GovernmentImpersonation] = 0.03,
        [TrafficClass.TechSupport] = 0.01,
        [TrafficClass.NeighborSpoofing] = 0.015,
        [TrafficClass.Wangiri] = 0.005,
        [TrafficClass.RobocallBurst] = 0.02,
    };

    public static TheoryData<string> DataSets => FormatTests.DataSets;

    [Theory]
    [MemberData(nameof(DataSets))]
    public void Class_shares_follow_the_model_scaled_to_the_scam_share(string name)
    {
        GeneratedTraffic data = GeneratedTraffic.Get(FormatTests.Named(name));
        double scam = data.Options.ScamShare;
        var counts = data.Calls.GroupBy(c => c.Scheme).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (cls, share) in Model)
        {
            double expected = cls.IsFraud() ? share / 0.08 * scam : share / 0.91 * (1 - scam);
            double actual = counts.GetValueOrDefault(cls.Name()) / (double)data.Calls.Count;
            Assert.True(Math.Abs(actual - expected) < 0.001 + (expected * 0.01), $"{cls.Name()}: {actual:F4} vs {expected:F4}");
            Assert.Equal(counts.GetValueOrDefault(cls.Name()), data.Summary.Count(cls));
        }
        Assert.Equal(scam, data.Calls.Count(c => c.Fraud) / (double)data.Calls.Count, 3);
    }

    [Fact]
    public void Quotas_sum_to_the_calls_and_honour_extreme_scam_shares()
    {
        foreach (double scam in new[] { 0.0, 0.08, 0.5, 1.0 })
        {
            foreach (int n in new[] { 1, 2, 99, 1_000_003 })
            {
                int[] quota = new TrafficOptions { Calls = n, ScamShare = scam }.ClassQuotas();
                Assert.Equal(n, quota.Sum());
                int fraud = TrafficClasses.All.Where(c => c.IsFraud()).Sum(c => quota[(int)c]);
                Assert.True(Math.Abs(fraud - (scam * n)) <= TrafficClasses.All.Count, $"scam {scam}, n {n}: {fraud}");
            }
        }
        var none = GeneratedTraffic.Raw(new TrafficOptions { Calls = 5_000, ScamShare = 0 });
        Assert.Equal(0, none.Summary.Fraud);
        Assert.Equal(0, none.Summary.Campaigns);
        var all = GeneratedTraffic.Raw(new TrafficOptions { Calls = 5_000, ScamShare = 1 });
        Assert.Equal(5_000, all.Summary.Fraud);
    }

    [Fact]
    public void A_class_can_be_switched_off()
    {
        var options = new TrafficOptions { Calls = 20_000, Shares = new ClassShares { Wangiri = 0, LegitAlerts = 0 } };
        var (_, _, summary) = GeneratedTraffic.Raw(options);
        Assert.Equal(0, summary.Count(TrafficClass.Wangiri));
        Assert.Equal(0, summary.Count(TrafficClass.LegitAlerts));
        Assert.Equal(1600, summary.Fraud);
    }

    public static TheoryData<string, TrafficOptions> InvalidOptions => new()
    {
        { "Calls", new TrafficOptions { Calls = 0 } },
        { "ScamShare", new TrafficOptions { ScamShare = 1.5 } },
        { "ScamShare", new TrafficOptions { ScamShare = double.NaN } },
        { "Duration", new TrafficOptions { Duration = TimeSpan.Zero } },
        { "Start", new TrafficOptions { Start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Local) } },
        { "MaxDisorder", new TrafficOptions { MaxDisorder = TimeSpan.FromSeconds(6) } },
        { "Domestic.AnsweredRate", new TrafficOptions { Domestic = new DomesticOptions { AnsweredRate = 1.2 } } },
        { "Wangiri.RingMs", new TrafficOptions { Wangiri = new WangiriOptions { RingMaxMs = 100 } } },
        { "Shares", new TrafficOptions { Shares = new ClassShares { LegitDomestic = 0, LegitBusiness = 0, LegitAlerts = 0, LegitInternationalFamily = 0, LegitOffshoreService = 0, GovernmentImpersonation = 0, TechSupport = 0, NeighborSpoofing = 0, Wangiri = 0, RobocallBurst = 0 } } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_rejects_out_of_range_options(string setting, TrafficOptions options)
    {
        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith(setting, ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => GeneratedTraffic.Raw(options));
    }

    [Fact]
    public void Class_names_round_trip()
    {
        foreach (TrafficClass c in TrafficClasses.All)
        {
            Assert.True(TrafficClasses.TryParse(c.Name(), out TrafficClass back));
            Assert.Equal(c, back);
        }
        Assert.False(TrafficClasses.TryParse("legit", out _));
        Assert.Equal(5, TrafficClasses.All.Count(c => c.IsFraud()));
    }
}
