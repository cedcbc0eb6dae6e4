using FraudStream.Scoring;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Trainers.FastTree;

namespace FraudStream.Ml;

/// <summary>Compiles a trained ML.NET FastTree binary model into the core's flat <see cref="TreeEnsemble"/>.</summary>
public static class EnsembleExtractor
{
    /// <summary>Copies the trees (split features, thresholds, children, leaves) with the model's own Platt calibrator.</summary>
    /// <exception cref="NotSupportedException">See <see cref="FromFastTree(FastTreeBinaryModelParameters, PlattParameters, int)"/>.</exception>
    public static TreeEnsemble FromFastTree(
        CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator> model, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        return FromFastTree(model.SubModel, new PlattParameters(model.Calibrator.Slope, model.Calibrator.Offset), featureCount);
    }

    /// <summary>Copies the trees (split features, thresholds, children, leaves) with the given Platt calibrator.</summary>
    /// <exception cref="NotSupportedException">The model uses categorical splits or tree weights other than 1,
    /// which the flat evaluator does not implement.</exception>
    public static TreeEnsemble FromFastTree(FastTreeBinaryModelParameters model, PlattParameters calibrator, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ensemble = model.TrainedTreeEnsemble;
        var trees = ensemble.Trees;
        var nodeStart = new int[trees.Count + 1];
        var leafStart = new int[trees.Count + 1];
        var split = new List<int>();
        var threshold = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var leaves = new List<double>();
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            // ML.NET's prediction sums leaf values and ignores tree weights; a weight other than 1 would mean
            // the trees were meant to be scaled, which this evaluator would not reproduce.
            if (ensemble.TreeWeights[t] != 1.0)
                throw new NotSupportedException($"tree {t} has weight {ensemble.TreeWeights[t]}, only 1 is supported");
            nodeStart[t] = split.Count;
            leafStart[t] = leaves.Count;
            // ML.NET marks a tree that never split by a root whose left child is node 0; it outputs 0.
            if (tree.NumberOfNodes == 0 || tree.LeftChild[0] == 0)
            {
                leaves.Add(0.0);
                continue;
            }
            for (var n = 0; n < tree.NumberOfNodes; n++)
            {
                if (tree.CategoricalSplitFlags[n])
                    throw new NotSupportedException($"tree {t} node {n} is a categorical split");
                split.Add(tree.NumericalSplitFeatureIndexes[n]);
                threshold.Add(tree.NumericalSplitThresholds[n]);
                left.Add(tree.LeftChild[n]);
                right.Add(tree.RightChild[n]);
            }
            foreach (var v in tree.LeafValues)
                leaves.Add(v);
        }
        nodeStart[trees.Count] = split.Count;
        leafStart[trees.Count] = leaves.Count;
        return new TreeEnsemble(
            featureCount, nodeStart, leafStart, [.. split], [.. threshold], [.. left], [.. right], [.. leaves],
            bias: 0.0, // ML.NET's FastTree prediction sums the leaves only: it never adds the ensemble's Bias
            calibrator.Slope, calibrator.Offset);
    }
}
