namespace FraudStream.Traffic.Internal;

/// <summary>Calling intensity by local hour of day and day of week, for the legitimate classes.</summary>
internal enum Profile
{
    Domestic,
    Business,
    Family,
    Service,
    Reminder,
    Prison,
}

/// <summary>Samples call times in the window following a profile in a zone's local time.</summary>
internal sealed class ProfileSamplers
{
    // Intensity at h:00 local, interpolated linearly inside the hour. Weekday, Saturday, Sunday.
    private static readonly double[] DomesticWeekday =
        [0.12, 0.06, 0.04, 0.03, 0.04, 0.10, 0.30, 0.65, 0.95, 1.10, 1.20, 1.25, 1.30, 1.25, 1.20, 1.25, 1.35, 1.50, 1.60, 1.50, 1.30, 1.00, 0.60, 0.28];
    private static readonly double[] DomesticWeekend =
        [0.18, 0.10, 0.06, 0.04, 0.04, 0.06, 0.15, 0.35, 0.60, 0.90, 1.10, 1.20, 1.25, 1.25, 1.20, 1.20, 1.25, 1.35, 1.45, 1.40, 1.25, 1.00, 0.65, 0.35];
    private static readonly double[] BusinessDay =
        [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.10, 0.55, 1.00, 1.10, 1.10, 0.95, 1.05, 1.10, 1.05, 0.95, 0.80, 0.45, 0.20, 0.08, 0.03, 0.01, 0.01];
    private static readonly double[] FamilyWeekday =
        [0.30, 0.12, 0.05, 0.03, 0.03, 0.05, 0.20, 0.35, 0.30, 0.15, 0.10, 0.10, 0.12, 0.12, 0.12, 0.15, 0.25, 0.45, 0.80, 1.00, 1.10, 1.10, 0.95, 0.60];
    private static readonly double[] FamilyWeekend =
        [0.35, 0.15, 0.06, 0.03, 0.03, 0.05, 0.25, 0.60, 0.95, 1.10, 1.15, 1.10, 1.00, 0.95, 0.90, 0.90, 0.95, 1.00, 1.05, 1.10, 1.10, 1.05, 0.90, 0.60];
    private static readonly double[] ServiceDay =
        [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.04, 0.40, 0.95, 1.10, 1.10, 1.00, 1.05, 1.10, 1.10, 1.05, 0.95, 0.75, 0.50, 0.25, 0.05, 0.01, 0.01];
    private static readonly double[] ReminderDay =
        [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.03, 0.30, 1.00, 1.10, 1.05, 0.90, 1.00, 1.05, 1.00, 0.95, 0.85, 0.60, 0.25, 0.03, 0.01, 0.01, 0.01];
    private static readonly double[] PrisonDay =
        [0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.20, 0.70, 0.95, 1.00, 0.95, 0.80, 0.95, 1.00, 1.00, 0.95, 0.90, 0.90, 0.95, 0.90, 0.70, 0.30, 0.05];

    private readonly Zones _zones;
    private readonly long _start, _end, _bin;
    private readonly Dictionary<(Profile, int), double[]> _cdfs = [];

    public ProfileSamplers(Zones zones, long windowStart, long windowEnd)
    {
        _zones = zones;
        _start = windowStart;
        _end = windowEnd;
        // One-minute bins up to two weeks, five-minute bins beyond (memory stays small for long windows).
        _bin = windowEnd - windowStart <= 14L * 86_400_000 ? 60_000 : 300_000;
    }

    /// <summary>Intensity of a profile at a local wall-clock time.</summary>
    public static double Intensity(Profile profile, long localMs)
    {
        int dow = Zones.DayOfWeekOf(localMs);
        double hour = (double)(((localMs % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000;
        bool weekend = dow is 0 or 6;
        (double[] table, double dayFactor) = profile switch
        {
            Profile.Domestic => (weekend ? DomesticWeekend : DomesticWeekday, dow == 6 ? 0.85 : dow == 0 ? 0.8 : 1),
            Profile.Business => (BusinessDay, dow == 6 ? 0.35 : dow == 0 ? 0.1 : 1),
            Profile.Family => (weekend ? FamilyWeekend : FamilyWeekday, weekend ? 1.9 : 1),
            Profile.Service => (ServiceDay, dow == 6 ? 0.5 : dow == 0 ? 0.15 : 1),
            Profile.Reminder => (ReminderDay, dow == 6 ? 0.3 : dow == 0 ? 0.05 : 1),
            _ => (PrisonDay, 1.0),
        };
        int h = (int)hour;
        double frac = hour - h;
        double w = (table[h % 24] * (1 - frac)) + (table[(h + 1) % 24] * frac);
        return Math.Max(w * dayFactor, 0.002);
    }

    /// <summary>A call time (UTC ms) following the profile in the zone's local time.</summary>
    public long Sample(Rng rng, Profile profile, int zone)
    {
        if (!_cdfs.TryGetValue((profile, zone), out double[]? cdf))
            _cdfs[(profile, zone)] = cdf = BuildCdf(profile, zone);
        int bin = rng.Pick(cdf);
        long binStart = _start + (bin * _bin);
        long binEnd = Math.Min(binStart + _bin, _end);
        return binStart + (long)(rng.NextDouble() * (binEnd - binStart));
    }

    private double[] BuildCdf(Profile profile, int zone)
    {
        int bins = (int)((_end - _start + _bin - 1) / _bin);
        var cdf = new double[bins];
        double acc = 0;
        for (int i = 0; i < bins; i++)
        {
            long s = _start + (i * _bin);
            long e = Math.Min(s + _bin, _end);
            long mid = (s + e) / 2;
            acc += Intensity(profile, _zones.LocalMs(zone, mid)) * (e - s);
            cdf[i] = acc;
        }
        return cdf;
    }
}
