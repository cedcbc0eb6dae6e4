using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using FraudStream.Scoring;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace FraudStream.Ml;

/// <summary>Settings of one training run; every default is what <c>fraudstream train</c> uses.</summary>
public sealed record TrainingOptions
{
    public int Seed { get; init; } = 1;

    /// <summary>The alert threshold is the lowest one reaching this precision on the hold-out. The hold-out mixes
    /// every training folder; 0.995 rather than 0.99 keeps precision up on quiet days (few scams), where each
    /// false alert weighs more, at a cost of well under 1% recall (docs/model.md).</summary>
    public double TargetPrecision { get; init; } = 0.995;

    public int Trees { get; init; } = 150;

    public int Leaves { get; init; } = 20;

    public double LearningRate { get; init; } = 0.2;

    public int MinimumExamplesPerLeaf { get; init; } = 20;

    /// <summary>The latest share of each data folder (by call start) held out for metrics and the threshold.</summary>
    public double HoldOutFraction { get; init; } = 0.2;

    /// <summary>The share of each data folder just before its hold-out on which the Platt calibrator is fitted;
    /// the trees never see these rows, so the probabilities are fitted on scores of unseen calls.</summary>
    public double CalibrationFraction { get; init; } = 0.1;
}

/// <summary>Which part of a training run a labelled row belongs to (split by call start within each folder).</summary>
public enum DataSlice : byte
{
    /// <summary>The earliest rows: the trees are trained on them.</summary>
    Training,

    /// <summary>The rows after the training ones: the Platt calibrator is fitted on their scores.</summary>
    Calibration,

    /// <summary>The latest rows: metrics, calibration quality and the alert threshold.</summary>
    HoldOut,
}

/// <summary>Platt calibrator parameters: probability = 1 / (1 + exp(<see cref="Slope"/> * raw + <see cref="Offset"/>)).</summary>
public readonly record struct PlattParameters(double Slope, double Offset)
{
    /// <summary>The probability of a raw score.</summary>
    public double Probability(double raw) => 1.0 / (1.0 + Math.Exp((Slope * raw) + Offset));
}

/// <summary>How well probabilities match outcomes: Brier score, expected calibration error and the reliability table.</summary>
public sealed record CalibrationQuality(double Brier, double ExpectedCalibrationError, IReadOnlyList<ReliabilityBin> Reliability)
{
    /// <summary>Measures <paramref name="probabilities"/> against <paramref name="labels"/> over ten probability bins.</summary>
    public static CalibrationQuality Of(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        var table = ClassificationMetrics.Reliability(probabilities, labels, bins: 10);
        return new CalibrationQuality(ClassificationMetrics.Brier(probabilities, labels), ClassificationMetrics.ExpectedCalibrationError(table), table);
    }
}

