using FraudStream.Features;
using FraudStream.Traffic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace FraudStream.Ml.Tests;

/// <summary>
/// End to end on generated traffic: generator -> parser -> featurizer -> FastTree -> flat ensemble, and the flat
/// ensemble scores every real feature vector as ML.NET's prediction engine does.
/// </summary>
public sealed class GeneratedTrafficParityTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("fs-generated-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    public sealed class Input
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    public sealed class Output
    {
        public float Score { get; set; }

        public float Probability { get; set; }
    }

    [Fact]
    public async Task Flat_ensemble_equals_ml_net_on_every_featurized_generated_call()
    {
        // Scams come in campaigns of bursts, so one short day's slices need not all hold scams; with this seed the
        // calibration slice (needed to fit the calibrator) and the hold-out both do.
        TrafficGenerator.GenerateToDirectory(new TrafficOptions { Calls = 30_000, Seed = 4243 }, _dir.FullName);
        var data = await LabelledDataLoader.LoadAsync([_dir.FullName]);
        Assert.True(data.Count >= 10_000, $"only {data.Count} rows");
        var result = FraudModelTrainer.Train(data, FeatureSchema.Current.Hash, new TrainingOptions { Trees = 60, Leaves = 16, Seed = 3 });

        var context = result.Context;
        var schema = SchemaDefinition.Create(typeof(Input));
        schema[nameof(Input.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, data.FeatureCount);
        using var engine = context.Model.CreatePredictionEngine<Input, Output>(result.Transformer, inputSchemaDefinition: schema);
        var ensemble = result.Model.Ensemble;
        Assert.True(ensemble.IsCompiled); // the parity below is the compiled trees'
        double maxScore = 0, maxProbability = 0;
        var input = new Input();
        var scores = new double[data.Count];
        for (var i = 0; i < data.Count; i++)
        {
            input.Features = data.Row(i).ToArray();
            var expected = engine.Predict(input);
            maxScore = Math.Max(maxScore, Math.Abs(ensemble.RawScore(input.Features) - expected.Score));
            scores[i] = ensemble.Probability(input.Features);
            maxProbability = Math.Max(maxProbability, Math.Abs(scores[i] - expected.Probability));
        }
        Assert.True(maxScore <= 1e-6, $"largest raw score difference {maxScore}");
        Assert.True(maxProbability <= 1e-6, $"largest probability difference {maxProbability}");
        // The trained model separates the classes at all (not a constant scorer). The hold-out of so short a run
        // can lack scams (they keep business hours), so this is measured over every row.
        var ap = ClassificationMetrics.AveragePrecision(scores, [.. data.Labels]);
        Assert.True(ap > 0.9, $"PR-AUC {ap}");
    }
}
