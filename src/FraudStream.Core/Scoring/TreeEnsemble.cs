using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
/// The constructor compiles the trees to code (<see cref="CompiledTrees"/>), which <see cref="RawScore"/> runs, and
/// the contributions too (<see cref="CompiledContributions"/>). Trees that cannot be compiled (too large, or a runtime
/// that cannot compile code) are walked, between the compiled ones, over copies of the child arrays with ensemble-wide indices (a node's index in the node arrays,
/// or the complement of a leaf's index in <see cref="LeafValue"/>), without bounds checks: the constructor has
/// checked every index, so only the lengths of the caller's spans need checking per call.
/// </remarks>
public sealed class TreeEnsemble
{
    /// <summary>Deepest path (in splits) whose contribution buffers live on the stack; deeper trees rent them.</summary>
    private const int MaxStackDepth = 64;

    private readonly int[] _nodeStart;
    private readonly int[] _leafStart;
    private readonly int[] _splitFeature;
    private readonly float[] _threshold;
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly double[] _leafValue;

    /// <summary>Per tree, its root as an ensemble-wide child: a node index, or <c>~leaf</c> for a tree without splits.</summary>
    private readonly int[] _root;

    /// <summary>The children of <see cref="_left"/> and <see cref="_right"/> as ensemble-wide indices (node, or <c>~leaf</c>).</summary>
    private readonly int[] _leftChild;
    private readonly int[] _rightChild;

    /// <summary>Most splits on any root-to-leaf path.</summary>
    private readonly int _maxDepth;

    /// <summary>The trees as code (<see cref="RawScore"/>), or null where they cannot be compiled (the descent then).</summary>
    private readonly CompiledTrees? _compiled;

    /// <summary>The contributions as code (<see cref="Contributions"/>), or null where they cannot be compiled (the walk then).</summary>
    private readonly CompiledContributions? _compiledContributions;

    /// <summary>
    /// Builds an ensemble from copies of its flat arrays, checking that every index is in range (evaluation relies on
    /// it without bounds checks, so the caller's arrays are copied first: changing them later cannot reach here).
    /// </summary>
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
        nodeStart = (int[])nodeStart.Clone();
        leafStart = (int[])leafStart.Clone();
        splitFeature = (int[])splitFeature.Clone();
        threshold = (float[])threshold.Clone();
        left = (int[])left.Clone();
        right = (int[])right.Clone();
        leafValue = (double[])leafValue.Clone();
        Validate(featureCount, nodeStart, leafStart, splitFeature, threshold, left, right, leafValue, bias, calibratorSlope, calibratorOffset);
        FeatureCount = featureCount;
        _nodeStart = nodeStart;
        _leafStart = leafStart;
        _splitFeature = splitFeature;
        _threshold = threshold;
        _left = left;
        _right = right;
        _leafValue = leafValue;
        (_root, _leftChild, _rightChild, _maxDepth) = Flatten(nodeStart, leafStart, left, right);
        _compiled = CompiledTrees.TryCreate(nodeStart, leafStart, splitFeature, threshold, left, right, leafValue);
        _compiledContributions = CompiledContributions.TryCreate(nodeStart, leafStart, splitFeature, threshold, left, right, leafValue);
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
    /// <remarks>
    /// Evaluated by the trees compiled to code when the ensemble was built (<see cref="CompiledTrees"/>), and for trees
    /// that could not be compiled by the descent (<see cref="DescentRawScore"/>); the two give the same bits.
    /// </remarks>
    public double RawScore(ReadOnlySpan<float> features)
    {
        CheckLength(features);
        ref var x = ref MemoryMarshal.GetReference(features);
        return _compiled is { WalkedTrees: 0 } compiled ? compiled.Add(ref x, Bias) : Descent(ref x, _compiled);
    }

    /// <summary>The most splits plus leaves a tree may have to be compiled to code.</summary>
    public const int MaxCompiledTreeSize = CompiledTrees.MaxBlocksPerMethod;

    /// <summary>
    /// Whether <see cref="RawScore"/> runs compiled code for every tree: false where the runtime cannot compile code,
    /// or a tree has more than <see cref="MaxCompiledTreeSize"/> splits and leaves (<see cref="TreesWalked"/>).
    /// </summary>
    public bool IsCompiled => TreesWalked == 0;

    /// <summary>Trees that <see cref="RawScore"/> walks node by node, about half as fast as compiled: all of them where the runtime cannot compile code.</summary>
    public int TreesWalked => _compiled?.WalkedTrees ?? TreeCount;

    /// <summary>
    /// What a warning says when not every tree runs as compiled code (null when they all do): how many trees the score
    /// and the alerts' reasons walk node by node, and why. The service logs it when it loads a model (event 4005);
    /// <c>score</c>, <c>evaluate</c> and <c>train</c> print it.
    /// </summary>
    public string? UncompiledTreesWarning() =>
        TreesWalked == 0 && TreesWalkedForContributions == 0
            ? null
            : $"{TreesWalked} of {TreeCount} trees are walked node by node for the score, and {TreesWalkedForContributions} for the "
              + "alerts' reasons, at about half the speed of compiled code: a tree is compiled only up to "
              + $"{MaxCompiledTreeSize} splits and leaves (smaller for its reasons, whose code is larger), and only where the "
              + "runtime can compile code";

