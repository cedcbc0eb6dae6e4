using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FraudStream.Traffic.Tests;

public sealed partial class FormatTests
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00)$")]
    private static partial Regex StartPattern();

    [GeneratedRegex(@"^(\+[1-9][0-9]{0,14}|anonymous)$")]
    private static partial Regex CallerPattern();

    [GeneratedRegex(@"^\+[1-9][0-9]{0,14}$")]
    private static partial Regex CalleePattern();

    [GeneratedRegex(@"^[\x21-\x7E]{1,64}$")]
    private static partial Regex IdPattern();

    private static readonly HashSet<string> Dispositions = ["answered", "no_answer", "busy", "failed", "rejected"];
    private static readonly HashSet<string> Fields = ["call_id", "start", "caller", "callee", "orig_country", "trunk", "attest", "disposition", "ring_ms", "duration_s"];

    public static TheoryData<string> DataSets => ["default", "heavy", "quiet"];

    internal static TrafficOptions Named(string name) => name switch
    {
        "heavy" => GeneratedTraffic.Heavy,
        "quiet" => GeneratedTraffic.Quiet,
        _ => GeneratedTraffic.Default,
    };

    [Fact]
    public void Generate_is_byte_identical_for_the_same_seed()
    {
        var options = new TrafficOptions { Calls = 30_000, Seed = 99 };
        var a = GeneratedTraffic.Raw(options);
        var b = GeneratedTraffic.Raw(options);
        Assert.Equal(a.Calls, b.Calls);
        Assert.Equal(a.Labels, b.Labels);
        var c = GeneratedTraffic.Raw(options with { Seed = 100 });
        Assert.NotEqual(a.Calls, c.Calls);
    }

    [Fact]
    public void Call_ids_are_unique_across_periods_and_seeds_and_name_both()
    {
        static HashSet<string> Ids(TrafficOptions options) =>
            [.. Encoding.UTF8.GetString(GeneratedTraffic.Raw(options).Labels).Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[0])];
        var day = new TrafficOptions { Calls = 5_000, Seed = 7 };
        var first = Ids(day);

        Assert.Contains("c-20261102T000000-7-000000001", first);
        Assert.Equal(first, Ids(day));
        Assert.Empty(first.Intersect(Ids(day with { Seed = 8 })));
        Assert.Empty(first.Intersect(Ids(day with { Start = day.Start.AddDays(1) })));
        Assert.Empty(first.Intersect(Ids(day with { Start = day.Start.AddSeconds(30) }))); // --start takes seconds
        // The longest prefix (the largest seed) leaves the ids within the contract's 64 printable bytes.
        Assert.All(Ids(day with { Seed = ulong.MaxValue }), id => Assert.Matches(IdPattern(), id));
    }

    [Theory]
    [MemberData(nameof(DataSets))]
    public void Every_line_is_a_valid_contract_record(string name)
    {
        GeneratedTraffic data = GeneratedTraffic.Get(Named(name));
        string text = Encoding.UTF8.GetString(data.CallsBytes);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        string[] lines = text[..^1].Split('\n');
        Assert.Equal(data.Options.Calls, lines.Length);
        var ids = new HashSet<string>();
        int nulls = 0, absent = 0;
        foreach (string line in lines)
        {
            Assert.True(Encoding.UTF8.GetByteCount(line) <= 65_536);
            using var doc = JsonDocument.Parse(line);
            JsonElement r = doc.RootElement;
            Assert.Equal(JsonValueKind.Object, r.ValueKind);
            var seen = new HashSet<string>();
            foreach (JsonProperty p in r.EnumerateObject())
            {
                Assert.True(seen.Add(p.Name), "duplicate field");
                Assert.Contains(p.Name, Fields);
            }
            string id = r.GetProperty("call_id").GetString()!;
            Assert.Matches(IdPattern(), id);
            Assert.True(ids.Add(id), "call ids are unique");
            string start = r.GetProperty("start").GetString()!;
            Assert.Matches(StartPattern(), start);
            Assert.True(DateTimeOffset.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
            Assert.Matches(CallerPattern(), r.GetProperty("caller").GetString()!);
            Assert.Matches(CalleePattern(), r.GetProperty("callee").GetString()!);
            string orig = r.GetProperty("orig_country").GetString()!;
            Assert.True(orig.Length == 2 && orig.All(char.IsAsciiLetterUpper));
            Assert.Matches(IdPattern(), r.GetProperty("trunk").GetString()!);
            if (r.TryGetProperty("attest", out JsonElement attest))
            {
                if (attest.ValueKind == JsonValueKind.Null)
                    nulls++;
                else
                    Assert.Contains(attest.GetString(), new[] { "A", "B", "C" });
            }
            else
                absent++;
            string disposition = r.GetProperty("disposition").GetString()!;
            Assert.Contains(disposition, Dispositions);
            JsonElement ring = r.GetProperty("ring_ms");
            Assert.Equal(JsonValueKind.Number, ring.ValueKind);
            Assert.DoesNotContain('.', ring.GetRawText());
            Assert.DoesNotContain("e", ring.GetRawText(), StringComparison.OrdinalIgnoreCase);
            Assert.InRange(ring.GetInt64(), 0, 600_000);
            JsonElement duration = r.GetProperty("duration_s");
            Assert.Equal(JsonValueKind.Number, duration.ValueKind);
            Assert.InRange(duration.GetDouble(), 0, 86_400);
            if (disposition != "answered")
                Assert.Equal(0, duration.GetDouble());
        }
        // Both spellings of "unsigned" occur.
        Assert.True(nulls > 0 && absent > 0);
    }

    [Theory]
    [MemberData(nameof(DataSets))]
    public void Records_are_out_of_order_by_at_most_five_seconds(string name)
    {
        IReadOnlyList<Call> calls = GeneratedTraffic.Get(Named(name)).Calls;
        long newest = long.MinValue, worst = 0;
        int late = 0;
        foreach (Call c in calls)
        {
            if (c.StartMs < newest)
            {
                late++;
                worst = Math.Max(worst, newest - c.StartMs);
            }
            newest = Math.Max(newest, c.StartMs);
        }
        Assert.True(worst <= 5000, $"a record is {worst} ms out of order");
        Assert.True(late > calls.Count / 100, "some records arrive out of order");
    }

    [Theory]
    [MemberData(nameof(DataSets))]
    public void Calls_lie_inside_the_simulated_period(string name)
    {
        GeneratedTraffic data = GeneratedTraffic.Get(Named(name));
        long from = new DateTimeOffset(data.Options.Start).ToUnixTimeMilliseconds();
        long to = from + (long)data.Options.Duration.TotalMilliseconds;
        Assert.All(data.Calls, c => Assert.InRange(c.StartMs, from, to));
    }

    [Theory]
    [MemberData(nameof(DataSets))]
    public void Labels_have_one_row_per_call_in_the_same_order(string name)
    {
        GeneratedTraffic data = GeneratedTraffic.Get(Named(name));
        string[] lines = Encoding.UTF8.GetString(data.LabelsBytes).TrimEnd('\n').Split('\n');
        Assert.Equal("call_id,is_fraud,scheme,campaign", lines[0]);
        Assert.Equal(data.Calls.Count + 1, lines.Length);
        for (int i = 0; i < data.Calls.Count; i++)
        {
            string[] cells = lines[i + 1].Split(',');
            Assert.Equal(4, cells.Length);
            Assert.Equal(data.Calls[i].Id, cells[0]);
            Assert.True(TrafficClasses.TryParse(cells[2], out TrafficClass cls));
            Assert.Equal(cls.IsFraud() ? "1" : "0", cells[1]);
            Assert.Equal(cls.IsFraud(), cells[3].Length > 0);
        }
        Assert.Equal(data.Summary.Fraud, data.Calls.Count(c => c.Fraud));
        Assert.Equal(data.Summary.Campaigns, data.Calls.Where(c => c.Fraud).Select(c => c.Campaign).Distinct().Count());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(137)]
    [InlineData(5_000)]
    public void Small_runs_make_exactly_the_calls_asked_for(int calls)
    {
        var (bytes, labels, summary) = GeneratedTraffic.Raw(new TrafficOptions { Calls = calls, Seed = 3 });
        Assert.Equal(calls, summary.Calls);
        Assert.Equal(calls, bytes.Count(b => b == (byte)'\n'));
        Assert.Equal(calls + 1, labels.Count(b => b == (byte)'\n'));
    }

    [Theory]
    [InlineData("2026-11-02T12:00:00", 0.5)]
    [InlineData("2026-11-07T03:17:00", 1)]     // a Saturday night: no business hours, no school slot
    [InlineData("2026-03-08T00:00:00", 24)]    // daylight saving starts
    [InlineData("2026-06-15T00:00:00", 200)]
    public void Odd_windows_still_generate_valid_traffic(string start, double hours)
    {
        var options = new TrafficOptions
        {
            Calls = 20_000,
            Seed = 5,
            Start = DateTime.SpecifyKind(DateTime.Parse(start, CultureInfo.InvariantCulture), DateTimeKind.Utc),
            Duration = TimeSpan.FromHours(hours),
        };
        var (_, _, summary) = GeneratedTraffic.Raw(options);
        Assert.Equal(20_000, summary.Calls);
        Assert.Equal(1600, summary.Fraud);
    }
}
