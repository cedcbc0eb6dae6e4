using System.Text;
using FraudStream.Records;
using FraudStream.Traffic;

namespace FraudStream.Service.Demo;

/// <summary>
/// The demo's live traffic, made by the generator one chunk at a time: chunk k covers the k-th stretch of real
/// time at the demo's rate, so calls arrive as densely as their <c>start</c> times say. Each chunk has its own
/// seed (so callers do not repeat chunk after chunk as a looped file would, and its call ids, which name the seed,
/// are its own), and a small share of invalid records mixed in.
/// </summary>
public sealed class DemoTraffic
{
    /// <summary>The shortest stretch the generator simulates.</summary>
    public static readonly TimeSpan MinChunk = TimeSpan.FromMinutes(1);

    private readonly double _rate;
    private readonly double _invalidShare;
    private readonly ulong _seed;
    private readonly string _directory;

    /// <summary>Chunks of <paramref name="rate"/> calls per second, written under <paramref name="directory"/>.</summary>
    public DemoTraffic(double rate, double invalidShare, ulong seed, string directory)
    {
        if (!double.IsFinite(rate) || rate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "the rate must be a positive number of calls per second");
        }
        if (!double.IsFinite(invalidShare) || invalidShare is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(invalidShare), invalidShare, "the invalid share must be between 0 and 1");
        }
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _rate = rate;
        _invalidShare = invalidShare;
        _seed = seed;
        _directory = directory;
    }

    /// <summary>
    /// Generates chunk <paramref name="chunk"/> (from 1): the calls of <paramref name="length"/> (at least a minute)
    /// of traffic from <paramref name="start"/>, as an NDJSON file whose path is returned.
    /// </summary>
    public ChunkFile Generate(int chunk, DateTime start, TimeSpan length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        if (length < MinChunk)
        {
            length = MinChunk;
        }
        var calls = (int)Math.Clamp(Math.Round(_rate * length.TotalSeconds), 1, TrafficOptions.MaxCalls);
        var options = new TrafficOptions
        {
            Calls = calls,
            Seed = _seed + (ulong)(chunk - 1),
            Start = new DateTime(start.Ticks - (start.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc),
            Duration = length,
        };
        Directory.CreateDirectory(_directory);
        var raw = Path.Combine(_directory, $"chunk-{chunk}.generated.ndjson");
        var path = Path.Combine(_directory, $"chunk-{chunk}.ndjson");
        try
        {
            using (var generated = new FileStream(raw, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                TrafficGenerator.Generate(options, generated, Stream.Null);
            }
            var invalid = Rewrite(raw, path, options.Seed);
            return new ChunkFile(chunk, path, calls + invalid, invalid, options.Start, length);
        }
        finally
        {
            File.Delete(raw);
        }
    }

    /// <summary>Copies the generated lines, mixing in invalid records; returns how many.</summary>
    private long Rewrite(string from, string to, ulong seed)
    {
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32) ^ 0x5EED));
        long invalid = 0;
        using var output = new FileStream(to, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var bytes = new byte[4096];
        foreach (var generated in File.ReadLines(from, Encoding.UTF8))
        {
            var line = generated;
            var length = Encoding.UTF8.GetByteCount(line);
            if (length + 1 > bytes.Length)
            {
                bytes = new byte[length + 1];
            }
            Encoding.UTF8.GetBytes(line, bytes);
            bytes[length] = (byte)'\n';
            output.Write(bytes, 0, length + 1);
            if (_invalidShare > 0 && random.NextDouble() < _invalidShare)
            {
                output.Write(InvalidRecords.Corrupt(bytes.AsSpan(0, length), random.Next()));
                output.WriteByte((byte)'\n');
                invalid++;
            }
        }
        return invalid;
    }
}

/// <summary>One generated chunk of demo traffic.</summary>
/// <param name="Chunk">Its number, from 1.</param>
/// <param name="Path">The NDJSON file.</param>
/// <param name="Lines">Lines in the file (calls plus invalid records).</param>
/// <param name="Invalid">Invalid records mixed in.</param>
/// <param name="Start">The simulated start of its first call.</param>
/// <param name="Length">The stretch of time it covers.</param>
public sealed record ChunkFile(int Chunk, string Path, long Lines, long Invalid, DateTime Start, TimeSpan Length);

/// <summary>Turns a valid call record into an invalid one, the way exporters break them in practice.</summary>
public static class InvalidRecords
{
    /// <summary>A broken copy of <paramref name="record"/>; <paramref name="choice"/> picks the kind of damage.</summary>
    public static byte[] Corrupt(ReadOnlySpan<byte> record, int choice)
    {
        var text = Encoding.UTF8.GetString(record);
        byte[]? broken = ((choice & 0x7FFFFFFF) % 5) switch
        {
            // invalid_json: cut off mid-record (a lost tail)
            0 => record[..(record.Length / 2)].ToArray(),
            // missing_field: the trunk under another name
            1 => Replace(text, "\"trunk\":", "\"trunk_id\":"),
            // bad_type: ring_ms quoted as a string
            2 => QuoteNumber(text, "\"ring_ms\":"),
            // bad_value: a three-letter country code
            3 => Replace(text, "\"orig_country\":\"", "\"orig_country\":\"X"),
            // invalid_utf8: a Latin-1 byte where UTF-8 was promised
            _ => InsertLatin1(record),
        };
        // Anything that did not apply (or still parses) becomes a cut-off record.
        return broken is not null && !CallRecordParser.TryParse(broken, out _, out _) ? broken : record[..(record.Length / 2)].ToArray();
    }

    private static byte[]? Replace(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        return at < 0 ? null : Encoding.UTF8.GetBytes(text[..at] + to + text[(at + from.Length)..]);
    }

    private static byte[]? QuoteNumber(string text, string property)
    {
        var at = text.IndexOf(property, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var valueStart = at + property.Length;
        var valueEnd = valueStart;
        while (valueEnd < text.Length && (char.IsAsciiDigit(text[valueEnd]) || text[valueEnd] is '.' or '-'))
        {
            valueEnd++;
        }
        return valueEnd == valueStart ? null
            : Encoding.UTF8.GetBytes(text[..valueStart] + "\"" + text[valueStart..valueEnd] + "\"" + text[valueEnd..]);
    }

    private static byte[] InsertLatin1(ReadOnlySpan<byte> record)
    {
        var trunk = record.IndexOf("\"trunk\":\""u8);
        if (trunk < 0)
        {
            return record[..(record.Length / 2)].ToArray();
        }
        var at = trunk + "\"trunk\":\""u8.Length;
        var bytes = new byte[record.Length + 1];
        record[..at].CopyTo(bytes);
        bytes[at] = 0xE9; // 'é' in Latin-1: not UTF-8 on its own
        record[at..].CopyTo(bytes.AsSpan(at + 1));
        return bytes;
    }
}