/// <summary>A trained model with its ML.NET form and its hold-out evaluation.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(
        FraudModel model, MLContext context, ITransformer transformer,
        ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>> predictor,
        DataViewSchema inputSchema, PlattParameters unfittedCalibrator, int calibrationRows, long calibrationFraudRows,
        double[] holdOutScores, bool[] holdOutLabels, ThresholdMetrics holdOut, double prAuc,
        CalibrationQuality holdOutCalibration, CalibrationQuality holdOutUnfittedCalibration,
        bool targetReached, int trainRows, DateTime dataEnd, TimeSpan elapsed)
    {
        Model = model;
        Context = context;
        Transformer = transformer;
        Predictor = predictor;
        InputSchema = inputSchema;
        UnfittedCalibrator = unfittedCalibrator;
        CalibrationRows = calibrationRows;
        CalibrationFraudRows = calibrationFraudRows;
        HoldOutCalibration = holdOutCalibration;
        HoldOutUnfittedCalibration = holdOutUnfittedCalibration;
        HoldOutScores = holdOutScores;
        HoldOutLabels = holdOutLabels;
        HoldOut = holdOut;
        PrAuc = prAuc;
        TargetReached = targetReached;
        TrainRows = trainRows;
        DataEnd = dataEnd;
        Elapsed = elapsed;
    }

    public FraudModel Model { get; }

    public MLContext Context { get; }

    /// <summary>The whole ML.NET pipeline as saved in the model file: the trees, then the fitted Platt calibrator
    /// (its <c>Probability</c> column is the served probability).</summary>
    public ITransformer Transformer { get; }

    /// <summary>The trees alone, as FastTree trained them (with ML.NET's unfitted calibrator): for feature contributions.</summary>
    public ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>> Predictor { get; }

    public DataViewSchema InputSchema { get; }

    /// <summary>The fixed calibrator FastTree attaches without looking at data (for comparison in the card).</summary>
    public PlattParameters UnfittedCalibrator { get; }

    /// <summary>Rows the calibrator was fitted on, and how many of them are fraud.</summary>
    public int CalibrationRows { get; }

    public long CalibrationFraudRows { get; }

    /// <summary>Hold-out calibration quality of the served (fitted) probabilities.</summary>
    public CalibrationQuality HoldOutCalibration { get; }

    /// <summary>Hold-out calibration quality FastTree's unfitted calibrator would have had.</summary>
    public CalibrationQuality HoldOutUnfittedCalibration { get; }

    /// <summary>The flat model's probabilities of the hold-out rows.</summary>
    public IReadOnlyList<double> HoldOutScores { get; }

    public IReadOnlyList<bool> HoldOutLabels { get; }

    /// <summary>Hold-out metrics at the model's threshold.</summary>
    public ThresholdMetrics HoldOut { get; }

    /// <summary>Hold-out area under the precision-recall curve (average precision).</summary>
    public double PrAuc { get; }

    /// <summary>Whether some threshold reached the target precision on the hold-out.</summary>
    public bool TargetReached { get; }

    public int TrainRows { get; }

    public int HoldOutRows => HoldOutLabels.Count;

    /// <summary>The start of the newest training call: the model id's date and the zip entries' time stamp.</summary>
    public DateTime DataEnd { get; }

    public TimeSpan Elapsed { get; }
}

/// <summary>Trains a deterministic FastTree binary classifier on labelled calls and compiles it for serving.</summary>
public static class FraudModelTrainer
{
    /// <summary>How often <see cref="Train"/> writes FastTree's progress (trees built) to its log.</summary>
    public static readonly TimeSpan TrainingProgressInterval = TimeSpan.FromSeconds(10);

    private const string TreeStartTrace = "numTotalTrees left:";

