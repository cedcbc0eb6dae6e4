namespace FraudStream.Features;

/// <summary>Sizing and retention of the featurizer's state; the defaults suit one carrier's stream.</summary>
public sealed class FeaturizerOptions
{
    /// <summary>Hard cap on tracked caller numbers.</summary>
    public int MaxCallers { get; init; } = 1_000_000;

    /// <summary>Hard cap on tracked trunks.</summary>
    public int MaxTrunks { get; init; } = 10_000;

    /// <summary>Hard cap on tracked callee numbers.</summary>
    public int MaxCallees { get; init; } = 1_000_000;

    /// <summary>Hard cap on tracked caller-callee pairs.</summary>
    public int MaxPairs { get; init; } = 2_000_000;

    /// <summary>Callers to preallocate for; the table doubles as needed up to <see cref="MaxCallers"/>.</summary>
    public int InitialCallers { get; init; } = 65_536;

    /// <summary>Trunks to preallocate for.</summary>
    public int InitialTrunks { get; init; } = 1_024;

    /// <summary>Callees to preallocate for.</summary>
    public int InitialCallees { get; init; } = 65_536;

    /// <summary>Pairs to preallocate for.</summary>
    public int InitialPairs { get; init; } = 131_072;

    /// <summary>A caller not seen for this long (event time) is forgotten: twice its longest window.</summary>
    public TimeSpan CallerIdle { get; init; } = TimeSpan.FromHours(48);

    /// <summary>A trunk not seen for this long is forgotten.</summary>
    public TimeSpan TrunkIdle { get; init; } = TimeSpan.FromHours(24);

    /// <summary>A callee not seen for this long is forgotten: twice its longest window.</summary>
    public TimeSpan CalleeIdle { get; init; } = TimeSpan.FromHours(48);

    /// <summary>A pair not seen for this long is forgotten: twice its window.</summary>
    public TimeSpan PairIdle { get; init; } = TimeSpan.FromDays(14);

    /// <summary>Slots of each table the idle sweep examines per call.</summary>
    public int SweepSlotsPerCall { get; init; } = 8;

    /// <summary>
    /// The options of one of <paramref name="parts"/> featurizers over a share each of a stream keyed by caller (stream
    /// threads, each with its own state): the caps of the keys that are split with the stream, callers and caller-callee
    /// pairs, divided (rounded up), their initial sizes no larger; trunks and callees, which every part sees most of,
    /// keep their caps, as separate processes would. The rest as they are.
    /// </summary>
    public FeaturizerOptions SharedOver(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if (parts == 1)
        {
            return this;
        }
        int Share(int cap) => (int)(((long)cap + parts - 1) / parts);
        return new FeaturizerOptions
        {
            MaxCallers = Share(MaxCallers),
            MaxTrunks = MaxTrunks,
            MaxCallees = MaxCallees,
            MaxPairs = Share(MaxPairs),
            InitialCallers = Math.Min(InitialCallers, Share(MaxCallers)),
            InitialTrunks = InitialTrunks,
            InitialCallees = InitialCallees,
            InitialPairs = Math.Min(InitialPairs, Share(MaxPairs)),
            CallerIdle = CallerIdle,
            TrunkIdle = TrunkIdle,
            CalleeIdle = CalleeIdle,
            PairIdle = PairIdle,
            SweepSlotsPerCall = SweepSlotsPerCall,
        };
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCallers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTrunks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCallees, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPairs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialCallers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialTrunks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialCallees, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialPairs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(SweepSlotsPerCall, 0);
        ThrowIfNotPositive(CallerIdle);
        ThrowIfNotPositive(TrunkIdle);
        ThrowIfNotPositive(CalleeIdle);
        ThrowIfNotPositive(PairIdle);
    }

    private static void ThrowIfNotPositive(TimeSpan value)
    {
        if (value <= TimeSpan.Zero || value.TotalSeconds > int.MaxValue / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "an idle time must be positive and under 30 years");
        }
    }
}
