using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

using FraudStream.Scoring;

namespace FraudStream.Benchmarks.Core;

/// <summary>
/// A layout <see cref="TreeEnsemble"/> was measured against and did not adopt (slower on featurized calls): the
/// QuickScorer layout of a tree ensemble (Lucchese et al., SIGIR 2015): every split of every tree, grouped by
/// feature and sorted by threshold, with a bitmask of the leaves it rules out when the vector goes right.
/// </summary>
/// <remarks>
/// Leaves are renumbered left to right within each tree. A split that is false for the vector (the vector goes
/// right) makes every leaf of its left subtree unreachable; after ANDing the masks of all false splits into one
/// word per tree, the exit leaf is the lowest bit still set. The false splits of one feature are a prefix of its
/// sorted thresholds (<c>!(x &lt;= threshold)</c>, which a NaN makes true for all of them, as NaN goes right), so the
/// scan stops at the first true split. Trees are then summed in their original order, so the raw score is
/// bit-identical to a node-by-node descent.
/// </remarks>
public sealed class QuickScorerTrees
{
    /// <summary>Most trees scored with a stack-allocated mask array (8 KiB).</summary>
    public const int MaxTrees = 1024;

    /// <summary>Leaves a tree may have: one bit of a 64-bit word each.</summary>
    public const int MaxLeaves = 64;

    private readonly double _bias;
    private readonly int[] _features;
    private readonly int[] _featureStart;
    private readonly Split[] _splits;
    private readonly int[] _leafStart;
    private readonly double[] _leafValue;

    private QuickScorerTrees(double bias, int[] features, int[] featureStart, Split[] splits, int[] leafStart, double[] leafValue)
    {
        _bias = bias;
        _features = features;
        _featureStart = featureStart;
        _splits = splits;
        _leafStart = leafStart;
        _leafValue = leafValue;
    }

    public int TreeCount => _leafStart.Length - 1;

    /// <summary>One split: 16 bytes, so a feature's splits stream through the cache in order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Split(float threshold, int tree, ulong mask)
    {
        public readonly float Threshold = threshold;
        public readonly int Tree = tree;
        public readonly ulong Mask = mask;
    }

    /// <summary>Compiles an ensemble; null when a tree has more than 64 leaves or there are too many trees.</summary>
    public static QuickScorerTrees? TryCreate(TreeEnsemble e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return TryCreate(e.Bias, e.NodeStart.ToArray(), e.LeafStart.ToArray(), e.SplitFeature.ToArray(), e.Threshold.ToArray(),
            e.Left.ToArray(), e.Right.ToArray(), e.LeafValue.ToArray());
    }

