using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace FraudStream.Scoring;

/// <summary>
/// A boosted ensemble of binary regression trees in flat arrays, with its Platt calibrator: evaluates
/// a feature vector without allocating, exactly as ML.NET's FastTree does.
/// </summary>
/// <remarks>
/// Tree <c>t</c> owns nodes <c>NodeStart[t]..NodeStart[t+1]</c> and leaves <c>LeafStart[t]..LeafStart[t+1]</c>.
/// A node sends a vector to its left child when <c>features[SplitFeature] &lt;= Threshold</c> (so NaN goes
/// right), else to its right child. Child indices are local to the tree: a value <c>&gt;= 0</c> is a node,
/// a negative value <c>c</c> is the leaf <c>~c</c>. A tree without nodes has one leaf and always gives it.
/// The raw score is <see cref="Bias"/> plus the reached leaf of every tree; the probability is
/// <c>1 / (1 + exp(CalibratorSlope * raw + CalibratorOffset))</c> (ML.NET's <c>PlattCalibrator</c>).
/// </remarks>
public sealed class TreeEnsemble
{
    private readonly int[] _nodeStart;
    private readonly int[] _leafStart;
    private readonly int[] _splitFeature;
    private readonly float[] _threshold;
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly double[] _leafValue;

    /// <summary>Builds an ensemble from its flat arrays, checking that every index is in range.</summary>
    /// <exception cref="ArgumentException">The arrays do not describe a valid ensemble.</exception>
    public TreeEnsemble(
        int featureCount,
        int[] nodeStart,
        int[] leafStart,
        int[] splitFeature,
        float[] threshold,
        int[] left,
        int[] right,
        double[] leafValue,
        double bias,
        double calibratorSlope,
        double calibratorOffset)
    {
        ArgumentNullException.ThrowIfNull(nodeStart);
        ArgumentNullException.ThrowIfNull(leafStart);
        ArgumentNullException.ThrowIfNull(splitFeature);
        ArgumentNullException.ThrowIfNull(threshold);
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(leafValue);
        Validate(featureCount, nodeStart, leafStart, splitFeature, threshold, left, right, leafValue, bias, calibratorSlope, calibratorOffset);
        FeatureCount = featureCount;
        _nodeStart = nodeStart;
        _leafStart = leafStart;
        _splitFeature = splitFeature;
        _threshold = threshold;
        _left = left;
        _right = right;
        _leafValue = leafValue;
        Bias = bias;
        CalibratorSlope = calibratorSlope;
        CalibratorOffset = calibratorOffset;
    }

    /// <summary>Length of the feature vectors this ensemble reads.</summary>
    public int FeatureCount { get; }

    public int TreeCount => _nodeStart.Length - 1;

    /// <summary>Added to the sum of the trees' leaves.</summary>
    public double Bias { get; }

    /// <summary>Platt calibrator slope (ML.NET's <c>Slope</c>, usually negative).</summary>
    public double CalibratorSlope { get; }

    /// <summary>Platt calibrator offset (ML.NET's <c>Offset</c>).</summary>
    public double CalibratorOffset { get; }

    public ReadOnlySpan<int> NodeStart => _nodeStart;
    public ReadOnlySpan<int> LeafStart => _leafStart;
    public ReadOnlySpan<int> SplitFeature => _splitFeature;
    public ReadOnlySpan<float> Threshold => _threshold;
    public ReadOnlySpan<int> Left => _left;
    public ReadOnlySpan<int> Right => _right;
    public ReadOnlySpan<double> LeafValue => _leafValue;

    /// <summary>The uncalibrated score: <see cref="Bias"/> plus the leaf each tree sends the vector to.</summary>
    public double RawScore(ReadOnlySpan<float> features)
    {
        CheckLength(features);
        var sum = Bias;
        var trees = TreeCount;
        for (var t = 0; t < trees; t++)
            sum += _leafValue[_leafStart[t] + LeafFrom(_nodeStart[t], Root(t), features)];
        return sum;
    }

    /// <summary>The calibrated probability that the call is fraudulent, 0-1.</summary>
    public double Probability(ReadOnlySpan<float> features) => Calibrate(RawScore(features));

    /// <summary>Maps a raw score to a probability with the Platt calibrator.</summary>
    public double Calibrate(double rawScore) => 1.0 / (1.0 + Math.Exp((CalibratorSlope * rawScore) + CalibratorOffset));

