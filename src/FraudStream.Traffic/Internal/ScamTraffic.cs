using System.Runtime.CompilerServices;

namespace FraudStream.Traffic.Internal;

/// <summary>Generators of the scam classes, organised in campaigns. Each makes exactly the number of calls it is given.</summary>
internal static class ScamTraffic
{
    private const long MinuteMs = 60_000, HourMs = 3_600_000, DayMs = 86_400_000;

    // Real inbound numbers of US agencies that impersonators present (they never place outbound calls).
    private const ulong Irs = 18008291040, Ssa = 18007721213, Uscis = 18003755283;
    private static readonly ulong[] Agencies = [Irs, Ssa, Uscis];

    // Well-known brands' real support numbers that tech-support scammers present.
    private static readonly ulong[] Brands = [18006427676, 18002752273, 18882804331];

    /// <summary>Campaign intensity varies in 15-minute steps (breaks, shift changes, dialer pacing).</summary>
    private sealed class Pacing
    {
        private const long Step = 15 * MinuteMs;
        private readonly double[] _accept;
        private readonly long _start;

        public Pacing(Rng rng, long start, long end, double sigma)
        {
            _start = start;
            _accept = new double[(int)((end - start + Step - 1) / Step) + 1];
            double max = 0;
            for (int i = 0; i < _accept.Length; i++)
                max = Math.Max(max, _accept[i] = rng.LogNormal(1, sigma));
            for (int i = 0; i < _accept.Length; i++)
                _accept[i] /= max;
        }

        public bool Accept(Rng rng, long t) => rng.NextDouble() < _accept[(int)Math.Clamp((t - _start) / Step, 0, _accept.Length - 1)];
    }

    /// <summary>A campaign's working time: a contiguous stretch of the active time of a timeline.</summary>
    private readonly struct Stretch(Timeline timeline, long offset, long length)
    {
        public long Sample(Rng rng) => timeline.Map(offset + (long)(rng.NextDouble() * length));
    }

    private static (Stretch Span, int Calls) Plan(Rng rng, Timeline timeline, double perMinute, double maxMinutes, int remaining)
    {
        double available = Math.Min(timeline.Length / (double)MinuteMs, maxMinutes);
        int calls = Math.Min(remaining, Math.Max(1, (int)(perMinute * available)));
        long length = Math.Max(MinuteMs, Math.Min(timeline.Length, (long)(calls / perMinute * MinuteMs)));
        long offset = (long)(rng.NextDouble() * Math.Max(0, timeline.Length - length));
        return (new Stretch(timeline, offset, length), calls);
    }

    /// <summary>Local daytime hours of a zone, weekends included or not; the whole window when that is empty.</summary>
    private static Timeline Daytime(GenContext ctx, int zone, double fromHour, double toHour, bool weekends)
    {
        var t = Timeline.Build(ctx.Start, ctx.End, u =>
        {
            double h = ctx.Zones.LocalHour(zone, u);
            return h >= fromHour && h < toHour && (weekends || ctx.Zones.LocalDayOfWeek(zone, u) is not (0 or 6));
        });
        if (t.IsEmpty && !weekends)
            t = Daytime(ctx, zone, fromHour, toHour, true);
        return t.IsEmpty ? Timeline.Whole(ctx.Start, ctx.End) : t;
    }

    /// <summary>The offshore shift (UTC hours), weekdays in US Eastern time plus the weekend days the campaign works.</summary>
    private static Timeline Shift(GenContext ctx, Rng rng, BlastCampaignOptions o)
    {
        double from = rng.Uniform(o.ShiftStartUtcMin, o.ShiftStartUtcMax);
        double to = rng.Uniform(o.ShiftEndUtcMin, o.ShiftEndUtcMax);
        var weekendDays = new bool[(int)((ctx.End - ctx.Start) / DayMs) + 2];
        for (int i = 0; i < weekendDays.Length; i++)
            weekendDays[i] = rng.Chance(o.WeekendActivity);
        bool InShift(long u)
        {
            double h = (double)(((u % DayMs) + DayMs) % DayMs) / HourMs;
            return to <= 24 ? h >= from && h < to : h >= from || h < to - 24;
        }
        var t = Timeline.Build(ctx.Start, ctx.End, u =>
            InShift(u) && (ctx.Zones.LocalDayOfWeek(Zones.Eastern, u) is not (0 or 6) || weekendDays[(int)((u - ctx.Start) / DayMs)]));
        if (t.IsEmpty)
            t = Timeline.Build(ctx.Start, ctx.End, InShift);
        return t.IsEmpty ? Timeline.Whole(ctx.Start, ctx.End) : t;
    }

