namespace FraudStream.Ml.Tests;

/// <summary>Training refuses data whose slices cannot give a meaningful threshold, before any tree is trained.</summary>
public sealed class TrainingDataChecksTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Train_refuses_a_hold_out_with_only_one_class(bool holdOutLabel)
    {
        var source = SyntheticData.Build(4_000, seed: 5);
        var slices = FraudModelTrainer.Split(source, calibrationFraction: 0.1, holdOutFraction: 0.2);
        var data = new LabelledData(SyntheticData.Names);
        for (var s = 0; s < source.Sources.Count; s++)
        {
            for (var i = 0; i < source.Count; i++)
            {
                if (source.SourceIndex[i] != s)
                    continue;
                var fraud = slices[i] == DataSlice.HoldOut ? holdOutLabel : source.Labels[i];
                data.Add(source.Row(i), new CallLabel(fraud, fraud ? "scam" : "legit", null), source.StartTicks[i]);
            }
            data.EndSource(source.Sources[s].Directory, 0, 0);
        }

        var ex = Assert.Throws<InvalidOperationException>(() => FraudModelTrainer.Train(data, SyntheticData.SchemaHash, SyntheticData.SmallOptions()));

        Assert.StartsWith("the hold-out rows", ex.Message, StringComparison.Ordinal);
        Assert.Contains("need both fraudulent and legitimate calls", ex.Message, StringComparison.Ordinal);
    }
}
