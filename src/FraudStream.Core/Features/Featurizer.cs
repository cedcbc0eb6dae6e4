using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using FraudStream.Features.Internal;
using FraudStream.Records;
using F = FraudStream.Features.Internal.FeatureIndex;

namespace FraudStream.Features;

/// <summary>
/// Turns each call into the feature vector of <see cref="FeatureSchema.Current"/>, keeping bounded,
/// event-time state per caller, trunk, callee and caller-callee pair. The one featurizer used by
/// training, file scoring and the streaming service. Not thread-safe: one instance per stream.
/// </summary>
/// <remarks>
/// Windows are exponentially decayed sums driven by the record's <c>start</c>: a sum with time
/// constant tau counts a call at age a with weight exp(-a/tau), so "calls_10m" is about the number of
/// calls in the last 10 minutes. A record older than a key's newest (out of order) adds its weight
/// decayed by the difference instead of rewinding the key, so disorder of a few seconds changes
/// values by a few seconds' decay and never makes them negative. Rates and ratios include the
/// current call; the features named <c>*_before_*</c> describe only what preceded it.
/// </remarks>
public sealed class Featurizer
{
    private const float InvTau1m = 1f / 60;
    private const float InvTau10m = 1f / 600;
    private const float InvTau1h = 1f / 3_600;
    private const float InvTau24h = 1f / 86_400;
    private const float InvTau7d = 1f / 604_800;

    /// <summary>An answered call shorter than this is a short call.</summary>
    private const double ShortTalkSeconds = 30;

    /// <summary>An unanswered call abandoned (or ended) after less ringing than this is a short call.</summary>
    private const int ShortRingMs = 10_000;

    /// <summary>A callee at most this far (numerically, same length, not equal) from the previous one is sequential dialling.</summary>
    private const ulong SequentialDistance = 20;

    /// <summary>Seconds added to a trunk's age when correcting its rates for warm-up (the shortest window).</summary>
    private const float AgeFloorSeconds = 60;

    /// <summary>Time constants after which 1 - exp(-age/tau) rounds to 1f (exp(-18) = 1.5e-8 is below 2^-25).</summary>
    private const float SaturatedTaus = 18f;

    /// <summary>Sums below this are treated as empty when dividing.</summary>
    private const float Tiny = 1e-6f;

    /// <summary>Event times are held as whole seconds since 2000-01-01 UTC (earlier instants read as the epoch, later than 2068 as 2068).</summary>
    private static readonly long EpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private static readonly CountryCode Canada = CountryCode.From("CA");

    private readonly ReferenceData _reference;
    private readonly StateTable<CallerEntry> _callers;
    private readonly StateTable<TrunkEntry> _trunks;
    private readonly StateTable<CalleeEntry> _callees;
    private readonly StateTable<PairEntry> _pairs;
    private readonly int _callerIdleSeconds;
    private readonly int _trunkIdleSeconds;
    private readonly int _calleeIdleSeconds;
    private readonly int _pairIdleSeconds;
    private readonly int _sweepSlots;
    private int _watermark;
    private long _calls;

    public Featurizer(ReferenceData reference, FeaturizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        options ??= new FeaturizerOptions();
        options.Validate();
        _reference = reference;
        _callers = new StateTable<CallerEntry>(options.InitialCallers, options.MaxCallers);
        _trunks = new StateTable<TrunkEntry>(options.InitialTrunks, options.MaxTrunks);
        _callees = new StateTable<CalleeEntry>(options.InitialCallees, options.MaxCallees);
        _pairs = new StateTable<PairEntry>(options.InitialPairs, options.MaxPairs);
        _callerIdleSeconds = (int)options.CallerIdle.TotalSeconds;
        _trunkIdleSeconds = (int)options.TrunkIdle.TotalSeconds;
        _calleeIdleSeconds = (int)options.CalleeIdle.TotalSeconds;
        _pairIdleSeconds = (int)options.PairIdle.TotalSeconds;
        _sweepSlots = options.SweepSlotsPerCall;
    }

    /// <summary>A featurizer over the embedded reference data with default options.</summary>
    public static Featurizer CreateDefault() => new(ReferenceData.Embedded);

