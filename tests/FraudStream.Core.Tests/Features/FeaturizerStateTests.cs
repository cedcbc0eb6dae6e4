using FraudStream.Features;
using FraudStream.Features.Internal;
using FraudStream.Records;
using Xunit.Abstractions;
using static FraudStream.Core.Tests.Features.CallBuilder;

namespace FraudStream.Core.Tests.Features;

/// <summary>Bounded state: idle eviction, the cap policy, memory accounting and zero allocation.</summary>
public sealed class FeaturizerStateTests(ITestOutputHelper output)
{
    [Fact]
    public void Caps_shared_over_stream_threads_divide_the_keys_split_with_the_stream_and_keep_the_rest()
    {
        var whole = new FeaturizerOptions
        {
            MaxCallers = 1_000_001, MaxTrunks = 3, MaxCallees = 10, MaxPairs = int.MaxValue, InitialCallers = 65_536, InitialTrunks = 1_024,
            InitialCallees = 4, InitialPairs = 8, CallerIdle = TimeSpan.FromHours(5), TrunkIdle = TimeSpan.FromHours(6),
            CalleeIdle = TimeSpan.FromHours(7), PairIdle = TimeSpan.FromHours(8), SweepSlotsPerCall = 3,
        };
        Assert.Same(whole, whole.SharedOver(1));

        // Callers and pairs (keyed by caller, so split with the stream) divided, rounded up; trunks and callees whole.
        var share = whole.SharedOver(4);
        Assert.Equal((250_001, 3, 10, 536_870_912), (share.MaxCallers, share.MaxTrunks, share.MaxCallees, share.MaxPairs));
        // The initial sizes no larger than a share's cap; the retention and the sweep as they were.
        Assert.Equal((65_536, 1_024, 4, 8), (share.InitialCallers, share.InitialTrunks, share.InitialCallees, share.InitialPairs));
        Assert.Equal((whole.CallerIdle, whole.TrunkIdle, whole.CalleeIdle, whole.PairIdle, whole.SweepSlotsPerCall),
            (share.CallerIdle, share.TrunkIdle, share.CalleeIdle, share.PairIdle, share.SweepSlotsPerCall));
        _ = new Featurizer(ReferenceData.Embedded, share); // valid options
        Assert.Throws<ArgumentOutOfRangeException>(() => whole.SharedOver(0));
    }

    [Fact]
    public void Idle_keys_are_evicted_and_come_back_with_fresh_history()
    {
        // No incremental sweep here, so the full pass below is what evicts.
        var featurizer = NewFeaturizer(new FeaturizerOptions { InitialCallers = 64, InitialCallees = 64, InitialPairs = 64, InitialTrunks = 16, SweepSlotsPerCall = 0 });
        featurizer.Run(Call(Nyc(1), Nyc(2), Monday));
        featurizer.Run(Call(Nyc(1), Nyc(2), Monday.AddMinutes(1)));
        featurizer.Run(Call(Nyc(3), Nyc(4), Monday.AddDays(3)));
        Assert.Equal(2, featurizer.GetStats().Callers.Keys);

        var removed = featurizer.EvictIdle();
        var stats = featurizer.GetStats();
        Assert.Equal(2, removed); // caller 1 and callee 2 were idle for 3 days; the pair is kept for 14 days
        Assert.Equal(1, stats.Callers.Keys);
        Assert.Equal(1, stats.Callees.Keys);
        Assert.Equal(2, stats.Pairs.Keys);
        Assert.Equal(1, stats.Trunks.Keys);
        Assert.Equal(1, stats.Callers.IdleEvictions);

        var again = featurizer.Run(Call(Nyc(1), Nyc(5), Monday.AddDays(3).AddMinutes(1)));
        Assert.Equal(1, again.Get("caller_calls_24h"));
        Assert.Equal(1, again.Get("caller_new_callee_share_24h"));
        Assert.Equal(0, featurizer.EvictIdle());
    }

    [Fact]
    public void The_amortised_sweep_inside_featurize_forgets_idle_keys()
    {
        var featurizer = NewFeaturizer(new FeaturizerOptions { InitialCallers = 16, InitialCallees = 16, InitialPairs = 16, InitialTrunks = 16 });
        for (var i = 0; i < 100; i++)
        {
            featurizer.Run(Call(Nyc(i), Nyc(5_000 + i), Monday.AddSeconds(i)));
        }
        Assert.Equal(100, featurizer.GetStats().Callers.Keys);
        for (var i = 0; i < 200; i++)
        {
            featurizer.Run(Call(Nyc(9_000), Nyc(9_001), Monday.AddDays(3).AddSeconds(i)));
        }
        var stats = featurizer.GetStats();
        Assert.Equal(1, stats.Callers.Keys);
        Assert.Equal(100, stats.Callers.IdleEvictions);
        Assert.Equal(1, stats.Callees.Keys);
        Assert.Equal(101, stats.Pairs.Keys);
        Assert.Equal(0, stats.Callers.CapEvictions);
    }

