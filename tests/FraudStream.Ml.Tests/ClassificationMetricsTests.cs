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
}
