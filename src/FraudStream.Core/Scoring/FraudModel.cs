using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Text.Json;
using FraudStream.Features;

namespace FraudStream.Scoring;

/// <summary>
/// A trained fraud model as served: its id, alert threshold, the feature schema it was trained for and its
/// flat tree ensemble. Read from the <see cref="ManifestEntryName"/> entry of the model zip, so the model
/// and its threshold travel in one file and can never be paired wrongly; ML.NET is not needed to load it.
/// </summary>
public sealed class FraudModel
{
    /// <summary>Name of the zip entry that describes the model to FraudStream.</summary>
    public const string ManifestEntryName = "fraudstream/model.json";

    /// <summary>Version of the manifest layout; readers refuse other versions.</summary>
    public const int ManifestFormat = 1;

    // A manifest of a few hundred trees is tens of kilobytes; anything far bigger is not ours.
    private const long MaxManifestBytes = 64L * 1024 * 1024;

    private readonly string[] _featureNames;

    /// <summary>Creates a model; the feature names must match the ensemble's feature count.</summary>
    public FraudModel(string id, float threshold, string schemaHash, IReadOnlyList<string> featureNames, TreeEnsemble ensemble)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(schemaHash);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(ensemble);
        if (!(threshold >= 0f && threshold <= 1f))
            throw new ArgumentOutOfRangeException(nameof(threshold), "the threshold is a probability, 0 to 1");
        if (featureNames.Count != ensemble.FeatureCount)
            throw new ArgumentException("one feature name is needed per ensemble feature", nameof(featureNames));
        Id = id;
        Threshold = threshold;
        SchemaHash = schemaHash;
        _featureNames = [.. featureNames];
        Ensemble = ensemble;
    }

    /// <summary>The model id, such as <c>fraud-gbt-20261128-1a2b3c</c>: it goes into every alert.</summary>
    public string Id { get; }

    /// <summary>A call is alerted when its probability is greater than or equal to this.</summary>
    public float Threshold { get; }

    /// <summary>Hash of the feature schema the model was trained for (<see cref="FeatureSchema.Hash"/>).</summary>
    public string SchemaHash { get; }

    /// <summary>The features, in the order of the vectors the ensemble reads.</summary>
    public IReadOnlyList<string> FeatureNames => _featureNames;

    public TreeEnsemble Ensemble { get; }

    /// <summary>Loads a model zip, refusing one trained for another feature schema than this build's.</summary>
    /// <exception cref="ModelLoadException">The file is missing, not a zip, lacks or has a corrupt manifest,
    /// or was trained for another feature schema.</exception>
    /// <summary>Where the shipped model lies, relative to the program (or the working directory).</summary>
    public const string DefaultRelativePath = "models/default.zip";

    /// <summary>
    /// The shipped model: <see cref="DefaultRelativePath"/> beside the program or in a folder above it (a
    /// program run from its build output inside the repository), else relative to the working directory.
    /// </summary>
    public static string DefaultPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, DefaultRelativePath);
            if (File.Exists(path))
            {
                return path;
            }
        }
        return Path.GetFullPath(DefaultRelativePath);
    }

    public static FraudModel Load(string path) => Load(path, FeatureSchema.Current.Hash);

    /// <summary>Loads a model zip, refusing one whose feature schema hash is not <paramref name="expectedSchemaHash"/>.</summary>
    /// <exception cref="ModelLoadException">See <see cref="Load(string)"/>.</exception>
    public static FraudModel Load(string path, string expectedSchemaHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(expectedSchemaHash);
        var name = Path.GetFileName(path);
        FileStream file;
        try
        {
            file = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"model {name} cannot be read: {ex.Message}", ex);
        }
        using (file)
            return Read(file, name, expectedSchemaHash);
    }

    /// <summary>Reads a model zip from a stream; <paramref name="name"/> names it in error messages.</summary>
    /// <exception cref="ModelLoadException">See <see cref="Load(string)"/>.</exception>
    public static FraudModel Read(Stream zip, string name, string expectedSchemaHash)
    {
        ArgumentNullException.ThrowIfNull(zip);
        byte[] manifest;
        try
        {
            using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
            var entry = archive.GetEntry(ManifestEntryName);
            if (entry is null)
                throw new ModelLoadException($"model {name} has no {ManifestEntryName} entry: it was not written by 'fraudstream train'");
            if (entry.Length > MaxManifestBytes)
                throw new ModelLoadException($"model {name}: {ManifestEntryName} is too large");
            manifest = new byte[entry.Length];
            using var stream = entry.Open();
            stream.ReadExactly(manifest);
        }
        catch (InvalidDataException ex)
        {
            throw new ModelLoadException($"model {name} is not a valid zip file: {ex.Message}", ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new ModelLoadException($"model {name} is truncated", ex);
        }

        var model = ParseManifest(manifest, name);
        if (!string.Equals(model.SchemaHash, expectedSchemaHash, StringComparison.Ordinal))
            throw new ModelLoadException($"model {model.Id} ({name}) was trained for feature schema {model.SchemaHash}, this build's featurizer has {expectedSchemaHash}");
        return model;
    }

    /// <summary>Parses a manifest (the content of <see cref="ManifestEntryName"/>) without checking the schema hash.</summary>
    /// <exception cref="ModelLoadException">The manifest is not a valid model description.</exception>
    public static FraudModel ParseManifest(ReadOnlySpan<byte> json, string name)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                ThrowCorrupt(name, "not a JSON object");
            var format = Required(root, "format", name).GetInt32();
            if (format != ManifestFormat)
                ThrowCorrupt(name, $"format {format} is not supported (this build reads {ManifestFormat})");
            var id = RequiredString(root, "id", name);
            var threshold = Required(root, "threshold", name).GetSingle();
            var schemaHash = RequiredString(root, "feature_schema_hash", name);
            var features = Required(root, "features", name);
            var names = new string[features.GetArrayLength()];
            var i = 0;
            foreach (var f in features.EnumerateArray())
                names[i++] = f.GetString() ?? ThrowCorrupt<string>(name, "a feature name is null");

            var cal = Required(root, "calibrator", name);
            var slope = Required(cal, "slope", name).GetDouble();
            var offset = Required(cal, "offset", name).GetDouble();

            var e = Required(root, "ensemble", name);
            var ensemble = new TreeEnsemble(
                names.Length,
                Ints(Required(e, "node_start", name)),
                Ints(Required(e, "leaf_start", name)),
                Ints(Required(e, "split_feature", name)),
                Floats(Required(e, "threshold", name)),
                Ints(Required(e, "left", name)),
                Ints(Required(e, "right", name)),
                Doubles(Required(e, "leaf_value", name)),
                Required(e, "bias", name).GetDouble(),
                slope,
                offset);
            return new FraudModel(id, threshold, schemaHash, names, ensemble);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new ModelLoadException($"model {name}: {ManifestEntryName} is corrupt: {OneLine(ex.Message)}", ex);
        }
    }

    /// <summary>Writes this model's manifest (UTF-8 JSON, the content of <see cref="ManifestEntryName"/>).</summary>
    /// <param name="extra">Optional descriptive properties written under <c>"training"</c> (ignored by readers).</param>
    public void WriteManifest(IBufferWriter<byte> output, Action<Utf8JsonWriter>? extra = null)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteNumber("format", ManifestFormat);
        w.WriteString("id", Id);
        w.WriteNumber("threshold", Threshold);
        w.WriteString("feature_schema_hash", SchemaHash);
        w.WriteStartArray("features");
        foreach (var n in _featureNames)
            w.WriteStringValue(n);
        w.WriteEndArray();
        w.WriteStartObject("calibrator");
        w.WriteString("kind", "platt");
        w.WriteNumber("slope", Ensemble.CalibratorSlope);
        w.WriteNumber("offset", Ensemble.CalibratorOffset);
        w.WriteEndObject();
        w.WriteStartObject("ensemble");
        w.WriteNumber("bias", Ensemble.Bias);
        WriteArray(w, "node_start", Ensemble.NodeStart);
        WriteArray(w, "leaf_start", Ensemble.LeafStart);
        WriteArray(w, "split_feature", Ensemble.SplitFeature);
        w.WriteStartArray("threshold");
        foreach (var v in Ensemble.Threshold)
            w.WriteNumberValue(v);
        w.WriteEndArray();
        WriteArray(w, "left", Ensemble.Left);
        WriteArray(w, "right", Ensemble.Right);
        w.WriteStartArray("leaf_value");
        foreach (var v in Ensemble.LeafValue)
            w.WriteNumberValue(v);
        w.WriteEndArray();
        w.WriteEndObject();
        if (extra is not null)
        {
            w.WriteStartObject("training");
            extra(w);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>Returns a model equal to this one with another id (the id is derived from the content).</summary>
    public FraudModel WithId(string id) => new(id, Threshold, SchemaHash, _featureNames, Ensemble);

    /// <summary>Returns a model equal to this one with another threshold.</summary>
    public FraudModel WithThreshold(float threshold) => new(Id, threshold, SchemaHash, _featureNames, Ensemble);

    private static void WriteArray(Utf8JsonWriter w, string name, ReadOnlySpan<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
            w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    private static JsonElement Required(JsonElement obj, string property, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(property, out var value))
            return ThrowCorrupt<JsonElement>(name, $"'{property}' is missing");
        return value;
    }

    private static string RequiredString(JsonElement obj, string property, string name)
    {
        var s = Required(obj, property, name).GetString();
        return string.IsNullOrWhiteSpace(s) ? ThrowCorrupt<string>(name, $"'{property}' is empty") : s;
    }

    private static int[] Ints(JsonElement array)
    {
        var result = new int[array.GetArrayLength()];
        var i = 0;
        foreach (var v in array.EnumerateArray())
            result[i++] = v.GetInt32();
        return result;
    }

    private static float[] Floats(JsonElement array)
    {
        var result = new float[array.GetArrayLength()];
        var i = 0;
        foreach (var v in array.EnumerateArray())
            result[i++] = v.GetSingle();
        return result;
    }

    private static double[] Doubles(JsonElement array)
    {
        var result = new double[array.GetArrayLength()];
        var i = 0;
        foreach (var v in array.EnumerateArray())
            result[i++] = v.GetDouble();
        return result;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    [DoesNotReturn]
    private static void ThrowCorrupt(string name, string why) =>
        throw new ModelLoadException($"model {name}: {ManifestEntryName} is corrupt: {why}");

    [DoesNotReturn]
    private static T ThrowCorrupt<T>(string name, string why) =>
        throw new ModelLoadException($"model {name}: {ManifestEntryName} is corrupt: {why}");
}

/// <summary>A model file that cannot be used: its message is one line naming the file and the reason.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException()
    {
    }

    public ModelLoadException(string message)
        : base(message)
    {
    }

    public ModelLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
