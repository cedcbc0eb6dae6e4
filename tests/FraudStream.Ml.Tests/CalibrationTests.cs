namespace FraudStream.Ml.Tests;

/// <summary>The served probability comes from a Platt calibrator fitted on rows the trees never saw.</summary>
public sealed class CalibrationTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void Split_orders_training_then_calibration_then_hold_out_within_each_source()
    {
        var data = fixture.Data;
        var slices = FraudModelTrainer.Split(data, calibrationFraction: 0.1, holdOutFraction: 0.2);
        for (var s = 0; s < data.Sources.Count; s++)
        {
            var rows = Enumerable.Range(0, data.Count).Where(i => data.SourceIndex[i] == s).ToList();
            long Latest(DataSlice slice) => rows.Where(i => slices[i] == slice).Max(i => data.StartTicks[i]);
            long Earliest(DataSlice slice) => rows.Where(i => slices[i] == slice).Min(i => data.StartTicks[i]);
            Assert.True(Latest(DataSlice.Training) < Earliest(DataSlice.Calibration));
            Assert.True(Latest(DataSlice.Calibration) < Earliest(DataSlice.HoldOut));
            Assert.Equal(rows.Count / 10, rows.Count(i => slices[i] == DataSlice.Calibration));
            Assert.Equal(rows.Count / 5, rows.Count(i => slices[i] == DataSlice.HoldOut));
        }
        Assert.Equal(slices.Count(s => s == DataSlice.Training), fixture.Result.TrainRows);
        Assert.Equal(slices.Count(s => s == DataSlice.Calibration), fixture.Result.CalibrationRows);
        Assert.Equal(slices.Count(s => s == DataSlice.HoldOut), fixture.Result.HoldOutRows);
    }

    [Fact]
    public void Split_refuses_fractions_that_leave_nothing_to_train_on()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FraudModelTrainer.Split(fixture.Data, 0.8, 0.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => FraudModelTrainer.Split(fixture.Data, 0, 0.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => FraudModelTrainer.Split(fixture.Data, 0.1, 1));
    }

    [Fact]
    public void Calibrator_is_fitted_to_the_data_not_fastTrees_fixed_sigmoid()
    {
        var r = fixture.Result;
        var served = new PlattParameters(r.Model.Ensemble.CalibratorSlope, r.Model.Ensemble.CalibratorOffset);
        // FastTree's own sigmoid: slope -2 * learning rate, offset 0.
        Assert.Equal(new PlattParameters(-2 * SyntheticData.SmallOptions().LearningRate, 0), r.UnfittedCalibrator);
        Assert.NotEqual(r.UnfittedCalibrator, served);
        Assert.True(served.Slope < 0);
        Assert.NotEqual(0.0, served.Offset);
    }

    [Fact]
    public void Fitted_probabilities_match_observed_fraud_rates_on_the_hold_out()
    {
        // The synthetic labels are drawn from a logistic rule with plenty of overlap, so a calibrated model's
        // probabilities must track the observed rates, and better than FastTree's fixed sigmoid.
        var r = fixture.Result;
        var fitted = r.HoldOutCalibration;
        var unfitted = r.HoldOutUnfittedCalibration;
        Assert.True(fitted.ExpectedCalibrationError < 0.05, $"ECE {fitted.ExpectedCalibrationError}");
        Assert.True(fitted.Brier < unfitted.Brier, $"fitted Brier {fitted.Brier}, unfitted {unfitted.Brier}");
        Assert.True(fitted.ExpectedCalibrationError < unfitted.ExpectedCalibrationError,
            $"fitted ECE {fitted.ExpectedCalibrationError}, unfitted {unfitted.ExpectedCalibrationError}");
        var scores = r.HoldOutScores.ToArray();
        var labels = r.HoldOutLabels.ToArray();
        Assert.Equal(ClassificationMetrics.Brier(scores, labels), fitted.Brier, 12);
        var meanPredicted = scores.Average();
        var observed = labels.Count(l => l) / (double)labels.Length;
        Assert.True(Math.Abs(meanPredicted - observed) < 0.03, $"mean predicted {meanPredicted}, observed {observed}");
    }
}
