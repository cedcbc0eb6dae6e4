using System.Runtime.CompilerServices;

namespace FraudStream.Traffic.Internal;

/// <summary>Generators of the legitimate classes. Each makes exactly the number of calls it is given.</summary>
internal static class LegitTraffic
{
    private const long MinuteMs = 60_000, DayMs = 86_400_000;

    /// <summary>A subscriber's usual ingress trunk: their carrier's interconnect, or a VoIP provider or transit.</summary>
    public static int HomeTrunk(GenContext ctx, Rng rng)
    {
        if (!rng.Chance(ctx.Options.Domestic.VoipShare))
            return ctx.Trunks.ByRole(rng, TrunkRole.Interconnect);
        return ctx.Trunks.ByRole(rng, rng.Chance(0.65) ? TrunkRole.Voip : TrunkRole.Transit);
    }

    private static CallRow UsRow(GenContext ctx, Rng rng, TrafficClass cls, ulong caller, ulong callee, long t, int trunk) => new()
    {
        StartMs = t,
        Caller = caller,
        Callee = callee,
        Trunk = (ushort)trunk,
        Country = ctx.Trunks[trunk].CountryCode,
        Attest = Legs.LegitAttest(rng, ctx.Trunks[trunk], ctx.Options.Domestic),
        Class = cls,
        Campaign = -1,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    public static void Domestic(GenContext ctx, Rng rng, int quota)
    {
        DomesticOptions o = ctx.Options.Domestic;
        int maxContacts = (int)Math.Ceiling(o.FrequentContacts * 3) + 2;
        var contacts = new ulong[maxContacts];
        var weights = new double[maxContacts];
        NumberPlan numbers = ctx.Numbers;
        int remaining = quota;
        while (remaining > 0)
        {
            ulong caller = numbers.RandomLine(rng);
            int area = numbers.IndexOf(caller);
            bool withheld = rng.Chance(o.AnonymousShare);
            int home = HomeTrunk(ctx, rng);
            int n = Math.Min(remaining, Math.Max(1, rng.Poisson(rng.Uniform(o.CallsPerDayMin, o.CallsPerDayMax) * ctx.Days)));
            int k = (int)Math.Clamp(Math.Round(rng.Normal(o.FrequentContacts, o.FrequentContacts * 0.25)), 1, maxContacts);
            double neighbours = rng.Uniform(0, 2 * o.NeighbourShare);
            double acc = 0;
            for (int i = 0; i < k; i++)
            {
                contacts[i] = rng.Chance(neighbours) ? NumberPlan.Neighbour(rng, caller)
                    : rng.Chance(o.SameAreaShare) ? numbers.LineIn(rng, area) : numbers.RandomLine(rng);
                weights[i] = acc += 1 / Math.Pow(i + 1, 0.9);
            }
            for (int c = 0; c < n; c++)
            {
                ulong callee = rng.Chance(o.FrequentContactShare) ? contacts[rng.Pick(weights.AsSpan(0, k))]
                    : rng.Chance(neighbours) ? NumberPlan.Neighbour(rng, caller)
                    : rng.Chance(0.4) ? numbers.LineIn(rng, area) : numbers.RandomLine(rng);
                if (callee == caller)
                    callee = numbers.RandomLine(rng);
                long t = ctx.Samplers.Sample(rng, Profile.Domestic, numbers.ZoneOf(callee));
                int trunk = rng.Chance(0.92) ? home : HomeTrunk(ctx, rng);
                CallRow row = UsRow(ctx, rng, TrafficClass.LegitDomestic, withheld && rng.Chance(0.9) ? 0 : caller, callee, t, trunk);
                var d = Legs.PickDisposition(rng, o.AnsweredRate, o.NoAnswerRate, o.BusyShareOfRest);
                Legs.Set(rng, ref row, d, rng.LogNormal(o.TalkMedianSeconds, o.TalkSigma), o.UnansweredRingMinSeconds, o.UnansweredRingMaxSeconds);
                ctx.Calls.Add(row);
            }
            remaining -= n;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    public static void Business(GenContext ctx, Rng rng, int quota)
    {
        BusinessOptions o = ctx.Options.Business;
        NumberPlan numbers = ctx.Numbers;
        int remaining = quota;
        while (remaining > 0)
        {
            int area = numbers.RandomAreaIndex(rng);
            double u = rng.NextDouble();
            TrunkRole role = u < 0.5 ? TrunkRole.Interconnect : u < 0.88 ? TrunkRole.Voip : TrunkRole.Transit;
            int[] trunks = TrunkPlan.Several(rng, rng.Between(1, 2), r => ctx.Trunks.ByRole(r, role));
            int count = o.NumbersPerBusinessMax > 1 && rng.Chance(0.35) ? rng.Between(2, o.NumbersPerBusinessMax) : 1;
            double answered = rng.Uniform(o.AnsweredRateMin, o.AnsweredRateMax);
            for (int b = 0; b < count && remaining > 0; b++)
            {
                bool tollFree = rng.Chance(o.TollFreeShare);
                ulong number = tollFree ? NumberPlan.RandomTollFree(rng) : numbers.NumberIn(rng, area);
                double perDay = Math.Clamp(rng.LogNormal(o.CallsPerNumberPerDayMedian, o.CallsPerNumberSigma), 20, 20_000);
                int n = Math.Min(remaining, Math.Max(1, (int)Math.Round(perDay * ctx.Days)));
                double local = tollFree ? o.LocalCalleeShare * 0.3 : o.LocalCalleeShare;
                for (int i = 0; i < n; i++)
                {
                    ulong callee = !rng.Chance(local) ? numbers.RandomLine(rng)
                        : !tollFree && rng.Chance(o.SameExchangeShare) ? NumberPlan.Neighbour(rng, number) : numbers.LineIn(rng, area);
                    long t = ctx.Samplers.Sample(rng, Profile.Business, numbers.ZoneOf(callee));
                    int trunk = trunks[rng.Next(trunks.Length)];
                    CallRow row = UsRow(ctx, rng, TrafficClass.LegitBusiness, number, callee, t, trunk);
                    row.Attest = rng.Chance(o.AttestAShare) ? Attest.A : Attest.B;
                    var d = Legs.PickDisposition(rng, answered, (1 - answered) * 0.85, 0.6);
                    Legs.Set(rng, ref row, d, rng.LogNormalIn(o.TalkMedianSeconds, o.TalkSigma, o.TalkMinSeconds, o.TalkMaxSeconds));
                    ctx.Calls.Add(row);
                }
                remaining -= n;
            }
        }
    }

    public static void Alerts(GenContext ctx, Rng rng, int quota)
    {
        AlertsOptions o = ctx.Options.Alerts;
        int school = (int)Math.Round(quota * o.SchoolShare);
        int reminders = Math.Min(quota - school, (int)Math.Round(quota * o.ReminderShare));
        int prison = quota - school - reminders;
        int left = SchoolBursts(ctx, rng, school);
        Rostered(ctx, rng, reminders + left, Profile.Reminder, o.RemindersPerNumberPerDayMedian, 0);
        Rostered(ctx, rng, prison, Profile.Prison, o.RemindersPerNumberPerDayMedian * 0.7, o.PrisonAcceptShare);
    }

    /// <summary>School alerts: one number calls its whole roster within 45 minutes, early morning or late evening local.
    /// Returns the calls it could not place (no slot inside the window).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    private static int SchoolBursts(GenContext ctx, Rng rng, int quota)
    {
        AlertsOptions o = ctx.Options.Alerts;
        NumberPlan numbers = ctx.Numbers;
        int remaining = quota;
        while (remaining > 0)
        {
            int area = numbers.RandomAreaIndex(rng);
            int zone = numbers.ZoneOfIndex(area);
            bool morning = rng.Chance(o.MorningShare);
            List<long> slots = Slots(ctx, zone, morning);
            if (slots.Count == 0)
                slots = Slots(ctx, zone, !morning);
            if (slots.Count == 0)
                return remaining;
            int roster = rng.Between(o.SchoolRosterMin, o.SchoolRosterMax);
            roster = Math.Max(1, Math.Min(roster, remaining / slots.Count));
            int days = Math.Min(slots.Count, remaining / roster);
            // A district's roster: distinct numbers, mostly in its own area code, some in neighbouring ones.
            var callees = new ulong[roster];
            var distinct = new HashSet<ulong>(roster);
            for (int i = 0; i < roster;)
            {
                int a = rng.Chance(0.85) ? area : numbers.RandomAreaIndexInZone(rng, zone);
                ulong callee = rng.Chance(0.5) ? numbers.LineIn(rng, a) : numbers.NumberIn(rng, a);
                if (distinct.Add(callee))
                    callees[i++] = callee;
            }
            ulong number = rng.Chance(0.2) ? NumberPlan.RandomTollFree(rng) : numbers.NumberIn(rng, area);
            int trunk = ctx.Trunks.ByRole(rng, rng.Chance(0.7) ? TrunkRole.Voip : TrunkRole.Transit);
            for (int s = 0; s < days; s++)
            {
                double minutes = rng.Uniform(o.BurstMinutesMin, o.BurstMinutesMax);
                long start = slots[s] + (long)(rng.Uniform(0, 45 - minutes) * MinuteMs);
                double step = minutes * MinuteMs / roster;
                for (int i = 0; i < roster; i++)
                {
                    long t = start + (long)((i + rng.NextDouble()) * step);
                    CallRow row = UsRow(ctx, rng, TrafficClass.LegitAlerts, number, callees[i], t, trunk);
                    row.Attest = Attest.A;
                    var d = Legs.PickDisposition(rng, o.AnsweredRate, (1 - o.AnsweredRate) * 0.75, 0.6);
                    Legs.Set(rng, ref row, d, Message(rng, o));
                    ctx.Calls.Add(row);
                }
            }
            remaining -= roster * days;
        }
        return 0;
    }

    private static double Message(Rng rng, AlertsOptions o) =>
        Math.Clamp(rng.Uniform(o.MessageMinSeconds, o.MessageMaxSeconds) + rng.Normal(0, 0.7), o.MessageMinSeconds * 0.9, o.MessageMaxSeconds * 1.05);

    /// <summary>UTC starts of the 6:00 (or 21:45) local slots whose 45 minutes lie inside the window.</summary>
    private static List<long> Slots(GenContext ctx, int zone, bool morning)
    {
        var slots = new List<long>();
        long localStart = ctx.Zones.LocalMs(zone, ctx.Start);
        long firstDay = (long)Math.Floor((double)localStart / DayMs) - 1;
        long lastDay = (long)Math.Floor((double)ctx.Zones.LocalMs(zone, ctx.End) / DayMs) + 1;
        long slotOfDay = morning ? 6 * 60 * MinuteMs : ((21 * 60) + 45) * MinuteMs;
        for (long day = firstDay; day <= lastDay; day++)
        {
            long wall = (day * DayMs) + slotOfDay;
            long utc = wall - ctx.Zones.OffsetMs(zone, wall - ctx.Zones.OffsetMs(zone, wall));
            if (utc >= ctx.Start && utc + (45 * MinuteMs) <= ctx.End)
                slots.Add(utc);
        }
        return slots;
    }

    /// <summary>Appointment reminders and prison calls: one number, a roster of callees that recur day after day.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    private static void Rostered(GenContext ctx, Rng rng, int quota, Profile profile, double perDayMedian, double acceptShare)
    {
        AlertsOptions o = ctx.Options.Alerts;
        NumberPlan numbers = ctx.Numbers;
        int remaining = quota;
        while (remaining > 0)
        {
            int area = numbers.RandomAreaIndex(rng);
            int zone = numbers.ZoneOfIndex(area);
            ulong number = rng.Chance(profile == Profile.Reminder ? 0.3 : 0.1) ? NumberPlan.RandomTollFree(rng) : numbers.NumberIn(rng, area);
            double perDay = Math.Clamp(rng.LogNormal(perDayMedian, 0.6), 15, 5000);
            int n = Math.Min(remaining, Math.Max(1, (int)Math.Round(perDay * ctx.Days)));
            int rosterSize = Math.Max(5, (int)(perDay * (profile == Profile.Reminder ? rng.Uniform(1.5, 3.5) : rng.Uniform(0.8, 2))));
            var roster = new ulong[rosterSize];
            for (int i = 0; i < rosterSize; i++)
                roster[i] = rng.Chance(0.8) ? numbers.LineIn(rng, area) : numbers.LineIn(rng, numbers.RandomAreaIndexInZone(rng, zone));
            int trunk = ctx.Trunks.ByRole(rng, rng.Chance(0.7) ? TrunkRole.Voip : TrunkRole.Transit);
            for (int i = 0; i < n; i++)
            {
                ulong callee = roster[rng.Next(rosterSize)];
                long t = ctx.Samplers.Sample(rng, profile, numbers.ZoneOf(callee));
                CallRow row = UsRow(ctx, rng, TrafficClass.LegitAlerts, number, callee, t, trunk);
                row.Attest = Attest.A;
                var d = Legs.PickDisposition(rng, o.AnsweredRate, (1 - o.AnsweredRate) * 0.75, 0.6);
                double talk = rng.Chance(acceptShare) ? rng.LogNormalIn(420, 0.5, 60, 900) : Message(rng, o);
                Legs.Set(rng, ref row, d, talk);
                ctx.Calls.Add(row);
            }
            remaining -= n;
        }
    }

    // Countries of family callers other than India: weight, ISO code, where their calls enter (null = a transit gateway).
    private static readonly (double Weight, string Country, string? Gateway)[] FamilyCountries =
    [
        (0.25, "MX", "MX"), (0.2, "PH", "PH"), (0.12, "CN", null), (0.1, "GB", "GB"), (0.1, "NG", null),
        (0.08, "VN", null), (0.08, "JM", "JM"), (0.07, "DO", "DO"),
    ];

    private static ulong ForeignMobile(Rng rng, string country) => country switch
    {
        "IN" => (91 * 10_000_000_000UL) + ((ulong)rng.Between(6, 9) * 1_000_000_000UL) + rng.NextBelow(1_000_000_000),
        "MX" => (52 * 10_000_000_000UL) + ((ulong)rng.Between(2, 9) * 1_000_000_000UL) + rng.NextBelow(1_000_000_000),
        "PH" => (63 * 10_000_000_000UL) + (9 * 1_000_000_000UL) + rng.NextBelow(1_000_000_000),
        "CN" => (86 * 100_000_000_000UL) + ((ulong)rng.Between(13, 19) * 1_000_000_000UL) + rng.NextBelow(1_000_000_000),
        "GB" => (44 * 10_000_000_000UL) + (7 * 1_000_000_000UL) + rng.NextBelow(1_000_000_000),
        "NG" => (234 * 10_000_000_000UL) + ((ulong)rng.Between(7, 9) * 1_000_000_000UL) + rng.NextBelow(200_000_000),
        "VN" => (84 * 1_000_000_000UL) + (9 * 100_000_000UL) + rng.NextBelow(100_000_000),
        "JM" => NumberPlan.Compose(876, NumberPlan.RandomExchange(rng), rng.Next(10000)),
        _ => NumberPlan.Compose(rng.Pick([809, 829, 849]), NumberPlan.RandomExchange(rng), rng.Next(10000)),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    public static void Family(GenContext ctx, Rng rng, int quota)
    {
        FamilyOptions o = ctx.Options.Family;
        double[] cumulative = new double[FamilyCountries.Length];
        double acc = 0;
        for (int i = 0; i < cumulative.Length; i++)
            cumulative[i] = acc += FamilyCountries[i].Weight;
        int remaining = quota;
        while (remaining > 0)
        {
            string country = "IN";
            string? gateway = "IN";
            if (!rng.Chance(o.IndiaShare))
                (_, country, gateway) = FamilyCountries[rng.Pick(cumulative)];
            ulong caller = ForeignMobile(rng, country);
            int Gateway(Rng r) => gateway is null ? ctx.Trunks.InternationalTransit(r) : ctx.Trunks.FromCountry(r, gateway);
            int pairs = rng.Chance(0.2) ? 2 : 1;
            for (int p = 0; p < pairs && remaining > 0; p++)
            {
                ulong callee = ctx.Numbers.RandomLine(rng);
                int home = Gateway(rng);
                double median = rng.Uniform(o.TalkMedianMinSeconds, o.TalkMedianMaxSeconds);
                int n = Math.Min(remaining, Math.Max(1, rng.Poisson(rng.Uniform(o.CallsPerPairPerDayMin, o.CallsPerPairPerDayMax) * ctx.Days)));
                for (int i = 0; i < n; i++)
                {
                    int trunk = rng.Chance(0.9) ? home : Gateway(rng);
                    var row = new CallRow
                    {
                        StartMs = ctx.Samplers.Sample(rng, Profile.Family, ctx.Numbers.ZoneOf(callee)),
                        Caller = caller,
                        Callee = callee,
                        Trunk = (ushort)trunk,
                        Country = ctx.Trunks[trunk].CountryCode,
                        Attest = Attest.None,
                        Class = TrafficClass.LegitInternationalFamily,
                        Campaign = -1,
                    };
                    var d = Legs.PickDisposition(rng, o.AnsweredRate, o.NoAnswerRate, 0.55);
                    Legs.Set(rng, ref row, d, rng.LogNormalIn(median, o.TalkSigma, 15, 4 * 3600));
                    ctx.Calls.Add(row);
                }
                remaining -= n;
            }
        }
    }

    /// <summary>Offshore contact-centre callbacks; most are preceded by the customer's call to the company number,
    /// which is a legit_domestic call taken from <paramref name="inboundBudget"/>. Returns the inbound calls made.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    public static int OffshoreService(GenContext ctx, Rng rng, int quota, int inboundBudget)
    {
        OffshoreServiceOptions o = ctx.Options.OffshoreService;
        DomesticOptions dom = ctx.Options.Domestic;
        NumberPlan numbers = ctx.Numbers;
        int inbound = 0;
        int remaining = quota;
        while (remaining > 0)
        {
            string country = rng.Chance(o.IndiaShare) ? "IN" : "PH";
            int[] trunks = TrunkPlan.Several(rng, rng.Between(1, 3), r => ctx.Trunks.FromCountry(r, country));
            var companyNumbers = new ulong[rng.Chance(0.3) ? 2 : 1];
            for (int i = 0; i < companyNumbers.Length; i++)
                companyNumbers[i] = rng.Chance(o.TollFreeShare) ? NumberPlan.RandomTollFree(rng) : numbers.NumberIn(rng, numbers.RandomAreaIndex(rng));
            double perDay = Math.Clamp(rng.LogNormal(o.CallsPerCompanyPerDayMedian, 0.6), 30, 20_000);
            int n = Math.Min(remaining, Math.Max(1, (int)Math.Round(perDay * ctx.Days)));
            double cShare = Math.Clamp(o.AttestCShare + rng.Normal(0, 0.06), 0, 1);
            for (int i = 0; i < n; i++)
            {
                ulong number = companyNumbers[rng.Next(companyNumbers.Length)];
                ulong callee = numbers.RandomLine(rng);
                long t = ctx.Samplers.Sample(rng, Profile.Service, numbers.ZoneOf(callee));
                int trunk = trunks[rng.Next(trunks.Length)];
                var row = new CallRow
                {
                    StartMs = t,
                    Caller = number,
                    Callee = callee,
                    Trunk = (ushort)trunk,
                    Country = ctx.Trunks[trunk].CountryCode,
                    Attest = rng.Chance(cShare) ? Attest.C : Attest.B,
                    Class = TrafficClass.LegitOffshoreService,
                    Campaign = -1,
                };
                var d = Legs.PickDisposition(rng, o.AnsweredRate, (1 - o.AnsweredRate) * 0.8, 0.6);
                Legs.Set(rng, ref row, d, rng.LogNormalIn(o.TalkMedianSeconds, o.TalkSigma, o.TalkMinSeconds, o.TalkMaxSeconds));
                ctx.Calls.Add(row);

                if (inbound >= inboundBudget || !rng.Chance(o.PrecededByInboundShare))
                    continue;
                long lead = (long)(Math.Clamp(rng.LogNormal(o.InboundLeadMedianMinutes, 1.0), 3, 4 * 24 * 60) * MinuteMs);
                long tin = t - lead;
                if (tin < ctx.Start)
                {
                    if (t - ctx.Start < 4 * MinuteMs)
                        continue;
                    tin = ctx.Start + (long)(rng.NextDouble() * (t - ctx.Start - (3 * MinuteMs)));
                }
                CallRow call = UsRow(ctx, rng, TrafficClass.LegitDomestic, callee, number, tin, HomeTrunk(ctx, rng));
                var din = Legs.PickDisposition(rng, 0.88, 0.07, 0.6);
                Legs.Set(rng, ref call, din, rng.LogNormalIn(300, 0.8, 20, 3600), dom.UnansweredRingMinSeconds, dom.UnansweredRingMaxSeconds);
                ctx.Calls.Add(call);
                inbound++;
            }
            remaining -= n;
        }
        return inbound;
    }
}
