namespace FraudStream.Ml.Tests;

/// <summary>What <see cref="TrainingOptions.Seed"/> does: FastTree as configured draws nothing at random (docs/model.md).</summary>
public sealed class TrainingSeedTests
{
    [Fact]
    public void Seed_changes_neither_the_trees_nor_the_threshold_nor_the_model_id()
    {
        var data = SyntheticData.Build(6_000, seed: 3);

        var a = FraudModelTrainer.Train(data, SyntheticData.SchemaHash, SyntheticData.SmallOptions(seed: 1));
        var b = FraudModelTrainer.Train(data, SyntheticData.SchemaHash, SyntheticData.SmallOptions(seed: 987_654));

        Assert.Equal(a.Model.Id, b.Model.Id);
        Assert.Equal(a.Model.Threshold, b.Model.Threshold);
        Assert.Equal(a.Model.Ensemble.LeafValue.ToArray(), b.Model.Ensemble.LeafValue.ToArray());
        Assert.Equal(a.HoldOut, b.HoldOut);
    }
}