    private static QuickScorerTrees? TryCreate(
        double bias, int[] nodeStart, int[] leafStart, int[] splitFeature, float[] threshold,
        int[] left, int[] right, double[] leafValue)
    {
        var trees = nodeStart.Length - 1;
        if (trees > MaxTrees)
            return null;
        for (var t = 0; t < trees; t++)
        {
            if (leafStart[t + 1] - leafStart[t] > MaxLeaves)
                return null;
        }

        var nodes = splitFeature.Length;
        var keys = new (int Feature, float Threshold, int Node)[nodes];
        var entries = new Split[nodes];
        var ordered = new double[leafValue.Length];
        Span<int> leafRank = stackalloc int[MaxLeaves];
        Span<int> low = stackalloc int[MaxLeaves];
        Span<int> high = stackalloc int[MaxLeaves];
        for (var t = 0; t < trees; t++)
        {
            var nodeBase = nodeStart[t];
            var nodeCount = nodeStart[t + 1] - nodeBase;
            var leafBase = leafStart[t];
            if (nodeCount == 0)
            {
                ordered[leafBase] = leafValue[leafBase];
                continue;
            }
            // Children point forward, so visiting nodes from the last to the root sees every child before its
            // parent: first number the leaves left to right by counting, then give each node its leaf range.
            var next = 0;
            NumberLeaves(nodeBase, 0, left, right, leafRank, ref next);
            for (var n = nodeCount - 1; n >= 0; n--)
            {
                var l = left[nodeBase + n];
                var r = right[nodeBase + n];
                low[n] = l < 0 ? leafRank[~l] : low[l];
                high[n] = r < 0 ? leafRank[~r] + 1 : high[r];
            }
            for (var n = 0; n < nodeCount; n++)
            {
                var l = left[nodeBase + n];
                int lo = l < 0 ? leafRank[~l] : low[l];
                int hi = l < 0 ? leafRank[~l] + 1 : high[l];
                // The left subtree never holds every leaf (the right one has at least one), so hi - lo < 64.
                var leftLeaves = ((1UL << (hi - lo)) - 1) << lo;
                var i = nodeBase + n;
                keys[i] = (splitFeature[i], threshold[i], i);
                entries[i] = new Split(threshold[i], t, ~leftLeaves);
            }
            for (var leaf = 0; leaf < nodeCount + 1; leaf++)
                ordered[leafBase + leafRank[leaf]] = leafValue[leafBase + leaf];
        }

        // Sort by feature, then threshold; ties keep node order (any order of equal thresholds gives the same masks).
        Array.Sort(keys, static (a, b) =>
        {
            var c = a.Feature.CompareTo(b.Feature);
            if (c == 0)
                c = a.Threshold.CompareTo(b.Threshold);
            return c != 0 ? c : a.Node.CompareTo(b.Node);
        });
        var splits = new Split[nodes];
        var used = new List<int>();
        var starts = new List<int>();
        for (var i = 0; i < nodes; i++)
        {
            splits[i] = entries[keys[i].Node];
            if (i == 0 || keys[i].Feature != keys[i - 1].Feature)
            {
                used.Add(keys[i].Feature);
                starts.Add(i);
            }
        }
        starts.Add(nodes);
        return new QuickScorerTrees(bias, [.. used], [.. starts], splits, leafStart, ordered);
    }

    /// <summary>The uncalibrated score; <paramref name="features"/> is at least the ensemble's feature count long.</summary>
    [SkipLocalsInit]
    public double RawScore(ReadOnlySpan<float> features)
    {
        var trees = TreeCount;
        Span<ulong> masks = stackalloc ulong[MaxTrees];
        masks = masks[..trees];
        masks.Fill(ulong.MaxValue);
        ref var mask = ref MemoryMarshal.GetReference(masks);
        ref var split = ref MemoryMarshal.GetArrayDataReference(_splits);
        var used = _features;
        var start = _featureStart;
        for (var k = 0; k < used.Length; k++)
        {
            var x = features[used[k]];
            var end = start[k + 1];
            for (var i = start[k]; i < end; i++)
            {
                ref readonly var s = ref Unsafe.Add(ref split, i);
                if (x <= s.Threshold)
                    break;
                Unsafe.Add(ref mask, s.Tree) &= s.Mask;
            }
        }

        var sum = _bias;
        var leafStart = _leafStart;
        var leafValue = _leafValue;
        for (var t = 0; t < masks.Length; t++)
            sum += leafValue[leafStart[t] + BitOperations.TrailingZeroCount(masks[t])];
        return sum;
    }

    private static void NumberLeaves(int nodeBase, int node, int[] left, int[] right, Span<int> rank, ref int next)
    {
        // Depth is bounded by the leaf count (at most 64), so recursion is shallow.
        var l = left[nodeBase + node];
        if (l < 0)
            rank[~l] = next++;
        else
            NumberLeaves(nodeBase, l, left, right, rank, ref next);
        var r = right[nodeBase + node];
        if (r < 0)
            rank[~r] = next++;
        else
            NumberLeaves(nodeBase, r, left, right, rank, ref next);
    }
}
