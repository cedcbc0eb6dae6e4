namespace FraudStream.Ml.Tests;

public sealed class ClassificationMetricsTests
{
    [Fact]
    public void Average_precision_of_a_perfect_ranking_is_one()
    {
        double[] scores = [0.9, 0.8, 0.3, 0.1];
        bool[] labels = [true, true, false, false];
        Assert.Equal(1.0, ClassificationMetrics.AveragePrecision(scores, labels), 12);
    }

    [Fact]
    public void Average_precision_weights_each_positive_by_the_precision_where_it_is_found()
    {
        // Ranked: + - + - : precision 1 at the first positive, 2/3 at the second.
        double[] scores = [0.9, 0.8, 0.7, 0.1];
        bool[] labels = [true, false, true, false];
        Assert.Equal((1.0 + (2.0 / 3.0)) / 2, ClassificationMetrics.AveragePrecision(scores, labels), 12);
    }

    [Fact]
    public void Tied_scores_are_alerted_together()
    {
        double[] scores = [0.5, 0.5, 0.5, 0.1];
        bool[] labels = [true, false, true, false];
        var curve = ClassificationMetrics.Curve(scores, labels);
        Assert.Equal(2, curve.Length);
        Assert.Equal(new PrPoint(0.5, 2.0 / 3.0, 1.0), curve[0]);
        Assert.Equal(2.0 / 3.0, ClassificationMetrics.AveragePrecision(scores, labels), 12);
    }

    [Fact]
    public void Threshold_for_precision_is_the_lowest_reaching_the_target()
    {
        double[] scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.2];
        bool[] labels = [true, true, true, false, true, false];
        // At 0.6: 4 of 5 = 0.8; at 0.7: 3 of 4 = 0.75; at 0.8: 1.0.
        Assert.Equal(0.6, ClassificationMetrics.ThresholdForPrecision(scores, labels, 0.8, out var reached));
        Assert.True(reached);
        Assert.Equal(0.8, ClassificationMetrics.ThresholdForPrecision(scores, labels, 0.9, out reached));
        Assert.True(reached);
    }

    [Fact]
    public void Threshold_for_an_unreachable_precision_is_the_most_precise_and_says_so()
    {
        double[] scores = [0.9, 0.8, 0.7];
        bool[] labels = [false, true, false];
        Assert.Equal(0.8, ClassificationMetrics.ThresholdForPrecision(scores, labels, 0.99, out var reached));
        Assert.False(reached);
    }

    [Fact]
    public void Metrics_at_a_threshold_count_scores_equal_to_it_as_alerts()
    {
        var m = ClassificationMetrics.At([0.5, 0.4, 0.5, 0.9], [true, true, false, true], 0.5);
        Assert.Equal(3, m.Alerts);
        Assert.Equal(2, m.TruePositives);
        Assert.Equal(2.0 / 3.0, m.Precision, 12);
        Assert.Equal(2.0 / 3.0, m.Recall, 12);
        Assert.Equal(0.75, m.AlertRate, 12);
    }

    [Fact]
    public void Recall_and_average_precision_are_undefined_not_one_without_a_positive()
    {
        double[] scores = [0.9, 0.4, 0.1];
        bool[] labels = [false, false, false];

        Assert.True(double.IsNaN(ClassificationMetrics.At(scores, labels, 0.0).Recall));
        Assert.All(ClassificationMetrics.Curve(scores, labels), p => Assert.True(double.IsNaN(p.Recall)));
        Assert.True(double.IsNaN(ClassificationMetrics.AveragePrecision(scores, labels)));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.ThresholdForPrecision(scores, labels, 0.9, out _));
    }

    [Fact]
    public void Brier_score_is_the_mean_squared_error_of_the_probabilities()
    {
        Assert.Equal(((0.1 * 0.1) + (0.2 * 0.2) + (0.7 * 0.7)) / 3, ClassificationMetrics.Brier([0.9, 0.2, 0.3], [true, false, true]), 12);
        Assert.Equal(0.0, ClassificationMetrics.Brier([1.0, 0.0], [true, false]));
    }

    [Fact]
    public void Reliability_bins_count_calls_mean_probability_and_fraud_rate()
    {
        double[] p = [0.01, 0.03, 0.05, 0.95, 1.0, 0.55];
        bool[] l = [false, false, true, true, true, false];
        var table = ClassificationMetrics.Reliability(p, l, bins: 10);
        Assert.Equal(10, table.Length);
        Assert.Equal(new ReliabilityBin(0.0, 0.1, 3, 1, 0.03), table[0] with { MeanPredicted = Math.Round(table[0].MeanPredicted, 12) });
        Assert.Equal(1.0 / 3.0, table[0].ObservedRate, 12);
        Assert.Equal(1, table[5].Count);
        Assert.Equal(0, table[5].Positives);
        Assert.Equal(2, table[9].Count); // 1.0 falls in the last bin
        Assert.Equal(0.975, table[9].MeanPredicted, 12);
        Assert.Equal(0, table[3].Count);
        Assert.Equal(0.0, table[3].ObservedRate);
        // ECE: bins weighted by calls: |0.03 - 1/3| * 3 + |0.55 - 0| * 1 + |0.975 - 1| * 2, over 6.
        var expected = ((Math.Abs(0.03 - (1.0 / 3.0)) * 3) + 0.55 + (0.025 * 2)) / 6;
        Assert.Equal(expected, ClassificationMetrics.ExpectedCalibrationError(table), 12);
    }
}
