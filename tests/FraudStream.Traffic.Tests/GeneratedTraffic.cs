using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FraudStream.Traffic.Tests;

/// <summary>One parsed call record with its label.</summary>
public sealed record Call(
    int Line, string Id, long StartMs, string Caller, string Callee, string Orig, string Trunk, string? Attest,
    string Disposition, int RingMs, double Duration, string Scheme, bool Fraud, string Campaign)
{
    public bool Answered => Disposition == "answered";

    /// <summary>Area code of a +1 number, or -1.</summary>
    public static int AreaCode(string number) =>
        number.Length == 12 && number.StartsWith("+1", StringComparison.Ordinal) ? int.Parse(number.AsSpan(2, 3), CultureInfo.InvariantCulture) : -1;

    public static string NpaNxx(string number) => number.Length == 12 ? number.Substring(2, 6) : "";
}

/// <summary>A generated data set held in memory: the raw bytes, the parsed calls and the summary.</summary>
public sealed class GeneratedTraffic
{
    private static readonly Dictionary<TrafficOptions, Lazy<GeneratedTraffic>> Cache = [];

    public required byte[] CallsBytes { get; init; }
    public required byte[] LabelsBytes { get; init; }
    public required IReadOnlyList<Call> Calls { get; init; }
    public required TrafficSummary Summary { get; init; }
    public required TrafficOptions Options { get; init; }

    /// <summary>The default mix: 24 hours, 8% scams.</summary>
    public static TrafficOptions Default { get; } = new() { Calls = 200_000, Seed = 11 };

    /// <summary>Three weekdays with 15% scams: engaged victims get their follow-up calls, alerts recur.</summary>
    public static TrafficOptions Heavy { get; } = new() { Calls = 150_000, Seed = 12, ScamShare = 0.15, Duration = TimeSpan.FromHours(72) };

    /// <summary>A quiet day (2% scams).</summary>
    public static TrafficOptions Quiet { get; } = new() { Calls = 100_000, Seed = 13, ScamShare = 0.02 };

    public IEnumerable<Call> Of(TrafficClass c) => Calls.Where(x => x.Scheme == c.Name());

    public static GeneratedTraffic Get(TrafficOptions options)
    {
        Lazy<GeneratedTraffic> lazy;
        lock (Cache)
        {
            if (!Cache.TryGetValue(options, out lazy!))
                Cache[options] = lazy = new Lazy<GeneratedTraffic>(() => Make(options));
        }
        return lazy.Value;
    }

    public static (byte[] Calls, byte[] Labels, TrafficSummary Summary) Raw(TrafficOptions options)
    {
        using var calls = new MemoryStream();
        using var labels = new MemoryStream();
        TrafficSummary summary = TrafficGenerator.Generate(options, calls, labels);
        return (calls.ToArray(), labels.ToArray(), summary);
    }

    private static GeneratedTraffic Make(TrafficOptions options)
    {
        var (callsBytes, labelsBytes, summary) = Raw(options);
        string[] labelLines = Encoding.UTF8.GetString(labelsBytes).Split('\n');
        string[] lines = Encoding.UTF8.GetString(callsBytes).Split('\n');
        var calls = new List<Call>(lines.Length);
        for (int i = 0; i < lines.Length - 1; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            JsonElement r = doc.RootElement;
            string[] label = labelLines[i + 1].Split(',');
            string? attest = r.TryGetProperty("attest", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            calls.Add(new Call(
                i + 1,
                r.GetProperty("call_id").GetString()!,
                DateTimeOffset.Parse(r.GetProperty("start").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(),
                r.GetProperty("caller").GetString()!,
                r.GetProperty("callee").GetString()!,
                r.GetProperty("orig_country").GetString()!,
                r.GetProperty("trunk").GetString()!,
                attest,
                r.GetProperty("disposition").GetString()!,
                r.GetProperty("ring_ms").GetInt32(),
                r.GetProperty("duration_s").GetDouble(),
                label[2],
                label[1] == "1",
                label[3]));
        }
        return new GeneratedTraffic { CallsBytes = callsBytes, LabelsBytes = labelsBytes, Calls = calls, Summary = summary, Options = options };
    }
}

/// <summary>Local time of a callee, from the generator's zone table (whose contents are tested separately).</summary>
internal static class LocalTime
{
    private static readonly Internal.Zones Zones = new(0, 4_102_444_800_000); // 1970-2100

    public static int ZoneOf(string number)
    {
        int npa = Call.AreaCode(number);
        return npa < 0 ? Internal.Zones.Eastern : Internal.NumberPlan.ZoneOfAreaCode(npa);
    }

    public static double Hour(string number, long utcMs) => Zones.LocalHour(ZoneOf(number), utcMs);

    public static int DayOfWeek(string number, long utcMs) => Zones.LocalDayOfWeek(ZoneOf(number), utcMs);

    public static long LocalMs(string number, long utcMs) => Zones.LocalMs(ZoneOf(number), utcMs);
}
