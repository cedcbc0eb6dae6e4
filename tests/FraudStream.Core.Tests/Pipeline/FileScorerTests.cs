using System.Buffers;
using System.Text;
using FraudStream.Alerts;
using FraudStream.Features;
using FraudStream.Pipeline;
using FraudStream.Records;
using FraudStream.Scoring;
using FraudStream.Traffic;

namespace FraudStream.Core.Tests.Pipeline;

/// <summary>
/// File scoring scores each valid line one valid line late (the next one's state is asked for first): its alerts, their
/// line numbers and its counts must be those of scoring every line as it is read.
/// </summary>
public sealed class FileScorerTests
{
    private static readonly Lazy<FraudModel> DefaultModel = new(() => FraudModel.Load(FraudModel.DefaultPath()));

    [Fact]
    public void Alerts_and_counts_are_those_of_scoring_each_line_as_it_is_read()
    {
        var lines = Lines(calls: 4_000);
        var expected = LineAtATime(lines);
        Assert.True(expected.Count > 50, $"only {expected.Count} alerts: the comparison needs more");

        var (alerts, file) = ThroughFileScorer(lines);

        Assert.Equal(expected, alerts);
        Assert.Equal(expected.Count, file.Alerts);
        Assert.Equal(lines.Count, file.Read);
        Assert.Equal(lines.Count(l => l.Valid), file.Valid);
        Assert.Equal(lines.Count(l => !l.Valid), file.Invalid);
    }

    [Fact]
    public void The_last_valid_line_is_scored_by_flush_after_the_invalid_lines_that_follow_it()
    {
        // Cut the file just after a line that alerts: that line waits for a next valid line that never comes; three invalid
        // lines follow it, one of them too large.
        var lines = Lines(calls: 4_000);
        var expected = LineAtATime(lines);
        var lastAlerted = AlertedLineNumbers(expected)[^1];
        lines = lines.Take(lastAlerted).ToList();
        lines.Add(("{}"u8.ToArray(), false));
        lines.Add((new byte[CallRecordParser.MaxRecordBytes + 1], false));
        lines.Add(("{\"call_id\":"u8.ToArray(), false));

        var (alerts, file) = ThroughFileScorer(lines);

        Assert.Equal(expected, alerts);
        Assert.Equal(expected.Count, file.Alerts);
        Assert.Equal(lastAlerted, AlertedLineNumbers(alerts)[^1]);
        Assert.Equal(lines.Count(l => !l.Valid), file.Invalid);
        Assert.Equal(1, file.InvalidByError[(int)RecordError.TooLarge]);
    }

    [Fact]
    public void Counts_by_pattern_and_engaged_victim_are_those_of_the_alerts_once_flushed()
    {
        var lines = Lines(calls: 4_000);
        var (alerts, file) = ThroughFileScorer(lines);

        var byPattern = new long[FraudPatterns.AllNames.Length];
        foreach (var alert in alerts)
        {
            var pattern = FraudPatterns.AllNames.IndexOf(Property(alert, "pattern") ?? "");
            Assert.True(pattern >= 0, $"unknown pattern in {alert}");
            byPattern[pattern]++;
        }
        Assert.Equal(byPattern, file.AlertsByPattern.ToArray());
        Assert.Equal(alerts.Count(a => a.Contains("\"victim_engaged\":true", StringComparison.Ordinal)), file.VictimEngaged);
    }

    [Fact]
    public void A_file_of_invalid_lines_only_scores_nothing_and_flushes_twice_alike()
    {
        using var alerts = new MemoryStream();
        var (file, scorer) = NewFileScorer(alerts);
        file.OnLine("{}"u8, 1, tooLarge: false);
        file.OnLine("nope"u8, 2, tooLarge: false);
        file.Flush();
        file.Flush();

        Assert.Equal((2L, 0L, 2L, 0L), (file.Read, file.Valid, file.Invalid, file.Alerts));
        Assert.Equal(0, alerts.Length);
        Assert.Equal(0, scorer.Featurizer.GetStats().TotalKeys);
    }

    [Fact]
    public void Dispose_without_flush_scores_the_last_valid_line()
    {
        var lines = Lines(calls: 4_000);
        var expected = LineAtATime(lines);
        lines = lines.Take(AlertedLineNumbers(expected)[^1]).ToList();
        using var alerts = new MemoryStream();
        var (file, _) = NewFileScorer(alerts);
        using (file)
        {
            Feed(file, lines);
            Assert.Equal(expected.Count - 1, file.Alerts); // the last, alerting line waits
        }

        Assert.Equal(expected.Count, file.Alerts);
        Assert.Equal(expected, Written(alerts));
    }