    /// <summary>The raw score by walking the node arrays, node by node: what <see cref="RawScore"/> does without compiled trees.</summary>
    internal double DescentRawScore(ReadOnlySpan<float> features)
    {
        CheckLength(features);
        return Descent(ref MemoryMarshal.GetReference(features), null);
    }

    /// <summary>The descent, over every tree, or over those of <paramref name="compiled"/> it could not compile (running the others' code in their turn).</summary>
    private double Descent(ref float x, CompiledTrees? compiled)
    {
        if (compiled is null)
            return Descent(ref x, 0, TreeCount, Bias);
        // In the trees' order, so that the sum is added as the descent of every tree adds it.
        var sum = Bias;
        foreach (var segment in compiled.Segments)
        {
            sum = segment.Code is { } code ? code(ref x, sum) : Descent(ref x, segment.FirstTree, segment.EndTree, sum);
        }
        return sum;
    }

    private double Descent(ref float x, int firstTree, int endTree, double sum)
    {
        ref var splitFeature = ref MemoryMarshal.GetArrayDataReference(_splitFeature);
        ref var threshold = ref MemoryMarshal.GetArrayDataReference(_threshold);
        ref var left = ref MemoryMarshal.GetArrayDataReference(_leftChild);
        ref var right = ref MemoryMarshal.GetArrayDataReference(_rightChild);
        ref var leafValue = ref MemoryMarshal.GetArrayDataReference(_leafValue);
        var roots = _root;
        for (var t = firstTree; t < endTree; t++)
        {
            sum += Unsafe.Add(ref leafValue, ~Descend(roots[t], ref x, ref splitFeature, ref threshold, ref left, ref right));
        }
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
    /// <remarks>
    /// Run by the contributions compiled to code when the ensemble was built (<see cref="CompiledContributions"/>), and
    /// for trees that could not be compiled by the walk (<see cref="ContributionsCore"/>); the two give the same bits.
    /// </remarks>
    public void Contributions(ReadOnlySpan<float> features, Span<float> perFeature) =>
        Contributions(features, perFeature, _compiledContributions);

    /// <summary>Whether <see cref="Contributions(ReadOnlySpan{float}, Span{float})"/> runs compiled code, for some trees at least (see <see cref="CompiledContributions"/>).</summary>
    internal bool AreContributionsCompiled => _compiledContributions is not null;

    /// <summary>
    /// Trees whose contributions (an alert's reasons) are walked node by node: all of them where the runtime cannot
    /// compile code. Their code is larger than the score's, so a tree may be walked here and compiled there.
    /// </summary>
    public int TreesWalkedForContributions => _compiledContributions?.WalkedTrees ?? TreeCount;

    /// <summary>The contributions by the walk, compiled or not: what <see cref="Contributions(ReadOnlySpan{float}, Span{float})"/> does without compiled code.</summary>
    internal void WalkContributions(ReadOnlySpan<float> features, Span<float> perFeature) => Contributions(features, perFeature, null);

    private void Contributions(ReadOnlySpan<float> features, Span<float> perFeature, CompiledContributions? compiled)
    {
        CheckLength(features);
        if (perFeature.Length < FeatureCount)
            ThrowTooShort(nameof(perFeature));
        perFeature[..FeatureCount].Clear();
        if (compiled is { WalkedTrees: 0 })
        {
            compiled.Add(ref MemoryMarshal.GetReference(features), ref MemoryMarshal.GetReference(perFeature));
            return;
        }
        Walk(features, perFeature, compiled);
    }

    /// <summary>The walk, over every tree, or over those of <paramref name="compiled"/> it could not compile (running the others' code in their turn).</summary>
    private void Walk(ReadOnlySpan<float> features, Span<float> perFeature, CompiledContributions? compiled)
    {
        // Two ints per split of the deepest path: the split's feature and the leaf reached the other way.
        var needed = 2 * _maxDepth;
        if (needed <= 2 * MaxStackDepth)
        {
            Walk(features, perFeature, compiled, stackalloc int[needed]);
            return;
        }
        // Rare path: a model deeper than any FastTree default; rent once per call rather than per tree.
        var rented = ArrayPool<int>.Shared.Rent(needed);
        try
        {
            Walk(features, perFeature, compiled, rented);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private void Walk(ReadOnlySpan<float> features, Span<float> perFeature, CompiledContributions? compiled, Span<int> path)
    {
        if (compiled is null)
        {
            ContributionsCore(features, perFeature, path, 0, TreeCount);
            return;
        }
        // In the trees' order, so that every feature's credits are added as the walk of every tree adds them.
        foreach (var segment in compiled.Segments)
        {
            if (segment.Code is { } code)
                code(ref MemoryMarshal.GetReference(features), ref MemoryMarshal.GetReference(perFeature));
            else
                ContributionsCore(features, perFeature, path, segment.FirstTree, segment.EndTree);
        }
    }

    /// <summary>
    /// One walk down each tree's path, recording every split's feature and the leaf a walk from its other child
    /// reaches; once the path's own leaf is known, the credits in path order (root first, as ML.NET adds them).
    /// </summary>
    private void ContributionsCore(ReadOnlySpan<float> features, Span<float> perFeature, Span<int> path, int firstTree, int endTree)
    {
        ref var x = ref MemoryMarshal.GetReference(features);
        ref var credit = ref MemoryMarshal.GetReference(perFeature);
        ref var splitFeature = ref MemoryMarshal.GetArrayDataReference(_splitFeature);
        ref var threshold = ref MemoryMarshal.GetArrayDataReference(_threshold);
        ref var left = ref MemoryMarshal.GetArrayDataReference(_leftChild);
        ref var right = ref MemoryMarshal.GetArrayDataReference(_rightChild);
        ref var leafValue = ref MemoryMarshal.GetArrayDataReference(_leafValue);
        ref var pathFeature = ref MemoryMarshal.GetReference(path);
        ref var pathGhost = ref Unsafe.Add(ref pathFeature, _maxDepth);
        var roots = _root;
        for (var t = firstTree; t < endTree; t++)
        {
            var node = roots[t];
            var depth = 0;
            while (node >= 0)
            {
                var feature = Unsafe.Add(ref splitFeature, node);
                int otherWay;
                if (Unsafe.Add(ref x, feature) <= Unsafe.Add(ref threshold, node))
                {
                    otherWay = Unsafe.Add(ref right, node);
                    node = Unsafe.Add(ref left, node);
                }
                else
                {
                    otherWay = Unsafe.Add(ref left, node);
                    node = Unsafe.Add(ref right, node);
                }
                Unsafe.Add(ref pathFeature, depth) = feature;
                Unsafe.Add(ref pathGhost, depth) = ~Descend(otherWay, ref x, ref splitFeature, ref threshold, ref left, ref right);
                depth++;
            }
            var reached = Unsafe.Add(ref leafValue, ~node);
            for (var d = 0; d < depth; d++)
            {
                var ghost = Unsafe.Add(ref leafValue, Unsafe.Add(ref pathGhost, d));
                Unsafe.Add(ref credit, Unsafe.Add(ref pathFeature, d)) += (float)(reached - ghost);
            }
        }
    }

    /// <summary>
    /// The leaf (as <c>~leaf</c>, ensemble-wide) a vector reaches from <paramref name="node"/> (a node, or already
    /// <c>~leaf</c>). The arrays come as references so that loops over trees load them once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Descend(int node, ref float x, ref int splitFeature, ref float threshold, ref int left, ref int right)
    {
        while (node >= 0)
        {
            node = Unsafe.Add(ref x, Unsafe.Add(ref splitFeature, node)) <= Unsafe.Add(ref threshold, node)
                ? Unsafe.Add(ref left, node)
                : Unsafe.Add(ref right, node);
        }
        return node;
    }

    /// <summary>Roots and children as ensemble-wide indices, and the deepest path, from the validated per-tree arrays.</summary>
    private static (int[] Root, int[] Left, int[] Right, int MaxDepth) Flatten(int[] nodeStart, int[] leafStart, int[] left, int[] right)
    {
        var trees = nodeStart.Length - 1;
        var root = new int[trees];
        var leftChild = new int[left.Length];
        var rightChild = new int[right.Length];
        var depth = new int[left.Length];
        var maxDepth = 0;
        for (var t = 0; t < trees; t++)
        {
            var nodeBase = nodeStart[t];
            var leafBase = leafStart[t];
            root[t] = nodeStart[t + 1] == nodeBase ? ~leafBase : nodeBase;
            // Children come after their parents, so one forward pass knows each node's depth (the longest way to
            // it, should a malformed tree share a node) before it reaches the node's children.
            for (var i = nodeBase; i < nodeStart[t + 1]; i++)
            {
                var d = Math.Max(depth[i], 1);
                maxDepth = Math.Max(maxDepth, d);
                leftChild[i] = Global(left[i], d);
                rightChild[i] = Global(right[i], d);
            }

            int Global(int child, int parentDepth)
            {
                if (child < 0)
                    return ~(leafBase + ~child);
                depth[nodeBase + child] = Math.Max(depth[nodeBase + child], parentDepth + 1);
                return nodeBase + child;
            }
        }
        return (root, leftChild, rightChild, maxDepth);
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
            if (nodeStart[t + 1] < nodeStart[t] || nodeStart[t + 1] > nodes || leafStart[t + 1] < leafStart[t] || leafStart[t + 1] > leafValue.Length)
                ThrowInvalid("node and leaf start entries must not decrease nor pass the node and leaf counts");
        }
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