    [Fact]
    public void At_the_cap_the_least_recently_seen_of_a_sample_is_evicted()
    {
        var featurizer = NewFeaturizer(new FeaturizerOptions { MaxCallers = 100, InitialCallers = 16 });
        const string Hot = "+13125550100";
        var clock = Monday;
        for (var i = 0; i < 1_000; i++)
        {
            featurizer.Run(Call(Hot, Nyc(1), clock));
            clock = clock.AddSeconds(1);
            featurizer.Run(Call($"+1415555{i:0000}", Nyc(2), clock));
            clock = clock.AddSeconds(1);
        }
        var stats = featurizer.GetStats().Callers;
        Assert.Equal(100, stats.Keys);
        Assert.Equal(100, stats.MaxKeys);
        Assert.Equal(1_001 - 100, stats.CapEvictions);

        // The hot caller is never the oldest of a sample, so it kept all of its history.
        var hot = featurizer.Run(Call(Hot, Nyc(1), clock));
        Assert.InRange(hot.Get("caller_calls_24h"), 980, 1_001);
        // The newest callers are younger than most of any 16-entry sample, so they are still tracked.
        for (var i = 990; i < 1_000; i++)
        {
            var recent = featurizer.Run(Call($"+1415555{i:0000}", Nyc(2), clock));
            Assert.InRange(recent.Get("caller_calls_24h"), 1.9f, 2f);
        }
    }

    [Fact]
    public void Stats_report_entry_sizes_and_bytes_per_key()
    {
        var featurizer = NewFeaturizer();
        for (var i = 0; i < 1_000; i++)
        {
            featurizer.Run(Call(Nyc(i), Nyc(5_000 + i), Monday.AddSeconds(i), trunk: $"t{i % 10}"));
        }
        var stats = featurizer.GetStats();
        Assert.Equal(1_000, stats.Calls);
        Assert.Equal((56, 88, 40, 24), (stats.Callers.EntryBytes, stats.Trunks.EntryBytes, stats.Callees.EntryBytes, stats.Pairs.EntryBytes));
        Assert.Equal((1_000, 10, 1_000, 1_000), (stats.Callers.Keys, stats.Trunks.Keys, stats.Callees.Keys, stats.Pairs.Keys));
        foreach (var kind in new[] { stats.Callers, stats.Trunks, stats.Callees, stats.Pairs })
        {
            Assert.Equal((long)kind.Slots * kind.EntryBytes, kind.Bytes);
            Assert.True(kind.Keys <= kind.Slots * StateTable<PairEntry>.MaxLoad);
        }
        Assert.Equal(stats.Callers.Bytes + stats.Trunks.Bytes + stats.Callees.Bytes + stats.Pairs.Bytes, stats.TotalBytes);
        Assert.Equal(3_010, stats.TotalKeys);
    }

