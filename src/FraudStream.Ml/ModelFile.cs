using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using FraudStream.IO;
using FraudStream.Scoring;

namespace FraudStream.Ml;

/// <summary>
/// Writes the model zip: ML.NET's own saved model (loadable with <c>MLContext.Model.Load</c>) plus the
/// <see cref="FraudModel.ManifestEntryName"/> entry that FraudStream serves from. The file is reproducible:
/// entries are rewritten in a fixed order with a fixed time stamp, so the same training gives the same bytes.
/// </summary>
public static class ModelFile
{
    /// <summary>Saves <paramref name="result"/> to <paramref name="path"/> and returns the file's SHA-256 (hex).</summary>
    public static string Save(TrainingResult result, string path)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var mlNet = new MemoryStream();
        result.Context.Model.Save(result.Transformer, result.InputSchema, mlNet);
        mlNet.Position = 0;

        var manifest = new ArrayBufferWriter<byte>();
        result.Model.WriteManifest(manifest);

        // Zip time stamps have 2-second resolution and no time zone; the data's end date is a stable choice.
        var stamp = new DateTimeOffset(result.DataEnd.Date, TimeSpan.Zero);
        FileReplacement.Write(path, output =>
        {
            using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
            using (var source = new ZipArchive(mlNet, ZipArchiveMode.Read))
            {
                foreach (var entry in source.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
                {
                    var copy = zip.CreateEntry(entry.FullName, CompressionLevel.Optimal);
                    copy.LastWriteTime = stamp;
                    using var from = entry.Open();
                    using var to = copy.Open();
                    from.CopyTo(to);
                }
            }
            var own = zip.CreateEntry(FraudModel.ManifestEntryName, CompressionLevel.Optimal);
            own.LastWriteTime = stamp;
            using (var to = own.Open())
                to.Write(manifest.WrittenSpan);
        });
        return Sha256(path);
    }

    /// <summary>The SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
