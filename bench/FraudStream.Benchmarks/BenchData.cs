using FraudStream.Features;
using FraudStream.Records;
using FraudStream.Scoring;
using FraudStream.Traffic;

namespace FraudStream.Benchmarks;

/// <summary>
/// Realistic inputs for the micro-benchmarks: generated call records (the default traffic mix), and a
/// featurizer warmed to a realistic size (1M callers, 10k trunks, 1M callees tracked).
/// </summary>
public static class BenchData
{
    public const int Records = 1 << 16;

    /// <summary>
    /// The event time the generated records span: 65,536 calls in ten minutes is about 110 calls/s, the
    /// rate of a carrier whose state holds a million callers.
    /// </summary>
    public static readonly TimeSpan PassDuration = TimeSpan.FromMinutes(10);

    /// <summary>Calls fed to the featurizer before measuring, over distinct callers, trunks and callees.</summary>
    public const int WarmCallers = 1_000_000;
    public const int WarmTrunks = 10_000;
    public const int WarmCallees = 1_000_000;

    private static byte[][]? _lines;

    /// <summary>Generated call records, one JSON line each (without line ending).</summary>
    public static byte[][] Lines => _lines ??= GenerateLines();

    public static CallRecord[] ParseAll()
    {
        var lines = Lines;
        var records = new CallRecord[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            if (!CallRecordParser.TryParse(lines[i], out records[i], out var failure))
            {
                throw new InvalidOperationException($"generated line {i} is invalid: {failure.Code} {failure.Detail}");
            }
        }
        return records;
    }

    /// <summary>
    /// A featurizer holding 1M callers, 10k trunks and 1M callees, all seen within the last hour before
    /// <paramref name="warmEnd"/> (so none is evicted while measuring).
    /// </summary>
    public static Featurizer WarmFeaturizer(DateTime warmEnd)
    {
        var featurizer = Featurizer.CreateDefault();
        Span<float> features = stackalloc float[FeatureSchema.Current.Count];
        var record = default(CallRecord);
        record.CallId.TrySet("warm"u8);
        record.StartText.TrySet("2026-11-02T00:00:00Z"u8);
        record.OrigCountry = CountryCode.UnitedStates;
        record.Attest = Attestation.A;
        record.Disposition = Disposition.Answered;
        record.RingMs = 4000;
        record.DurationS = 60;
        Span<byte> trunk = stackalloc byte[16];
        var start = warmEnd.AddHours(-1).Ticks;
        var step = TimeSpan.FromHours(1).Ticks / WarmCallers;
        for (var i = 0; i < WarmCallers; i++)
        {
            // Distinct NANP callers and callees in real area codes; trunks cycle.
            record.Caller = new PhoneNumber(1_212_000_0000UL + (ulong)i, 11);
            record.Callee = new PhoneNumber(1_415_000_0000UL + (ulong)((i * 7919L) % WarmCallees), 11);
            "trunk-"u8.CopyTo(trunk);
            (i % WarmTrunks).TryFormat(trunk[6..], out var n);
            record.Trunk.TrySet(trunk[..(6 + n)]);
            record.StartTicks = start + (i * step);
            featurizer.Featurize(record, features);
        }
        return featurizer;
    }

    /// <summary>The shipped model (models/default.zip beside the benchmark program, or up the folder tree).</summary>
    public static FraudModel LoadDefaultModel() => FraudModel.Load(FraudModel.DefaultPath());

    private static byte[][] GenerateLines()
    {
        using var calls = new MemoryStream();
        TrafficGenerator.Generate(new TrafficOptions { Calls = Records, Seed = 424242, Duration = PassDuration }, calls, Stream.Null);
        var text = calls.ToArray();
        var lines = new List<byte[]>(Records);
        var begin = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == (byte)'\n')
            {
                lines.Add(text[begin..i]);
                begin = i + 1;
            }
        }
        return [.. lines];
    }
}
