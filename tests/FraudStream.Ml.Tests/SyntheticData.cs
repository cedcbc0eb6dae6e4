using FraudStream.Scoring;

namespace FraudStream.Ml.Tests;

/// <summary>Random labelled vectors with a known non-linear rule, for tests that need a trained model
/// independently of the featurizer (binary, count-like and continuous features, label noise).</summary>
internal static class SyntheticData
{
    public const int FeatureCount = 12;
    public const string SchemaHash = "test-schema-0001";

    public static readonly string[] Names = [.. Enumerable.Range(0, FeatureCount).Select(i => $"f{i:00}")];

    public static float[] Vector(Random rng)
    {
        var v = new float[FeatureCount];
        v[0] = rng.Next(2);                          // a flag
        v[1] = rng.Next(4);                          // a small category code
        v[2] = (float)rng.NextDouble();              // a ratio
        v[3] = (float)(rng.NextDouble() * 600);      // a duration
        v[4] = rng.Next(0, 200);                     // a count
        v[5] = (float)(rng.NextDouble() * 2 - 1);
        v[6] = rng.Next(2);
        v[7] = (float)Math.Exp(rng.NextDouble() * 6);
        v[8] = (float)rng.NextDouble();
        v[9] = rng.Next(24);                         // an hour
        v[10] = (float)(rng.NextDouble() * 10);
        v[11] = 0;                                   // a constant: never split on
        return v;
    }

    public static bool Label(float[] v, Random rng)
    {
        var z = -3.0 + (2.5 * v[0]) + (v[1] == 2 ? 1.5 : 0) + (3 * v[2] * v[8]) - (v[3] / 300)
            + (v[4] > 120 ? 2 : 0) + (v[6] * v[5] * 2) + (v[9] is >= 9 and <= 17 ? 0.8 : -0.5);
        return rng.NextDouble() < 1 / (1 + Math.Exp(-z));
    }

    /// <summary>Rows in time order, split over two sources (as two data folders would be).</summary>
    public static LabelledData Build(int rows, int seed)
    {
        var rng = new Random(seed);
        var data = new LabelledData(Names);
        var start = new DateTime(2026, 11, 27, 0, 0, 0, DateTimeKind.Utc).Ticks;
        for (var s = 0; s < 2; s++)
        {
            for (var i = 0; i < rows / 2; i++)
            {
                var v = Vector(rng);
                var fraud = Label(v, rng);
                data.Add(v, new CallLabel(fraud, fraud ? "scam" : "legit", fraud ? "camp-" + rng.Next(5) : null),
                    start + (i * TimeSpan.TicksPerSecond));
            }
            data.EndSource("source" + s, 0, 0);
        }
        return data;
    }

    public static TrainingOptions SmallOptions(int seed = 7) => new()
    {
        Seed = seed,
        Trees = 40,
        Leaves = 12,
        TargetPrecision = 0.8,
        MinimumExamplesPerLeaf = 10,
    };
}

/// <summary>One trained model shared by the tests of a class (training takes a few seconds).</summary>
public sealed class TrainedModelFixture
{
    public TrainedModelFixture()
    {
        Data = SyntheticData.Build(20_000, seed: 11);
        Result = FraudModelTrainer.Train(Data, SyntheticData.SchemaHash, SyntheticData.SmallOptions());
    }

    public LabelledData Data { get; }

    public TrainingResult Result { get; }

    public FraudModel Model => Result.Model;
}
