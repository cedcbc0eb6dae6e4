using FraudStream.Scoring;

namespace FraudStream.Benchmarks.Core;

/// <summary>
/// The layouts <see cref="TreeEnsemble"/> was measured against and did not adopt: every tree's nodes packed as
/// 16-byte structs, leaves turned into nodes that loop onto themselves so each tree is walked for a fixed number
/// of steps without a branch, one row at a time or eight rows interleaved. Scores equal <see cref="TreeEnsemble.RawScore"/>.
/// </summary>
public sealed class PackedTrees
{
    private readonly Node[] _nodes;
    private readonly int[] _root;
    private readonly int[] _depth;
    private readonly double[] _value;
    private readonly double _bias;
    private readonly int _featureCount;
    private readonly int[] _groupDepth;
    private readonly int[] _groupRoot;
    private readonly int[] _groupTree;

    private readonly struct Node(int feature, float threshold, int left, int right)
    {
        public readonly int Feature = feature;
        public readonly float Threshold = threshold;
        public readonly int Left = left;
        public readonly int Right = right;
    }

    public PackedTrees(TreeEnsemble e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var trees = e.TreeCount;
        _featureCount = e.FeatureCount;
        _bias = e.Bias;
        var total = e.NodeStart[trees] + e.LeafStart[trees];
        _nodes = new Node[total];
        _value = new double[total];
        _root = new int[trees];
        _depth = new int[trees];
        var next = 0;
        for (var t = 0; t < trees; t++)
        {
            var nodeBase = e.NodeStart[t];
            var nodeCount = e.NodeStart[t + 1] - nodeBase;
            var leafBase = e.LeafStart[t];
            var firstLeaf = next + nodeCount; // leaves follow the tree's nodes
            int Map(int child) => child < 0 ? firstLeaf + ~child : next + child;
            for (var n = 0; n < nodeCount; n++)
            {
                var i = nodeBase + n;
                _nodes[next + n] = new Node(e.SplitFeature[i], e.Threshold[i], Map(e.Left[i]), Map(e.Right[i]));
            }
            for (var l = 0; l <= nodeCount; l++)
            {
                // A leaf goes to itself whichever way (a NaN feature included).
                _nodes[firstLeaf + l] = new Node(0, 0f, firstLeaf + l, firstLeaf + l);
                _value[firstLeaf + l] = e.LeafValue[leafBase + l];
            }
            _root[t] = nodeCount == 0 ? firstLeaf : next;
            _depth[t] = Depth(e, nodeBase, 0, nodeCount);
            next = firstLeaf + nodeCount + 1;
        }

        // Trees by depth, deepest first, in groups of eight walked together; a padding slot starts at the last leaf
        // (a leaf loops onto itself) and writes past the trees.
        var order = Enumerable.Range(0, trees).OrderByDescending(t => _depth[t]).ToArray();
        var groups = (trees + 7) / 8;
        _groupDepth = new int[groups];
        _groupRoot = new int[groups * 8];
        _groupTree = new int[groups * 8];
        for (var g = 0; g < groups; g++)
        {
            for (var j = 0; j < 8; j++)
            {
                var k = (g * 8) + j;
                var real = k < trees;
                _groupRoot[k] = real ? _root[order[k]] : _nodes.Length - 1;
                _groupTree[k] = real ? order[k] : trees + j;
                if (real)
                    _groupDepth[g] = Math.Max(_groupDepth[g], _depth[order[k]]);
            }
        }
    }

    /// <summary>One step down a tree without a branch: the comparison becomes a mask selecting left or right.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int Step(Node[] nodes, int c, ReadOnlySpan<float> x)
    {
        ref readonly var n = ref nodes[c];
        var left = -(int)System.Runtime.CompilerServices.Unsafe.BitCast<bool, byte>(x[n.Feature] <= n.Threshold);
        return n.Right ^ ((n.Left ^ n.Right) & left);
    }

    private static int Depth(TreeEnsemble e, int nodeBase, int node, int nodeCount)
    {
        if (nodeCount == 0 || node < 0)
            return 0;
        var n = nodeBase + node;
        return 1 + Math.Max(Depth(e, nodeBase, e.Left[n], nodeCount), Depth(e, nodeBase, e.Right[n], nodeCount));
    }

