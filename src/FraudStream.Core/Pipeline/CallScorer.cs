using FraudStream.Alerts;
using FraudStream.Features;
using FraudStream.Records;
using FraudStream.Scoring;

namespace FraudStream.Pipeline;

/// <summary>
/// The per-call path shared by file scoring and the streaming service: features, score, and for an
/// alerted call its reasons, pattern and whether a victim is engaged. One instance per thread of
/// processing (the featurizer state is not thread-safe); the model can be swapped at any time.
/// </summary>
public sealed class CallScorer
{
    /// <summary>A call answered and talked to for at least this long has an engaged victim (contracts.md section 2).</summary>
    public const double VictimEngagedSeconds = 300;

    /// <summary>Whether an alert on <paramref name="record"/> says a victim is engaged: answered and lasting
    /// <see cref="VictimEngagedSeconds"/> or more (contracts.md section 2).</summary>
    public static bool IsVictimEngaged(in CallRecord record) =>
        record.Disposition == Disposition.Answered && record.DurationS >= VictimEngagedSeconds;

    private readonly Featurizer _featurizer;
    private readonly PatternRules _patterns;
    private readonly float[] _features;
    private readonly float[] _contributions;
    private readonly float? _thresholdOverride;
    private volatile FraudModel _model;

    public CallScorer(Featurizer featurizer, FraudModel model, float? thresholdOverride = null)
    {
        ArgumentNullException.ThrowIfNull(featurizer);
        ArgumentNullException.ThrowIfNull(model);
        if (thresholdOverride is { } threshold && !IsValidThreshold(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdOverride), thresholdOverride, "the threshold must be from 0 to 1");
        }
        _featurizer = featurizer;
        _model = model;
        LastAlertModel = model;
        _thresholdOverride = thresholdOverride;
        _features = new float[FeatureSchema.Current.Count];
        _contributions = new float[FeatureSchema.Current.Count];
        _patterns = new PatternRules(FeatureSchema.Current);
    }

    /// <summary>
    /// Whether <paramref name="threshold"/> can be an alert threshold: a number from 0 to 1. Not NaN, which every score
    /// would compare false with and an alert could not write as JSON.
    /// </summary>
    public static bool IsValidThreshold(float threshold) => threshold is >= 0 and <= 1;

    /// <summary>The model in force; replaced atomically by <see cref="SwapModel"/>.</summary>
    public FraudModel Model => _model;

    public Featurizer Featurizer => _featurizer;

    /// <summary>The threshold in force: the override if one was given, else the model's own.</summary>
    public float Threshold => _thresholdOverride ?? _model.Threshold;

    /// <summary>The features of the last call scored (valid until the next call).</summary>
    public ReadOnlySpan<float> LastFeatures => _features;

    /// <summary>Replaces the model; the caller has already checked that it loads and fits the schema.</summary>
    public void SwapModel(FraudModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>The model that scored the last alerted call (the one its reasons must come from).</summary>
    public FraudModel LastAlertModel { get; private set; }

    /// <summary>Asks for the state that scoring <paramref name="next"/> will read (<see cref="Featurizer.Prefetch"/>): call it
    /// for the next call before scoring the current one.</summary>
    public void Prefetch(in CallRecord next) => _featurizer.Prefetch(next);

    /// <summary>
    /// Adds the call to history and scores it. With <paramref name="alerting"/> false the call only
    /// builds history (used to rebuild state after a restart) and is never alerted. With
    /// <paramref name="reasons"/> false an alerted call gets its pattern but no reasons: the caller adds them with
    /// <see cref="FillReasons"/> from <see cref="LastFeatures"/> and <see cref="LastAlertModel"/> (the streaming
    /// processor does, on its alert thread).
    /// </summary>
    public void Score(in CallRecord record, out ScoredCall result, bool alerting = true, bool reasons = true)
    {
        result = default;
        var model = _model;
        var features = _features.AsSpan();
        _featurizer.Featurize(record, features);
        if (!alerting)
        {
            return;
        }
        var threshold = _thresholdOverride ?? model.Threshold;
        var score = model.Ensemble.Probability(features);
        result.Score = score;
        result.Threshold = threshold;
        if (score < threshold)
        {
            return;
        }
        result.Alerted = true;
        result.VictimEngaged = IsVictimEngaged(record);
        result.Pattern = _patterns.Classify(record, features, result.VictimEngaged);
        LastAlertModel = model;
        if (reasons)
        {
            FillReasons(model, features, _contributions, ref result);
        }
    }

    /// <summary>
    /// <c>Math.Round(contribution, AlertWriter.ContributionDecimals) &lt;= 0</c>, as the alert writes the value, without
    /// the rounding and the division: <c>Math.Round</c> scales the value by the same power of ten and rounds half to
    /// even, so the result is at most 0 exactly when the scaled value is at most 0.5 (false for NaN, as there;
    /// infinities keep their sign). Once per feature of every alert: <c>EnsembleBenchmarks.Reasons</c> (the medium job)
    /// went from 1.24 to 1.19 times the contributions alone with it.
    /// </summary>
    internal static bool WrittenAtMostZero(float contribution) => contribution * ContributionScale <= 0.5;

    private static readonly double ContributionScale = Math.Pow(10, AlertWriter.ContributionDecimals);

    /// <summary>
    /// Rare path (alerted calls only): an alerted call's reasons, its features' contributions in <paramref name="model"/>'s
    /// trees, strongest toward fraud first. Writes only <paramref name="scratch"/> (one float per schema feature) and
    /// <paramref name="result"/>, so threads with scratch of their own can run it at once.
    /// </summary>
    public static void FillReasons(FraudModel model, ReadOnlySpan<float> features, Span<float> scratch, ref ScoredCall result)
    {
        ArgumentNullException.ThrowIfNull(model);
        // The model's own features only: Contributions overwrites exactly those (a model with fewer features must
        // not show a stale tail of an earlier alert's as reasons).
        var contributions = scratch[..Math.Min(scratch.Length, model.Ensemble.FeatureCount)];
        model.Ensemble.Contributions(features, contributions);
        var count = 0;
        Span<AlertReason> top = result.Reasons;
        for (var f = 0; f < contributions.Length; f++)
        {
            var c = contributions[f];
            // Not a reason unless the alert writes it above 0 (at AlertWriter.ContributionDecimals): a smaller one reads as
            // not pushing toward fraud at all.
            if (WrittenAtMostZero(c) || (count == ScoredCall.MaxReasons && c <= top[count - 1].Contribution))
            {
                continue;
            }
            // Insertion into the short sorted list of the strongest contributions so far.
            var i = count < ScoredCall.MaxReasons ? count++ : count - 1;
            while (i > 0 && top[i - 1].Contribution < c)
            {
                top[i] = top[i - 1];
                i--;
            }
            top[i] = new AlertReason(f, features[f], c);
        }
        result.ReasonCount = count;
    }
}