    [Fact]
    public void A_record_whose_alert_cannot_be_written_is_scored_once()
    {
        // The alerts' stream fails, as on a full disk: the alert that fills the buffer throws out of the line that had its
        // record scored. A flush after it (or the Dispose of a using block) must not score that record again.
        var lines = Lines(calls: 4_000);
        var (file, scorer) = NewFileScorer(new FailingStream());
        var thrown = false;
        for (var i = 0; i < lines.Count && !thrown; i++)
        {
            try
            {
                file.OnLine(lines[i].Bytes, i + 1, tooLarge: false);
            }
            catch (IOException)
            {
                thrown = true;
            }
        }
        Assert.True(thrown, "the alerts never filled the buffer");
        var (calls, alerts) = (scorer.Featurizer.GetStats().Calls, file.Alerts);

        Assert.Throws<IOException>(file.Flush);

        Assert.Equal(calls, scorer.Featurizer.GetStats().Calls);
        Assert.Equal(alerts, file.Alerts);
    }

    /// <summary>Generated calls, with an invalid line of a different kind in every 29th place.</summary>
    private static List<(byte[] Bytes, bool Valid)> Lines(int calls)
    {
        using var output = new MemoryStream();
        TrafficGenerator.Generate(new TrafficOptions { Calls = calls, Seed = 91 }, output, Stream.Null);
        var generated = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] invalid = ["{\"call_id\":", "[1,2]", "{\"call_id\":\"x\"}", "not json"];
        var lines = new List<(byte[], bool)>();
        for (var i = 0; i < generated.Length; i++)
        {
            if (i % 29 == 5)
            {
                lines.Add((Encoding.UTF8.GetBytes(invalid[i / 29 % invalid.Length]), false));
            }
            lines.Add((Encoding.UTF8.GetBytes(generated[i]), true));
        }
        return lines;
    }

    /// <summary>The reference: every valid line scored as soon as it is read, its alert written as file scoring writes one.</summary>
    private static List<string> LineAtATime(List<(byte[] Bytes, bool Valid)> lines)
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), DefaultModel.Value);
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AlertWriter(buffer, scorer.Model.FeatureNames);
        var alerts = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            var valid = CallRecordParser.TryParse(lines[i].Bytes, out var record, out _);
            Assert.Equal(lines[i].Valid, valid);
            if (!valid)
            {
                continue;
            }
            scorer.Score(record, out var scored);
            if (scored.Alerted)
            {
                buffer.ResetWrittenCount();
                writer.Write(record, scored, scorer.Model.Id, AlertSource.File("calls.ndjson", i + 1), DateTime.UnixEpoch);
                alerts.Add(WithoutDetectionTime(Encoding.UTF8.GetString(buffer.WrittenSpan)));
            }
        }
        return alerts;
    }

    private static (List<string> Alerts, FileScorer File) ThroughFileScorer(List<(byte[] Bytes, bool Valid)> lines)
    {
        using var alerts = new MemoryStream();
        var (file, _) = NewFileScorer(alerts);
        Feed(file, lines);
        file.Flush();
        return (Written(alerts), file);
    }

    /// <summary>File scoring of "calls.ndjson" with the default model and a fresh featurizer, its dead letters kept in memory.</summary>
    private static (FileScorer File, CallScorer Scorer) NewFileScorer(Stream alerts)
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), DefaultModel.Value);
        return (new FileScorer(scorer, "calls.ndjson", alerts, new DeadLetterFileWriter(new MemoryStream())), scorer);
    }

    /// <summary>The lines as the file reader hands them over: a line over the limit flagged, its first bytes given.</summary>
    private static void Feed(FileScorer file, List<(byte[] Bytes, bool Valid)> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var bytes = lines[i].Bytes;
            var tooLarge = bytes.Length > CallRecordParser.MaxRecordBytes;
            file.OnLine(tooLarge ? bytes.AsSpan(0, CallRecordParser.MaxRecordBytes) : bytes, i + 1, tooLarge);
        }
    }

    private static List<string> Written(MemoryStream alerts) =>
        [.. Encoding.UTF8.GetString(alerts.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(WithoutDetectionTime)];

    private static string? Property(string json, string name)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty(name).GetString();
    }

    /// <summary>An alert's JSON without its detection time, which is the clock's.</summary>
    private static string WithoutDetectionTime(string alert)
    {
        var start = alert.IndexOf(",\"detected_at\":\"", StringComparison.Ordinal);
        Assert.True(start > 0, $"no detected_at in {alert}");
        var end = alert.IndexOf('"', start + 16);
        return alert[..start] + alert[(end + 1)..];
    }

    private static List<int> AlertedLineNumbers(List<string> alerts) =>
        [.. alerts.Select(a => int.Parse(a[(a.LastIndexOf("\"line\":", StringComparison.Ordinal) + 7)..].TakeWhile(char.IsAsciiDigit).ToArray()))];

    /// <summary>A stream every write to which fails, as on a full disk.</summary>
    private sealed class FailingStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("the disk is full");

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("the disk is full");
    }
}
