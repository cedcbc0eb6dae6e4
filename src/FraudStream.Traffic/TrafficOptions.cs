namespace FraudStream.Traffic;

/// <summary>Everything a generator run depends on. Defaults are those of the traffic model.</summary>
public sealed record TrafficOptions
{
    /// <summary>Largest supported run (all calls are held as compact structs for sorting).</summary>
    public const int MaxCalls = 100_000_000;

    /// <summary>Longest supported simulated period.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(92);

    /// <summary>Records are never more than this out of order (the contract promises a few seconds).</summary>
    public static readonly TimeSpan DisorderLimit = TimeSpan.FromSeconds(5);

    /// <summary>Number of calls to generate (exactly).</summary>
    public int Calls { get; init; } = 100_000;

    /// <summary>Seed: the same options and seed give byte-identical output.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Start of the simulated period (UTC).</summary>
    public DateTime Start { get; init; } = new(2026, 11, 2, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Length of the simulated period.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Share of all calls that are fraudulent. The scam classes share it in the proportions of
    /// <see cref="Shares"/>; the legitimate classes fill the rest in theirs.</summary>
    public double ScamShare { get; init; } = 0.08;

    /// <summary>Relative shares of the classes.</summary>
    public ClassShares Shares { get; init; } = new();

    /// <summary>Largest delay added to a record's position in the stream (its <c>start</c> is unchanged).</summary>
    public TimeSpan MaxDisorder { get; init; } = TimeSpan.FromMilliseconds(4800);

    /// <summary>Share of records that arrive late at all; the delay is exponential, capped at <see cref="MaxDisorder"/>.</summary>
    public double DisorderShare { get; init; } = 0.3;

    /// <summary>Mean delay of a late record.</summary>
    public TimeSpan DisorderMean { get; init; } = TimeSpan.FromMilliseconds(700);

    /// <summary>Share of unsigned calls written with <c>"attest":null</c> rather than without the field.</summary>
    public double AttestNullShare { get; init; } = 0.25;

    /// <summary>Share of records whose <c>start</c> ends in <c>+00:00</c> instead of <c>Z</c>.</summary>
    public double OffsetSuffixShare { get; init; } = 0.004;

    /// <summary>Share of records whose <c>start</c> has six fractional digits instead of three.</summary>
    public double MicrosecondShare { get; init; } = 0.004;

    public DomesticOptions Domestic { get; init; } = new();
    public BusinessOptions Business { get; init; } = new();
    public AlertsOptions Alerts { get; init; } = new();
    public FamilyOptions Family { get; init; } = new();
    public OffshoreServiceOptions OffshoreService { get; init; } = new();
    public BlastCampaignOptions GovernmentImpersonation { get; init; } = new();
    public BlastCampaignOptions TechSupport { get; init; } = BlastCampaignOptions.TechSupportDefaults;
    public NeighborSpoofingOptions NeighborSpoofing { get; init; } = new();
    public WangiriOptions Wangiri { get; init; } = new();
    public RobocallOptions Robocall { get; init; } = new();

    /// <summary>Number of calls of each class (sums to <see cref="Calls"/>; largest-remainder rounding).</summary>
    public int[] ClassQuotas()
    {
        int n = TrafficClasses.All.Count;
        var share = new double[n];
        double legit = 0, scam = 0;
        foreach (var c in TrafficClasses.All)
        {
            share[(int)c] = Shares.Get(c);
            if (c.IsFraud())
                scam += share[(int)c];
            else
                legit += share[(int)c];
        }
        double scamTarget = ScamShare;
        foreach (var c in TrafficClasses.All)
        {
            double part = c.IsFraud() ? scamTarget : 1 - scamTarget;
            double total = c.IsFraud() ? scam : legit;
            share[(int)c] = total > 0 ? share[(int)c] / total * part : 0;
        }
        var quota = new int[n];
        var rest = new double[n];
        long assigned = 0;
        for (int i = 0; i < n; i++)
        {
            double exact = share[i] * Calls;
            quota[i] = (int)Math.Floor(exact);
            rest[i] = exact - quota[i];
            assigned += quota[i];
        }
        // Largest remainders get the calls left over; ties go to the earlier class.
        int[] order = [.. Enumerable.Range(0, n).OrderByDescending(i => rest[i]).ThenBy(i => i)];
        for (int k = 0; assigned < Calls; k = (k + 1) % n)
        {
            if (share[order[k]] <= 0 && order.Any(i => share[i] > 0))
                continue;
            quota[order[k]]++;
            assigned++;
        }
        return quota;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Check(Calls is >= 1 and <= MaxCalls, nameof(Calls), $"must be between 1 and {MaxCalls}");
        Check(Start.Kind == DateTimeKind.Utc, nameof(Start), "must be a UTC time");
        Check(Start.Year is >= 1971 and <= 9998, nameof(Start), "must be a year between 1971 and 9998");
        Check(Duration > TimeSpan.Zero && Duration <= MaxDuration, nameof(Duration), "must be positive and at most 92 days");
        Check(Duration >= TimeSpan.FromMinutes(1), nameof(Duration), "must be at least one minute");
        Check(ScamShare is >= 0 and <= 1, nameof(ScamShare), "must be between 0 and 1");
        Check(MaxDisorder >= TimeSpan.Zero && MaxDisorder < DisorderLimit, nameof(MaxDisorder), "must be between 0 and 5 seconds");
        Check(DisorderMean > TimeSpan.Zero, nameof(DisorderMean), "must be positive");
        Probability(DisorderShare, nameof(DisorderShare));
        Probability(AttestNullShare, nameof(AttestNullShare));
        Probability(OffsetSuffixShare, nameof(OffsetSuffixShare));
        Probability(MicrosecondShare, nameof(MicrosecondShare));
        Shares.Validate();
        double legit = TrafficClasses.All.Where(c => !c.IsFraud()).Sum(Shares.Get);
        double scam = TrafficClasses.All.Where(c => c.IsFraud()).Sum(Shares.Get);
        Check(legit + scam > 0, nameof(Shares), "must not all be zero");
        Check(ScamShare == 0 || scam > 0, nameof(ScamShare), "needs at least one scam class with a share");
        Check(ScamShare == 1 || legit > 0, nameof(ScamShare), "needs at least one legitimate class with a share");
        Domestic.Validate();
        Business.Validate();
        Alerts.Validate();
        Family.Validate();
        OffshoreService.Validate();
        GovernmentImpersonation.Validate();
        TechSupport.Validate();
        NeighborSpoofing.Validate();
        Wangiri.Validate();
        Robocall.Validate();
    }

    internal static void Check(bool ok, string name, string rule)
    {
        if (!ok)
            throw new ArgumentException($"{name} {rule}", name);
    }

    internal static void Probability(double p, string name) => Check(p is >= 0 and <= 1, name, "must be between 0 and 1");

    internal static void Range(double lo, double hi, string name) =>
        Check(lo >= 0 && hi >= lo && double.IsFinite(hi), name, "must be a non-negative range with min <= max");
}

/// <summary>Default shares of the classes (of all calls). Scams total 8%.</summary>
public sealed record ClassShares
{
    public double LegitDomestic { get; init; } = 0.76;
    public double LegitBusiness { get; init; } = 0.06;
    public double LegitAlerts { get; init; } = 0.02;
    public double LegitInternationalFamily { get; init; } = 0.04;
    public double LegitOffshoreService { get; init; } = 0.03;
    public double GovernmentImpersonation { get; init; } = 0.03;
    public double TechSupport { get; init; } = 0.01;
    public double NeighborSpoofing { get; init; } = 0.015;
    public double Wangiri { get; init; } = 0.005;
    public double RobocallBurst { get; init; } = 0.02;

