using System.Buffers;
using System.IO.Pipelines;
using FraudStream.Records;
using static FraudStream.Core.Tests.Records.RecordSamples;

namespace FraudStream.Core.Tests.Records;

public sealed class NdjsonLineReaderTests
{
    private const int Max = CallRecordParser.MaxRecordBytes;

    private sealed record Line(byte[] Bytes, long Number, bool TooLarge);

    private sealed class Collector : ILineHandler
    {
        public List<Line> Lines { get; } = [];

        public void OnLine(ReadOnlySpan<byte> line, long lineNumber, bool tooLarge) =>
            Lines.Add(new Line(line.ToArray(), lineNumber, tooLarge));
    }

    /// <summary>What the reader must produce, computed the obvious way from the whole input.</summary>
    private static List<Line> Expected(byte[] input)
    {
        var lines = new List<Line>();
        var start = input.AsSpan().StartsWith((byte[])[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        long number = 0;
        while (start < input.Length)
        {
            var lf = Array.IndexOf(input, (byte)'\n', start);
            var end = lf < 0 ? input.Length : lf;
            var contentEnd = lf >= 0 && end > start && input[end - 1] == '\r' ? end - 1 : end;
            var length = contentEnd - start;
            lines.Add(new Line(input.AsSpan(start, Math.Min(length, Max)).ToArray(), ++number, length > Max));
            start = lf < 0 ? input.Length : lf + 1;
        }
        return lines;
    }

    private static List<Line> Read(ReadOnlySequence<byte> sequence)
    {
        var collector = new Collector();
        var count = NdjsonLineReader.ReadAllAsync(PipeReader.Create(sequence), collector).GetAwaiter().GetResult();
        Assert.Equal(collector.Lines.Count, count);
        return collector.Lines;
    }

    private static async Task<List<Line>> ReadStream(Stream stream, int bufferSize = 4096)
    {
        var collector = new Collector();
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: bufferSize, minimumReadSize: 1));
        var count = await NdjsonLineReader.ReadAllAsync(reader, collector);
        await reader.CompleteAsync();
        Assert.Equal(collector.Lines.Count, count);
        return collector.Lines;
    }

