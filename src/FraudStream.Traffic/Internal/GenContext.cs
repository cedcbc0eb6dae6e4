namespace FraudStream.Traffic.Internal;

/// <summary>State shared by the class generators of one run.</summary>
internal sealed class GenContext
{
    public GenContext(TrafficOptions options, CancellationToken cancellationToken = default)
    {
        Options = options;
        Start = (long)(options.Start - DateTime.UnixEpoch).TotalMilliseconds;
        End = Start + (long)options.Duration.TotalMilliseconds;
        Days = options.Duration.TotalDays;
        Zones = new Zones(Start, End);
        Samplers = new ProfileSamplers(Zones, Start, End);
        // Enough lines that contact circles rarely collide, but callees still recur across classes.
        int lines = (int)Math.Clamp(options.Calls * 0.35, 5_000, 40_000_000);
        Numbers = new NumberPlan(Rng.For(options.Seed, "numbers"), lines);
        Trunks = new TrunkPlan(Rng.For(options.Seed, "trunks"));
        Calls = new CallBuffer(options.Calls, cancellationToken);
    }

    public TrafficOptions Options { get; }
    public long Start { get; }
    public long End { get; }
    public double Days { get; }
    public Zones Zones { get; }
    public ProfileSamplers Samplers { get; }
    public NumberPlan Numbers { get; }
    public TrunkPlan Trunks { get; }
    public CallBuffer Calls { get; }
    public List<string> Campaigns { get; } = [];

    private readonly Dictionary<string, int> _campaignSeq = [];

    /// <summary>Registers a campaign and returns its index; ids look like <c>gov-007</c>.</summary>
    public int NewCampaign(string prefix)
    {
        _campaignSeq.TryGetValue(prefix, out int n);
        _campaignSeq[prefix] = ++n;
        Campaigns.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}-{n:000}"));
        return Campaigns.Count - 1;
    }

    /// <summary>Local hour (0-24) of the number's area code at the instant.</summary>
    public double LocalHour(ulong number, long utcMs) => Zones.LocalHour(Numbers.ZoneOf(number), utcMs);

    /// <summary>A subscriber line whose local time at <paramref name="t"/> is within [fromHour, toHour), if one is found quickly.</summary>
    public ulong LineAwake(Rng rng, long t, double fromHour, double toHour)
    {
        ulong callee = Numbers.RandomLine(rng);
        for (int tries = 0; tries < 6; tries++)
        {
            double h = LocalHour(callee, t);
            if (h >= fromHour && h < toHour)
                break;
            callee = Numbers.RandomLine(rng);
        }
        return callee;
    }

    public long Clamp(long t) => Math.Clamp(t, Start, End - 1);
}

/// <summary>Disposition, ring and talk-time helpers shared by the classes.</summary>
internal static class Legs
{
    public static Disposition PickDisposition(Rng rng, double answered, double noAnswer, double busyOfRest, double rejectedOfFailed = 0.1)
    {
        double u = rng.NextDouble();
        if (u < answered)
            return Disposition.Answered;
        if (u < answered + noAnswer)
            return Disposition.NoAnswer;
        if (rng.Chance(busyOfRest))
            return Disposition.Busy;
        return rng.Chance(rejectedOfFailed) ? Disposition.Rejected : Disposition.Failed;
    }

    /// <summary>Fills disposition, ring and duration. <paramref name="talkSeconds"/> is used only when answered.</summary>
    public static void Set(Rng rng, ref CallRow row, Disposition d, double talkSeconds, double ringMinS = 20, double ringMaxS = 30)
    {
        row.Disposition = d;
        row.DurationMs = 0;
        switch (d)
        {
            case Disposition.Answered:
                row.RingMs = (int)rng.LogNormalIn(6500, 0.5, 1200, 32_000);
                row.DurationMs = (int)Math.Clamp(talkSeconds * 1000, 1000, 86_400_000);
                break;
            case Disposition.NoAnswer:
                row.RingMs = (int)Math.Clamp((rng.Uniform(ringMinS, ringMaxS) + rng.Normal(0, 0.6)) * 1000, 0, 600_000);
                break;
            case Disposition.Busy:
                row.RingMs = (int)rng.LogNormalIn(450, 0.6, 0, 4000);
                break;
            case Disposition.Rejected:
                row.RingMs = rng.Chance(0.5) ? 0 : (int)rng.LogNormalIn(250, 0.6, 0, 3000);
                break;
            default:
                row.RingMs = rng.Chance(0.3) ? 0 : (int)rng.LogNormalIn(1200, 0.8, 0, 9000);
                break;
        }
    }

    public static Attest PickAttest(Rng rng, AttestationMix mix)
    {
        double u = rng.NextDouble();
        if (u < mix.A)
            return Attest.A;
        if (u < mix.A + mix.B)
            return Attest.B;
        return u < mix.A + mix.B + mix.C ? Attest.C : Attest.None;
    }

    /// <summary>The campaign's attestation mix, each share moved a little so that campaigns differ.</summary>
    public static AttestationMix Jitter(Rng rng, AttestationMix mix)
    {
        double a = mix.A * rng.Uniform(0.6, 1.4), b = mix.B * rng.Uniform(0.75, 1.25), c = mix.C * rng.Uniform(0.85, 1.15);
        double s = a + b + c;
        return s > 1 ? new AttestationMix(a / s, b / s, c / s) : new AttestationMix(a, b, c);
    }

    /// <summary>Attestation of a legitimate US call on the trunk.</summary>
    public static Attest LegitAttest(Rng rng, Trunk trunk, DomesticOptions o)
    {
        double unsigned = o.UnsignedShareMin + ((o.UnsignedShareMax - o.UnsignedShareMin) * trunk.UnsignedRank);
        if (rng.Chance(unsigned))
            return Attest.None;
        double u = rng.NextDouble();
        return u < o.SignedAShare ? Attest.A : u < o.SignedAShare + o.SignedBShare ? Attest.B : Attest.C;
    }
}
