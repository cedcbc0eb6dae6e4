using FraudStream.Scoring;

namespace FraudStream.Core.Tests.Scoring;

public sealed class TreeEnsembleTests
{
    // Tree 0:        n0: f0 <= 0.5
    //              /               \
    //      n1: f1 <= 10        leaf 2 (+2.0)
    //       /        \
    // leaf 0 (-1)  leaf 1 (+0.5)
    // Tree 1: n0: f2 <= 3 -> leaf 0 (-0.25) else leaf 1 (+0.75)
    // Tree 2: a single leaf (0.1), no splits.
    private static TreeEnsemble Sample(double bias = 0.0) => new(
        featureCount: 4,
        nodeStart: [0, 2, 3, 3],
        leafStart: [0, 3, 5, 6],
        splitFeature: [0, 1, 2],
        threshold: [0.5f, 10f, 3f],
        left: [1, ~0, ~0],
        right: [~2, ~1, ~1],
        leafValue: [-1.0, 0.5, 2.0, -0.25, 0.75, 0.1],
        bias: bias,
        calibratorSlope: -1.5,
        calibratorOffset: 0.2);

    [Theory]
    [InlineData(0f, 5f, 1f, -1.0 - 0.25 + 0.1)]
    [InlineData(0.5f, 10f, 3f, -1.0 - 0.25 + 0.1)] // equal to the threshold goes left
    [InlineData(0f, 11f, 4f, 0.5 + 0.75 + 0.1)]
    [InlineData(0.6f, 0f, 100f, 2.0 + 0.75 + 0.1)]
    public void Raw_score_sums_the_reached_leaves(float f0, float f1, float f2, double expected)
    {
        Assert.Equal(expected, Sample().RawScore([f0, f1, f2, 0f]), 12);
        Assert.Equal(expected + 0.3, Sample(bias: 0.3).RawScore([f0, f1, f2, 0f]), 12);
    }

    [Fact]
    public void NaN_goes_to_the_right_child_as_in_ml_net()
    {
        Assert.Equal(2.0 + 0.75 + 0.1, Sample().RawScore([float.NaN, 0f, float.NaN, 0f]), 12);
    }

    [Fact]
    public void Probability_applies_the_platt_calibrator()
    {
        var e = Sample();
        float[] x = [0f, 11f, 4f, 0f];
        var raw = e.RawScore(x);
        Assert.Equal(1.0 / (1.0 + Math.Exp((-1.5 * raw) + 0.2)), e.Probability(x), 15);
    }

    [Fact]
    public void Contributions_credit_each_split_with_reached_minus_other_way()
    {
        var e = Sample();
        Span<float> c = stackalloc float[4];
        c.Fill(99f); // overwritten, not accumulated into
        e.Contributions([0f, 11f, 4f, 0f], c);
        // Tree 0 reaches leaf 1 (0.5). Root split on f0: other way is leaf 2 (2.0) -> f0 gets 0.5 - 2.0.
        // Node 1 split on f1: other way is leaf 0 (-1.0) -> f1 gets 0.5 - (-1.0).
        // Tree 1 reaches leaf 1 (0.75), other way leaf 0 (-0.25) -> f2 gets 1.0. Tree 2 has no splits.
        Assert.Equal(-1.5f, c[0]);
        Assert.Equal(1.5f, c[1]);
        Assert.Equal(1.0f, c[2]);
        Assert.Equal(0f, c[3]);
    }

    [Fact]
    public void Contributions_of_the_other_branch_follow_the_real_features_below_it()
    {
        var e = Sample();
        Span<float> c = stackalloc float[4];
        // Reaches leaf 2 (2.0). Flipping the root sends the vector to node 1, where f1 = 11 goes to leaf 1 (0.5).
        e.Contributions([1f, 11f, 0f, 0f], c);
        Assert.Equal(1.5f, c[0]);
        Assert.Equal(0f, c[1]); // f1's split is not on the path
    }

    [Fact]
    public void Contributions_of_stumps_sum_to_raw_score_minus_the_score_with_every_split_flipped()
    {
        // Stumps on distinct features: flipping every split is moving every feature across its threshold,
        // so the baseline is the raw score of the mirrored vector.
        var stumps = new TreeEnsemble(3, [0, 1, 2, 3], [0, 2, 4, 6], [0, 1, 2], [0f, 5f, -2f],
            [~0, ~0, ~0], [~1, ~1, ~1], [0.3, -0.7, 1.1, -0.4, 0.05, 0.6], 0.25, -1, 0);
        var rng = new Random(3);
        Span<float> c = stackalloc float[3];
        for (var i = 0; i < 1000; i++)
        {
            float[] x = [(float)(rng.NextDouble() * 4 - 2), (float)(rng.NextDouble() * 10), (float)(rng.NextDouble() * 6 - 5)];
            float[] flipped = [x[0] <= 0f ? 1f : -1f, x[1] <= 5f ? 6f : 4f, x[2] <= -2f ? 0f : -3f];
            stumps.Contributions(x, c);
            var sum = c[0] + c[1] + c[2];
            Assert.Equal(stumps.RawScore(x) - stumps.RawScore(flipped), sum, 5);
        }
    }

    [Fact]
    public void Evaluation_allocates_nothing()
    {
        var e = Sample();
        float[] x = [0f, 11f, 4f, 0f];
        var c = new float[4];
        double sink = 0;
        sink += e.Probability(x);
        e.Contributions(x, c);
        var allocated = Allocations.LeastOfThree(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                sink += e.Probability(x) + e.RawScore(x);
                e.Contributions(x, c);
            }
        });
        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sink);
    }

    [Fact]
    public void A_vector_shorter_than_the_feature_count_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Sample().RawScore([0f, 1f]));
    }

    [Fact]
    public void A_child_pointing_back_up_the_tree_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TreeEnsemble(2, [0, 2], [0, 3], [0, 1], [0f, 0f],
            [1, 0], [~0, ~1], [0, 0, 0], 0, -1, 0));
        Assert.Contains("child index out of range", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_split_on_a_feature_out_of_range_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new TreeEnsemble(2, [0, 1], [0, 2], [2], [0f], [~0], [~1], [0, 0], 0, -1, 0));
    }

    [Fact]
    public void Tree_starts_that_go_back_or_past_the_arrays_are_refused_as_invalid()
    {
        // Tree 0 claims nodes 0-1 and leaves 0-2 of a one-node, two-leaf ensemble.
        var ex = Assert.Throws<ArgumentException>(() => new TreeEnsemble(2, [0, 2, 1], [0, 3, 2], [0], [0f], [~0], [~1], [0, 0], 0, -1, 0));
        Assert.Contains("must not decrease", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_the_arrays_after_construction_does_not_change_the_ensemble()
    {
        int[] split = [0];
        int[] right = [~1];
        double[] leaves = [1.0, 2.0];
        var ensemble = new TreeEnsemble(1, [0, 1], [0, 2], split, [0.5f], [~0], right, leaves, 0, -1, 0);

        split[0] = 1000; // would read and write far outside the vectors if the ensemble used the caller's array
        right[0] = 5;
        leaves[1] = 99.0;

        Assert.Equal(2.0, ensemble.RawScore([1f]));
        var perFeature = new float[1];
        ensemble.Contributions([1f], perFeature);
        Assert.Equal(1f, perFeature[0]);
    }
}
