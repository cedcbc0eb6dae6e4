using CsCheck;
using FraudStream.Scoring;

namespace FraudStream.Core.Tests.Scoring;

/// <summary>
/// The ensemble's evaluation against a plain per-tree walk of its own arrays (local child indices, a fresh walk
/// from every child not taken) on random ensembles: shallow and deep trees, single leaves, NaN and infinite features.
/// The raw score is checked both ways it is computed, the compiled trees and the descent, and so are the
/// contributions: compiled, and the walk.
/// </summary>
public sealed class TreeEnsembleReferenceTests
{
    [Fact]
    public void Raw_score_and_contributions_equal_the_reference_walk_bit_for_bit()
    {
        var ensembles = 0;
        var compiledContributions = 0;
        Gen.Select(Gen.Int, Gen.Int[1, 12], Gen.Int[0, 40], Gen.Bool).Sample((seed, trees, maxNodes, deep) =>
        {
            var rng = new Random(seed);
            var ensemble = RandomEnsemble(rng, featureCount: 6, trees, maxNodes, deep);
            Assert.True(ensemble.IsCompiled);
            Interlocked.Increment(ref ensembles);
            if (ensemble.AreContributionsCompiled)
            {
                Interlocked.Increment(ref compiledContributions); // some of them only in part: their large trees walked
            }
            var expected = new float[6];
            var actual = new float[7];
            for (var v = 0; v < 20; v++)
            {
                var x = RandomVector(rng, 6);
                AssertSameBits(ReferenceRawScore(ensemble, x), ensemble.RawScore(x));
                AssertSameBits(ReferenceRawScore(ensemble, x), ensemble.DescentRawScore(x));
                ReferenceContributions(ensemble, x, expected);
                actual.AsSpan().Fill(42f);
                ensemble.Contributions(x, actual);
                Assert.Equal(expected, actual[..6]);
                Assert.Equal(42f, actual[6]); // past the feature count: untouched
                actual.AsSpan().Fill(42f);
                ensemble.WalkContributions(x, actual);
                Assert.Equal(expected, actual[..6]);
                Assert.Equal(42f, actual[6]);
            }
        }, iter: 2_000);
        // Most random ensembles compile, all their trees or some; deep trees of many splits (emitted once per split above
        // them) are walked. Ensembles walked in part and in whole have tests of their own (below), not left to chance.
        Assert.True(compiledContributions > ensembles / 2, $"{compiledContributions} of {ensembles} ensembles compiled");
    }

