using CsCheck;
using FraudStream.Features;
using FraudStream.Records;
using static FraudStream.Core.Tests.Features.CallBuilder;

namespace FraudStream.Core.Tests.Features;

/// <summary>Windowed features by caller, trunk, callee and pair.</summary>
public sealed class FeaturizerHistoryTests
{
    [Fact]
    public void Caller_rate_rises_with_a_burst_and_decays_with_event_time()
    {
        var featurizer = NewFeaturizer();
        float[] f = [];
        for (var i = 0; i < 30; i++)
        {
            f = featurizer.Run(Call(Nyc(1), Nyc(100 + (i * 37)), Monday.AddSeconds(i * 2)));
        }
        Assert.InRange(f.Get("caller_calls_10m"), 28, 30);
        Assert.InRange(f.Get("caller_calls_24h"), 29.5f, 30);

        // Two hours later: the 10-minute rate has decayed away, the 24-hour count has not.
        f = featurizer.Run(Call(Nyc(1), Nyc(9_999), Monday.AddHours(2)));
        Assert.InRange(f.Get("caller_calls_10m"), 1, 1.01f);
        var expected24h = (30 * MathF.Exp(-2f / 24)) + 1;
        Assert.InRange(f.Get("caller_calls_24h"), expected24h - 0.2f, expected24h + 0.01f);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(200)]
    public void Trunk_rates_are_relative_to_its_own_history_whatever_its_volume(int callsPerMinute)
    {
        var featurizer = NewFeaturizer();
        var start = Monday;
        var seconds = 60.0 / callsPerMinute;
        float[] f = [];
        var n = 0;
        // Three steady hours: the warm-up-corrected rates agree in every window, at any volume.
        for (var t = 0.0; t < 3 * 3_600; t += seconds)
        {
            f = featurizer.Run(Call(Nyc(n % 5_000), Nyc(5_000 + (n % 4_000)), start.AddSeconds(t)));
            n++;
        }
        Assert.InRange(f.Get("trunk_rate_1m_vs_1h"), 0.9f, 1.1f);
        Assert.InRange(f.Get("trunk_rate_1h_vs_24h"), 0.9f, 1.1f);

        // Then a minute at five times the rate: the short window stands out, the long ones barely move.
        for (var t = 3 * 3_600.0; t < (3 * 3_600) + 60; t += seconds / 5)
        {
            f = featurizer.Run(Call(Nyc(n % 5_000), Nyc(5_000 + (n % 4_000)), start.AddSeconds(t)));
            n++;
        }
        Assert.InRange(f.Get("trunk_rate_1m_vs_1h"), 2.5f, 5f);
        Assert.InRange(f.Get("trunk_rate_1h_vs_24h"), 1f, 1.3f);
    }

    [Fact]
    public void Out_of_order_record_adds_a_slightly_decayed_call_and_never_goes_negative()
    {
        var featurizer = NewFeaturizer();
        featurizer.Run(Call(Nyc(1), Nyc(2), Monday.AddSeconds(10)));
        var late = featurizer.Run(Call(Nyc(1), Nyc(3), Monday.AddSeconds(5), disposition: Disposition.NoAnswer));
        Assert.InRange(late.Get("caller_calls_10m"), 1.98f, 2f);
        Assert.Equal(0.5f, late.Get("caller_answer_ratio_24h"), 2);
        var next = featurizer.Run(Call(Nyc(1), Nyc(4), Monday.AddSeconds(11)));
        Assert.InRange(next.Get("caller_calls_10m"), 2.97f, 3f);
        Assert.Equal(Monday.AddSeconds(11), featurizer.Watermark);
    }

    [Fact]
    public void Features_are_finite_non_negative_and_ratios_bounded_for_any_disordered_stream()
    {
        var ratioNames = FeatureSchema.Current.Names.Where(n => n.Contains("ratio", StringComparison.Ordinal) || n.Contains("share", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(ratioNames);
        var call = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 5], Gen.Int[0, 2], Gen.Int[-8, 30], Gen.Int[0, 4], Gen.Int[0, 3], Gen.Int[0, 600]);
        call.Array[1, 200].Sample(calls =>
        {
            var featurizer = NewFeaturizer();
            var clock = Monday;
            foreach (var (caller, callee, trunk, step, disposition, attest, seconds) in calls)
            {
                clock = clock.AddSeconds(Math.Max(step, 0));
                var start = step < 0 ? clock.AddSeconds(step) : clock; // a few seconds out of order
                var callerNumber = caller == 0 ? "anonymous" : Nyc(caller);
                var f = featurizer.Run(Call(callerNumber, Nyc(callee), start, trunk: $"t{trunk}",
                    attest: (Attestation)attest, disposition: (Disposition)disposition, durationS: seconds));
                foreach (var value in f)
                {
                    Assert.True(float.IsFinite(value) && value >= 0, "features are finite and non-negative");
                }
                foreach (var name in ratioNames)
                {
                    Assert.InRange(f.Get(name), 0, 1.0001f);
                }
            }
        }, iter: 200);
    }

