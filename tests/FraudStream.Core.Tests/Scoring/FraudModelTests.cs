using System.Buffers;
using System.IO.Compression;
using System.Text;
using FraudStream.Scoring;

namespace FraudStream.Core.Tests.Scoring;

public sealed class FraudModelTests
{
    private static FraudModel Sample(string schemaHash = "abc123") => new(
        "fraud-gbt-20261128-1a2b3c",
        0.4375f,
        schemaHash,
        ["a", "b"],
        new TreeEnsemble(2, [0, 1], [0, 2], [1], [0.1f], [~0], [~1], [-0.1234567890123, 2.5e-7], 0, -2.0, 0.125));

    private static MemoryStream Zip(params (string Name, byte[] Content)[] entries)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(content);
            }
        }
        ms.Position = 0;
        return ms;
    }

    private static byte[] Manifest(FraudModel model)
    {
        var buffer = new ArrayBufferWriter<byte>();
        model.WriteManifest(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Manifest_round_trips_every_number_exactly()
    {
        var model = Sample();
        using var zip = Zip(("Model/Model.key", [1, 2]), (FraudModel.ManifestEntryName, Manifest(model)));
        var read = FraudModel.Read(zip, "m.zip", "abc123");
        Assert.Equal(model.Id, read.Id);
        Assert.Equal(model.Threshold, read.Threshold);
        Assert.Equal(model.SchemaHash, read.SchemaHash);
        Assert.Equal(model.FeatureNames, read.FeatureNames);
        Assert.Equal(model.Ensemble.LeafValue.ToArray(), read.Ensemble.LeafValue.ToArray());
        Assert.Equal(model.Ensemble.Threshold.ToArray(), read.Ensemble.Threshold.ToArray());
        Assert.Equal(model.Ensemble.CalibratorSlope, read.Ensemble.CalibratorSlope);
        Assert.Equal(model.Ensemble.CalibratorOffset, read.Ensemble.CalibratorOffset);
        float[] x = [0f, 0.2f];
        Assert.Equal(model.Ensemble.Probability(x), read.Ensemble.Probability(x));
    }

    [Fact]
    public void Read_refuses_another_feature_schema_in_one_line()
    {
        using var zip = Zip((FraudModel.ManifestEntryName, Manifest(Sample("abc123"))));
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Read(zip, "m.zip", "def456"));
        Assert.Equal("model fraud-gbt-20261128-1a2b3c (m.zip) was trained for feature schema abc123, this build's featurizer has def456", ex.Message);
    }

    [Fact]
    public void Read_refuses_a_zip_without_the_manifest()
    {
        using var zip = Zip(("Model/Model.key", [1]));
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Read(zip, "m.zip", "abc123"));
        Assert.Contains("has no fraudstream/model.json entry", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"format\":2}")]
    [InlineData("{\"format\":1,\"id\":\"x\"}")]
    public void Read_refuses_a_corrupt_manifest(string json)
    {
        using var zip = Zip((FraudModel.ManifestEntryName, Encoding.UTF8.GetBytes(json)));
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Read(zip, "m.zip", "abc123"));
        Assert.StartsWith("model m.zip: fraudstream/model.json is corrupt:", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Read_refuses_a_manifest_whose_feature_names_do_not_match_the_ensemble()
    {
        var text = Encoding.UTF8.GetString(Manifest(Sample())).Replace("[\"a\",\"b\"]", "[\"a\"]", StringComparison.Ordinal);
        using var zip = Zip((FraudModel.ManifestEntryName, Encoding.UTF8.GetBytes(text)));
        Assert.Throws<ModelLoadException>(() => FraudModel.Read(zip, "m.zip", "abc123"));
    }

    [Fact]
    public void Read_refuses_bytes_that_are_not_a_zip()
    {
        using var ms = new MemoryStream(Encoding.UTF8.GetBytes("this is not a zip file at all"));
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Read(ms, "m.zip", "abc123"));
        Assert.StartsWith("model m.zip is not a valid zip file", ex.Message);
    }

    [Fact]
    public void Load_refuses_a_missing_file()
    {
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Load(Path.Combine(Path.GetTempPath(), "no-such-model-4711.zip"), "abc123"));
        Assert.StartsWith("model no-such-model-4711.zip cannot be read", ex.Message);
    }
}