    /// <summary>
    /// Writes each feature's contribution to the raw score into <paramref name="perFeature"/> (overwritten),
    /// as ML.NET's FastTree does: in every tree, each split on the vector's path credits its feature with
    /// the leaf value reached minus the leaf value that would have been reached had that one split gone the
    /// other way (following the real features below it). Positive pushes toward fraud.
    /// </summary>
    public void Contributions(ReadOnlySpan<float> features, Span<float> perFeature)
    {
        CheckLength(features);
        if (perFeature.Length < FeatureCount)
            ThrowTooShort(nameof(perFeature));
        perFeature[..FeatureCount].Clear();
        var trees = TreeCount;
        for (var t = 0; t < trees; t++)
        {
            var nodeBase = _nodeStart[t];
            if (_nodeStart[t + 1] == nodeBase)
                continue; // a single leaf has no splits to credit
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
                var ghost = _leafValue[leafBase + LeafFrom(nodeBase, otherWay, features)];
                perFeature[feature] += (float)(reached - ghost);
            }
        }
    }

    /// <summary>The root of tree <paramref name="t"/>: node 0, or leaf 0 (encoded ~0) when the tree has no nodes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Root(int t) => _nodeStart[t + 1] == _nodeStart[t] ? ~0 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int LeafFrom(int nodeBase, int node, ReadOnlySpan<float> features)
    {
        if (node < 0)
            return ~node;
        while (node >= 0)
        {
            var n = nodeBase + node;
            node = features[_splitFeature[n]] <= _threshold[n] ? _left[n] : _right[n];
        }
        return ~node;
    }

    private void CheckLength(ReadOnlySpan<float> features)
    {
        if (features.Length < FeatureCount)
            ThrowTooShort(nameof(features));
    }

    [DoesNotReturn]
    private static void ThrowTooShort(string name) =>
        throw new ArgumentException("the span is shorter than the ensemble's feature count", name);

    private static void Validate(
        int featureCount, int[] nodeStart, int[] leafStart, int[] splitFeature, float[] threshold,
        int[] left, int[] right, double[] leafValue, double bias, double slope, double offset)
    {
        if (featureCount <= 0)
            ThrowInvalid("the feature count must be positive");
        if (nodeStart.Length == 0 || nodeStart.Length != leafStart.Length)
            ThrowInvalid("node and leaf start arrays must have one entry per tree plus one");
        if (nodeStart[0] != 0 || leafStart[0] != 0)
            ThrowInvalid("the first tree must start at node 0 and leaf 0");
        var nodes = splitFeature.Length;
        if (threshold.Length != nodes || left.Length != nodes || right.Length != nodes)
            ThrowInvalid("split feature, threshold, left and right arrays must have the same length");
        if (nodeStart[^1] != nodes || leafStart[^1] != leafValue.Length)
            ThrowInvalid("the last start entries must equal the node and leaf counts");
        if (!double.IsFinite(bias) || !double.IsFinite(slope) || !double.IsFinite(offset))
            ThrowInvalid("bias and calibrator parameters must be finite");
        for (var t = 0; t + 1 < nodeStart.Length; t++)
        {
            var nodeCount = nodeStart[t + 1] - nodeStart[t];
            var leafCount = leafStart[t + 1] - leafStart[t];
            if (nodeCount < 0 || leafCount != nodeCount + 1)
                ThrowInvalid($"tree {t} must have one leaf more than it has nodes");
            for (var i = nodeStart[t]; i < nodeStart[t + 1]; i++)
            {
                if ((uint)splitFeature[i] >= (uint)featureCount)
                    ThrowInvalid($"tree {t} splits on a feature out of range");
                if (float.IsNaN(threshold[i]))
                    ThrowInvalid($"tree {t} has a NaN threshold");
                CheckChild(t, left[i], nodeCount, leafCount, i - nodeStart[t]);
                CheckChild(t, right[i], nodeCount, leafCount, i - nodeStart[t]);
            }
            for (var i = leafStart[t]; i < leafStart[t + 1]; i++)
            {
                if (!double.IsFinite(leafValue[i]))
                    ThrowInvalid($"tree {t} has a leaf value that is not finite");
            }
        }
    }

    private static void CheckChild(int tree, int child, int nodeCount, int leafCount, int parent)
    {
        // Children must point forward (node indices grow away from the root) so evaluation always ends.
        var ok = child >= 0 ? child > parent && child < nodeCount : ~child < leafCount;
        if (!ok)
            ThrowInvalid($"tree {tree} has a child index out of range");
    }

    [DoesNotReturn]
    private static void ThrowInvalid(string message) => throw new ArgumentException(message);
}