    [Fact]
    public void Sequential_dialling_is_detected_per_caller_and_per_trunk()
    {
        var featurizer = NewFeaturizer();
        float[] f = [];
        for (var i = 0; i < 20; i++)
        {
            f = featurizer.Run(Call("+13125550100", Nyc(1_000 + i), Monday.AddSeconds(i), trunk: "dialer",
                disposition: Disposition.NoAnswer, ringMs: 2_000));
        }
        Assert.InRange(f.Get("caller_sequential_dial_share_24h"), 0.9f, 1f);
        Assert.InRange(f.Get("trunk_sequential_dial_share_1h"), 0.9f, 1f);

        var random = NewFeaturizer();
        for (var i = 0; i < 20; i++)
        {
            f = random.Run(Call("+13125550100", Nyc(((i * 7_919) + 31) % 10_000), Monday.AddSeconds(i), trunk: "carrier"));
        }
        Assert.Equal(0, f.Get("caller_sequential_dial_share_24h"));
        Assert.Equal(0, f.Get("trunk_sequential_dial_share_1h"));
    }

    [Fact]
    public void Redialling_the_same_number_is_not_sequential()
    {
        Assert.False(Featurizer.IsSequential(PhoneNumber.Parse("+12125550100").Key, PhoneNumber.Parse("+12125550100").Key));
        Assert.True(Featurizer.IsSequential(PhoneNumber.Parse("+12125550100").Key, PhoneNumber.Parse("+12125550120").Key));
        Assert.True(Featurizer.IsSequential(PhoneNumber.Parse("+12125550120").Key, PhoneNumber.Parse("+12125550100").Key));
        Assert.False(Featurizer.IsSequential(PhoneNumber.Parse("+12125550100").Key, PhoneNumber.Parse("+12125550121").Key));
        Assert.False(Featurizer.IsSequential(0, PhoneNumber.Parse("+12125550121").Key));
    }

    [Fact]
    public void Callback_is_detected_after_an_inbound_call()
    {
        var featurizer = NewFeaturizer();
        const string Company = "+18885550100";
        const string Customer = "+14155550123";
        var before = featurizer.Run(Call(Company, Customer, Monday, origin: "IN", attest: Attestation.C, trunk: "offshore"));
        Assert.Equal(0, before.Get("callee_called_caller_before_7d"));
        Assert.Equal(0, before.Get("caller_callback_share_24h"));

        // The customer calls the company, then the company calls back.
        featurizer.Run(Call(Customer, Company, Monday.AddMinutes(10), trunk: "domestic"));
        var callback = featurizer.Run(Call(Company, Customer, Monday.AddMinutes(30), origin: "IN", attest: Attestation.C, trunk: "offshore"));
        Assert.InRange(callback.Get("callee_called_caller_before_7d"), 0.99f, 1f);
        // One callback among two calls 30 minutes apart: the older call weighs exp(-30 min / window).
        Assert.Equal(1 / (1 + MathF.Exp(-1_800f / 86_400)), callback.Get("caller_callback_share_24h"), 3);
        Assert.Equal(1 / (1 + MathF.Exp(-0.5f)), callback.Get("trunk_callback_share_1h"), 3);

        // The reverse direction of a one-way pair is not a callback.
        var other = featurizer.Run(Call(Company, "+14155550999", Monday.AddMinutes(31), origin: "IN", attest: Attestation.C, trunk: "offshore"));
        Assert.Equal(0, other.Get("callee_called_caller_before_7d"));
    }