    /// <summary>The schema of the vectors this featurizer writes.</summary>
    public static FeatureSchema Schema => FeatureSchema.Current;

    public ReferenceData Reference => _reference;

    /// <summary>The newest event time seen (the clock the idle sweep uses).</summary>
    public DateTime Watermark => new(EpochTicks + (_watermark * TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    /// <summary>
    /// Folds <paramref name="record"/> into the state and writes its <see cref="FeatureSchema.Count"/>
    /// features to the start of <paramref name="features"/>. No allocation once the tables have grown
    /// to the traffic's key count.
    /// </summary>
    public void Featurize(in CallRecord record, Span<float> features)
    {
        if (features.Length < F.Count)
        {
            ThrowFeaturesTooShort(nameof(features));
        }
        var f = features[..F.Count];
        var t = EventSeconds(record.StartTicks);
        if (t > _watermark)
        {
            _watermark = t;
        }
        _calls++;

        var caller = record.Caller;
        var callee = record.Callee;
        var callerAnonymous = caller.IsAnonymous;
        var answered = record.Disposition == Disposition.Answered;
        var talkSeconds = answered ? (float)record.DurationS : 0f;
        var isShort = answered ? record.DurationS < ShortTalkSeconds : record.RingMs < ShortRingMs;
        var unsignedOrC = record.Attest is Attestation.None or Attestation.C;
        var notA = record.Attest != Attestation.A;
        var blastLike = notA && !(answered && record.DurationS >= ShortTalkSeconds);
        var foreignOrigin = record.OrigCountry != CountryCode.UnitedStates && record.OrigCountry != Canada;
        var callerNpaNxx = caller.NpaNxx;
        var sameNpaNxx = callerNpaNxx >= 0 && callerNpaNxx == callee.NpaNxx;
        var originMismatch = !callerAnonymous && !_reference.IsNumberFromCountry(caller, record.OrigCountry);
        var calleeKey = callee.Key;

        // All five state keys first, and their slots asked for at once: at a million keys per table each
        // lookup is a likely cache miss, and prefetching lets the misses overlap each other and the call
        // features below instead of following one another. A caller that asked with Prefetch a call ahead
        // finds them in cache already.
        var keys = new StateKeys(in record);
        PrefetchSlots(in keys, callerAnonymous);

        WriteCallFeatures(in record, f, sameNpaNxx, originMismatch, foreignOrigin, talkSeconds);

        // Pair: is this a callback (the callee called this caller before), and what the pair did before.
        var newPair = true;
        var isCallback = false;
        if (!callerAnonymous)
        {
            ref var reverse = ref _pairs.Find(keys.ReversePair);
            var callbackCalls = 0f;
            if (!Unsafe.IsNullRef(ref reverse))
            {
                isCallback = true;
                callbackCalls = DecayedTo(reverse.Calls7d, reverse.LastSeen, t, InvTau7d);
            }
            ref var pair = ref _pairs.GetOrAdd(keys.Pair, out newPair);
            if (newPair)
            {
                pair.LastSeen = t;
            }
            // Out of order, keep is 1: the "before" values are then the pair's sums as of its newest call.
            var (keep, weight) = Factors(t, pair.LastSeen, InvTau7d);
            f[F.PairCallsBefore7d] = pair.Calls7d * keep;
            f[F.PairTalkMinutesBefore7d] = pair.TalkSeconds7d * keep / 60f;
            f[F.CalleeCalledCallerBefore7d] = callbackCalls;
            pair.Calls7d = (pair.Calls7d * keep) + weight;
            pair.TalkSeconds7d = (pair.TalkSeconds7d * keep) + (weight * talkSeconds);
            pair.LastSeen = Math.Max(pair.LastSeen, t);
        }
        else
        {
            f[F.PairCallsBefore7d] = 0;
            f[F.PairTalkMinutesBefore7d] = 0;
            f[F.CalleeCalledCallerBefore7d] = 0;
        }

        // Caller.
        var newCallerOnTrunk = true;
        if (!callerAnonymous)
        {
            ref var c = ref _callers.GetOrAdd(keys.Caller, out var added);
            if (added)
            {
                c.LastSeen = t;
            }
            newCallerOnTrunk = added || c.LastTrunk != (uint)keys.TrunkHash;
            var sequential = !added && IsSequential(c.LastCallee, calleeKey);
            c.LastTrunk = (uint)keys.TrunkHash;
            c.LastCallee = calleeKey;
            var (k10m, w10m) = Factors(t, c.LastSeen, InvTau10m);
            var (k24h, w) = Factors(t, c.LastSeen, InvTau24h);
            c.LastSeen = Math.Max(c.LastSeen, t);
            c.Calls10m = (c.Calls10m * k10m) + w10m;
            c.Calls24h = (c.Calls24h * k24h) + w;
            c.NewCallees24h = (c.NewCallees24h * k24h) + (newPair ? w : 0);
            c.Answered24h = (c.Answered24h * k24h) + (answered ? w : 0);
            c.Short24h = (c.Short24h * k24h) + (isShort ? w : 0);
            c.TalkSeconds24h = (c.TalkSeconds24h * k24h) + (w * talkSeconds);
            c.Sequential24h = (c.Sequential24h * k24h) + (sequential ? w : 0);
            c.Callbacks24h = (c.Callbacks24h * k24h) + (isCallback ? w : 0);

            f[F.CallerCalls10m] = c.Calls10m;
            f[F.CallerCalls24h] = c.Calls24h;
            f[F.CallerNewCalleeShare24h] = Ratio(c.NewCallees24h, c.Calls24h);
            f[F.CallerAnswerRatio24h] = Ratio(c.Answered24h, c.Calls24h);
            f[F.CallerShortCallRatio24h] = Ratio(c.Short24h, c.Calls24h);
            f[F.CallerMeanTalkSeconds24h] = Ratio(c.TalkSeconds24h, c.Answered24h);
            f[F.CallerSequentialDialShare24h] = Ratio(c.Sequential24h, c.Calls24h);
            f[F.CallerCallbackShare24h] = Ratio(c.Callbacks24h, c.Calls24h);
        }
        else
        {
            f[F.CallerCalls10m..(F.CallerCallbackShare24h + 1)].Clear();
        }

        // Trunk.
        float trunkSuspicion;
        {
            ref var tr = ref _trunks.GetOrAdd(keys.Trunk, out var added);
            if (added)
            {
                tr.LastSeen = t;
                tr.FirstSeen = t;
            }
            else if (t < tr.FirstSeen)
            {
                tr.FirstSeen = t;
            }
            var sequential = !added && IsSequential(tr.LastCallee, calleeKey);
            tr.LastCallee = calleeKey;
            var (k1m, w1m) = Factors(t, tr.LastSeen, InvTau1m);
            var (k1h, w) = Factors(t, tr.LastSeen, InvTau1h);
            var (k24h, w24h) = Factors(t, tr.LastSeen, InvTau24h);
            tr.LastSeen = Math.Max(tr.LastSeen, t);
            tr.Calls1m = (tr.Calls1m * k1m) + w1m;
            tr.Calls1h = (tr.Calls1h * k1h) + w;
            tr.Calls24h = (tr.Calls24h * k24h) + w24h;
            tr.NewCallers1h = (tr.NewCallers1h * k1h) + (newCallerOnTrunk ? w : 0);
            tr.Answered1h = (tr.Answered1h * k1h) + (answered ? w : 0);
            tr.NotA1h = (tr.NotA1h * k1h) + (notA ? w : 0);
            tr.NotAAnswered1h = (tr.NotAAnswered1h * k1h) + (notA && answered ? w : 0);
            tr.Blast1h = (tr.Blast1h * k1h) + (blastLike ? w : 0);
            tr.Short1h = (tr.Short1h * k1h) + (isShort ? w : 0);
            tr.TalkSeconds1h = (tr.TalkSeconds1h * k1h) + (w * talkSeconds);
            tr.NpaNxxMatch1h = (tr.NpaNxxMatch1h * k1h) + (sameNpaNxx ? w : 0);
            tr.UnsignedOrC1h = (tr.UnsignedOrC1h * k1h) + (unsignedOrC ? w : 0);
            tr.Sequential1h = (tr.Sequential1h * k1h) + (sequential ? w : 0);
            tr.OriginMismatch1h = (tr.OriginMismatch1h * k1h) + (originMismatch ? w : 0);
            tr.Callbacks1h = (tr.Callbacks1h * k1h) + (isCallback ? w : 0);

            trunkSuspicion = Ratio(tr.Blast1h, tr.Calls1h);
            var age = Math.Max(t - tr.FirstSeen, 0) + AgeFloorSeconds;
            var rate1m = Rate(tr.Calls1m, InvTau1m, age);
            var rate1h = Rate(tr.Calls1h, InvTau1h, age);
            f[F.TrunkRate1mVs1h] = Ratio(rate1m, rate1h);
            f[F.TrunkRate1hVs24h] = Ratio(rate1h, Rate(tr.Calls24h, InvTau24h, age));
            f[F.TrunkNewCallerShare1h] = Ratio(tr.NewCallers1h, tr.Calls1h);
            f[F.TrunkAnswerRatio1h] = Ratio(tr.Answered1h, tr.Calls1h);
            f[F.TrunkNotAAnswerRatio1h] = Ratio(tr.NotAAnswered1h, tr.NotA1h);
            f[F.TrunkShortCallRatio1h] = Ratio(tr.Short1h, tr.Calls1h);
            f[F.TrunkBlastShare1h] = trunkSuspicion;
            f[F.TrunkMeanTalkSeconds1h] = Ratio(tr.TalkSeconds1h, tr.Answered1h);
            f[F.TrunkNpaNxxMatchShare1h] = Ratio(tr.NpaNxxMatch1h, tr.Calls1h);
            f[F.TrunkUnsignedOrCShare1h] = Ratio(tr.UnsignedOrC1h, tr.Calls1h);
            f[F.TrunkSequentialDialShare1h] = Ratio(tr.Sequential1h, tr.Calls1h);
            f[F.TrunkCallerOriginMismatchShare1h] = Ratio(tr.OriginMismatch1h, tr.Calls1h);
            f[F.TrunkCallbackShare1h] = Ratio(tr.Callbacks1h, tr.Calls1h);
        }

        // Callee.
        {
            ref var ce = ref _callees.GetOrAdd(keys.Callee, out var added);
            if (added)
            {
                ce.LastSeen = t;
            }
            var (k1h, w1h) = Factors(t, ce.LastSeen, InvTau1h);
            var (k24h, w) = Factors(t, ce.LastSeen, InvTau24h);
            var suspiciousBefore = ce.SuspiciousTrunk24h * k24h;
            ce.LastSeen = Math.Max(ce.LastSeen, t);
            ce.Calls1h = (ce.Calls1h * k1h) + w1h;
            ce.Calls24h = (ce.Calls24h * k24h) + w;
            ce.NewCallers24h = (ce.NewCallers24h * k24h) + (newPair ? w : 0);
            ce.ForeignOrigin24h = (ce.ForeignOrigin24h * k24h) + (foreignOrigin ? w : 0);
            ce.Unsigned24h = (ce.Unsigned24h * k24h) + (record.Attest == Attestation.None ? w : 0);
            ce.SuspiciousTrunk24h = MathF.Max(ce.SuspiciousTrunk24h * k24h, trunkSuspicion * w);

            f[F.CalleeCalls1h] = ce.Calls1h;
            f[F.CalleeCalls24h] = ce.Calls24h;
            f[F.CalleeDistinctCallers24h] = ce.NewCallers24h;
            f[F.CalleeForeignOriginCalls24h] = ce.ForeignOrigin24h;
            f[F.CalleeUnsignedCalls24h] = ce.Unsigned24h;
            f[F.CalleeSuspiciousTrunkBefore24h] = suspiciousBefore;
        }

        if (_sweepSlots > 0)
        {
            SweepIdle(_sweepSlots);
        }
    }

    /// <summary>
    /// Asks the CPU to start loading the state that <see cref="Featurize"/> will read for <paramref name="record"/>: call it
    /// for the next call before featurizing the current one, so that the cache misses of tables of a million keys are
    /// under way during the current call instead of at the start of the next (<c>PerCallBenchmarks.Featurize</c> against
    /// <c>FeaturizeWithoutLookahead</c>). Only a hint: it changes no state, and a record never featurized costs nothing
    /// more than the hint.
    /// </summary>
    public void Prefetch(in CallRecord record)
    {
        var keys = new StateKeys(in record);
        PrefetchSlots(in keys, record.Caller.IsAnonymous);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrefetchSlots(in StateKeys keys, bool callerAnonymous)
    {
        if (!callerAnonymous)
        {
            _pairs.Prefetch(keys.ReversePair);
            _pairs.Prefetch(keys.Pair);
            _callers.Prefetch(keys.Caller);
        }
        _trunks.Prefetch(keys.Trunk);
        _callees.Prefetch(keys.Callee);
    }

    /// <summary>
    /// Forgets every key idle longer than its retention at the current watermark (a full pass over
    /// all tables). <see cref="Featurize"/> already does this incrementally; this is for tests and for
    /// a service that wants to shed memory after a quiet period. Returns the keys removed.
    /// </summary>
    public int EvictIdle() =>
        _callers.SweepAll(Cutoff(_callerIdleSeconds))
        + _trunks.SweepAll(Cutoff(_trunkIdleSeconds))
        + _callees.SweepAll(Cutoff(_calleeIdleSeconds))
        + _pairs.SweepAll(Cutoff(_pairIdleSeconds));

    /// <summary>Keys, bytes and evictions per kind of state.</summary>
    public FeaturizerStats GetStats() => new(_calls, Stats(_callers), Stats(_trunks), Stats(_callees), Stats(_pairs));

    private void SweepIdle(int slots)
    {
        _callers.Sweep(Cutoff(_callerIdleSeconds), slots);
        _trunks.Sweep(Cutoff(_trunkIdleSeconds), slots);
        _callees.Sweep(Cutoff(_calleeIdleSeconds), slots);
        _pairs.Sweep(Cutoff(_pairIdleSeconds), slots);
    }

    private int Cutoff(int idleSeconds) => _watermark - idleSeconds;

    private void WriteCallFeatures(in CallRecord record, Span<float> f, bool sameNpaNxx, bool originMismatch, bool foreignOrigin, float talkSeconds)
    {
        var caller = record.Caller;
        var callee = record.Callee;
        var anonymous = caller.IsAnonymous;
        f[F.CallerAnonymous] = Flag(anonymous);
        f[F.CallerNonNanp] = Flag(!anonymous && !caller.IsNanp);
        f[F.NanpCallerFromOutsideUsCa] = Flag(caller.IsNanp && foreignOrigin);
        f[F.OriginOutsideUsCa] = Flag(foreignOrigin);
        f[F.CallerOnDoNotOriginateList] = Flag(_reference.IsDoNotOriginate(caller));
        f[F.CallerCountryDisagreesWithOrigin] = Flag(originMismatch);
        f[F.CallerHighRiskCallingCode] = Flag(_reference.IsHighRiskCallingCode(caller));
        f[F.CallerTollFree] = Flag(_reference.IsTollFree(caller));
        f[F.CalleeTollFree] = Flag(_reference.IsTollFree(callee));
        f[F.AttestA] = Flag(record.Attest == Attestation.A);
        f[F.AttestB] = Flag(record.Attest == Attestation.B);
        f[F.AttestC] = Flag(record.Attest == Attestation.C);
        f[F.AttestNone] = Flag(record.Attest == Attestation.None);
        f[F.DispositionAnswered] = Flag(record.Disposition == Disposition.Answered);
        f[F.DispositionNoAnswer] = Flag(record.Disposition == Disposition.NoAnswer);
        f[F.DispositionBusy] = Flag(record.Disposition == Disposition.Busy);
        f[F.DispositionFailedOrRejected] = Flag(record.Disposition is Disposition.Failed or Disposition.Rejected);
        f[F.RingSeconds] = record.RingMs / 1000f;
        f[F.TalkSecondsLog1p] = MathF.Log(1f + talkSeconds);
        var local = _reference.LocalTime(callee, record.StartTicks);
        f[F.CalleeLocalHour] = local.Hour + (local.Minute / 60f);
        f[F.CalleeLocalWeekend] = Flag(local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
        f[F.CallerCalleeSameNpaNxx] = Flag(sameNpaNxx);
        var callerNpa = caller.Npa;
        f[F.CallerCalleeSameNpa] = Flag(callerNpa >= 0 && callerNpa == callee.Npa);
    }

    private static StateKindStats Stats<T>(StateTable<T> table)
        where T : struct, IStateEntry =>
        new(table.Count, table.MaxKeys, table.Slots, StateTable<T>.EntryBytes, table.Bytes, table.IdleEvictions, table.CapEvictions);

    /// <summary>
    /// Decay factors for folding a call at <paramref name="t"/> into sums last updated at
    /// <paramref name="lastSeen"/>: in order, existing sums are decayed to t (keep) and the call adds
    /// 1; out of order, the sums stay and the call adds its weight decayed by how much older it is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (float Keep, float Weight) Factors(int t, int lastSeen, float invTau)
    {
        var dt = t - lastSeen;
        if (dt == 0)
        {
            return (1f, 1f); // same second (bursts): no exp
        }
        return dt > 0 ? (MathF.Exp(-dt * invTau), 1f) : (1f, MathF.Exp(dt * invTau));
    }

    /// <summary>A sum last updated at <paramref name="lastSeen"/> as seen at <paramref name="t"/> (not rewound when t is older).</summary>
    private static float DecayedTo(float sum, int lastSeen, int t, float invTau) =>
        t > lastSeen ? sum * MathF.Exp((lastSeen - t) * invTau) : sum;

    /// <summary>
    /// Calls per second of a decayed sum, corrected for warm-up: a key of age a (seconds since its first call, plus
    /// <see cref="AgeFloorSeconds"/>) has had at most tau * (1 - exp(-a/tau)) of weight to collect, so a steady rate
    /// reads the same whatever the key's age and whichever window it is measured in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Rate(float sum, float invTau, float ageSeconds)
    {
        var taus = ageSeconds * invTau;
        // Past SaturatedTaus, exp(-taus) is under half an ulp of 1f, so 1f - exp(-taus) is exactly 1f: skip the exp.
        var filled = taus >= SaturatedTaus ? 1f : 1f - MathF.Exp(-taus);
        return sum * invTau / filled;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Ratio(float part, float whole) => whole > Tiny ? part / whole : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Flag(bool value) => value ? 1f : 0f;

    /// <summary>Whether <paramref name="current"/> is within ±20 of <paramref name="previous"/> (same digit count, not equal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsSequential(ulong previous, ulong current)
    {
        if (previous == 0 || previous == current)
        {
            return false;
        }
        var distance = previous > current ? previous - current : current - previous;
        return distance <= SequentialDistance;
    }

    /// <summary>A directed key for a caller-callee pair: (a, b) and (b, a) differ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong PairKey(ulong caller, ulong callee)
    {
        var h = (caller * 0x9E3779B97F4A7C15UL) ^ BitOperations.RotateLeft(callee * 0xC2B2AE3D27D4EB4FUL, 31);
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EventSeconds(long ticks)
    {
        var seconds = (ticks - EpochTicks) / TimeSpan.TicksPerSecond;
        return (int)Math.Clamp(seconds, 0, int.MaxValue);
    }

    /// <summary>A call's five state-table keys (normalized), and the trunk's hash, which the caller entry keeps.</summary>
    private readonly struct StateKeys
    {
        public readonly ulong TrunkHash;
        public readonly ulong Trunk;
        public readonly ulong Callee;
        public readonly ulong Caller;
        public readonly ulong ReversePair;
        public readonly ulong Pair;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public StateKeys(in CallRecord record)
        {
            var callerKey = record.Caller.Key;
            var calleeKey = record.Callee.Key;
            TrunkHash = record.Trunk.Hash64();
            Trunk = StateTable<TrunkEntry>.NormalizeKey(TrunkHash);
            Callee = StateTable<CalleeEntry>.NormalizeKey(calleeKey);
            Caller = StateTable<CallerEntry>.NormalizeKey(callerKey);
            ReversePair = StateTable<PairEntry>.NormalizeKey(PairKey(calleeKey, callerKey));
            Pair = StateTable<PairEntry>.NormalizeKey(PairKey(callerKey, calleeKey));
        }
    }

    [DoesNotReturn]
    private static void ThrowFeaturesTooShort(string paramName) =>
        throw new ArgumentException("the feature span is shorter than FeatureSchema.Current.Count", paramName);
}
