using FraudStream.Features;
using FraudStream.Records;
using static FraudStream.Core.Tests.Features.CallBuilder;

namespace FraudStream.Core.Tests.Features;

/// <summary>Features computed from the call alone.</summary>
public sealed class FeaturizerCallFeatureTests
{
    [Fact]
    public void Featurize_rejects_a_span_shorter_than_the_schema()
    {
        var featurizer = NewFeaturizer();
        var record = Call(Nyc(1), Nyc(2), Monday);
        Assert.Throws<ArgumentException>(() => featurizer.Featurize(in record, new float[FeatureSchema.Current.Count - 1]));
    }

    [Fact]
    public void Featurize_writes_only_the_schema_count()
    {
        var featurizer = NewFeaturizer();
        var record = Call(Nyc(1), Nyc(2), Monday);
        var features = Enumerable.Repeat(-7f, FeatureSchema.Current.Count + 3).ToArray();
        featurizer.Featurize(in record, features);
        Assert.Equal([-7f, -7f, -7f], features[^3..]);
        Assert.DoesNotContain(-7f, features[..^3]);
    }

    [Fact]
    public void Government_number_presented_from_abroad_sets_the_spoofing_flags()
    {
        var f = NewFeaturizer().Run(Call("+18008291040", Nyc(2), Monday, origin: "IN", attest: Attestation.None));
        Assert.Equal(1, f.Get("caller_on_do_not_originate_list"));
        Assert.Equal(1, f.Get("nanp_caller_from_outside_us_ca"));
        Assert.Equal(1, f.Get("origin_outside_us_ca"));
        Assert.Equal(1, f.Get("caller_country_disagrees_with_origin"));
        Assert.Equal(1, f.Get("caller_toll_free"));
        Assert.Equal(0, f.Get("caller_non_nanp"));
        Assert.Equal(1, f.Get("attest_none"));
    }

    [Fact]
    public void Indian_number_from_India_is_foreign_but_consistent()
    {
        var f = NewFeaturizer().Run(Call("+919812345678", Nyc(2), Monday, origin: "IN", attest: Attestation.None));
        Assert.Equal(1, f.Get("caller_non_nanp"));
        Assert.Equal(1, f.Get("origin_outside_us_ca"));
        Assert.Equal(0, f.Get("nanp_caller_from_outside_us_ca"));
        Assert.Equal(0, f.Get("caller_country_disagrees_with_origin"));
        Assert.Equal(0, f.Get("caller_on_do_not_originate_list"));
        Assert.Equal(0, f.Get("caller_high_risk_calling_code"));
    }

    [Fact]
    public void Domestic_call_sets_no_origin_flags()
    {
        var f = NewFeaturizer().Run(Call("+14155550100", Nyc(2), Monday));
        Assert.Equal(0, f.Get("nanp_caller_from_outside_us_ca"));
        Assert.Equal(0, f.Get("origin_outside_us_ca"));
        Assert.Equal(0, f.Get("caller_country_disagrees_with_origin"));
        Assert.Equal(0, f.Get("caller_toll_free"));
        Assert.Equal(0, f.Get("caller_callee_same_npa"));
    }

    [Fact]
    public void One_ring_call_from_a_premium_code_is_flagged()
    {
        var f = NewFeaturizer().Run(Call("+22245123456", Nyc(2), Monday, origin: "MR", attest: Attestation.None,
            disposition: Disposition.NoAnswer, ringMs: 3_000));
        Assert.Equal(1, f.Get("caller_high_risk_calling_code"));
        Assert.Equal(1, f.Get("disposition_no_answer"));
        Assert.Equal(0, f.Get("disposition_answered"));
        Assert.Equal(3f, f.Get("ring_seconds"));
        Assert.Equal(0, f.Get("talk_seconds_log1p"));
    }

    [Fact]
    public void Anonymous_caller_has_no_caller_or_pair_history()
    {
        var featurizer = NewFeaturizer();
        float[] f = [];
        for (var i = 0; i < 5; i++)
        {
            f = featurizer.Run(Call("anonymous", Nyc(2), Monday.AddSeconds(i)));
        }
        Assert.Equal(1, f.Get("caller_anonymous"));
        Assert.Equal(0, f.Get("caller_calls_24h"));
        Assert.Equal(0, f.Get("pair_calls_before_7d"));
        Assert.Equal(0, f.Get("caller_country_disagrees_with_origin"));
        Assert.Equal(0, f.Get("caller_on_do_not_originate_list"));
        Assert.Equal(0, featurizer.GetStats().Callers.Keys);
        // A withheld number cannot be matched, so every such call counts as a new caller on the trunk.
        Assert.Equal(1, f.Get("trunk_new_caller_share_1h"), 3);
        Assert.InRange(f.Get("callee_calls_1h"), 4.9f, 5f);
    }