    [Fact]
    public void Pair_history_counts_earlier_calls_and_talk_time_only()
    {
        var featurizer = NewFeaturizer();
        var first = featurizer.Run(Call("+919812345678", Nyc(2), Monday, origin: "IN", durationS: 600));
        Assert.Equal(0, first.Get("pair_calls_before_7d"));
        Assert.Equal(0, first.Get("pair_talk_minutes_before_7d"));
        var second = featurizer.Run(Call("+919812345678", Nyc(2), Monday.AddDays(1), origin: "IN", durationS: 300));
        var decay = MathF.Exp(-1f / 7);
        Assert.Equal(decay, second.Get("pair_calls_before_7d"), 3);
        Assert.Equal(10 * decay, second.Get("pair_talk_minutes_before_7d"), 2);
        var third = featurizer.Run(Call("+919812345678", Nyc(2), Monday.AddDays(2), origin: "IN", durationS: 300));
        Assert.Equal((decay * decay) + decay, third.Get("pair_calls_before_7d"), 3);
        Assert.Equal((10 * decay * decay) + (5 * decay), third.Get("pair_talk_minutes_before_7d"), 2);
    }

    [Fact]
    public void Distinct_callees_count_new_pairs_only()
    {
        var spread = NewFeaturizer();
        var repeat = NewFeaturizer();
        float[] s = [], r = [];
        for (var i = 0; i < 10; i++)
        {
            s = spread.Run(Call(Nyc(1), Nyc(100 + (i * 50)), Monday.AddMinutes(i)));
            r = repeat.Run(Call(Nyc(1), Nyc(100), Monday.AddMinutes(i)));
        }
        Assert.InRange(s.Get("caller_new_callee_share_24h"), 0.999f, 1f);
        Assert.InRange(r.Get("caller_new_callee_share_24h"), 0.099f, 0.101f);
        Assert.InRange(r.Get("pair_calls_before_7d"), 8.9f, 9f);
    }

    [Fact]
    public void Trunk_with_a_fresh_caller_id_per_call_shows_many_distinct_callers()
    {
        var spoofing = NewFeaturizer();
        var business = NewFeaturizer();
        float[] s = [], b = [];
        for (var i = 0; i < 50; i++)
        {
            // Neighbour spoofing: a new caller ID in the callee's own exchange on every call.
            var callee = 1_000 + (i * 97);
            s = spoofing.Run(Call($"+1212555{(callee + 13) % 10_000:0000}", Nyc(callee), Monday.AddSeconds(i * 5),
                trunk: "voip-7", attest: Attestation.C, disposition: i % 10 == 0 ? Disposition.Answered : Disposition.NoAnswer,
                ringMs: 15_000, durationS: 12));
            b = business.Run(Call("+13125550100", Nyc(callee), Monday.AddSeconds(i * 5), trunk: "carrier",
                disposition: i % 2 == 0 ? Disposition.Answered : Disposition.NoAnswer, ringMs: 25_000, durationS: 120));
        }
        Assert.InRange(s.Get("trunk_new_caller_share_1h"), 0.99f, 1f);
        Assert.InRange(s.Get("trunk_blast_share_1h"), 0.99f, 1f); // C-attested, unanswered or 12 s
        Assert.InRange(s.Get("trunk_not_a_answer_ratio_1h"), 0.09f, 0.11f);
        Assert.InRange(s.Get("trunk_npa_nxx_match_share_1h"), 0.99f, 1f);
        Assert.InRange(s.Get("trunk_unsigned_or_c_share_1h"), 0.99f, 1f);
        Assert.InRange(s.Get("trunk_answer_ratio_1h"), 0.09f, 0.11f);
        Assert.InRange(s.Get("trunk_short_call_ratio_1h"), 0.09f, 0.11f); // the answered 12 s legs
        Assert.Equal(12, s.Get("trunk_mean_talk_seconds_1h"), 2);
        Assert.Equal(0, s.Get("caller_calls_24h") - 1, 3); // per-caller history is empty by design

        Assert.InRange(b.Get("trunk_new_caller_share_1h"), 0.015f, 0.025f);
        Assert.Equal(0, b.Get("trunk_npa_nxx_match_share_1h"));
        Assert.Equal(0, b.Get("trunk_unsigned_or_c_share_1h"));
        Assert.Equal(0, b.Get("trunk_blast_share_1h")); // A-attested
        Assert.Equal(0, b.Get("trunk_not_a_answer_ratio_1h")); // no call that is not A
        Assert.Equal(0.5f, b.Get("trunk_answer_ratio_1h"), 2);
        Assert.Equal(0, b.Get("trunk_short_call_ratio_1h"));
        Assert.Equal(120, b.Get("trunk_mean_talk_seconds_1h"), 2);
        Assert.Equal(0.5f, b.Get("caller_answer_ratio_24h"), 2);
        Assert.Equal(120, b.Get("caller_mean_talk_seconds_24h"), 2);
    }