    private static double[] Weights(Rng rng, int n)
    {
        var w = new double[n];
        double acc = 0;
        for (int i = 0; i < n; i++)
            w[i] = acc += rng.LogNormal(1, 0.7);
        return w;
    }

    private static ulong GovernmentCallerId(GenContext ctx, Rng rng, double agencyShare)
    {
        double u = rng.NextDouble();
        if (u < agencyShare)
            return rng.Pick(Agencies);
        if (u < agencyShare + ((1 - agencyShare) * 0.5))
            return ctx.Numbers.NumberIn(rng, ctx.Numbers.IndexOf(NumberPlan.Compose(202, 200, 0)));
        return ctx.Numbers.NumberIn(rng, ctx.Numbers.RandomAreaIndex(rng)); // a "police department" somewhere
    }

    private static ulong[] CallerPool(GenContext ctx, Rng rng, BlastCampaignOptions o, TrafficClass cls)
    {
        var pool = new ulong[rng.Between(o.CallerIdPoolMin, o.CallerIdPoolMax)];
        if (cls == TrafficClass.GovernmentImpersonation)
        {
            double theme = rng.NextDouble();
            pool[0] = theme < 0.45 ? Irs : theme < 0.8 ? Ssa : Uscis;
            for (int i = 1; i < pool.Length; i++)
                pool[i] = GovernmentCallerId(ctx, rng, 0.2);
        }
        else
        {
            for (int i = 0; i < pool.Length; i++)
            {
                pool[i] = rng.Chance(o.BrandCallerIdShare) ? rng.Pick(Brands)
                    : rng.Chance(0.2) ? NumberPlan.RandomTollFree(rng) : ctx.Numbers.RandomUsNumber(rng);
            }
        }
        return pool;
    }