    [Fact]
    public void Contributions_of_a_tree_deeper_than_the_stack_buffer_equal_the_reference_walk()
    {
        // A caterpillar of 300 splits: paths up to 300 deep take the rented buffer.
        var rng = new Random(11);
        var ensemble = RandomEnsemble(rng, featureCount: 3, trees: 2, maxNodes: 300, deep: true, exactNodes: true);
        Assert.True(Depth(ensemble, 0, 0) > 64);
        Assert.True(ensemble.IsCompiled); // 601 splits and leaves a tree: within one compiled method
        Assert.False(ensemble.AreContributionsCompiled); // each split emitted again under all those above it: the walk
        var expected = new float[3];
        var actual = new float[3];
        for (var v = 0; v < 500; v++)
        {
            var x = RandomVector(rng, 3);
            AssertSameBits(ReferenceRawScore(ensemble, x), ensemble.RawScore(x));
            AssertSameBits(ReferenceRawScore(ensemble, x), ensemble.DescentRawScore(x));
            ReferenceContributions(ensemble, x, expected);
            ensemble.Contributions(x, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Trees_each_too_large_for_one_compiled_method_leave_the_ensemble_to_the_descent()
    {
        var rng = new Random(5);
        var ensemble = RandomEnsemble(rng, featureCount: 4, trees: 3, maxNodes: 600, deep: false, exactNodes: true);
        Assert.False(ensemble.IsCompiled); // 1,201 splits and leaves in each tree
        Assert.Equal(3, ensemble.TreesWalked);
        Assert.False(ensemble.AreContributionsCompiled);
        var expected = new float[4];
        var actual = new float[4];
        for (var v = 0; v < 500; v++)
        {
            var x = RandomVector(rng, 4);
            AssertSameBits(ReferenceRawScore(ensemble, x), ensemble.RawScore(x));
            ReferenceContributions(ensemble, x, expected);
            ensemble.Contributions(x, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void A_tree_whose_nodes_are_shared_is_not_compiled_once_per_path()
    {
        // 40 splits, each with both children on the next: 2^40 paths to emit as code, one walk of 40 nodes to descend.
        const int nodes = 40;
        var left = new int[nodes];
        var right = new int[nodes];
        for (var i = 0; i < nodes - 1; i++)
        {
            left[i] = i + 1;
            right[i] = i + 1;
        }
        left[^1] = ~0;
        right[^1] = ~1;
        var leafValue = new double[nodes + 1];
        leafValue[0] = 0.25;
        leafValue[1] = -0.5;
        var ensemble = new TreeEnsemble(1, [0, nodes], [0, nodes + 1], new int[nodes], new float[nodes], left, right,
            leafValue, bias: 1, calibratorSlope: -1, calibratorOffset: 0);
        Assert.False(ensemble.IsCompiled);
        Assert.False(ensemble.AreContributionsCompiled);
        Assert.Equal(1.25, ensemble.RawScore([-1f]));
        Assert.Equal(0.5, ensemble.RawScore([1f]));
        // Only the last split's children differ: it alone moves the score, by the difference of its two leaves.
        var contributions = new float[1];
        ensemble.Contributions([-1f], contributions);
        Assert.Equal([0.75f], contributions);
        ensemble.Contributions([1f], contributions);
        Assert.Equal([-0.75f], contributions);
    }

    [Fact]
    public void A_tree_too_large_to_compile_is_walked_between_compiled_ones_and_the_contributions_are_the_walks()
    {
        // Three trees: a small one, a caterpillar of 300 splits (too large for a compiled method), another small one;
        // all split on the same features, so each feature's credits must be added in the trees' order.
        var rng = new Random(23);
        var small = RandomEnsemble(rng, featureCount: 3, trees: 1, maxNodes: 12, deep: false, exactNodes: true);
        var deep = RandomEnsemble(rng, featureCount: 3, trees: 1, maxNodes: 300, deep: true, exactNodes: true);
        var ensemble = Concatenate(small, deep, small);
        Assert.True(ensemble.AreContributionsCompiled);
        Assert.Equal(1, ensemble.TreesWalkedForContributions);
        var expected = new float[3];
        var actual = new float[3];
        for (var v = 0; v < 500; v++)
        {
            var x = RandomVector(rng, 3);
            ReferenceContributions(ensemble, x, expected);
            ensemble.Contributions(x, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void A_tree_too_large_to_compile_is_descended_between_compiled_ones_and_the_score_is_the_descents()
    {
        // A caterpillar of 600 splits (1,201 splits and leaves: too large for a compiled method) between small trees:
        // the others stay compiled, and the sum is added in the trees' order, so the bits are the descent's.
        var rng = new Random(29);
        var small = RandomEnsemble(rng, featureCount: 3, trees: 2, maxNodes: 12, deep: false, exactNodes: true);
        var deep = RandomEnsemble(rng, featureCount: 3, trees: 1, maxNodes: 600, deep: true, exactNodes: true);
        var ensemble = Concatenate(small, deep, small);
        Assert.False(ensemble.IsCompiled);
        Assert.Equal(1, ensemble.TreesWalked);
        Assert.Equal(1, ensemble.TreesWalkedForContributions);
        Assert.StartsWith("1 of 5 trees are walked node by node for the score, and 1 for the alerts' reasons", ensemble.UncompiledTreesWarning(), StringComparison.Ordinal);
        for (var v = 0; v < 500; v++)
        {
            var x = RandomVector(rng, 3);
            AssertSameBits(ReferenceRawScore(ensemble, x), ensemble.RawScore(x));
            AssertSameBits(ensemble.DescentRawScore(x), ensemble.RawScore(x));
        }
        Assert.Null(small.UncompiledTreesWarning());
        Assert.Equal(0, small.TreesWalked);
    }

    [Fact]
    public void A_small_tree_whose_nodes_are_shared_compiles_once_per_path_and_gives_the_walks_contributions()
    {
        // Splits 0 and 1 both lead to split 2 (on feature 1), whose leaves differ; each path through it is emitted.
        var ensemble = new TreeEnsemble(2, [0, 3], [0, 4], [0, 0, 1], [0f, 1f, 0f], [1, 2, ~2], [2, ~3, ~0],
            [0.5, -0.25, 2.0, -1.0], bias: 0, calibratorSlope: -1, calibratorOffset: 0);
        Assert.True(ensemble.IsCompiled);
        Assert.True(ensemble.AreContributionsCompiled);
        var expected = new float[2];
        var actual = new float[2];
        float[][] vectors = [[-1f, -1f], [-1f, 1f], [0.5f, -1f], [0.5f, 1f], [2f, -1f], [2f, 1f], [float.NaN, float.NaN]];
        foreach (var x in vectors)
        {
            ReferenceContributions(ensemble, x, expected);
            ensemble.Contributions(x, actual);
            Assert.Equal(expected, actual);
        }
        // Feature 0 at -1 goes left twice, to split 2; feature 1 at -1 goes left there, to leaf 2 (2.0). The other way
        // at split 2 is leaf 0 (0.5): 1.5 to feature 1. At split 1 the other way is leaf 3 (-1.0): 3.0 to feature 0; at
        // split 0 it is split 2 again, leaf 2: nothing.
        ensemble.Contributions([-1f, -1f], actual);
        Assert.Equal([3f, 1.5f], actual);
    }

    [Fact]
    public void The_default_models_compiled_trees_and_contributions_give_the_walks_bits_on_and_around_every_threshold()
    {
        var ensemble = FraudModel.Load(Path.Combine(AppContext.BaseDirectory, "models", "default.zip")).Ensemble;
        Assert.True(ensemble.IsCompiled);
        Assert.True(ensemble.AreContributionsCompiled);
        Assert.Equal(0, ensemble.TreesWalkedForContributions);
        var compiled = new float[ensemble.FeatureCount];
        var walked = new float[ensemble.FeatureCount];
        var thresholds = ensemble.Threshold.ToArray();
        var rng = new Random(17);
        var x = new float[ensemble.FeatureCount];
        for (var v = 0; v < 50_000; v++)
        {
            // Each feature on one of the model's thresholds, a float either side of one, or 0, 1 or NaN.
            for (var f = 0; f < x.Length; f++)
            {
                var t = thresholds[rng.Next(thresholds.Length)];
                x[f] = rng.Next(6) switch
                {
                    0 => t,
                    1 => MathF.BitIncrement(t),
                    2 => MathF.BitDecrement(t),
                    3 => 0f,
                    4 => 1f,
                    _ => float.NaN,
                };
            }
            AssertSameBits(ensemble.DescentRawScore(x), ensemble.RawScore(x));
            ensemble.Contributions(x, compiled);
            ensemble.WalkContributions(x, walked);
            Assert.Equal(walked, compiled);
        }
    }

    [Fact]
    public void A_split_on_a_feature_past_two_to_the_29th_reads_that_feature()
    {
        // Its byte offset, 2^31, does not fit an int. The vector is not cleared: the system's pages are touched only
        // where they are read.
        const int feature = 1 << 29;
        var ensemble = new TreeEnsemble(feature + 1, [0, 1], [0, 2], [feature], [0.5f], [~0], [~1], [-1.0, 1.0],
            bias: 0, calibratorSlope: -1, calibratorOffset: 0);
        Assert.True(ensemble.IsCompiled);
        // Its contributions compiled too: building the ensemble ran them once, reading and crediting that feature.
        Assert.True(ensemble.AreContributionsCompiled);
        var x = GC.AllocateUninitializedArray<float>(feature + 1);
        x[feature] = 0f;
        Assert.Equal(-1.0, ensemble.RawScore(x));
        x[feature] = 2f;
        Assert.Equal(1.0, ensemble.RawScore(x));
    }

    private static void AssertSameBits(double expected, double actual) =>
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual));

    private static float[] RandomVector(Random rng, int count)
    {
        var x = new float[count];
        for (var i = 0; i < count; i++)
        {
            x[i] = rng.Next(12) switch
            {
                0 => float.NaN,
                1 => 0f,
                2 => 1f,
                3 => -0f,
                4 => rng.Next(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity,
                _ => (float)((rng.NextDouble() * 4) - 2),
            };
        }
        return x;
    }

    /// <summary>
    /// Trees whose nodes hang from random open branches (or, deep, mostly from the newest one), children numbered
    /// after their parents; thresholds on a few values so that equal features and thresholds occur.
    /// </summary>
    private static TreeEnsemble RandomEnsemble(Random rng, int featureCount, int trees, int maxNodes, bool deep, bool exactNodes = false)
    {
        int[] thresholds = [-1, 0, 1];
        var nodeStart = new List<int> { 0 };
        var leafStart = new List<int> { 0 };
        var split = new List<int>();
        var threshold = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var leafValue = new List<double>();
        for (var t = 0; t < trees; t++)
        {
            var nodes = exactNodes ? maxNodes : rng.Next(maxNodes + 1);
            var l = new int[nodes];
            var r = new int[nodes];
            var open = new List<(int Parent, bool Left)>();
            for (var n = 0; n < nodes; n++)
            {
                if (n > 0)
                {
                    var pick = deep && rng.Next(8) != 0 ? open.Count - 1 - rng.Next(Math.Min(2, open.Count)) : rng.Next(open.Count);
                    var (parent, isLeft) = open[pick];
                    open.RemoveAt(pick);
                    (isLeft ? l : r)[parent] = n;
                }
                open.Add((n, true));
                open.Add((n, false));
                split.Add(rng.Next(featureCount));
                threshold.Add(rng.Next(4) == 0 ? (float)((rng.NextDouble() * 4) - 2) : thresholds[rng.Next(thresholds.Length)]);
            }
            // The open branches become the leaves, in random order.
            var leaves = Enumerable.Range(0, nodes + 1).OrderBy(_ => rng.Next()).ToArray();
            for (var i = 0; i < open.Count; i++)
            {
                var (parent, isLeft) = open[i];
                (isLeft ? l : r)[parent] = ~leaves[i];
            }
            left.AddRange(l);
            right.AddRange(r);
            for (var i = 0; i <= nodes; i++)
            {
                leafValue.Add(Math.Round((rng.NextDouble() * 2) - 1, rng.Next(1, 12)));
            }
            nodeStart.Add(nodeStart[^1] + nodes);
            leafStart.Add(leafStart[^1] + nodes + 1);
        }
        return new TreeEnsemble(featureCount, [.. nodeStart], [.. leafStart], [.. split], [.. threshold], [.. left], [.. right],
            [.. leafValue], bias: rng.NextDouble() - 0.5, calibratorSlope: -1, calibratorOffset: 0);
    }

    /// <summary>The trees of the given ensembles, in order, as one ensemble (the first one's bias and calibrator).</summary>
    private static TreeEnsemble Concatenate(params TreeEnsemble[] parts)
    {
        // The parts' arrays end to end; each part's node and leaf starts moved on by the nodes and leaves before it.
        var nodeStart = new List<int> { 0 };
        var leafStart = new List<int> { 0 };
        foreach (var e in parts)
        {
            var (nodesBefore, leavesBefore) = (nodeStart[^1], leafStart[^1]);
            nodeStart.AddRange(e.NodeStart[1..].ToArray().Select(start => start + nodesBefore));
            leafStart.AddRange(e.LeafStart[1..].ToArray().Select(start => start + leavesBefore));
        }
        return new TreeEnsemble(parts[0].FeatureCount, [.. nodeStart], [.. leafStart],
            [.. parts.SelectMany(e => e.SplitFeature.ToArray())], [.. parts.SelectMany(e => e.Threshold.ToArray())],
            [.. parts.SelectMany(e => e.Left.ToArray())], [.. parts.SelectMany(e => e.Right.ToArray())],
            [.. parts.SelectMany(e => e.LeafValue.ToArray())], parts[0].Bias, parts[0].CalibratorSlope, parts[0].CalibratorOffset);
    }

    private static double ReferenceRawScore(TreeEnsemble e, float[] x)
    {
        var sum = e.Bias;
        for (var t = 0; t < e.TreeCount; t++)
        {
            var root = e.NodeStart[t + 1] == e.NodeStart[t] ? ~0 : 0;
            sum += e.LeafValue[e.LeafStart[t] + LeafFrom(e, t, root, x)];
        }
        return sum;
    }

    private static void ReferenceContributions(TreeEnsemble e, float[] x, float[] perFeature)
    {
        Array.Clear(perFeature);
        for (var t = 0; t < e.TreeCount; t++)
        {
            if (e.NodeStart[t + 1] == e.NodeStart[t])
            {
                continue;
            }
            var reached = e.LeafValue[e.LeafStart[t] + LeafFrom(e, t, 0, x)];
            var node = 0;
            while (node >= 0)
            {
                var n = e.NodeStart[t] + node;
                var feature = e.SplitFeature[n];
                var goLeft = x[feature] <= e.Threshold[n];
                var otherWay = goLeft ? e.Right[n] : e.Left[n];
                node = goLeft ? e.Left[n] : e.Right[n];
                perFeature[feature] += (float)(reached - e.LeafValue[e.LeafStart[t] + LeafFrom(e, t, otherWay, x)]);
            }
        }
    }

    private static int Depth(TreeEnsemble e, int t, int node) =>
        node < 0 ? 0 : 1 + Math.Max(Depth(e, t, e.Left[e.NodeStart[t] + node]), Depth(e, t, e.Right[e.NodeStart[t] + node]));

    private static int LeafFrom(TreeEnsemble e, int t, int node, float[] x)
    {
        while (node >= 0)
        {
            var n = e.NodeStart[t] + node;
            node = x[e.SplitFeature[n]] <= e.Threshold[n] ? e.Left[n] : e.Right[n];
        }
        return ~node;
    }
}