    [Fact]
    public void Short_calls_are_brief_answered_calls_or_quickly_abandoned_rings()
    {
        var featurizer = NewFeaturizer();
        featurizer.Run(Call(Nyc(1), Nyc(2), Monday, durationS: 10));                                           // short
        featurizer.Run(Call(Nyc(1), Nyc(3), Monday.AddSeconds(1), durationS: 45));                             // long
        featurizer.Run(Call(Nyc(1), Nyc(4), Monday.AddSeconds(2), disposition: Disposition.NoAnswer, ringMs: 4_000));  // short
        var f = featurizer.Run(Call(Nyc(1), Nyc(5), Monday.AddSeconds(3), disposition: Disposition.NoAnswer, ringMs: 25_000)); // long
        Assert.Equal(0.5f, f.Get("caller_short_call_ratio_24h"), 3);
        Assert.Equal(0.5f, f.Get("trunk_short_call_ratio_1h"), 3);
    }

    [Fact]
    public void Trunk_presenting_us_numbers_from_abroad_shows_origin_mismatch()
    {
        var featurizer = NewFeaturizer();
        float[] f = [];
        for (var i = 0; i < 10; i++)
        {
            var caller = i % 2 == 0 ? "+18008291040" : "+919812345678"; // spoofed IRS number, and a genuine Indian one
            f = featurizer.Run(Call(caller, Nyc(100 + i), Monday.AddSeconds(i), trunk: "gw-in", origin: "IN", attest: Attestation.None));
        }
        Assert.Equal(0.5f, f.Get("trunk_caller_origin_mismatch_share_1h"), 2);
    }

    [Fact]
    public void Callee_counts_calls_distinct_callers_foreign_and_unsigned_calls()
    {
        var featurizer = NewFeaturizer();
        const string Victim = "+14155550123";
        featurizer.Run(Call("+18008291040", Victim, Monday, origin: "IN", attest: Attestation.None));
        featurizer.Run(Call("+12025550100", Victim, Monday.AddMinutes(1), origin: "IN", attest: Attestation.C));
        featurizer.Run(Call(Nyc(7), Victim, Monday.AddMinutes(2)));
        var f = featurizer.Run(Call(Nyc(7), Victim, Monday.AddMinutes(3)));
        Assert.InRange(f.Get("callee_calls_1h"), 3.85f, 4f);
        Assert.InRange(f.Get("callee_calls_24h"), 3.99f, 4f);
        Assert.InRange(f.Get("callee_distinct_callers_24h"), 2.99f, 3f);
        Assert.InRange(f.Get("callee_foreign_origin_calls_24h"), 1.99f, 2f);
        Assert.InRange(f.Get("callee_unsigned_calls_24h"), 0.99f, 1f);
    }

    [Fact]
    public void Callee_remembers_being_called_by_a_suspicious_trunk()
    {
        var featurizer = NewFeaturizer();
        // A blast trunk: many short, unsigned, unanswered calls.
        for (var i = 0; i < 40; i++)
        {
            featurizer.Run(Call($"+1202555{i:0000}", Nyc(1_000 + (i * 13)), Monday.AddSeconds(i), trunk: "blast",
                origin: "IN", attest: Attestation.None, disposition: Disposition.NoAnswer, ringMs: 5_000));
        }
        // A clean trunk: answered, signed, normal-length calls.
        for (var i = 0; i < 40; i++)
        {
            featurizer.Run(Call($"+1312555{i:0000}", Nyc(5_000 + (i * 13)), Monday.AddSeconds(i), trunk: "clean", durationS: 90));
        }
        // Hours later both callees get a call on a third trunk.
        var hit = featurizer.Run(Call("+12025559999", Nyc(1_000), Monday.AddHours(3), trunk: "other", durationS: 1_800));
        var clean = featurizer.Run(Call("+12025559998", Nyc(5_000), Monday.AddHours(3), trunk: "other", durationS: 1_800));
        Assert.InRange(hit.Get("callee_suspicious_trunk_before_24h"), 0.7f, 1f);
        Assert.Equal(0, clean.Get("callee_suspicious_trunk_before_24h"), 3);
    }
}
