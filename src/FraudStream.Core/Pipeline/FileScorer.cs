using System.Buffers;
using FraudStream.Alerts;
using FraudStream.Records;

namespace FraudStream.Pipeline;

/// <summary>
/// Scores the lines of an NDJSON file: every valid record through <see cref="CallScorer"/>, an alert line
/// for each alerted call, a dead letter for each invalid line. Nothing is lost: read = valid + invalid.
/// </summary>
public sealed class FileScorer : ILineHandler, IDisposable
{
    private const int FlushBytes = 64 * 1024;

    private readonly CallScorer _scorer;
    private readonly string _sourceName;
    private readonly Stream _alerts;
    private readonly DeadLetterFileWriter _deadLetters;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushBytes * 2);
    private readonly AlertWriter _alertWriter;
    private readonly long[] _alertsByPattern = new long[FraudPatterns.AllNames.Length];
    private readonly long[] _invalidByError = new long[RecordErrors.AllCodes.Length];

    /// <param name="sourceName">The input path as given, for alert sources and dead letters.</param>
    public FileScorer(CallScorer scorer, string sourceName, Stream alerts, DeadLetterFileWriter deadLetters)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(deadLetters);
        _scorer = scorer;
        _sourceName = sourceName;
        _alerts = alerts;
        _deadLetters = deadLetters;
        _alertWriter = new AlertWriter(_buffer, scorer.Model.FeatureNames);
    }

    public long Read { get; private set; }

    public long Valid { get; private set; }

    public long Invalid { get; private set; }

    public long Alerts { get; private set; }

    public long VictimEngaged { get; private set; }

    /// <summary>Alerts by <see cref="FraudPattern"/>.</summary>
    public ReadOnlySpan<long> AlertsByPattern => _alertsByPattern;

    /// <summary>Invalid lines by <see cref="RecordError"/>.</summary>
    public ReadOnlySpan<long> InvalidByError => _invalidByError;

    public void OnLine(ReadOnlySpan<byte> line, long lineNumber, bool tooLarge)
    {
        Read++;
        ParseFailure failure;
        if (tooLarge)
        {
            failure = CallRecordParser.TooLargeFailure;
        }
        else if (CallRecordParser.TryParse(line, out var record, out failure))
        {
            Valid++;
            _scorer.Score(record, out var scored);
            if (scored.Alerted)
            {
                WriteAlert(record, scored, lineNumber);
            }
            return;
        }
        Invalid++;
        _invalidByError[(int)failure.Error]++;
        _deadLetters.Write(_sourceName, lineNumber, failure, line, tooLarge);
    }

    // Rare path: alerted calls only.
    private void WriteAlert(in CallRecord record, in ScoredCall scored, long lineNumber)
    {
        Alerts++;
        _alertsByPattern[(int)scored.Pattern]++;
        if (scored.VictimEngaged)
        {
            VictimEngaged++;
        }
        _alertWriter.Write(record, scored, _scorer.Model.Id, AlertSource.File(_sourceName, lineNumber), DateTime.UtcNow);
        _buffer.Write("\n"u8);
        if (_buffer.WrittenCount >= FlushBytes)
        {
            Flush();
        }
    }

    /// <summary>Writes buffered alerts and dead letters to their streams.</summary>
    public void Flush()
    {
        _alerts.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
        _alerts.Flush();
        _deadLetters.Flush();
    }

    public void Dispose() => Flush();
}