    /// <summary>Government impersonation and tech support: a blast through a few trunks from a small pool of spoofed
    /// caller IDs; a few answered callees engage and are called again over the following days from other IDs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    public static void Blast(GenContext ctx, Rng rng, int quota, TrafficClass cls)
    {
        bool gov = cls == TrafficClass.GovernmentImpersonation;
        BlastCampaignOptions o = gov ? ctx.Options.GovernmentImpersonation : ctx.Options.TechSupport;
        int remaining = quota;
        while (remaining > 0)
        {
            int campaign = ctx.NewCampaign(gov ? "gov" : "tech");
            bool reseller = rng.Chance(o.ResellerShare);
            string country = rng.Chance(o.PhilippinesShare) ? "PH" : "IN";
            int[] trunks = reseller
                ? TrunkPlan.Several(rng, rng.Between(o.TrunksMin, Math.Min(o.TrunksMax, 3)), r => ctx.Trunks.AnyByRole(r, r.Chance(0.75) ? TrunkRole.Voip : TrunkRole.Transit))
                : TrunkPlan.Several(rng, rng.Between(o.TrunksMin, o.TrunksMax), r => ctx.Trunks.FromCountry(r, country));
            AttestationMix mix = Legs.Jitter(rng, reseller ? o.ResellerAttestation : o.OffshoreAttestation);
            ulong[] pool = CallerPool(ctx, rng, o, cls);
            double[] poolWeights = Weights(rng, pool.Length);
            Timeline shift = Shift(ctx, rng, o);
            var pacing = new Pacing(rng, ctx.Start, ctx.End, 0.3);
            var (span, calls) = Plan(rng, shift, rng.Uniform(o.CallsPerMinuteMin, o.CallsPerMinuteMax),
                rng.Uniform(o.CampaignHoursMin, o.CampaignHoursMax) * 60, remaining);
            double answered = rng.Uniform(o.AnsweredRateMin, o.AnsweredRateMax);
            double engage = rng.Uniform(o.EngageRateMin, o.EngageRateMax);
            // Placed in time order, so that engaged victims (worked by live agents from then on) are not blasted again.
            long[] times = new long[calls];
            for (int i = 0; i < calls;)
            {
                long t = span.Sample(rng);
                if (pacing.Accept(rng, t))
                    times[i++] = t;
            }
            Array.Sort(times);
            var victims = new HashSet<ulong>();
            // Victims engaged before the period are still being worked: their calls come from IDs with no blast
            // history here, at any time of the campaign's shifts, possibly before its blast (at most a tenth of the quota).
            int carried = rng.Poisson(o.CarriedOverVictimsMean);
            for (int v = 0; v < carried && remaining > 1; v++)
            {
                long t = shift.Map((long)(rng.NextDouble() * shift.Length));
                ulong callee = ctx.LineAwake(rng, t, 8, 21);
                if (!victims.Add(callee))
                    continue;
                int trunk = trunks[rng.Next(trunks.Length)];
                var first = new CallRow
                {
                    StartMs = t,
                    Caller = FollowUpCaller(ctx, rng, pool, 0, ctx.Numbers.IndexOf(callee), gov),
                    Callee = callee,
                    Trunk = (ushort)trunk,
                    Country = ctx.Trunks[trunk].CountryCode,
                    Attest = Legs.PickAttest(rng, mix),
                    Class = cls,
                    Campaign = campaign,
                };
                var d = rng.Chance(o.FollowUpAnsweredRate) ? Disposition.Answered : Legs.PickDisposition(rng, 0, 0.85, 0.6);
                Legs.Set(rng, ref first, d, rng.LogNormalIn(1200, 0.7, 300, o.EngagedTalkMaxSeconds), 15, 30);
                ctx.Calls.Add(first);
                remaining--;
                remaining -= FollowUps(ctx, rng, o, first, pool, trunks, mix, shift, Math.Min(remaining, Math.Max(0, (quota / 10) - 1)), gov);
            }
            foreach (long t in times)
            {
                if (remaining == 0)
                    break;
                ulong callee = ctx.LineAwake(rng, t, 8, 21);
                while (victims.Contains(callee))
                    callee = ctx.Numbers.RandomLine(rng);
                int trunk = trunks[rng.Next(trunks.Length)];
                var row = new CallRow
                {
                    StartMs = t,
                    Caller = rng.Chance(o.AnonymousShare) ? 0 : pool[rng.Pick(poolWeights)],
                    Callee = callee,
                    Trunk = (ushort)trunk,
                    Country = ctx.Trunks[trunk].CountryCode,
                    Attest = Legs.PickAttest(rng, mix),
                    Class = cls,
                    Campaign = campaign,
                };
                var d = Legs.PickDisposition(rng, answered, (1 - answered) * 0.86, 0.55, 0.3);
                bool engaged = d == Disposition.Answered && rng.Chance(engage);
                // Engagement on the blast leg itself, or a live agent calling back minutes later from another ID.
                bool agentCallback = engaged && rng.Chance(o.AgentCallbackShare);
                double talk = engaged && !agentCallback
                    ? rng.LogNormalIn(1500, 0.6, o.EngagedTalkMinSeconds, o.EngagedTalkMaxSeconds)
                    : rng.LogNormalIn(o.BlastTalkMedianSeconds, o.BlastTalkSigma, 3, 45);
                Legs.Set(rng, ref row, d, talk, 15, 30);
                ctx.Calls.Add(row);
                remaining--;
                if (!engaged || !victims.Add(callee))
                    continue;
                CallRow engagedCall = row;
                long callback = row.StartMs + row.DurationMs + (long)(rng.Uniform(2, 40) * MinuteMs);
                if (agentCallback && remaining > 0 && callback < ctx.End)
                {
                    int agentTrunk = trunks[rng.Next(trunks.Length)];
                    engagedCall = row with
                    {
                        StartMs = callback,
                        Caller = FollowUpCaller(ctx, rng, pool, row.Caller, ctx.Numbers.IndexOf(callee), gov),
                        Trunk = (ushort)agentTrunk,
                        Country = ctx.Trunks[agentTrunk].CountryCode,
                        Attest = Legs.PickAttest(rng, mix),
                    };
                    Legs.Set(rng, ref engagedCall, Disposition.Answered, rng.LogNormalIn(1500, 0.6, o.EngagedTalkMinSeconds, o.EngagedTalkMaxSeconds), 15, 30);
                    ctx.Calls.Add(engagedCall);
                    remaining--;
                }
                remaining -= FollowUps(ctx, rng, o, engagedCall, pool, trunks, mix, shift, remaining, gov);
            }
        }
    }