    /// <summary>The share of one class.</summary>
    public double Get(TrafficClass c) => c switch
    {
        TrafficClass.LegitDomestic => LegitDomestic,
        TrafficClass.LegitBusiness => LegitBusiness,
        TrafficClass.LegitAlerts => LegitAlerts,
        TrafficClass.LegitInternationalFamily => LegitInternationalFamily,
        TrafficClass.LegitOffshoreService => LegitOffshoreService,
        TrafficClass.GovernmentImpersonation => GovernmentImpersonation,
        TrafficClass.TechSupport => TechSupport,
        TrafficClass.NeighborSpoofing => NeighborSpoofing,
        TrafficClass.Wangiri => Wangiri,
        TrafficClass.RobocallBurst => RobocallBurst,
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    internal void Validate()
    {
        foreach (var c in TrafficClasses.All)
            TrafficOptions.Check(Get(c) is >= 0 and <= 1, "Shares." + c, "must be between 0 and 1");
    }
}

/// <summary>Person-to-person US calls.</summary>
public sealed record DomesticOptions
{
    public double CallsPerDayMin { get; init; } = 3;
    public double CallsPerDayMax { get; init; } = 5;
    /// <summary>Mean size of a subscriber's circle of frequent contacts.</summary>
    public double FrequentContacts { get; init; } = 10;
    /// <summary>Share of a subscriber's calls that go to the frequent contacts.</summary>
    public double FrequentContactShare { get; init; } = 0.8;
    /// <summary>Share of contacts in the caller's own area code.</summary>
    public double SameAreaShare { get; init; } = 0.55;

