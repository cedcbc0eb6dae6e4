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

    // Two records, parsed in turn: the one that waits to be scored (_pending, -1 for none) and the next one, in the other.
    private readonly CallRecord[] _records = new CallRecord[2];
    private readonly long[] _lineNumbers = new long[2];
    private int _pending = -1;

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

    /// <summary>Alerts written so far. The last valid line read is scored when the next valid line comes, or by <see cref="Flush"/>.</summary>
    public long Alerts { get; private set; }

    /// <summary>Alerts with an engaged victim written so far (scored as <see cref="Alerts"/>).</summary>
    public long VictimEngaged { get; private set; }

    /// <summary>Alerts by <see cref="FraudPattern"/> written so far (scored as <see cref="Alerts"/>).</summary>
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
        else if (CallRecordParser.TryParse(line, out _records[Free], out failure))
        {
            Valid++;
            // Scored one valid line late: the state this record will read is asked for while the record before it is
            // scored (CallScorer.Prefetch), so that at millions of keys their cache misses overlap that work. The order
            // of scoring, and so every feature and alert, is the file's.
            var next = Free;
            _scorer.Prefetch(_records[next]);
            _lineNumbers[next] = lineNumber;
            ScorePending();
            _pending = next;
            return;
        }
        Invalid++;
        _invalidByError[(int)failure.Error]++;
        _deadLetters.Write(_sourceName, lineNumber, failure, line, tooLarge);
    }

    /// <summary>The slot the next valid line is parsed into: not the pending record's.</summary>
    private int Free => _pending == 0 ? 1 : 0;

    /// <summary>Scores the valid record that waits for the next one, if any; never twice, even if scoring it throws.</summary>
    private void ScorePending()
    {
        var pending = _pending;
        if (pending < 0)
        {
            return;
        }
        _pending = -1;
        ref readonly var record = ref _records[pending];
        _scorer.Score(record, out var scored);
        if (scored.Alerted)
        {
            WriteAlert(record, scored, _lineNumbers[pending]);
        }
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
            WriteBuffered();
        }
    }

    /// <summary>
    /// Scores the last valid line read (it waits for the next one) and writes buffered alerts and dead letters to their
    /// streams: after it, the counts are the lines' so far.
    /// </summary>
    public void Flush()
    {
        ScorePending();
        WriteBuffered();
    }

    private void WriteBuffered()
    {
        _alerts.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
        _alerts.Flush();
        _deadLetters.Flush();
    }

    public void Dispose() => Flush();
}
