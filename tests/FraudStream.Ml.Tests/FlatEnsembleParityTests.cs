using FraudStream.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace FraudStream.Ml.Tests;

/// <summary>The compiled flat ensemble must score exactly as ML.NET's own prediction engine.</summary>
public sealed class FlatEnsembleParityTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    public sealed class Input
    {
        [VectorType(SyntheticData.FeatureCount)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    public sealed class Output
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }

    public sealed class ContributionOutput
    {
        [VectorType(SyntheticData.FeatureCount)]
        public float[] FeatureContributions { get; set; } = [];
    }

    private static List<Input> FreshVectors(int count, int seed)
    {
        var rng = new Random(seed);
        var list = new List<Input>(count);
        for (var i = 0; i < count; i++)
        {
            var v = SyntheticData.Vector(rng);
            // Some values land exactly on split thresholds' neighbourhood or outside the training ranges.
            if (i % 10 == 0)
                v[rng.Next(SyntheticData.FeatureCount)] = (float)(rng.NextDouble() * 2000 - 1000);
            list.Add(new Input { Features = v });
        }
        return list;
    }

    [Fact]
    public void Flat_ensemble_scores_equal_ml_net_prediction_engine_on_10000_vectors()
    {
        var context = fixture.Result.Context;
        using var engine = context.Model.CreatePredictionEngine<Input, Output>(fixture.Result.Transformer);
        var ensemble = fixture.Model.Ensemble;
        Assert.True(ensemble.IsCompiled); // the parity below is the compiled trees'
        var maxScoreDiff = 0.0;
        var maxProbabilityDiff = 0.0;
        var positives = 0;
        foreach (var input in FreshVectors(10_000, seed: 12345))
        {
            var expected = engine.Predict(input);
            var raw = ensemble.RawScore(input.Features);
            var probability = ensemble.Probability(input.Features);
            maxScoreDiff = Math.Max(maxScoreDiff, Math.Abs(raw - expected.Score));
            maxProbabilityDiff = Math.Max(maxProbabilityDiff, Math.Abs(probability - expected.Probability));
            if (expected.PredictedLabel)
                positives++;
        }
        Assert.True(maxScoreDiff <= 1e-6, $"largest raw score difference {maxScoreDiff}");
        Assert.True(maxProbabilityDiff <= 1e-6, $"largest probability difference {maxProbabilityDiff}");
        Assert.InRange(positives, 100, 9_900); // the model is not trivially constant
    }

    [Fact]
    public void Flat_contributions_equal_ml_net_feature_contributions()
    {
        var context = fixture.Result.Context;
        var inputs = FreshVectors(2_000, seed: 777);
        var view = context.Data.LoadFromEnumerable(inputs);
        var calculator = context.Transforms.CalculateFeatureContribution(
            fixture.Result.Predictor,
            numberOfPositiveContributions: SyntheticData.FeatureCount,
            numberOfNegativeContributions: SyntheticData.FeatureCount,
            normalize: false);
        var scored = calculator.Fit(view).Transform(view);
        var expected = context.Data.CreateEnumerable<ContributionOutput>(scored, reuseRowObject: false).ToList();

        var ensemble = fixture.Model.Ensemble;
        Span<float> actual = stackalloc float[SyntheticData.FeatureCount];
        var maxDiff = 0.0;
        var nonZero = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            ensemble.Contributions(inputs[i].Features, actual);
            for (var f = 0; f < SyntheticData.FeatureCount; f++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(actual[f] - expected[i].FeatureContributions[f]));
                if (actual[f] != 0)
                    nonZero++;
            }
            Assert.Equal(0f, actual[11]); // the constant feature is never split on
        }
        Assert.True(maxDiff <= 1e-5, $"largest contribution difference {maxDiff}");
        Assert.True(nonZero > inputs.Count, "contributions are mostly zero: the comparison would prove nothing");
    }

    [Fact]
    public void Saved_model_zip_loads_in_ml_net_and_in_core_with_the_same_scores()
    {
        var dir = Directory.CreateTempSubdirectory("fs-model-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "m.zip");
            ModelFile.Save(fixture.Result, path);
            var loaded = FraudModel.Load(path, SyntheticData.SchemaHash);
            Assert.Equal(fixture.Model.Id, loaded.Id);
            Assert.Equal(fixture.Model.Threshold, loaded.Threshold);
            Assert.Equal(SyntheticData.Names, loaded.FeatureNames);

            var context = new MLContext(seed: 1);
            var mlModel = context.Model.Load(path, out _);
            using var engine = context.Model.CreatePredictionEngine<Input, Output>(mlModel);
            foreach (var input in FreshVectors(1_000, seed: 99))
            {
                var expected = engine.Predict(input);
                Assert.Equal(expected.Probability, loaded.Ensemble.Probability(input.Features), 1e-6);
                Assert.Equal(fixture.Model.Ensemble.RawScore(input.Features), loaded.Ensemble.RawScore(input.Features));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Threshold_is_the_lowest_reaching_the_target_precision_on_the_hold_out()
    {
        var r = fixture.Result;
        var scores = r.HoldOutScores.ToArray();
        var labels = r.HoldOutLabels.ToArray();
        Assert.True(r.TargetReached);
        Assert.True(r.HoldOut.Precision >= 0.8, $"hold-out precision {r.HoldOut.Precision}");
        Assert.Equal(ClassificationMetrics.At(scores, labels, r.Model.Threshold), r.HoldOut);
        // Every lower distinct score misses the target.
        foreach (var p in ClassificationMetrics.Curve(scores, labels))
        {
            if (p.Threshold < r.Model.Threshold)
                Assert.True(p.Precision < 0.8, $"threshold {p.Threshold} also reaches precision {p.Precision}");
        }
    }
}