    /// <summary>Mean share of contacts (and of occasional callees) on the caller's own exchange: neighbours and local
    /// shops. Each subscriber's share is drawn between 0 and twice this.</summary>
    public double NeighbourShare { get; init; } = 0.05;
    public double AnsweredRate { get; init; } = 0.70;
    public double NoAnswerRate { get; init; } = 0.22;
    /// <summary>Of calls neither answered nor unanswered: share busy (the rest failed, a few rejected).</summary>
    public double BusyShareOfRest { get; init; } = 0.62;
    /// <summary>Trunks differ in how many legitimate calls arrive unsigned; their shares are drawn in this range.</summary>
    public double UnsignedShareMin { get; init; } = 0.35;
    public double UnsignedShareMax { get; init; } = 0.55;
    /// <summary>Of signed calls: share A and share B (the rest C).</summary>
    public double SignedAShare { get; init; } = 0.9;
    public double SignedBShare { get; init; } = 0.07;
    public double TalkMedianSeconds { get; init; } = 60;
    public double TalkSigma { get; init; } = 1.05;
    public double UnansweredRingMinSeconds { get; init; } = 20;
    public double UnansweredRingMaxSeconds { get; init; } = 30;
    /// <summary>Share of subscribers who withhold their caller ID.</summary>
    public double AnonymousShare { get; init; } = 0.012;
    /// <summary>Share of subscribers whose calls come through VoIP providers and transit rather than direct interconnects.</summary>
    public double VoipShare { get; init; } = 0.18;

    internal void Validate()
    {
        TrafficOptions.Range(CallsPerDayMin, CallsPerDayMax, "Domestic.CallsPerDay");
        TrafficOptions.Check(CallsPerDayMax > 0, "Domestic.CallsPerDayMax", "must be positive");
        TrafficOptions.Check(FrequentContacts is >= 1 and <= 1000, "Domestic.FrequentContacts", "must be between 1 and 1000");
        TrafficOptions.Probability(FrequentContactShare, "Domestic.FrequentContactShare");
        TrafficOptions.Probability(SameAreaShare, "Domestic.SameAreaShare");
        TrafficOptions.Check(NeighbourShare is >= 0 and <= 0.5, "Domestic.NeighbourShare", "must be between 0 and 0.5");
        TrafficOptions.Probability(AnsweredRate, "Domestic.AnsweredRate");
        TrafficOptions.Probability(NoAnswerRate, "Domestic.NoAnswerRate");
        TrafficOptions.Check(AnsweredRate + NoAnswerRate <= 1, "Domestic.NoAnswerRate", "plus AnsweredRate must be at most 1");
        TrafficOptions.Probability(BusyShareOfRest, "Domestic.BusyShareOfRest");
        TrafficOptions.Range(UnsignedShareMin, UnsignedShareMax, "Domestic.UnsignedShare");
        TrafficOptions.Probability(UnsignedShareMax, "Domestic.UnsignedShareMax");
        TrafficOptions.Check(SignedAShare >= 0 && SignedBShare >= 0 && SignedAShare + SignedBShare <= 1, "Domestic.SignedAShare", "plus SignedBShare must be between 0 and 1");
        TrafficOptions.Check(TalkMedianSeconds is > 0 and <= 3600 && TalkSigma is >= 0 and <= 4, "Domestic.TalkMedianSeconds", "and TalkSigma must be positive and moderate");
        TrafficOptions.Range(UnansweredRingMinSeconds, UnansweredRingMaxSeconds, "Domestic.UnansweredRingSeconds");
        TrafficOptions.Check(UnansweredRingMaxSeconds <= 300, "Domestic.UnansweredRingMaxSeconds", "must be at most 300");
        TrafficOptions.Probability(AnonymousShare, "Domestic.AnonymousShare");
        TrafficOptions.Probability(VoipShare, "Domestic.VoipShare");
    }
}

/// <summary>High-volume businesses (pharmacies, banks, clinics, delivery firms).</summary>
public sealed record BusinessOptions
{
    public double CallsPerNumberPerDayMedian { get; init; } = 260;
    public double CallsPerNumberSigma { get; init; } = 0.55;
    public int NumbersPerBusinessMax { get; init; } = 3;
    public double TollFreeShare { get; init; } = 0.3;
    /// <summary>Share of callees in the business's own area code.</summary>
    public double LocalCalleeShare { get; init; } = 0.6;

    /// <summary>Of a local business's local callees: share on the business number's own exchange.</summary>
    public double SameExchangeShare { get; init; } = 0.08;
    public double AnsweredRateMin { get; init; } = 0.45;
    public double AnsweredRateMax { get; init; } = 0.61;
    public double TalkMedianSeconds { get; init; } = 95;
    public double TalkSigma { get; init; } = 0.65;
    public double TalkMinSeconds { get; init; } = 30;
    public double TalkMaxSeconds { get; init; } = 300;
    /// <summary>Share of calls attested A (the rest B).</summary>
    public double AttestAShare { get; init; } = 0.93;