    /// <summary>The row type handed to ML.NET: a feature vector and its label.</summary>
    internal sealed class Example
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    /// <summary>Trains the trees on the earliest part of every source, fits the calibrator on the next part and picks
    /// the threshold on the latest part (the hold-out). <paramref name="cancellationToken"/> is checked between the
    /// stages: ML.NET offers no public way to stop FastTree in the middle of its trees.</summary>
    public static TrainingResult Train(
        LabelledData data, string schemaHash, TrainingOptions options, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var slices = Split(data, options.CalibrationFraction, options.HoldOutFraction);
        var train = new List<Example>();
        var calibration = new List<Example>();
        var holdOutRows = new List<int>();
        long dataEnd = 0;
        long calibrationFraud = 0;
        for (var i = 0; i < data.Count; i++)
        {
            dataEnd = Math.Max(dataEnd, data.StartTicks[i]);
            switch (slices[i])
            {
                case DataSlice.HoldOut:
                    holdOutRows.Add(i);
                    break;
                case DataSlice.Calibration:
                    calibration.Add(new Example { Features = data.Row(i).ToArray(), Label = data.Labels[i] });
                    calibrationFraud += data.Labels[i] ? 1 : 0;
                    break;
                default:
                    train.Add(new Example { Features = data.Row(i).ToArray(), Label = data.Labels[i] });
                    break;
            }
        }
        if (train.Count == 0 || calibration.Count == 0 || holdOutRows.Count == 0)
            throw new InvalidOperationException("too few rows to train, calibrate and hold out");
        if (!train.Exists(e => e.Label) || !train.Exists(e => !e.Label))
            throw new InvalidOperationException("the training rows need both fraudulent and legitimate calls");
        if (calibrationFraud == 0 || calibrationFraud == calibration.Count)
            throw new InvalidOperationException("the calibration rows (the part of each folder just before its hold-out) need both fraudulent and legitimate calls");
        var holdOutFraud = holdOutRows.Count(i => data.Labels[i]);
        if (holdOutFraud == 0 || holdOutFraud == holdOutRows.Count)
            throw new InvalidOperationException("the hold-out rows (the latest part of each folder, on which the threshold is chosen) need both fraudulent and legitimate calls");

        cancellationToken.ThrowIfCancellationRequested();
        var context = new MLContext(seed: options.Seed);
        var schema = SchemaDefinition.Create(typeof(Example));
        schema[nameof(Example.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, data.FeatureCount);
        var view = context.Data.LoadFromEnumerable(train, schema);
        var trainer = context.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            LabelColumnName = nameof(Example.Label),
            FeatureColumnName = nameof(Example.Features),
            NumberOfTrees = options.Trees,
            NumberOfLeaves = options.Leaves,
            LearningRate = options.LearningRate,
            MinimumExampleCountPerLeaf = options.MinimumExamplesPerLeaf,
            Seed = options.Seed,
            // One thread: FastTree's parallel histogram sums are not bit-for-bit reproducible.
            NumberOfThreads = 1,
        });
        log?.WriteLine($"training FastTree: {train.Count} rows, {data.FeatureCount} features, {options.Trees} trees of {options.Leaves} leaves");
        var treesStarted = 0;
        if (log is not null)
        {
            // FastTree reports no progress through a public API, but it traces "numTotalTrees left: N" (N the total,
            // not what is left) as it starts each tree: count those. Should that text change, only the count stops.
            context.Log += (_, e) =>
            {
                if (e.Message.Contains(TreeStartTrace, StringComparison.Ordinal))
                    Interlocked.Increment(ref treesStarted);
            };
        }
        var fitting = Stopwatch.StartNew();
        BinaryPredictionTransformer<CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>> predictor;
        using (log is null ? null : new Timer(
            _ => log.WriteLine($"  FastTree: tree {Math.Min(Volatile.Read(ref treesStarted), options.Trees)} of {options.Trees} after {fitting.Elapsed.TotalSeconds:0} s"),
            null, TrainingProgressInterval, TrainingProgressInterval))
        {
            predictor = trainer.Fit(view);
        }
        cancellationToken.ThrowIfCancellationRequested();

        // FastTree's own calibrator is a fixed sigmoid (slope -2 * learning rate, offset 0), not fitted to data.
        // Fit Platt's sigmoid on the scores of calls the trees never saw, and serve that.
        log?.WriteLine($"fitting the Platt calibrator on {calibration.Count} rows ({calibrationFraud} fraud)");
        var calibrationView = predictor.Transform(context.Data.LoadFromEnumerable(calibration, schema));
        var calibrator = context.BinaryClassification.Calibrators.Platt(labelColumnName: nameof(Example.Label)).Fit(calibrationView);
        var platt = ((IPredictionTransformer<PlattCalibrator>)calibrator).Model;
        if (!(platt.Slope < 0) || !double.IsFinite(platt.Offset))
            throw new InvalidOperationException($"the fitted calibrator (slope {platt.Slope}) does not raise the probability with the score: the trees do not separate the calibration rows");
        var pipeline = new TransformerChain<ITransformer>(predictor, calibrator);
        var ensemble = EnsembleExtractor.FromFastTree(predictor.Model.SubModel, new PlattParameters(platt.Slope, platt.Offset), data.FeatureCount);
        var unfitted = new PlattParameters(predictor.Model.Calibrator.Slope, predictor.Model.Calibrator.Offset);