    /// <summary>Repeat calls to an engaged victim over the following days, each from a different caller ID.</summary>
    private static int FollowUps(GenContext ctx, Rng rng, BlastCampaignOptions o, CallRow first, ulong[] pool, int[] trunks,
        AttestationMix mix, Timeline shift, int remaining, bool gov)
    {
        int count = rng.Between(o.FollowUpsMin, o.FollowUpsMax);
        long t = first.StartMs + first.DurationMs;
        ulong previous = first.Caller;
        int area = ctx.Numbers.IndexOf(first.Callee);
        int made = 0;
        for (int i = 0; i < count && made < remaining; i++)
        {
            t += (long)(rng.LogNormal(o.FollowUpGapMedianHours, 0.7) * HourMs);
            if (!shift.Contains(t))
            {
                long next = shift.NextActive(t);
                if (next < 0)
                    break;
                t = next + (long)(rng.NextDouble() * 90 * MinuteMs);
            }
            if (t >= ctx.End)
                break;
            ulong caller = FollowUpCaller(ctx, rng, pool, previous, area, gov);
            int trunk = trunks[rng.Next(trunks.Length)];
            var row = first with { StartMs = t, Caller = caller, Trunk = (ushort)trunk, Country = ctx.Trunks[trunk].CountryCode, Attest = Legs.PickAttest(rng, mix) };
            var d = rng.Chance(o.FollowUpAnsweredRate) ? Disposition.Answered : Legs.PickDisposition(rng, 0, 0.85, 0.6);
            Legs.Set(rng, ref row, d, rng.LogNormalIn(1200, 0.7, 300, o.EngagedTalkMaxSeconds), 15, 30);
            ctx.Calls.Add(row);
            previous = caller;
            made++;
        }
        return made;
    }

    /// <summary>A caller ID for a call to an engaged victim, other than <paramref name="previous"/>: government scams
    /// move from the agency to "the police" (a local number in the victim's area code) or another spoofed ID.</summary>
    private static ulong FollowUpCaller(GenContext ctx, Rng rng, ulong[] pool, ulong previous, int area, bool gov)
    {
        ulong caller = 0;
        for (int tries = 0; tries < 12 && (caller == 0 || caller == previous); tries++)
        {
            caller = gov && rng.Chance(0.5) && area >= 0 ? ctx.Numbers.NumberIn(rng, area)
                : gov ? pool[rng.Next(pool.Length)]
                : rng.Chance(0.6) ? pool[rng.Next(pool.Length)] : ctx.Numbers.RandomUsNumber(rng);
        }
        return caller == previous || caller == 0 ? ctx.Numbers.RandomUsNumber(rng) : caller;
    }

