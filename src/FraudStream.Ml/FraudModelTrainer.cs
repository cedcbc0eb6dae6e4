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
}

/// <summary>A trained model with its ML.NET form and its hold-out evaluation.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(
        FraudModel model, MLContext context, ITransformer transformer, DataViewSchema inputSchema,
        double[] holdOutScores, bool[] holdOutLabels, ThresholdMetrics holdOut, double prAuc,
        bool targetReached, int trainRows, DateTime dataEnd, TimeSpan elapsed)
    {
        Model = model;
        Context = context;
        Transformer = transformer;
        InputSchema = inputSchema;
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

    public ITransformer Transformer { get; }

    public DataViewSchema InputSchema { get; }

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
    /// <summary>The row type handed to ML.NET: a feature vector and its label.</summary>
    internal sealed class Example
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    /// <summary>Trains on the earlier part of every source, picks the threshold on the later part.</summary>
    public static TrainingResult Train(LabelledData data, string schemaHash, TrainingOptions options, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var holdOut = HoldOutMask(data, options.HoldOutFraction);
        var train = new List<Example>();
        var holdOutRows = new List<int>();
        long dataEnd = 0;
        for (var i = 0; i < data.Count; i++)
        {
            dataEnd = Math.Max(dataEnd, data.StartTicks[i]);
            if (holdOut[i])
                holdOutRows.Add(i);
            else
                train.Add(new Example { Features = data.Row(i).ToArray(), Label = data.Labels[i] });
        }
        if (train.Count == 0 || holdOutRows.Count == 0)
            throw new InvalidOperationException("too few rows to train and hold out");
        if (!train.Exists(e => e.Label) || !train.Exists(e => !e.Label))
            throw new InvalidOperationException("the training rows need both fraudulent and legitimate calls");

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
        var transformer = trainer.Fit(view);
        var ensemble = EnsembleExtractor.FromFastTree(transformer.Model, data.FeatureCount);

        var scores = new double[holdOutRows.Count];
        var labels = new bool[holdOutRows.Count];
        for (var i = 0; i < holdOutRows.Count; i++)
        {
            scores[i] = ensemble.Probability(data.Row(holdOutRows[i]));
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
        return new TrainingResult(model, context, transformer, view.Schema, scores, labels, metrics, prAuc,
            reached, train.Count, end, clock.Elapsed);
    }

    /// <summary>
    /// Marks the hold-out rows: in each source, those whose start is at or after the start below which
    /// <c>1 - fraction</c> of the source's rows lie.
    /// </summary>
    public static bool[] HoldOutMask(LabelledData data, double fraction)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(fraction > 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), "the hold-out fraction is between 0 and 1");
        var mask = new bool[data.Count];
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
            var cut = starts[Math.Min(starts.Count - 1, (int)(starts.Count * (1 - fraction)))];
            for (var i = 0; i < data.Count; i++)
            {
                if (data.SourceIndex[i] == s && data.StartTicks[i] >= cut)
                    mask[i] = true;
            }
        }
        return mask;
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