        var scores = new double[holdOutRows.Count];
        var unfittedScores = new double[holdOutRows.Count];
        var labels = new bool[holdOutRows.Count];
        for (var i = 0; i < holdOutRows.Count; i++)
        {
            var raw = ensemble.RawScore(data.Row(holdOutRows[i]));
            scores[i] = ensemble.Calibrate(raw);
            unfittedScores[i] = unfitted.Probability(raw);
            labels[i] = data.Labels[holdOutRows[i]];
        }
        var chosen = ClassificationMetrics.ThresholdForPrecision(scores, labels, options.TargetPrecision, out var reached);
        var threshold = FloatAtOrBelow(chosen);
        var metrics = ClassificationMetrics.At(scores, labels, threshold);
        var prAuc = ClassificationMetrics.AveragePrecision(scores, labels);
        var end = new DateTime(dataEnd, DateTimeKind.Utc);
        var model = new FraudModel("unnamed", threshold, schemaHash, data.FeatureNames, ensemble);
        model = model.WithId(ContentId(model, end));
        clock.Stop();
        return new TrainingResult(model, context, pipeline, predictor, view.Schema, unfitted, calibration.Count, calibrationFraud,
            scores, labels, metrics, prAuc, CalibrationQuality.Of(scores, labels), CalibrationQuality.Of(unfittedScores, labels),
            reached, train.Count, end, clock.Elapsed);
    }

    /// <summary>
    /// Assigns every row its slice. Within each source, rows are ordered by start: those at or after the start below
    /// which <c>1 - holdOutFraction</c> of the source's rows lie are hold-out, those at or after the start below which
    /// <c>1 - holdOutFraction - calibrationFraction</c> lie (and not hold-out) are calibration, the rest training.
    /// </summary>
    public static DataSlice[] Split(LabelledData data, double calibrationFraction, double holdOutFraction)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(holdOutFraction > 0 && holdOutFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(holdOutFraction), "the hold-out fraction is between 0 and 1");
        if (!(calibrationFraction > 0 && calibrationFraction + holdOutFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(calibrationFraction), "the calibration fraction is above 0 and leaves rows to train on");
        var slices = new DataSlice[data.Count];
        for (var s = 0; s < data.Sources.Count; s++)
        {
            var starts = new List<long>();
            for (var i = 0; i < data.Count; i++)
            {
                if (data.SourceIndex[i] == s)
                    starts.Add(data.StartTicks[i]);
            }
            if (starts.Count == 0)
                continue;
            starts.Sort();
            long Cut(double share) => starts[Math.Min(starts.Count - 1, (int)(starts.Count * share))];
            var holdOutCut = Cut(1 - holdOutFraction);
            var calibrationCut = Cut(1 - holdOutFraction - calibrationFraction);
            for (var i = 0; i < data.Count; i++)
            {
                if (data.SourceIndex[i] != s)
                    continue;
                var t = data.StartTicks[i];
                slices[i] = t >= holdOutCut ? DataSlice.HoldOut : t >= calibrationCut ? DataSlice.Calibration : DataSlice.Training;
            }
        }
        return slices;
    }

    /// <summary>
    /// The model id: <c>fraud-gbt-YYYYMMDD-</c> then 6 hex digits of the SHA-256 of the manifest written
    /// with an empty id, where the date is the newest training call's. Same data and settings, same id.
    /// </summary>
    public static string ContentId(FraudModel model, DateTime dataEnd)
    {
        ArgumentNullException.ThrowIfNull(model);
        var buffer = new ArrayBufferWriter<byte>();
        model.WithId("-").WriteManifest(buffer);
        var hash = Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan))[..6];
        return "fraud-gbt-" + dataEnd.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-" + hash;
    }

    /// <summary>The largest float not above <paramref name="value"/>, so every score that reached it still does.</summary>
    internal static float FloatAtOrBelow(double value)
    {
        var f = (float)value;
        return f > value ? MathF.BitDecrement(f) : f;
    }
}