    /// <summary>Neighbour spoofing: each call presents a fresh number sharing the callee's NPA-NXX (strong campaigns)
    /// or mostly only its NPA (weak campaigns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    public static void NeighborSpoofing(GenContext ctx, Rng rng, int quota)
    {
        NeighborSpoofingOptions o = ctx.Options.NeighborSpoofing;
        NumberPlan numbers = ctx.Numbers;
        int remaining = quota;
        bool? firstStrong = null;
        while (remaining > 0)
        {
            int campaign = ctx.NewCampaign("nbr");
            bool strong = rng.Chance(o.StrongShare);
            if (firstStrong is null)
                firstStrong = strong;
            else if (ctx.Campaigns.Count(c => c.StartsWith("nbr-", StringComparison.Ordinal)) == 2 && o.StrongShare is > 0 and < 1)
                strong = !firstStrong.Value; // both strengths appear as soon as there are two campaigns
            bool offshore = rng.Chance(o.OffshoreShare);
            string country = rng.Chance(0.7) ? "IN" : "PH";
            int[] trunks = TrunkPlan.Several(rng, rng.Between(o.TrunksMin, o.TrunksMax), r => offshore
                ? ctx.Trunks.FromCountry(r, country)
                : ctx.Trunks.AnyByRole(r, r.Chance(0.8) ? TrunkRole.Voip : TrunkRole.Transit));
            AttestationMix mix = offshore ? new AttestationMix(0, o.Attestation.B * 0.1, o.Attestation.C) : Legs.Jitter(rng, o.Attestation);
            double match = strong ? rng.Uniform(o.StrongMatchMin, o.StrongMatchMax) : rng.Uniform(o.WeakMatchMin, o.WeakMatchMax);
            double sameArea = strong ? (1 - match) * 0.8 : rng.Uniform(o.WeakSameAreaMin, o.WeakSameAreaMax);
            int[]? areas = null;
            int zone = Zones.Central;
            if (rng.Chance(0.6))
            {
                int first = numbers.RandomAreaIndex(rng);
                zone = numbers.ZoneOfIndex(first);
                areas = new int[rng.Between(1, 8)];
                areas[0] = first;
                for (int i = 1; i < areas.Length; i++)
                    areas[i] = numbers.RandomAreaIndexInZone(rng, zone);
            }
            Timeline day = Daytime(ctx, zone, rng.Uniform(8.5, 10), rng.Uniform(18.5, 20.5), rng.Chance(0.6));
            var (span, calls) = Plan(rng, day, rng.Uniform(o.CallsPerMinuteMin, o.CallsPerMinuteMax),
                rng.Uniform(o.CampaignHoursMin, o.CampaignHoursMax) * 60, remaining);
            var pacing = new Pacing(rng, ctx.Start, ctx.End, 0.25);
            double answered = rng.Uniform(o.AnsweredRateMin, o.AnsweredRateMax);
            int made = 0;
            while (made < calls)
            {
                long t = span.Sample(rng);
                if (!pacing.Accept(rng, t))
                    continue;
                ulong callee = areas is null ? ctx.LineAwake(rng, t, 9, 21) : numbers.LineIn(rng, areas[rng.Next(areas.Length)]);
                int npa = NumberPlan.AreaCodeOf(callee), nxx = NumberPlan.ExchangeOf(callee), line = (int)(callee % 10_000);
                double u = rng.NextDouble();
                ulong caller;
                if (u < match)
                    caller = NumberPlan.Compose(npa, nxx, (line + rng.Between(1, 9999)) % 10_000);
                else if (u < match + sameArea)
                {
                    int index = numbers.IndexOf(callee);
                    int other = index >= 0 && rng.Chance(0.7) ? numbers.ExchangeIn(rng, index) : NumberPlan.RandomExchange(rng);
                    caller = NumberPlan.Compose(npa, other, rng.Next(10_000));
                }
                else
                    caller = numbers.RandomUsNumber(rng);
                int trunk = trunks[rng.Next(trunks.Length)];
                var row = new CallRow
                {
                    StartMs = t,
                    Caller = caller,
                    Callee = callee,
                    Trunk = (ushort)trunk,
                    Country = ctx.Trunks[trunk].CountryCode,
                    Attest = Legs.PickAttest(rng, mix),
                    Class = TrafficClass.NeighborSpoofing,
                    Campaign = campaign,
                };
                var d = Legs.PickDisposition(rng, answered, (1 - answered) * 0.85, 0.5, 0.3);
                double talk = rng.Chance(o.TransferShare) ? rng.LogNormalIn(240, 0.6, 60, 1200) : rng.LogNormalIn(o.TalkMedianSeconds, o.TalkSigma, 2, 90);
                Legs.Set(rng, ref row, d, talk, 15, 30);
                ctx.Calls.Add(row);
                made++;
            }
            remaining -= calls;
        }
    }

    // Premium-rate and high-risk origins used by one-ring scams: weight and number generator.
    private static readonly (double Weight, Func<Rng, ulong> Number)[] WangiriRanges =
    [
        (0.25, r => (222 * 100_000_000UL) + ((ulong)r.Between(2, 4) * 10_000_000UL) + r.NextBelow(10_000_000)),   // Mauritania
        (0.15, r => (882 * 10_000_000_000UL) + ((ulong)r.Pick([13, 16, 22]) * 100_000_000UL) + r.NextBelow(100_000_000)), // international networks
        (0.2, r => (373 * 100_000_000UL) + ((ulong)r.Between(6, 7) * 10_000_000UL) + r.NextBelow(10_000_000)),    // Moldova
        (0.12, r => NumberPlan.Compose(809, NumberPlan.RandomExchange(r), r.Next(10_000))),                       // Dominican Republic
        (0.12, r => NumberPlan.Compose(876, NumberPlan.RandomExchange(r), r.Next(10_000))),                       // Jamaica
        (0.08, r => NumberPlan.Compose(649, NumberPlan.RandomExchange(r), r.Next(10_000))),                       // Turks and Caicos
        (0.08, r => NumberPlan.Compose(284, NumberPlan.RandomExchange(r), r.Next(10_000))),                       // British Virgin Islands
    ];

