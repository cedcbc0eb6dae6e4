using System.Text;

namespace FraudStream.Ml;

/// <summary>Ground truth for one call (contracts.md section 4).</summary>
public readonly record struct CallLabel(bool IsFraud, string Scheme, string? Campaign);

/// <summary>
/// Reads <c>labels.csv</c>: RFC 4180 CSV with a header naming <c>call_id,is_fraud,scheme</c> and optionally
/// <c>campaign</c> (columns found by name, so their order and extra columns do not matter).
/// </summary>
public static class LabelsCsv
{
    /// <summary>Reads a labels file into a map from call id to label.</summary>
    /// <exception cref="InvalidDataException">The file breaks the format; the message names the line.</exception>
    public static Dictionary<string, CallLabel> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, Path.GetFileName(path));
    }

    /// <summary>Reads labels from a text reader; <paramref name="name"/> names the source in error messages.</summary>
    public static Dictionary<string, CallLabel> Read(TextReader reader, string name)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var csv = new CsvReader(reader, name);
        var line = csv.Line;
        var header = csv.ReadRecord() ?? throw new InvalidDataException($"{name}: empty file, a header is required");
        int id = Find(header, "call_id", name), fraud = Find(header, "is_fraud", name), scheme = Find(header, "scheme", name);
        var campaign = header.IndexOf("campaign");
        var labels = new Dictionary<string, CallLabel>(StringComparer.Ordinal);
        while (true)
        {
            line = csv.Line;
            var record = csv.ReadRecord();
            if (record is null)
                break;
            if (record.Count == 1 && record[0].Length == 0)
                continue; // a blank line (often the last one) carries no row
            if (record.Count != header.Count)
                throw new InvalidDataException($"{name}:{line}: {record.Count} fields, the header has {header.Count}");
            var isFraud = record[fraud] switch
            {
                "0" => false,
                "1" => true,
                _ => throw new InvalidDataException($"{name}:{line}: is_fraud must be 0 or 1"),
            };
            if (record[id].Length == 0)
                throw new InvalidDataException($"{name}:{line}: call_id is empty");
            if (record[scheme].Length == 0)
                throw new InvalidDataException($"{name}:{line}: scheme is empty");
            var c = campaign >= 0 && record[campaign].Length > 0 ? record[campaign] : null;
            if (!labels.TryAdd(record[id], new CallLabel(isFraud, record[scheme], c)))
                throw new InvalidDataException($"{name}:{line}: call_id appears twice");
        }
        return labels;
    }

    private static int Find(List<string> header, string column, string name)
    {
        var i = header.IndexOf(column);
        return i >= 0 ? i : throw new InvalidDataException($"{name}: the header has no '{column}' column");
    }

    /// <summary>An RFC 4180 record reader: quoted fields may hold commas, doubled quotes and line breaks.</summary>
    private sealed class CsvReader(TextReader reader, string name)
    {
        private readonly StringBuilder _field = new();

        /// <summary>The 1-based line the next record starts on.</summary>
        public long Line { get; private set; } = 1;

        public List<string>? ReadRecord()
        {
            var c = reader.Read();
            if (c < 0)
                return null;
            var fields = new List<string>();
            _field.Clear();
            var quoted = false;
            var inQuotes = false;
            while (true)
            {
                if (inQuotes)
                {
                    if (c < 0)
                        throw new InvalidDataException($"{name}:{Line}: a quoted field is not closed");
                    if (c == '"')
                    {
                        if (reader.Peek() == '"')
                        {
                            reader.Read();
                            _field.Append('"');
                        }
                        else
                        {
                            inQuotes = false;
                        }
                    }
                    else
                    {
                        if (c == '\n')
                            Line++;
                        _field.Append((char)c);
                    }
                }
                else if (c == ',')
                {
                    fields.Add(_field.ToString());
                    _field.Clear();
                    quoted = false;
                }
                else if (c is '\n' or -1 || (c == '\r' && reader.Peek() is '\n' or -1))
                {
                    if (c == '\r')
                        reader.Read();
                    if (c != -1)
                        Line++;
                    fields.Add(_field.ToString());
                    return fields;
                }
                else if (c == '"' && _field.Length == 0 && !quoted)
                {
                    inQuotes = true;
                    quoted = true;
                }
                else if (quoted)
                {
                    throw new InvalidDataException($"{name}:{Line}: text after a closing quote");
                }
                else
                {
                    _field.Append((char)c);
                }
                c = reader.Read();
            }
        }
    }
}