    internal void Validate()
    {
        TrafficOptions.Check(CallsPerNumberPerDayMedian is >= 1 and <= 100_000, "Business.CallsPerNumberPerDayMedian", "must be between 1 and 100000");
        TrafficOptions.Check(CallsPerNumberSigma is >= 0 and <= 3, "Business.CallsPerNumberSigma", "must be between 0 and 3");
        TrafficOptions.Check(NumbersPerBusinessMax is >= 1 and <= 100, "Business.NumbersPerBusinessMax", "must be between 1 and 100");
        TrafficOptions.Probability(TollFreeShare, "Business.TollFreeShare");
        TrafficOptions.Probability(LocalCalleeShare, "Business.LocalCalleeShare");
        TrafficOptions.Probability(SameExchangeShare, "Business.SameExchangeShare");
        TrafficOptions.Range(AnsweredRateMin, AnsweredRateMax, "Business.AnsweredRate");
        TrafficOptions.Probability(AnsweredRateMax, "Business.AnsweredRateMax");
        TrafficOptions.Range(TalkMinSeconds, TalkMaxSeconds, "Business.TalkSeconds");
        TrafficOptions.Check(TalkMaxSeconds <= 86_400 && TalkMedianSeconds > 0, "Business.TalkMaxSeconds", "must be at most 86400");
        TrafficOptions.Probability(AttestAShare, "Business.AttestAShare");
    }
}

/// <summary>Consented automated calls: school alerts, appointment reminders, prison calls.</summary>
public sealed record AlertsOptions
{
    public double SchoolShare { get; init; } = 0.55;
    public double ReminderShare { get; init; } = 0.33;
    public int SchoolRosterMin { get; init; } = 1500;
    public int SchoolRosterMax { get; init; } = 6000;
    public double BurstMinutesMin { get; init; } = 20;
    /// <summary>Longest burst; bursts stay inside 6:00-6:45 or 21:45-22:30 local.</summary>
    public double BurstMinutesMax { get; init; } = 45;
    public double MorningShare { get; init; } = 0.6;
    public double AnsweredRate { get; init; } = 0.72;
    public double MessageMinSeconds { get; init; } = 20;
    public double MessageMaxSeconds { get; init; } = 40;
    public double RemindersPerNumberPerDayMedian { get; init; } = 160;
    /// <summary>Share of answered prison calls accepted by the callee and turned into a conversation (up to 15 minutes).</summary>
    public double PrisonAcceptShare { get; init; } = 0.3;

    internal void Validate()
    {
        TrafficOptions.Check(SchoolShare >= 0 && ReminderShare >= 0 && SchoolShare + ReminderShare <= 1, "Alerts.SchoolShare", "plus ReminderShare must be between 0 and 1");
        TrafficOptions.Check(SchoolRosterMin >= 1 && SchoolRosterMax >= SchoolRosterMin, "Alerts.SchoolRoster", "must be a positive range");
        TrafficOptions.Check(BurstMinutesMin > 0 && BurstMinutesMax >= BurstMinutesMin && BurstMinutesMax <= 45, "Alerts.BurstMinutes", "must be a range within 45 minutes");
        TrafficOptions.Probability(MorningShare, "Alerts.MorningShare");
        TrafficOptions.Probability(AnsweredRate, "Alerts.AnsweredRate");
        TrafficOptions.Range(MessageMinSeconds, MessageMaxSeconds, "Alerts.MessageSeconds");
        TrafficOptions.Check(MessageMaxSeconds <= 3600, "Alerts.MessageMaxSeconds", "must be at most 3600");
        TrafficOptions.Check(RemindersPerNumberPerDayMedian is >= 1 and <= 100_000, "Alerts.RemindersPerNumberPerDayMedian", "must be between 1 and 100000");
        TrafficOptions.Probability(PrisonAcceptShare, "Alerts.PrisonAcceptShare");
    }
}

/// <summary>Family calls from abroad (mostly India).</summary>
public sealed record FamilyOptions
{
    public double IndiaShare { get; init; } = 0.85;
    public double CallsPerPairPerDayMin { get; init; } = 0.6;
    public double CallsPerPairPerDayMax { get; init; } = 2.5;
    /// <summary>Each pair's median talk time is drawn in this range (6-10 minutes).</summary>
    public double TalkMedianMinSeconds { get; init; } = 360;
    public double TalkMedianMaxSeconds { get; init; } = 600;
    public double TalkSigma { get; init; } = 0.7;
    public double AnsweredRate { get; init; } = 0.74;
    public double NoAnswerRate { get; init; } = 0.21;

    internal void Validate()
    {
        TrafficOptions.Probability(IndiaShare, "Family.IndiaShare");
        TrafficOptions.Range(CallsPerPairPerDayMin, CallsPerPairPerDayMax, "Family.CallsPerPairPerDay");
        TrafficOptions.Check(CallsPerPairPerDayMax > 0, "Family.CallsPerPairPerDayMax", "must be positive");
        TrafficOptions.Range(TalkMedianMinSeconds, TalkMedianMaxSeconds, "Family.TalkMedianSeconds");
        TrafficOptions.Check(TalkMedianMinSeconds > 0 && TalkMedianMaxSeconds <= 14_400 && TalkSigma is >= 0 and <= 3, "Family.TalkMedianSeconds", "must be positive and at most 14400");
        TrafficOptions.Probability(AnsweredRate, "Family.AnsweredRate");
        TrafficOptions.Check(NoAnswerRate >= 0 && AnsweredRate + NoAnswerRate <= 1, "Family.NoAnswerRate", "plus AnsweredRate must be at most 1");
    }
}

/// <summary>Offshore contact centres of US companies calling customers back.</summary>
public sealed record OffshoreServiceOptions
{
    public double CallsPerCompanyPerDayMedian { get; init; } = 450;
    public double IndiaShare { get; init; } = 0.65;
    public double TollFreeShare { get; init; } = 0.6;
    public double AnsweredRate { get; init; } = 0.6;
    public double TalkMedianSeconds { get; init; } = 330;
    public double TalkSigma { get; init; } = 0.55;
    public double TalkMinSeconds { get; init; } = 120;
    public double TalkMaxSeconds { get; init; } = 900;
    /// <summary>Share of callbacks preceded by the customer's own call to the company number (a legit_domestic call).</summary>
    public double PrecededByInboundShare { get; init; } = 0.8;
    /// <summary>Median time from the customer's call to the callback.</summary>
    public double InboundLeadMedianMinutes { get; init; } = 90;
    /// <summary>Of callbacks: share attested C (the rest B).</summary>
    public double AttestCShare { get; init; } = 0.82;