    /// <summary>Wangiri: overnight one-ring bursts at one area code, often to sequential numbers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    public static void Wangiri(GenContext ctx, Rng rng, int quota)
    {
        WangiriOptions o = ctx.Options.Wangiri;
        NumberPlan numbers = ctx.Numbers;
        double[] rangeWeights = new double[WangiriRanges.Length];
        double acc = 0;
        for (int i = 0; i < rangeWeights.Length; i++)
            rangeWeights[i] = acc += WangiriRanges[i].Weight;
        int remaining = quota;
        while (remaining > 0)
        {
            int campaign = ctx.NewCampaign("wan");
            Func<Rng, ulong> range = WangiriRanges[rng.Pick(rangeWeights)].Number;
            var pool = new ulong[rng.Between(o.CallerPoolMin, o.CallerPoolMax)];
            pool[0] = range(rng);
            for (int i = 1; i < pool.Length; i++)
                pool[i] = rng.Chance(0.6) ? pool[0] + (ulong)rng.Between(1, 400) : range(rng); // premium numbers come in blocks
            bool wholesale = rng.Chance(o.UsWholesaleShare);
            int[] trunks = TrunkPlan.Several(rng, rng.Between(1, 2), r => wholesale ? ctx.Trunks.AnyByRole(r, TrunkRole.Voip) : ctx.Trunks.InternationalTransit(r));
            double signed = wholesale ? rng.Uniform(0.3, 0.7) : 0;

            int area = numbers.RandomAreaIndex(rng);
            int zone = numbers.ZoneOfIndex(area);
            double minutes = Math.Min(rng.Uniform(o.BurstMinutesMin, o.BurstMinutesMax), (ctx.End - ctx.Start) / (double)MinuteMs);
            long burst = BurstStart(ctx, rng, zone, rng.Uniform(o.StartHourMin, o.StartHourMax), minutes);
            int calls = Math.Min(remaining, Math.Max(1, (int)(rng.Uniform(o.CallsPerMinuteMin, o.CallsPerMinuteMax) * minutes)));
            double step = minutes * MinuteMs / calls;
            int npa = numbers.AreaCode(area), nxx = numbers.ExchangeIn(rng, area), line = rng.Next(10_000);
            for (int i = 0; i < calls; i++)
            {
                if (i > 0)
                {
                    if (rng.Chance(o.SequentialShare))
                    {
                        line += rng.Between(1, 3);
                        if (line > 9999)
                        {
                            line -= 10_000;
                            nxx = numbers.ExchangeIn(rng, area);
                        }
                    }
                    else
                    {
                        nxx = rng.Chance(0.5) ? nxx : numbers.ExchangeIn(rng, area);
                        line = rng.Next(10_000);
                    }
                }
                int trunk = trunks[rng.Next(trunks.Length)];
                ctx.Calls.Add(new CallRow
                {
                    StartMs = ctx.Clamp(burst + (long)((i + rng.NextDouble()) * step)),
                    Caller = pool[rng.Next(pool.Length)],
                    Callee = NumberPlan.Compose(npa, nxx, line),
                    Trunk = (ushort)trunk,
                    Country = ctx.Trunks[trunk].CountryCode,
                    Attest = rng.Chance(signed) ? Attest.C : Attest.None,
                    Class = TrafficClass.Wangiri,
                    Campaign = campaign,
                    Disposition = Disposition.NoAnswer,
                    RingMs = (int)rng.LogNormalIn(o.RingMedianMs, 0.35, o.RingMinMs, o.RingMaxMs),
                    DurationMs = 0,
                });
            }
            remaining -= calls;
        }
    }

