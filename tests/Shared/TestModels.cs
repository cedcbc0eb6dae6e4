using System.IO.Compression;
using FraudStream.Scoring;

namespace FraudStream.TestSupport;

/// <summary>Models made for tests from a real one, and written as model files (linked into the test projects that need them).</summary>
internal static class TestModels
{
    /// <summary>
    /// <paramref name="model"/>'s trees and one more, a caterpillar of 600 splits on feature 0 whose leaves are all 0:
    /// the same scores, and a tree too large to compile (<see cref="TreeEnsemble.MaxCompiledTreeSize"/>).
    /// </summary>
    public static FraudModel WithLargeTree(FraudModel model, string id)
    {
        const int splits = 600;
        var e = model.Ensemble;
        var nodes = e.SplitFeature.Length;
        var leaves = e.LeafValue.Length;
        var left = new int[splits];
        var right = new int[splits];
        var threshold = new float[splits];
        for (var i = 0; i < splits; i++)
        {
            threshold[i] = i;
            left[i] = ~i;
            right[i] = i + 1 < splits ? i + 1 : ~splits;
        }
        var ensemble = new TreeEnsemble(
            e.FeatureCount,
            [.. e.NodeStart, nodes + splits],
            [.. e.LeafStart, leaves + splits + 1],
            [.. e.SplitFeature, .. new int[splits]],
            [.. e.Threshold, .. threshold],
            [.. e.Left, .. left],
            [.. e.Right, .. right],
            [.. e.LeafValue, .. new double[splits + 1]],
            e.Bias, e.CalibratorSlope, e.CalibratorOffset);
        return new FraudModel(id, model.Threshold, model.SchemaHash, model.FeatureNames, ensemble);
    }

    /// <summary>Writes <paramref name="model"/> as a model file: a zip holding its manifest.</summary>
    public static void Write(string path, FraudModel model)
    {
        var manifest = new System.Buffers.ArrayBufferWriter<byte>();
        model.WriteManifest(manifest);
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        using var entry = zip.CreateEntry(FraudModel.ManifestEntryName).Open();
        entry.Write(manifest.WrittenSpan);
    }
}