    internal void Validate()
    {
        TrafficOptions.Check(CallsPerCompanyPerDayMedian is >= 1 and <= 100_000, "OffshoreService.CallsPerCompanyPerDayMedian", "must be between 1 and 100000");
        TrafficOptions.Probability(IndiaShare, "OffshoreService.IndiaShare");
        TrafficOptions.Probability(TollFreeShare, "OffshoreService.TollFreeShare");
        TrafficOptions.Probability(AnsweredRate, "OffshoreService.AnsweredRate");
        TrafficOptions.Range(TalkMinSeconds, TalkMaxSeconds, "OffshoreService.TalkSeconds");
        TrafficOptions.Check(TalkMaxSeconds <= 86_400 && TalkMedianSeconds > 0, "OffshoreService.TalkMaxSeconds", "must be at most 86400");
        TrafficOptions.Probability(PrecededByInboundShare, "OffshoreService.PrecededByInboundShare");
        TrafficOptions.Check(InboundLeadMedianMinutes is > 2 and <= 10_000, "OffshoreService.InboundLeadMedianMinutes", "must be between 2 and 10000");
        TrafficOptions.Probability(AttestCShare, "OffshoreService.AttestCShare");
    }
}

/// <summary>Attestation mix: shares of A, B and C; the rest arrives unsigned.</summary>
public sealed record AttestationMix(double A, double B, double C)
{
    internal void Validate(string name) =>
        TrafficOptions.Check(A >= 0 && B >= 0 && C >= 0 && A + B + C <= 1, name, "shares must be non-negative and sum to at most 1");
}

/// <summary>Blast-then-engage scam campaigns run from offshore call centres (government impersonation, tech support).</summary>
public sealed record BlastCampaignOptions
{
    /// <summary>Tech-support defaults: brand toll-free caller IDs, seven days a week, a little PH origin.</summary>
    public static BlastCampaignOptions TechSupportDefaults { get; } = new()
    {
        WeekendActivity = 0.6,
        BrandCallerIdShare = 0.4,
        PhilippinesShare = 0.2,
        ResellerShare = 0.15,
        CallsPerMinuteMin = 8,
        CallsPerMinuteMax = 40,
    };

    public double CallsPerMinuteMin { get; init; } = 10;
    public double CallsPerMinuteMax { get; init; } = 50;
    /// <summary>How many hours of its shifts a campaign blasts this carrier's subscribers (other campaigns share the shift).</summary>
    public double CampaignHoursMin { get; init; } = 0.5;
    public double CampaignHoursMax { get; init; } = 4;
    public int TrunksMin { get; init; } = 2;
    public int TrunksMax { get; init; } = 4;
    public int CallerIdPoolMin { get; init; } = 3;
    public int CallerIdPoolMax { get; init; } = 12;
    /// <summary>Share of campaigns routed through US VoIP resellers (<c>orig_country</c> US) instead of offshore gateways.</summary>
    public double ResellerShare { get; init; } = 0.25;
    /// <summary>Of offshore campaigns: share from the Philippines rather than India.</summary>
    public double PhilippinesShare { get; init; }
    public AttestationMix OffshoreAttestation { get; init; } = new(0.005, 0.02, 0.36);
    public AttestationMix ResellerAttestation { get; init; } = new(0.05, 0.33, 0.42);
    public double AnsweredRateMin { get; init; } = 0.05;
    public double AnsweredRateMax { get; init; } = 0.15;
    public double BlastTalkMedianSeconds { get; init; } = 11;
    public double BlastTalkSigma { get; init; } = 0.45;
    /// <summary>Share of answered callees who engage (1-3%).</summary>
    public double EngageRateMin { get; init; } = 0.01;
    public double EngageRateMax { get; init; } = 0.03;
    public double EngagedTalkMinSeconds { get; init; } = 600;
    public double EngagedTalkMaxSeconds { get; init; } = 3600;
    public int FollowUpsMin { get; init; } = 2;
    public int FollowUpsMax { get; init; } = 6;
    public double FollowUpGapMedianHours { get; init; } = 14;
    public double FollowUpAnsweredRate { get; init; } = 0.8;