    private static void AssertLines(List<Line> expected, List<Line> actual, string context)
    {
        Assert.True(expected.Count == actual.Count, $"{context}: {actual.Count} lines, expected {expected.Count}");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Number == actual[i].Number && expected[i].TooLarge == actual[i].TooLarge
                && expected[i].Bytes.AsSpan().SequenceEqual(actual[i].Bytes), $"{context}: line {i + 1} differs");
        }
    }

    public static TheoryData<string, byte[]> Inputs => new()
    {
        { "LF lines", Utf8(Valid + "\n" + Valid + "\n") },
        { "CRLF lines", Utf8(Valid + "\r\n" + Valid + "\r\n") },
        { "no final newline", Utf8(Valid + "\n" + Valid) },
        { "byte-order mark", [0xEF, 0xBB, 0xBF, .. Utf8("{}\r\n{\"a\":1}\n")] },
        { "byte-order mark only", [0xEF, 0xBB, 0xBF] },
        { "byte-order mark later is kept", Utf8("{}\n\uFEFF{}\n") },
        { "two bytes of a mark", [0xEF, 0xBB] },
        { "blank lines", Utf8("\n\r\n{}\n\n") },
        { "lone CR kept", Utf8("a\rb\n\r\rc\r") },
        { "CR before CRLF", Utf8("x\r\r\n") },
        { "only a newline", Utf8("\n") },
        { "empty", [] },
        { "mixed", [0xEF, 0xBB, 0xBF, .. Utf8("\r\n" + Valid + "\r\n\n{\"x\":\"\u00e9\"}\r\nlast\r")] },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Read_matches_the_reference_whole_and_split_at_every_byte(string name, byte[] input)
    {
        var expected = Expected(input);
        AssertLines(expected, Read(new ReadOnlySequence<byte>(input)), $"{name} whole");
        for (var split = 0; split <= input.Length; split++)
        {
            AssertLines(expected, Read(Segments.Of(input, [split])), $"{name} split at {split}");
        }
        AssertLines(expected, Read(Segments.OneBytePerSegment(input)), $"{name} one byte per segment");
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Read_matches_the_reference_one_byte_per_read(string name, byte[] input)
    {
        AssertLines(Expected(input), await ReadStream(new TrickleStream(input, 1)), $"{name} one byte per read");
        AssertLines(Expected(input), await ReadStream(new TrickleStream(input, 7)), $"{name} seven bytes per read");
    }

    [Fact]
    public void Read_examples_give_the_documented_lines()
    {
        var lines = Read(new ReadOnlySequence<byte>([0xEF, 0xBB, 0xBF, .. Utf8("{\"a\":1}\r\n\r\n\nlast")]));
        Assert.Equal(["{\"a\":1}", "", "", "last"], lines.Select(l => System.Text.Encoding.UTF8.GetString(l.Bytes)));
        Assert.Equal([1L, 2L, 3L, 4L], lines.Select(l => l.Number));
        Assert.All(lines, l => Assert.False(l.TooLarge));
    }

    public static TheoryData<string, byte[]> LongLines => new()
    {
        { "70,000-byte line between two records", Utf8("{}\n" + new string('x', 70_000) + "\n{\"a\":1}\n") },
        { "70,000-byte line with CRLF and no final newline", Utf8(new string('y', 70_000) + "\r\n" + Valid) },
        { "exactly 65,536 bytes and CRLF", Utf8(new string('z', Max) + "\r\n{}") },
        { "exactly 65,536 bytes at the end", Utf8("{}\n" + new string('z', Max)) },
        { "65,537 bytes", Utf8(new string('w', Max + 1) + "\n{}\n") },
        { "65,536 bytes and a lone CR", Utf8(new string('v', Max) + "\r" + "\n") },
        { "65,536 bytes, CR, then more", Utf8(new string('v', Max) + "\rq\n{}") },
        { "70,000-byte last line", Utf8("{}\n" + new string('u', 70_000)) },
    };

    [Theory]
    [MemberData(nameof(LongLines))]
    public async Task Read_reports_a_line_over_65536_bytes_once_with_its_first_65536_bytes(string name, byte[] input)
    {
        var expected = Expected(input);
        AssertLines(expected, Read(new ReadOnlySequence<byte>(input)), $"{name} whole");
        foreach (var split in new[] { 0, 1, 2, 3, 4, Max - 1, Max, Max + 1, Max + 2, Max + 3, Max + 4, 69_999, 70_000, 70_001, 70_002, input.Length - 1 })
        {
            if (split <= input.Length)
            {
                AssertLines(expected, Read(Segments.Of(input, [split])), $"{name} split at {split}");
            }
        }
        AssertLines(expected, Read(Segments.Of(input, [4096, 8192, 65_530, 65_540, 65_541])), $"{name} several segments");
        AssertLines(expected, Read(Segments.OneBytePerSegment(input)), $"{name} one byte per segment");
        AssertLines(expected, await ReadStream(new TrickleStream(input, 1)), $"{name} one byte per read");
        AssertLines(expected, await ReadStream(new TrickleStream(input, 4093), bufferSize: 4096), $"{name} odd reads");
    }

    [Fact]
    public async Task Read_does_not_buffer_the_rest_of_an_over_long_line()
    {
        const int length = 8 * 1024 * 1024;
        var input = new byte[length + 4];
        input.AsSpan(0, length).Fill((byte)'x');
        "\n{}\n"u8.CopyTo(input.AsSpan(length));
        var stream = new TrickleStream(input, 16 * 1024);
        long positionAtReport = -1;
        var handler = new ProbeHandler(stream, p => positionAtReport = p);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024));
        var count = await NdjsonLineReader.ReadAllAsync(reader, handler);
        await reader.CompleteAsync();

        Assert.Equal(2, count);
        Assert.InRange(positionAtReport, Max, Max + (64 * 1024)); // reported before the rest was read
        Assert.True(handler.Sizes.SequenceEqual([Max, 2]));
        Assert.True(handler.Flags.SequenceEqual([true, false]));
    }

    [Fact]
    public void Read_allocates_nothing_per_line()
    {
        static long AllocatedFor(int records, int segmentSize)
        {
            var input = Utf8(string.Concat(Enumerable.Repeat(Valid + "\r\n", records)));
            var boundaries = Enumerable.Range(1, (input.Length - 1) / segmentSize).Select(i => i * segmentSize).ToArray();
            var sequence = Segments.Of(input, boundaries);
            var handler = new CountingHandler();
            NdjsonLineReader.ReadAllAsync(PipeReader.Create(sequence), handler).GetAwaiter().GetResult(); // warm up
            var before = GC.GetAllocatedBytesForCurrentThread();
            var count = NdjsonLineReader.ReadAllAsync(PipeReader.Create(sequence), handler).GetAwaiter().GetResult();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(records, count);
            return allocated;
        }

        // Lines split across segments (100-byte segments) and lines within one (64 KiB segments). Each count is read
        // three times and the least taken: an allocation per line shows in every read, while the runtime's own one-off
        // work on this thread (once 4,080 bytes in a CI run, its cause not found) does not.
        foreach (var segmentSize in new[] { 100, 64 * 1024 })
        {
            var few = Enumerable.Range(0, 3).Min(_ => AllocatedFor(10, segmentSize));
            var many = Enumerable.Range(0, 3).Min(_ => AllocatedFor(10_000, segmentSize));
            Assert.True(many - few < 1024, $"segments of {segmentSize}: {few} bytes for 10 lines, {many} for 10,000");
        }
    }

    [Fact]
    public async Task Open_reads_a_file_by_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fraudstream-lines-{Guid.NewGuid():N}.ndjson");
        try
        {
            await File.WriteAllBytesAsync(path, [0xEF, 0xBB, 0xBF, .. Utf8(Valid + "\r\n\r\n" + Valid)]);
            var handler = new Collector();
            var count = await NdjsonLineReader.ReadFileAsync(path, handler);
            Assert.Equal(3, count);
            Assert.Equal(Utf8(Valid), handler.Lines[0].Bytes);
            Assert.Empty(handler.Lines[1].Bytes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class CountingHandler : ILineHandler
    {
        public long Bytes { get; private set; }

        public void OnLine(ReadOnlySpan<byte> line, long lineNumber, bool tooLarge) => Bytes += line.Length;
    }

    private sealed class ProbeHandler(TrickleStream stream, Action<long> onTooLarge) : ILineHandler
    {
        public List<int> Sizes { get; } = [];

        public List<bool> Flags { get; } = [];

        public void OnLine(ReadOnlySpan<byte> line, long lineNumber, bool tooLarge)
        {
            if (tooLarge)
            {
                onTooLarge(stream.Position);
            }
            Sizes.Add(line.Length);
            Flags.Add(tooLarge);
        }
    }
}

/// <summary>Builds read-only sequences with segment boundaries where a test wants them.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(byte[] input, int[] boundaries)
    {
        var cuts = boundaries.Where(b => b > 0 && b < input.Length).Distinct().Order().ToList();
        cuts.Add(input.Length);
        var first = new Segment(input.AsMemory(0, cuts[0]), 0);
        var last = first;
        for (var i = 1; i < cuts.Count; i++)
        {
            last = last.Append(input.AsMemory(cuts[i - 1], cuts[i] - cuts[i - 1]));
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] input) =>
        Of(input, Enumerable.Range(1, Math.Max(0, input.Length - 1)).ToArray());

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

/// <summary>A read-only stream that returns at most a given number of bytes per read.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