    [Fact]
    public void Prefetch_changes_no_state_whatever_it_is_asked_about()
    {
        // Small tables, so that the stream makes them grow, fills their caps (evictions) and has the sweep forget keys;
        // start times jump back now and then (out of order); one caller in 50 withheld. One featurizer is asked, before
        // each call, about the next call and about a call it never sees; the other only featurizes. Every feature of
        // every call and every count must agree bit for bit.
        var options = new FeaturizerOptions
        {
            InitialCallers = 8, InitialCallees = 8, InitialPairs = 8, InitialTrunks = 2,
            MaxCallers = 300, MaxCallees = 400, MaxPairs = 700, MaxTrunks = 12,
            CallerIdle = TimeSpan.FromHours(2), CalleeIdle = TimeSpan.FromHours(3), SweepSlotsPerCall = 2,
        };
        var plain = new Featurizer(ReferenceData.Embedded, options);
        var hinted = new Featurizer(ReferenceData.Embedded, options);
        var trunks = Enumerable.Range(0, 20).Select(i => AsciiId.From($"gw-{i:00}")).ToArray();
        var random = new Random(17);
        CallRecord NextCall(int i)
        {
            var record = Call(
                random.Next(50) == 0 ? "anonymous" : $"+1212555{random.Next(600):0000}",
                $"+1415555{random.Next(800):0000}",
                Monday.AddSeconds((i * 20) - (random.Next(10) == 0 ? random.Next(600) : 0)),
                origin: random.Next(8) == 0 ? "IN" : "US",
                attest: (Attestation)random.Next(4),
                disposition: (Disposition)random.Next(5),
                ringMs: random.Next(40_000),
                durationS: random.Next(900));
            record.Trunk = trunks[random.Next(trunks.Length)];
            return record;
        }

        var calls = Enumerable.Range(0, 20_000).Select(NextCall).ToArray();
        var elsewhere = Enumerable.Range(0, 20_000).Select(NextCall).ToArray(); // never featurized
        var expected = new float[FeatureSchema.Current.Count];
        var actual = new float[FeatureSchema.Current.Count];
        for (var i = 0; i < calls.Length; i++)
        {
            if (i + 1 < calls.Length)
            {
                hinted.Prefetch(calls[i + 1]);
            }
            hinted.Prefetch(elsewhere[i]);
            plain.Featurize(calls[i], expected);
            hinted.Featurize(calls[i], actual);
            for (var f = 0; f < expected.Length; f++)
            {
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[f]) == BitConverter.SingleToInt32Bits(actual[f]),
                    $"call {i}, {FeatureSchema.Current.Names[f]}: {actual[f]:R} with the hints, {expected[f]:R} without");
            }
        }
        Assert.Equal(plain.GetStats(), hinted.GetStats());
        // The stream did what the comparison needs: tables grown, caps reached, idle keys forgotten.
        var stats = plain.GetStats();
        Assert.True(stats.Callers.CapEvictions > 0 && stats.Pairs.CapEvictions > 0, "no evictions at the caps");
        Assert.True(stats.Callers.IdleEvictions + stats.Callees.IdleEvictions > 0, "no idle evictions");
        Assert.True(stats.Callers.Slots > 16, "the caller table did not grow");
    }

    [Fact]
    public void Featurize_allocates_nothing_in_steady_state_with_a_warm_state_of_over_100k_keys()
    {
        var featurizer = new Featurizer(ReferenceData.Embedded, new FeaturizerOptions
        {
            InitialCallers = 300_000,
            InitialCallees = 300_000,
            InitialPairs = 600_000,
            InitialTrunks = 1_024,
        });
        var trunks = Enumerable.Range(0, 64).Select(i => AsciiId.From($"gw-{i:000}")).ToArray();
        var features = new float[FeatureSchema.Current.Count];
        var record = default(CallRecord);
        record.CallId = AsciiId.From("c-000000001");
        record.StartText = AsciiId.From("2026-11-23T15:00:00Z");
        record.OrigCountry = CountryCode.UnitedStates;

        void Next(ref CallRecord r, int i)
        {
            // Callers: 150k distinct in the warm-up, then a mix of known and new ones.
            var caller = i < 150_000 ? i : (i % 3 == 0 ? 150_000 + i : i % 150_000);
            r.Caller = new PhoneNumber(1_212_000_0000UL + (ulong)caller, 11);
            r.Callee = new PhoneNumber(1_415_000_0000UL + (ulong)(i * 7 % 200_000), 11);
            r.Trunk = trunks[i % trunks.Length];
            r.StartTicks = Monday.Ticks + (i * TimeSpan.TicksPerMillisecond * 50) - (i % 7 * TimeSpan.TicksPerSecond);
            r.Attest = (Attestation)(i % 4);
            r.Disposition = (Disposition)(i % 5);
            r.RingMs = i % 30_000;
            r.DurationS = r.Disposition == Disposition.Answered ? i % 600 : 0;
        }

        for (var i = 0; i < 150_000; i++)
        {
            Next(ref record, i);
            featurizer.Featurize(in record, features);
        }
        var warm = featurizer.GetStats();
        Assert.True(warm.TotalKeys > 100_000);

        var next = 150_000; // the three runs go on through the mix of known and new keys
        var allocated = Allocations.LeastOfThree(() =>
        {
            for (var end = next + 33_334; next < end; next++)
            {
                Next(ref record, next);
                featurizer.Featurize(in record, features);
            }
        });
        var stats = featurizer.GetStats();
        Assert.Equal(warm.Callers.Slots, stats.Callers.Slots); // no growth happened while measuring
        Assert.Equal(0, allocated);

        foreach (var (name, kind) in new[] { ("caller", stats.Callers), ("trunk", stats.Trunks), ("callee", stats.Callees), ("pair", stats.Pairs) })
        {
            output.WriteLine($"{name}: keys={kind.Keys} slots={kind.Slots} entry_bytes={kind.EntryBytes} bytes={kind.Bytes} bytes_per_key={kind.BytesPerKey:F1}");
        }
        output.WriteLine($"total: keys={stats.TotalKeys} bytes={stats.TotalBytes}");
    }
}
