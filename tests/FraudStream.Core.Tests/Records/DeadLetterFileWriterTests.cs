using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using FraudStream.Records;
using static FraudStream.Core.Tests.Records.RecordSamples;

namespace FraudStream.Core.Tests.Records;

public sealed class DeadLetterFileWriterTests
{
    private static List<JsonElement> Lines(MemoryStream stream)
    {
        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public void Write_produces_the_contract_dead_letter()
    {
        var stream = new MemoryStream();
        var raw = Utf8(With("caller", null));
        CallRecordParser.TryParse(raw, out _, out var failure);
        using (var writer = new DeadLetterFileWriter(stream, leaveOpen: true))
        {
            writer.Write("calls.ndjson", 17, failure, raw, truncated: false);
            Assert.Equal(1, writer.Count);
        }

        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Equal(
            "{\"source\":\"calls.ndjson:17\",\"error\":\"missing_field\",\"detail\":\"caller is required\",\"raw_base64\":\""
                + Convert.ToBase64String(raw) + "\"}\n",
            text);
    }

    [Fact]
    public void Write_marks_only_too_large_lines_truncated_and_keeps_details_readable()
    {
        var stream = new MemoryStream();
        var big = new byte[CallRecordParser.MaxRecordBytes];
        Random.Shared.NextBytes(big);
        var bad = Utf8(With("caller", "\"x\""));
        using (var writer = new DeadLetterFileWriter(stream, leaveOpen: true))
        {
            CallRecordParser.TryParse(bad, out _, out var badValue);
            writer.Write("dir/caf\u00e9 \"q\".ndjson", 1, badValue, bad, truncated: false);
            writer.Write("dir/caf\u00e9 \"q\".ndjson", 123_456_789_012, CallRecordParser.TooLargeFailure, big, truncated: true);
            writer.Write("-", 3, CallRecordParser.Validate([]), [], truncated: false);
        }

        var lines = Lines(stream);
        Assert.Equal(3, lines.Count);
        Assert.Equal("dir/caf\u00e9 \"q\".ndjson:1", lines[0].GetProperty("source").GetString());
        Assert.Equal("bad_value", lines[0].GetProperty("error").GetString());
        Assert.Equal("caller must be + and 1 to 15 digits, or anonymous", lines[0].GetProperty("detail").GetString());
        Assert.False(lines[0].TryGetProperty("truncated", out _));
        Assert.Contains("\"detail\":\"caller must be + and", Encoding.UTF8.GetString(stream.ToArray()), StringComparison.Ordinal);

        Assert.Equal("dir/caf\u00e9 \"q\".ndjson:123456789012", lines[1].GetProperty("source").GetString());
        Assert.Equal("too_large", lines[1].GetProperty("error").GetString());
        Assert.True(lines[1].GetProperty("truncated").GetBoolean());
        Assert.Equal(big, lines[1].GetProperty("raw_base64").GetBytesFromBase64());

        Assert.Equal("-:3", lines[2].GetProperty("source").GetString());
        Assert.Equal("invalid_json", lines[2].GetProperty("error").GetString());
        Assert.Equal("", lines[2].GetProperty("raw_base64").GetString());
    }

    [Fact]
    public void Write_buffers_and_flushes_everything_on_dispose()
    {
        var stream = new MemoryStream();
        var raw = Utf8(Valid[..^1]);
        var failure = CallRecordParser.Validate(raw);
        var writer = new DeadLetterFileWriter(stream, leaveOpen: true);
        for (var i = 1; i <= 5000; i++)
        {
            writer.Write("calls.ndjson", i, failure, raw, truncated: false);
        }
        var written = stream.Length;
        writer.Dispose();
        var total = stream.Length;

        Assert.InRange(written, 1, total - 1); // written in blocks while it goes, the rest on dispose
        Assert.True(total - written <= DeadLetterFileWriter.FlushThreshold);
        Assert.Equal(5000, Lines(stream).Count);
        Assert.True(stream.CanRead); // left open

        var closing = new MemoryStream();
        new DeadLetterFileWriter(closing).Dispose();
        Assert.False(closing.CanRead);
    }

    [Fact]
    public async Task Write_then_dispose_async_keeps_every_line()
    {
        var stream = new MemoryStream();
        var raw = Utf8("[]");
        await using (var writer = new DeadLetterFileWriter(stream, leaveOpen: true))
        {
            for (var i = 1; i <= 3000; i++)
            {
                writer.Write("a.ndjson", i, CallRecordParser.Validate(raw), raw, truncated: false);
            }
            await writer.FlushAsync();
        }
        var lines = Lines(stream);
        Assert.Equal(3000, lines.Count);
        Assert.Equal("a.ndjson:3000", lines[^1].GetProperty("source").GetString());
        Assert.All(lines, l => Assert.Equal("not_object", l.GetProperty("error").GetString()));
    }

    [Fact]
    public void Write_allocates_nothing_per_line()
    {
        using var writer = new DeadLetterFileWriter(Stream.Null);
        var raw = Utf8(With(("disposition", "\"busy\""), ("duration_s", "1")));
        var failure = CallRecordParser.Validate(raw);
        const string source = "calls.ndjson";
        for (var i = 0; i < 2000; i++)
        {
            writer.Write(source, i, failure, raw, truncated: false);
        }
        var allocated = Allocations.LeastOfThree(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                writer.Write(source, i, failure, raw, truncated: i % 2 == 0);
            }
        });
        Assert.Equal(0, allocated);
    }

    /// <summary>Line reader, parser and dead-letter writer together, as the command line uses them.</summary>
    [Fact]
    public async Task File_of_mixed_lines_gives_one_dead_letter_per_invalid_line()
    {
        var longLine = new string('x', 70_000);
        byte[] input = [0xEF, 0xBB, 0xBF, .. Utf8(Valid + "\r\n\r\n" + With("caller", null) + "\n" + longLine + "\r\n" + Valid)];
        var output = new MemoryStream();
        long lines;
        await using (var writer = new DeadLetterFileWriter(output, leaveOpen: true))
        {
            var handler = new DeadLetterHandler(writer, "calls.ndjson");
            lines = await NdjsonLineReader.ReadAllAsync(PipeReader.Create(new System.Buffers.ReadOnlySequence<byte>(input)), handler);
            Assert.Equal(2, handler.Valid);
        }
        Assert.Equal(5, lines);
        var letters = Lines(output);
        Assert.Equal(["calls.ndjson:2", "calls.ndjson:3", "calls.ndjson:4"], letters.Select(l => l.GetProperty("source").GetString()));
        Assert.Equal(["invalid_json", "missing_field", "too_large"], letters.Select(l => l.GetProperty("error").GetString()));
        Assert.Equal("caller is required", letters[1].GetProperty("detail").GetString());
        Assert.Equal(Utf8(With("caller", null)), letters[1].GetProperty("raw_base64").GetBytesFromBase64());
        Assert.Equal(Utf8(longLine[..CallRecordParser.MaxRecordBytes]), letters[2].GetProperty("raw_base64").GetBytesFromBase64());
        Assert.True(letters[2].GetProperty("truncated").GetBoolean());
        Assert.False(letters[0].TryGetProperty("truncated", out _));
    }

    private sealed class DeadLetterHandler(DeadLetterFileWriter writer, string source) : ILineHandler
    {
        public int Valid { get; private set; }

        public void OnLine(ReadOnlySpan<byte> line, long lineNumber, bool tooLarge)
        {
            if (tooLarge)
            {
                writer.Write(source, lineNumber, CallRecordParser.TooLargeFailure, line, truncated: true);
            }
            else if (CallRecordParser.TryParse(line, out _, out var failure))
            {
                Valid++;
            }
            else
            {
                writer.Write(source, lineNumber, failure, line, truncated: false);
            }
        }
    }
}
