using System.Text;
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

    /// <summary>Loads the folders in order into one data set; invalid records are skipped and counted, and label rows that
    /// match no valid call record are counted and reported on <paramref name="log"/> as a <c>warning:</c> line.</summary>
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
            data.EndSource(dir, handler.Invalid, handler.Unlabelled, labels.Count - handler.Matched.Count);
            var source = data.Sources[^1];
            log?.WriteLine($"{dir}: {source.Rows} labelled calls ({source.FraudRows} fraud), {source.InvalidRecords} invalid, {source.UnlabelledRecords} without a label");
            if (source.Rows == 0)
                throw new InvalidDataException($"{dir}: no valid call record has a label");
            if (source.UnmatchedLabels > 0)
            {
                // Labels of another day, or calls cut short: the calls and the labels do not belong together.
                var invalid = source.InvalidRecords > 0 ? $" (the {source.InvalidRecords} invalid records may account for some)" : "";
                log?.WriteLine($"warning: {dir}: {source.UnmatchedLabels} of the {labels.Count} rows of {LabelsFile} match no valid call in {CallsFile}{invalid}");
            }
        }
        return data;
    }

    private sealed class Handler(LabelledData data, Dictionary<string, CallLabel> labels, Featurizer featurizer, int featureCount) : ILineHandler
    {
        private readonly float[] _features = new float[featureCount];

        public long Invalid { get; private set; }

        public long Unlabelled { get; private set; }

        private readonly Dictionary<string, CallLabel>.AlternateLookup<ReadOnlySpan<char>> _byId = labels.GetAlternateLookup<ReadOnlySpan<char>>();
        private readonly char[] _id = new char[AsciiId.Capacity];

        /// <summary>The call ids of <paramref name="labels"/> seen on a valid record (a call id may repeat in the calls):
        /// the labels' own strings, so a matched call costs the set's entry and no copy of its id.</summary>
        public HashSet<string> Matched { get; } = new(StringComparer.Ordinal);

        public void OnLine(ReadOnlySpan<byte> line, long lineNumber, bool tooLarge)
        {
            if (tooLarge || !CallRecordParser.TryParse(line, out var record, out _))
            {
                Invalid++;
                return;
            }
            // Featurize first, labelled or not: every valid call is part of the history the featurizer keeps.
            featurizer.Featurize(in record, _features);
            var length = Encoding.ASCII.GetChars(record.CallId.Span, _id);
            if (!_byId.TryGetValue(_id.AsSpan(0, length), out var id, out var label))
            {
                Unlabelled++;
                return;
            }
            Matched.Add(id);
            data.Add(_features, label, record.StartTicks);
        }
    }
}
