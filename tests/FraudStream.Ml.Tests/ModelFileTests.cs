using System.IO.Compression;
using FraudStream.Scoring;

namespace FraudStream.Ml.Tests;

public sealed class ModelFileTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("fs-modelfile-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public void Training_twice_gives_the_same_file_bytes()
    {
        var first = ModelFile.Save(fixture.Result, PathOf("a.zip"));
        var again = FraudModelTrainer.Train(fixture.Data, SyntheticData.SchemaHash, SyntheticData.SmallOptions());
        var second = ModelFile.Save(again, PathOf("b.zip"));
        Assert.Equal(first, second);
        Assert.Equal(fixture.Model.Id, again.Model.Id);
    }

    [Fact]
    public void Another_seed_gives_another_model_id()
    {
        var other = FraudModelTrainer.Train(fixture.Data, SyntheticData.SchemaHash, SyntheticData.SmallOptions(seed: 8) with { Trees = 30 });
        Assert.NotEqual(fixture.Model.Id, other.Model.Id);
        Assert.Matches("^fraud-gbt-20261127-[0-9a-f]{6}$", other.Model.Id);
    }

    [Fact]
    public void Load_refuses_a_model_trained_for_another_feature_schema()
    {
        var path = PathOf("m.zip");
        ModelFile.Save(fixture.Result, path);
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Load(path, "def456"));
        Assert.Equal($"model {fixture.Model.Id} (m.zip) was trained for feature schema {SyntheticData.SchemaHash}, this build's featurizer has def456", ex.Message);
    }

    [Fact]
    public void Load_refuses_a_file_that_is_not_a_zip()
    {
        var path = PathOf("garbage.zip");
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Load(path, SyntheticData.SchemaHash));
        Assert.StartsWith("model garbage.zip is not a valid zip file", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Load_refuses_a_truncated_model_file()
    {
        var path = PathOf("m.zip");
        ModelFile.Save(fixture.Result, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Load(path, SyntheticData.SchemaHash));
        Assert.StartsWith("model m.zip ", ex.Message);
    }

    [Fact]
    public void Load_refuses_an_ml_net_zip_without_the_manifest()
    {
        var path = PathOf("plain.zip");
        fixture.Result.Context.Model.Save(fixture.Result.Transformer, fixture.Result.InputSchema, path);
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Load(path, SyntheticData.SchemaHash));
        Assert.Equal("model plain.zip has no fraudstream/model.json entry: it was not written by 'fraudstream train'", ex.Message);
    }

    [Fact]
    public void Load_refuses_a_corrupt_manifest()
    {
        var path = PathOf("m.zip");
        ModelFile.Save(fixture.Result, path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry(FraudModel.ManifestEntryName)!;
            string text;
            using (var reader = new StreamReader(entry.Open()))
                text = reader.ReadToEnd();
            entry.Delete();
            // Point a child at a node that does not exist.
            text = text.Replace("\"left\":[", "\"left\":[999999,", StringComparison.Ordinal);
            using var writer = new StreamWriter(zip.CreateEntry(FraudModel.ManifestEntryName).Open());
            writer.Write(text);
        }
        var ex = Assert.Throws<ModelLoadException>(() => FraudModel.Load(path, SyntheticData.SchemaHash));
        Assert.StartsWith("model m.zip: fraudstream/model.json is corrupt:", ex.Message);
    }

    [Fact]
    public void Model_card_and_plot_are_written_beside_the_model()
    {
        var path = PathOf("m.zip");
        var sha = ModelFile.Save(fixture.Result, path);
        ModelReport.WritePlot(PathOf("m.png"), fixture.Result);
        ModelReport.WriteCard(PathOf("m.card.md"), path, sha, PathOf("m.png"), fixture.Result, fixture.Data, SyntheticData.SmallOptions());
        var card = File.ReadAllText(PathOf("m.card.md"));
        Assert.Contains(sha, card, StringComparison.Ordinal);
        Assert.Contains(fixture.Model.Id, card, StringComparison.Ordinal);
        Assert.Contains("| 11 | `f11` | 0 |", card, StringComparison.Ordinal);
        var png = File.ReadAllBytes(PathOf("m.png"));
        Assert.True(png.Length > 10_000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }
}