    /// <summary>Of engaged victims: share who engage with a live agent calling back minutes after the blast leg
    /// (from another caller ID) rather than on the blast leg itself.</summary>
    public double AgentCallbackShare { get; init; } = 0.5;

    /// <summary>Mean number of victims per campaign engaged before the simulated period and still being called in it,
    /// from caller IDs with no blast history (Poisson).</summary>
    public double CarriedOverVictimsMean { get; init; } = 1.0;
    /// <summary>Call-centre shift in UTC hours (India night shift = US business hours).</summary>
    public double ShiftStartUtcMin { get; init; } = 13;
    public double ShiftStartUtcMax { get; init; } = 14.5;
    public double ShiftEndUtcMin { get; init; } = 21.5;
    public double ShiftEndUtcMax { get; init; } = 23;
    /// <summary>Probability a campaign also works a given weekend day.</summary>
    public double WeekendActivity { get; init; } = 0.05;
    /// <summary>Tech support: share of pool caller IDs that are brands' toll-free numbers (the rest random US numbers).</summary>
    public double BrandCallerIdShare { get; init; }
    public double AnonymousShare { get; init; } = 0.015;

    internal void Validate()
    {
        TrafficOptions.Range(CallsPerMinuteMin, CallsPerMinuteMax, "Campaign.CallsPerMinute");
        TrafficOptions.Check(CallsPerMinuteMin > 0 && CallsPerMinuteMax <= 100_000, "Campaign.CallsPerMinuteMin", "must be positive");
        TrafficOptions.Range(CampaignHoursMin, CampaignHoursMax, "Campaign.CampaignHours");
        TrafficOptions.Check(CampaignHoursMin > 0, "Campaign.CampaignHoursMin", "must be positive");
        TrafficOptions.Check(TrunksMin >= 1 && TrunksMax >= TrunksMin && TrunksMax <= 20, "Campaign.Trunks", "must be a range within 1-20");
        TrafficOptions.Check(CallerIdPoolMin >= 2 && CallerIdPoolMax >= CallerIdPoolMin && CallerIdPoolMax <= 10_000, "Campaign.CallerIdPool", "must be a range of at least 2");
        TrafficOptions.Probability(ResellerShare, "Campaign.ResellerShare");
        TrafficOptions.Probability(PhilippinesShare, "Campaign.PhilippinesShare");
        OffshoreAttestation.Validate("Campaign.OffshoreAttestation");
        ResellerAttestation.Validate("Campaign.ResellerAttestation");
        TrafficOptions.Range(AnsweredRateMin, AnsweredRateMax, "Campaign.AnsweredRate");
        TrafficOptions.Probability(AnsweredRateMax, "Campaign.AnsweredRateMax");
        TrafficOptions.Check(BlastTalkMedianSeconds is > 0 and <= 3600 && BlastTalkSigma is >= 0 and <= 3, "Campaign.BlastTalkMedianSeconds", "must be positive");
        TrafficOptions.Range(EngageRateMin, EngageRateMax, "Campaign.EngageRate");
        TrafficOptions.Probability(EngageRateMax, "Campaign.EngageRateMax");
        TrafficOptions.Range(EngagedTalkMinSeconds, EngagedTalkMaxSeconds, "Campaign.EngagedTalkSeconds");
        TrafficOptions.Check(EngagedTalkMaxSeconds <= 86_400, "Campaign.EngagedTalkMaxSeconds", "must be at most 86400");
        TrafficOptions.Check(FollowUpsMin >= 0 && FollowUpsMax >= FollowUpsMin && FollowUpsMax <= 100, "Campaign.FollowUps", "must be a range within 0-100");
        TrafficOptions.Check(FollowUpGapMedianHours is > 0 and <= 1000, "Campaign.FollowUpGapMedianHours", "must be positive");
        TrafficOptions.Probability(FollowUpAnsweredRate, "Campaign.FollowUpAnsweredRate");
        TrafficOptions.Probability(AgentCallbackShare, "Campaign.AgentCallbackShare");
        TrafficOptions.Check(CarriedOverVictimsMean is >= 0 and <= 1000, "Campaign.CarriedOverVictimsMean", "must be between 0 and 1000");
        TrafficOptions.Check(ShiftStartUtcMin >= 0 && ShiftStartUtcMax >= ShiftStartUtcMin && ShiftEndUtcMin > ShiftStartUtcMax && ShiftEndUtcMax >= ShiftEndUtcMin && ShiftEndUtcMax <= 48, "Campaign.Shift", "must be an ordered range of UTC hours");
        TrafficOptions.Probability(WeekendActivity, "Campaign.WeekendActivity");
        TrafficOptions.Probability(BrandCallerIdShare, "Campaign.BrandCallerIdShare");
        TrafficOptions.Probability(AnonymousShare, "Campaign.AnonymousShare");
    }
}

/// <summary>Neighbour spoofing: a fresh caller ID in the callee's own area code (and usually exchange) on every call.</summary>
public sealed record NeighborSpoofingOptions
{
    public double CallsPerMinuteMin { get; init; } = 8;
    public double CallsPerMinuteMax { get; init; } = 40;
    public double CampaignHoursMin { get; init; } = 0.5;
    public double CampaignHoursMax { get; init; } = 3;
    public int TrunksMin { get; init; } = 1;
    public int TrunksMax { get; init; } = 3;
    /// <summary>Share of campaigns that match the callee's NPA-NXX almost always (the others mostly match the NPA only).</summary>
    public double StrongShare { get; init; } = 0.5;
    public double StrongMatchMin { get; init; } = 0.85;
    public double StrongMatchMax { get; init; } = 0.99;
    public double WeakMatchMin { get; init; } = 0.02;
    public double WeakMatchMax { get; init; } = 0.12;
    /// <summary>Weak campaigns: share of calls with the callee's area code but another exchange.</summary>
    public double WeakSameAreaMin { get; init; } = 0.2;
    public double WeakSameAreaMax { get; init; } = 0.5;
    public double AnsweredRateMin { get; init; } = 0.06;
    public double AnsweredRateMax { get; init; } = 0.16;
    public double TalkMedianSeconds { get; init; } = 14;
    public double TalkSigma { get; init; } = 0.6;
    /// <summary>Share of answered calls transferred to a live agent (minutes long).</summary>
    public double TransferShare { get; init; } = 0.05;
    /// <summary>Share of campaigns entering through offshore gateways instead of US providers.</summary>
    public double OffshoreShare { get; init; } = 0.15;
    public AttestationMix Attestation { get; init; } = new(0.04, 0.24, 0.36);