    [Theory]
    [InlineData(Attestation.A, "attest_a")]
    [InlineData(Attestation.B, "attest_b")]
    [InlineData(Attestation.C, "attest_c")]
    [InlineData(Attestation.None, "attest_none")]
    public void Attestation_is_one_hot(Attestation attest, string name)
    {
        var f = NewFeaturizer().Run(Call(Nyc(1), Nyc(2), Monday, attest: attest));
        Assert.Equal(1, f.Get(name));
        Assert.Equal(1, f.Get("attest_a") + f.Get("attest_b") + f.Get("attest_c") + f.Get("attest_none"));
    }

    [Theory]
    [InlineData(Disposition.Answered, "disposition_answered")]
    [InlineData(Disposition.NoAnswer, "disposition_no_answer")]
    [InlineData(Disposition.Busy, "disposition_busy")]
    [InlineData(Disposition.Failed, "disposition_failed_or_rejected")]
    [InlineData(Disposition.Rejected, "disposition_failed_or_rejected")]
    public void Disposition_is_one_hot(Disposition disposition, string name)
    {
        var f = NewFeaturizer().Run(Call(Nyc(1), Nyc(2), Monday, disposition: disposition));
        Assert.Equal(1, f.Get(name));
        Assert.Equal(1, f.Get("disposition_answered") + f.Get("disposition_no_answer") + f.Get("disposition_busy")
            + f.Get("disposition_failed_or_rejected"));
    }

    [Fact]
    public void Talk_time_is_on_a_log_scale()
    {
        var f = NewFeaturizer().Run(Call(Nyc(1), Nyc(2), Monday, durationS: 412.5));
        Assert.Equal(MathF.Log(413.5f), f.Get("talk_seconds_log1p"), 4);
    }

    [Fact]
    public void Neighbor_spoofed_number_matches_the_callee_exchange()
    {
        var f = NewFeaturizer().Run(Call("+12125557777", "+12125550199", Monday));
        Assert.Equal(1, f.Get("caller_callee_same_npa_nxx"));
        Assert.Equal(1, f.Get("caller_callee_same_npa"));
        var other = NewFeaturizer().Run(Call("+12126667777", "+12125550199", Monday));
        Assert.Equal(0, other.Get("caller_callee_same_npa_nxx"));
        Assert.Equal(1, other.Get("caller_callee_same_npa"));
        var foreign = NewFeaturizer().Run(Call("+919812345678", "+12125550199", Monday));
        Assert.Equal(0, foreign.Get("caller_callee_same_npa_nxx"));
        Assert.Equal(0, foreign.Get("caller_callee_same_npa"));
    }

    [Fact]
    public void Callee_local_hour_respects_the_area_code_zone_and_dst()
    {
        var winter = new DateTime(2026, 1, 15, 15, 30, 0, DateTimeKind.Utc);
        var summer = new DateTime(2026, 7, 15, 15, 30, 0, DateTimeKind.Utc);
        Assert.Equal(10.5f, NewFeaturizer().Run(Call(Nyc(1), "+12125550100", winter)).Get("callee_local_hour"), 3);
        Assert.Equal(11.5f, NewFeaturizer().Run(Call(Nyc(1), "+12125550100", summer)).Get("callee_local_hour"), 3);
        Assert.Equal(7.5f, NewFeaturizer().Run(Call(Nyc(1), "+14155550100", winter)).Get("callee_local_hour"), 3);
        Assert.Equal(8.5f, NewFeaturizer().Run(Call(Nyc(1), "+14155550100", summer)).Get("callee_local_hour"), 3);
        Assert.Equal(8.5f, NewFeaturizer().Run(Call(Nyc(1), "+16025550100", summer)).Get("callee_local_hour"), 3);
    }

    [Fact]
    public void Weekend_is_judged_in_the_callee_time_zone()
    {
        // Saturday 03:00 UTC is still Friday evening in New York and Los Angeles.
        var saturdayUtc = new DateTime(2026, 11, 28, 3, 0, 0, DateTimeKind.Utc);
        Assert.Equal(0, NewFeaturizer().Run(Call(Nyc(1), "+12125550100", saturdayUtc)).Get("callee_local_weekend"));
        Assert.Equal(1, NewFeaturizer().Run(Call(Nyc(1), "+12125550100", saturdayUtc.AddHours(6))).Get("callee_local_weekend"));
        // Monday 06:00 UTC is still Sunday in Los Angeles but Monday in New York.
        var mondayUtc = new DateTime(2026, 11, 23, 6, 0, 0, DateTimeKind.Utc);
        Assert.Equal(1, NewFeaturizer().Run(Call(Nyc(1), "+14155550100", mondayUtc)).Get("callee_local_weekend"));
        Assert.Equal(0, NewFeaturizer().Run(Call(Nyc(1), "+12125550100", mondayUtc)).Get("callee_local_weekend"));
    }
}
