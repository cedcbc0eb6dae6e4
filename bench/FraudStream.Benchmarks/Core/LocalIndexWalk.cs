using FraudStream.Scoring;

namespace FraudStream.Benchmarks.Core;

/// <summary>
/// The evaluation <see cref="TreeEnsemble"/> used before its ensemble-wide child indices, kept as the benchmarks'
/// reference: per-tree local indices read through bounds-checked arrays, and contributions that find the reached
/// leaf with one walk, then walk the path again with a fresh walk from every child not taken.
/// </summary>
public sealed class LocalIndexWalk(TreeEnsemble ensemble)
{
    private readonly int[] _nodeStart = ensemble.NodeStart.ToArray();
    private readonly int[] _leafStart = ensemble.LeafStart.ToArray();
    private readonly int[] _splitFeature = ensemble.SplitFeature.ToArray();
    private readonly float[] _threshold = ensemble.Threshold.ToArray();
    private readonly int[] _left = ensemble.Left.ToArray();
    private readonly int[] _right = ensemble.Right.ToArray();
    private readonly double[] _leafValue = ensemble.LeafValue.ToArray();
    private readonly double _bias = ensemble.Bias;
    private readonly int _featureCount = ensemble.FeatureCount;

    public double RawScore(ReadOnlySpan<float> features)
    {
        var sum = _bias;
        for (var t = 0; t + 1 < _nodeStart.Length; t++)
        {
            var root = _nodeStart[t + 1] == _nodeStart[t] ? ~0 : 0;
            sum += _leafValue[_leafStart[t] + LeafFrom(_nodeStart[t], root, features)];
        }
        return sum;
    }

    public void Contributions(ReadOnlySpan<float> features, Span<float> perFeature)
    {
        perFeature[.._featureCount].Clear();
        for (var t = 0; t + 1 < _nodeStart.Length; t++)
        {
            var nodeBase = _nodeStart[t];
            if (_nodeStart[t + 1] == nodeBase)
                continue;
            var leafBase = _leafStart[t];
            var reached = _leafValue[leafBase + LeafFrom(nodeBase, 0, features)];
            var node = 0;
            while (node >= 0)
            {
                var n = nodeBase + node;
                var feature = _splitFeature[n];
                int otherWay;
                if (features[feature] <= _threshold[n])
                {
                    otherWay = _right[n];
                    node = _left[n];
                }
                else
                {
                    otherWay = _left[n];
                    node = _right[n];
                }
                perFeature[feature] += (float)(reached - _leafValue[leafBase + LeafFrom(nodeBase, otherWay, features)]);
            }
        }
    }

    private int LeafFrom(int nodeBase, int node, ReadOnlySpan<float> features)
    {
        while (node >= 0)
        {
            var n = nodeBase + node;
            node = features[_splitFeature[n]] <= _threshold[n] ? _left[n] : _right[n];
        }
        return ~node;
    }
}