    /// <summary>Descends each tree with a branch per node (packed nodes).</summary>
    public double RawScoreBranchy(ReadOnlySpan<float> x)
    {
        var sum = _bias;
        var nodes = _nodes;
        for (var t = 0; t < _root.Length; t++)
        {
            var c = _root[t];
            for (var d = _depth[t]; d > 0; d--)
            {
                ref readonly var n = ref nodes[c];
                if (n.Left == c)
                    break;
                if (x[n.Feature] <= n.Threshold)
                    c = n.Left;
                else
                    c = n.Right;
            }
            sum += _value[c];
        }
        return sum;
    }

    /// <summary>Walks each tree for its depth with a conditional select per step (no data-dependent branch).</summary>
    public double RawScoreBranchFree(ReadOnlySpan<float> x)
    {
        var sum = _bias;
        var nodes = _nodes;
        for (var t = 0; t < _root.Length; t++)
        {
            var c = _root[t];
            for (var d = _depth[t]; d > 0; d--)
            {
                c = Step(nodes, c, x);
            }
            sum += _value[c];
        }
        return sum;
    }

    /// <summary>One row, eight trees walked together branch-free (independent chains overlap in the CPU).</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit]
    public double RawScoreTreesInterleaved(ReadOnlySpan<float> x)
    {
        var trees = _root.Length;
        Span<double> leaf = stackalloc double[trees + 8];
        var nodes = _nodes;
        var value = _value;
        var roots = _groupRoot;
        var ids = _groupTree;
        for (var g = 0; g < _groupDepth.Length; g++)
        {
            var b = g * 8;
            int c0 = roots[b], c1 = roots[b + 1], c2 = roots[b + 2], c3 = roots[b + 3];
            int c4 = roots[b + 4], c5 = roots[b + 5], c6 = roots[b + 6], c7 = roots[b + 7];
            for (var d = _groupDepth[g]; d > 0; d--)
            {
                c0 = Step(nodes, c0, x);
                c1 = Step(nodes, c1, x);
                c2 = Step(nodes, c2, x);
                c3 = Step(nodes, c3, x);
                c4 = Step(nodes, c4, x);
                c5 = Step(nodes, c5, x);
                c6 = Step(nodes, c6, x);
                c7 = Step(nodes, c7, x);
            }
            leaf[ids[b]] = value[c0];
            leaf[ids[b + 1]] = value[c1];
            leaf[ids[b + 2]] = value[c2];
            leaf[ids[b + 3]] = value[c3];
            leaf[ids[b + 4]] = value[c4];
            leaf[ids[b + 5]] = value[c5];
            leaf[ids[b + 6]] = value[c6];
            leaf[ids[b + 7]] = value[c7];
        }
        var sum = _bias;
        for (var t = 0; t < trees; t++)
            sum += leaf[t];
        return sum;
    }

    /// <summary>Eight rows (row-major, <c>FeatureCount</c> floats each) walked together, branch-free.</summary>
    public void RawScores8(ReadOnlySpan<float> rows, Span<double> output)
    {
        var f = _featureCount;
        var x0 = rows[..f];
        var x1 = rows.Slice(f, f);
        var x2 = rows.Slice(2 * f, f);
        var x3 = rows.Slice(3 * f, f);
        var x4 = rows.Slice(4 * f, f);
        var x5 = rows.Slice(5 * f, f);
        var x6 = rows.Slice(6 * f, f);
        var x7 = rows.Slice(7 * f, f);
        double s0 = _bias, s1 = _bias, s2 = _bias, s3 = _bias, s4 = _bias, s5 = _bias, s6 = _bias, s7 = _bias;
        var nodes = _nodes;
        var value = _value;
        for (var t = 0; t < _root.Length; t++)
        {
            int c0, c1, c2, c3, c4, c5, c6, c7;
            c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = _root[t];
            for (var d = _depth[t]; d > 0; d--)
            {
                c0 = Step(nodes, c0, x0);
                c1 = Step(nodes, c1, x1);
                c2 = Step(nodes, c2, x2);
                c3 = Step(nodes, c3, x3);
                c4 = Step(nodes, c4, x4);
                c5 = Step(nodes, c5, x5);
                c6 = Step(nodes, c6, x6);
                c7 = Step(nodes, c7, x7);
            }
            s0 += value[c0];
            s1 += value[c1];
            s2 += value[c2];
            s3 += value[c3];
            s4 += value[c4];
            s5 += value[c5];
            s6 += value[c6];
            s7 += value[c7];
        }
        output[0] = s0;
        output[1] = s1;
        output[2] = s2;
        output[3] = s3;
        output[4] = s4;
        output[5] = s5;
        output[6] = s6;
        output[7] = s7;
    }
}
