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
    public void The_last_valid_line_is_scored_by_flush()
    {
        // Cut the file just after a line that alerts: that line waits for a next valid line that never comes.
        var lines = Lines(calls: 4_000);
        var expected = LineAtATime(lines);
        var lastAlerted = AlertedLineNumbers(expected)[^1];
        lines = lines.Take(lastAlerted).ToList();

        var (alerts, file) = ThroughFileScorer(lines);

        Assert.Equal(expected, alerts);
        Assert.Equal(expected.Count, file.Alerts);
        Assert.Equal(lastAlerted, AlertedLineNumbers(alerts)[^1]);
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
        var scorer = new CallScorer(Featurizer.CreateDefault(), DefaultModel.Value);
        using var alerts = new MemoryStream();
        using var deadLetters = new DeadLetterFileWriter(new MemoryStream());
        var file = new FileScorer(scorer, "calls.ndjson", alerts, deadLetters);
        for (var i = 0; i < lines.Count; i++)
        {
            file.OnLine(lines[i].Bytes, i + 1, tooLarge: false);
        }
        file.Flush();
        var written = Encoding.UTF8.GetString(alerts.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return ([.. written.Select(WithoutDetectionTime)], file);
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
}