    internal void Validate()
    {
        TrafficOptions.Range(CallsPerMinuteMin, CallsPerMinuteMax, "NeighborSpoofing.CallsPerMinute");
        TrafficOptions.Check(CallsPerMinuteMin > 0, "NeighborSpoofing.CallsPerMinuteMin", "must be positive");
        TrafficOptions.Range(CampaignHoursMin, CampaignHoursMax, "NeighborSpoofing.CampaignHours");
        TrafficOptions.Check(CampaignHoursMin > 0, "NeighborSpoofing.CampaignHoursMin", "must be positive");
        TrafficOptions.Check(TrunksMin >= 1 && TrunksMax >= TrunksMin && TrunksMax <= 20, "NeighborSpoofing.Trunks", "must be a range within 1-20");
        TrafficOptions.Probability(StrongShare, "NeighborSpoofing.StrongShare");
        TrafficOptions.Range(StrongMatchMin, StrongMatchMax, "NeighborSpoofing.StrongMatch");
        TrafficOptions.Probability(StrongMatchMax, "NeighborSpoofing.StrongMatchMax");
        TrafficOptions.Range(WeakMatchMin, WeakMatchMax, "NeighborSpoofing.WeakMatch");
        TrafficOptions.Range(WeakSameAreaMin, WeakSameAreaMax, "NeighborSpoofing.WeakSameArea");
        TrafficOptions.Check(WeakMatchMax + WeakSameAreaMax <= 1, "NeighborSpoofing.WeakSameAreaMax", "plus WeakMatchMax must be at most 1");
        TrafficOptions.Range(AnsweredRateMin, AnsweredRateMax, "NeighborSpoofing.AnsweredRate");
        TrafficOptions.Probability(AnsweredRateMax, "NeighborSpoofing.AnsweredRateMax");
        TrafficOptions.Check(TalkMedianSeconds is > 0 and <= 3600 && TalkSigma is >= 0 and <= 3, "NeighborSpoofing.TalkMedianSeconds", "must be positive");
        TrafficOptions.Probability(TransferShare, "NeighborSpoofing.TransferShare");
        TrafficOptions.Probability(OffshoreShare, "NeighborSpoofing.OffshoreShare");
        Attestation.Validate("NeighborSpoofing.Attestation");
    }
}

/// <summary>One-ring (wangiri) bursts from premium-rate and high-risk foreign numbers.</summary>
public sealed record WangiriOptions
{
    public int CallerPoolMin { get; init; } = 3;
    public int CallerPoolMax { get; init; } = 20;
    public double CallsPerMinuteMin { get; init; } = 5;
    public double CallsPerMinuteMax { get; init; } = 40;
    public double BurstMinutesMin { get; init; } = 10;
    public double BurstMinutesMax { get; init; } = 60;
    /// <summary>Bursts start between these local hours of the target area code (overnight).</summary>
    public double StartHourMin { get; init; }
    public double StartHourMax { get; init; } = 4;
    /// <summary>Median ring before the caller hangs up; the ring never reaches <see cref="RingMaxMs"/>.</summary>
    public double RingMedianMs { get; init; } = 2900;
    public double RingMinMs { get; init; } = 700;
    public double RingMaxMs { get; init; } = 5900;
    /// <summary>Share of calls dialled to the next few numbers after the previous callee.</summary>
    public double SequentialShare { get; init; } = 0.75;
    /// <summary>Share of campaigns entering through US wholesale providers instead of international transit.</summary>
    public double UsWholesaleShare { get; init; } = 0.2;

