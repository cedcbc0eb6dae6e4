using FraudStream.Features;
using FraudStream.Records;

namespace FraudStream.Ml;

/// <summary>
/// Reads labelled data folders (<c>calls.ndjson</c> + <c>labels.csv</c>, contracts.md section 4) through exactly
/// the serving path: every line, in file order, through <see cref="CallRecordParser"/> and one
/// <see cref="Featurizer"/> per folder, so history features see what they would see live.
/// </summary>
public static class LabelledDataLoader
{
    public const string CallsFile = "calls.ndjson";
    public const string LabelsFile = "labels.csv";

    /// <summary>Loads the folders in order into one data set; invalid records are skipped and counted.</summary>
    /// <exception cref="InvalidDataException">A folder lacks a file, or no valid record has a label.</exception>
    public static async Task<LabelledData> LoadAsync(IEnumerable<string> directories, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directories);
        var schema = FeatureSchema.Current;
        var data = new LabelledData(schema.Names);
        foreach (var dir in directories)
        {
            var calls = Path.Combine(dir, CallsFile);
            var labelsPath = Path.Combine(dir, LabelsFile);
            if (!File.Exists(calls))
                throw new InvalidDataException($"{dir}: no {CallsFile}");
            if (!File.Exists(labelsPath))
                throw new InvalidDataException($"{dir}: no {LabelsFile}");
            var labels = LabelsCsv.Read(labelsPath);
            var handler = new Handler(data, labels, Featurizer.CreateDefault(), schema.Count);
            await NdjsonLineReader.ReadFileAsync(calls, handler, cancellationToken).ConfigureAwait(false);
            data.EndSource(dir, handler.Invalid, handler.Unlabelled);
            var source = data.Sources[^1];
            log?.WriteLine($"{dir}: {source.Rows} labelled calls ({source.FraudRows} fraud), {source.InvalidRecords} invalid, {source.UnlabelledRecords} without a label");
            if (source.Rows == 0)
                throw new InvalidDataException($"{dir}: no valid call record has a label");
        }
        return data;
    }

    private sealed class Handler(LabelledData data, Dictionary<string, CallLabel> labels, Featurizer featurizer, int featureCount) : ILineHandler
    {
        private readonly float[] _features = new float[featureCount];

        public long Invalid { get; private set; }

        public long Unlabelled { get; private set; }

        public void OnLine(ReadOnlySpan<byte> line, long lineNumber, bool tooLarge)
        {
            if (tooLarge || !CallRecordParser.TryParse(line, out var record, out _))
            {
                Invalid++;
                return;
            }
            // Featurize first, labelled or not: every valid call is part of the history the featurizer keeps.
            featurizer.Featurize(in record, _features);
            if (!labels.TryGetValue(record.CallId.ToString(), out var label))
            {
                Unlabelled++;
                return;
            }
            data.Add(_features, label, record.StartTicks);
        }
    }
}