    /// <summary>A burst start at the local hour on some night of the window, the burst inside the window;
    /// anywhere in the window when no night fits.</summary>
    private static long BurstStart(GenContext ctx, Rng rng, int zone, double localHour, double minutes)
    {
        long length = (long)(minutes * MinuteMs);
        var fits = new List<long>();
        long firstDay = (long)Math.Floor((double)ctx.Zones.LocalMs(zone, ctx.Start) / DayMs) - 1;
        long lastDay = (long)Math.Floor((double)ctx.Zones.LocalMs(zone, ctx.End) / DayMs) + 1;
        for (long day = firstDay; day <= lastDay; day++)
        {
            long wall = (day * DayMs) + (long)(localHour * HourMs);
            long utc = wall - ctx.Zones.OffsetMs(zone, wall - ctx.Zones.OffsetMs(zone, wall));
            if (utc >= ctx.Start && utc + length <= ctx.End)
                fits.Add(utc);
        }
        if (fits.Count > 0)
            return fits[rng.Next(fits.Count)];
        return ctx.Start + (long)(rng.NextDouble() * Math.Max(0, ctx.End - ctx.Start - length));
    }

    /// <summary>Illegal robocall blasts: US caller IDs from a huge rotating pool, each used a handful of times.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    public static void Robocall(GenContext ctx, Rng rng, int quota)
    {
        RobocallOptions o = ctx.Options.Robocall;
        int remaining = quota;
        while (remaining > 0)
        {
            int campaign = ctx.NewCampaign("robo");
            int[] trunks = TrunkPlan.Several(rng, rng.Between(o.TrunksMin, o.TrunksMax), r => ctx.Trunks.AnyByRole(r, r.Chance(0.75) ? TrunkRole.Voip : TrunkRole.Transit));
            AttestationMix mix = Legs.Jitter(rng, o.Attestation);
            Timeline day = Daytime(ctx, Zones.Central, rng.Uniform(8.5, 10), rng.Uniform(18, 20.5), true);
            var (span, calls) = Plan(rng, day, rng.Uniform(o.CallsPerMinuteMin, o.CallsPerMinuteMax),
                rng.Uniform(o.CampaignHoursMin, o.CampaignHoursMax) * 60, remaining);
            var pacing = new Pacing(rng, ctx.Start, ctx.End, 0.25);
            double meanUses = (o.UsesPerCallerIdMin + o.UsesPerCallerIdMax) / 2.0;
            int slots = (int)Math.Clamp(calls / meanUses * rng.Uniform(o.IdLifetimeShareMin, o.IdLifetimeShareMax), 4, 1_000_000);
            var ids = new ulong[slots];
            var uses = new int[slots];
            double answered = rng.Uniform(o.AnsweredRateMin, o.AnsweredRateMax);
            int made = 0;
            while (made < calls)
            {
                long t = span.Sample(rng);
                if (!pacing.Accept(rng, t))
                    continue;
                int s = rng.Next(slots);
                if (uses[s] == 0)
                {
                    ids[s] = ctx.Numbers.RandomUsNumber(rng);
                    uses[s] = rng.Between(o.UsesPerCallerIdMin, o.UsesPerCallerIdMax);
                }
                uses[s]--;
                int trunk = trunks[rng.Next(trunks.Length)];
                var row = new CallRow
                {
                    StartMs = t,
                    Caller = ids[s],
                    Callee = ctx.LineAwake(rng, t, 9, 21),
                    Trunk = (ushort)trunk,
                    Country = ctx.Trunks[trunk].CountryCode,
                    Attest = Legs.PickAttest(rng, mix),
                    Class = TrafficClass.RobocallBurst,
                    Campaign = campaign,
                };
                var d = Legs.PickDisposition(rng, answered, (1 - answered) * 0.84, 0.5, 0.3);
                double talk = rng.Chance(o.TransferShare)
                    ? rng.LogNormalIn(o.TransferMedianSeconds, 0.5, 60, 1200)
                    : Math.Clamp(rng.Uniform(o.TalkMinSeconds, o.TalkMaxSeconds) + rng.Normal(0, 1), o.TalkMinSeconds * 0.8, o.TalkMaxSeconds * 1.1);
                Legs.Set(rng, ref row, d, talk, 15, 30);
                ctx.Calls.Add(row);
                made++;
            }
            remaining -= calls;
        }
    }
}