    internal void Validate()
    {
        TrafficOptions.Check(CallerPoolMin >= 1 && CallerPoolMax >= CallerPoolMin && CallerPoolMax <= 10_000, "Wangiri.CallerPool", "must be a positive range");
        TrafficOptions.Range(CallsPerMinuteMin, CallsPerMinuteMax, "Wangiri.CallsPerMinute");
        TrafficOptions.Check(CallsPerMinuteMin > 0, "Wangiri.CallsPerMinuteMin", "must be positive");
        TrafficOptions.Range(BurstMinutesMin, BurstMinutesMax, "Wangiri.BurstMinutes");
        TrafficOptions.Check(BurstMinutesMin > 0, "Wangiri.BurstMinutesMin", "must be positive");
        TrafficOptions.Check(StartHourMin >= 0 && StartHourMax >= StartHourMin && StartHourMax < 24, "Wangiri.StartHour", "must be a range of hours");
        TrafficOptions.Check(RingMinMs >= 0 && RingMinMs <= RingMedianMs && RingMedianMs <= RingMaxMs && RingMaxMs <= 600_000, "Wangiri.RingMs", "must satisfy min <= median <= max <= 600000");
        TrafficOptions.Probability(SequentialShare, "Wangiri.SequentialShare");
        TrafficOptions.Probability(UsWholesaleShare, "Wangiri.UsWholesaleShare");
    }
}

/// <summary>Illegal domestic robocall blasts from huge pools of rotating caller IDs.</summary>
public sealed record RobocallOptions
{
    public int UsesPerCallerIdMin { get; init; } = 2;
    public int UsesPerCallerIdMax { get; init; } = 8;

    /// <summary>Each campaign spreads a caller ID's uses over this share of its duration (drawn per campaign):
    /// small shares reuse an ID within minutes, large ones a few times over hours.</summary>
    public double IdLifetimeShareMin { get; init; } = 0.1;
    public double IdLifetimeShareMax { get; init; } = 1.0;
    public double CallsPerMinuteMin { get; init; } = 10;
    public double CallsPerMinuteMax { get; init; } = 60;
    public double CampaignHoursMin { get; init; } = 1;
    public double CampaignHoursMax { get; init; } = 4;
    public int TrunksMin { get; init; } = 2;
    public int TrunksMax { get; init; } = 5;
    public double AnsweredRateMin { get; init; } = 0.06;
    public double AnsweredRateMax { get; init; } = 0.12;
    public double TalkMinSeconds { get; init; } = 10;
    public double TalkMaxSeconds { get; init; } = 30;
    /// <summary>Share of answered calls where the callee pressed 1 and was transferred (a few minutes).</summary>
    public double TransferShare { get; init; } = 0.07;
    public double TransferMedianSeconds { get; init; } = 200;
    public AttestationMix Attestation { get; init; } = new(0.02, 0.45, 0.45);

    internal void Validate()
    {
        TrafficOptions.Check(UsesPerCallerIdMin >= 1 && UsesPerCallerIdMax >= UsesPerCallerIdMin, "Robocall.UsesPerCallerId", "must be a positive range");
        TrafficOptions.Check(IdLifetimeShareMin > 0 && IdLifetimeShareMax >= IdLifetimeShareMin && IdLifetimeShareMax <= 1, "Robocall.IdLifetimeShare", "must be a range within (0, 1]");
        TrafficOptions.Range(CallsPerMinuteMin, CallsPerMinuteMax, "Robocall.CallsPerMinute");
        TrafficOptions.Check(CallsPerMinuteMin > 0, "Robocall.CallsPerMinuteMin", "must be positive");
        TrafficOptions.Range(CampaignHoursMin, CampaignHoursMax, "Robocall.CampaignHours");
        TrafficOptions.Check(CampaignHoursMin > 0, "Robocall.CampaignHoursMin", "must be positive");
        TrafficOptions.Check(TrunksMin >= 1 && TrunksMax >= TrunksMin && TrunksMax <= 20, "Robocall.Trunks", "must be a range within 1-20");
        TrafficOptions.Range(AnsweredRateMin, AnsweredRateMax, "Robocall.AnsweredRate");
        TrafficOptions.Probability(AnsweredRateMax, "Robocall.AnsweredRateMax");
        TrafficOptions.Range(TalkMinSeconds, TalkMaxSeconds, "Robocall.TalkSeconds");
        TrafficOptions.Check(TalkMaxSeconds <= 86_400, "Robocall.TalkMaxSeconds", "must be at most 86400");
        TrafficOptions.Probability(TransferShare, "Robocall.TransferShare");
        TrafficOptions.Check(TransferMedianSeconds is > 0 and <= 86_400, "Robocall.TransferMedianSeconds", "must be positive");
        Attestation.Validate("Robocall.Attestation");
    }
}
