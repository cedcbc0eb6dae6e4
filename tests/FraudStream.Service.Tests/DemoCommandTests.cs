using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using FraudStream.Records;
using FraudStream.Service.Demo;

namespace FraudStream.Service.Tests;

/// <summary>Tests of <c>fraudstream demo</c> and its parts.</summary>
public sealed partial class DemoCommandTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public void Demo_with_a_duration_stops_by_itself_and_prints_the_summary_as_the_last_line_Integration()
    {
        var watch = Stopwatch.StartNew();
        var (exit, stdout, stderr) = RunCommandTests.RunProgram([], "demo", "--duration", "15", "--rate", "2000", "--metrics-port", "0");
        watch.Stop();

        Assert.True(exit == 0, stderr);
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        var match = Summary().Match(last);
        Assert.True(match.Success, $"last line: {last}");
        long Count(string name) => long.Parse(match.Groups[name].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(Count("consumed"), 15 * 2000 / 2, 15 * 2000 * 11 / 10); // paced at the rate, not as fast as possible
        Assert.Equal(Count("consumed"), Count("valid") + Count("invalid"));
        Assert.True(Count("invalid") > 0, "the demo traffic carries invalid records for the dead-letter topic");
        Assert.True(Count("alerts") > 0, "the demo raised no alert");
        Assert.Matches(@"(?m)^metrics=http://127\.0\.0\.1:\d+/metrics$", stderr);
        Assert.Matches(@"(?m)^bootstrap=127\.0\.0\.1:\d+$", stderr); // for an analyst's kcat
        Assert.Matches(@"(?m)^demo \d\d:\d\d:\d\d chunk 1: produced=\d+ consumed=\d+", stderr); // no terminal: progress lines
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(40), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Corrupt_breaks_a_record_in_every_way_it_knows()
    {
        var record = "{\"call_id\":\"c-1\",\"start\":\"2026-11-02T10:00:00.000Z\",\"caller\":\"+14155550100\",\"callee\":\"+14155550101\",\"orig_country\":\"US\",\"trunk\":\"t-1\",\"attest\":\"A\",\"disposition\":\"answered\",\"ring_ms\":5200,\"duration_s\":12.5}"u8;
        Assert.True(CallRecordParser.TryParse(record, out _, out _));
        var errors = new HashSet<RecordError>();
        for (var choice = 0; choice < 5; choice++)
        {
            var broken = InvalidRecords.Corrupt(record, choice);
            Assert.False(CallRecordParser.TryParse(broken, out _, out var failure));
            errors.Add(failure.Error);
        }
        Assert.Equal([RecordError.InvalidUtf8, RecordError.InvalidJson, RecordError.MissingField, RecordError.BadType, RecordError.BadValue], errors.Order());
    }

    [Fact]
    public void Chunks_have_call_ids_of_their_own_and_mix_in_invalid_records()
    {
        var directory = Path.Combine(Path.GetTempPath(), "fraudstream-demo-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var traffic = new DemoTraffic(rate: 50, invalidShare: 0.05, seed: 3, directory);
            var start = new DateTime(2026, 11, 2, 15, 0, 0, DateTimeKind.Utc);
            var first = traffic.Generate(1, start, TimeSpan.FromMinutes(1));
            var second = traffic.Generate(2, start.AddMinutes(1), TimeSpan.FromMinutes(1));

            var ids = new HashSet<string>();
            foreach (var chunk in new[] { first, second })
            {
                var lines = File.ReadAllLines(chunk.Path, Encoding.Latin1);
                Assert.Equal(chunk.Lines, lines.Length);
                Assert.Equal(3000, chunk.Lines - chunk.Invalid); // 50 calls/s for a minute
                Assert.InRange(chunk.Invalid, 1, 400);
                var valid = lines.Select(l => Encoding.Latin1.GetBytes(l)).Where(b => CallRecordParser.TryParse(b, out _, out _)).ToList();
                Assert.Equal(chunk.Lines - chunk.Invalid, valid.Count);
                Assert.All(valid, b =>
                {
                    Assert.True(CallRecordParser.TryParse(b, out var record, out _));
                    Assert.True(ids.Add(record.CallId.ToString()), "a call id repeated within or across chunks"); // alert ids stay unique
                    Assert.InRange(new DateTime(record.StartTicks, DateTimeKind.Utc), chunk.Start, chunk.Start + chunk.Length);
                });
            }
            Assert.Empty(Directory.GetFiles(directory, "*.generated.ndjson"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Stats_read_the_contract_metrics_from_the_exposition_text()
    {
        const string text = """
            # HELP fraudstream_records_consumed_total Records consumed.
            # TYPE fraudstream_records_consumed_total counter
            fraudstream_records_consumed_total{topic="calls"} 1000
            fraudstream_records_invalid_total{error="bad_value"} 3
            fraudstream_records_invalid_total{error="invalid_json"} 2
            fraudstream_records_invalid_total{error="bad_type"} 0
            fraudstream_alerts_total{pattern="wangiri"} 4
            fraudstream_alerts_total{pattern="government_impersonation"} 6
            fraudstream_victim_engaged_alerts_total 1
            fraudstream_consumer_lag_records{partition="0"} 7
            fraudstream_consumer_lag_records{partition="1"} 5
            fraudstream_event_lag_seconds 0.25
            fraudstream_model_info{model="fraud-gbt-1"} 1
            fraudstream_ready 1
            """;
        var stats = DemoStats.Parse(text);
        Assert.Equal(1000, stats.Consumed);
        Assert.Equal(5, stats.Invalid);
        Assert.Equal(995, stats.Valid);
        Assert.Equal(2, stats.InvalidByError.Count);
        Assert.Equal(10, stats.Alerts);
        Assert.Equal(6, stats.AlertsByPattern["government_impersonation"]);
        Assert.Equal(1, stats.VictimEngaged);
        Assert.Equal(12, stats.ConsumerLag);
        Assert.Equal(0.25, stats.EventLagSeconds);
        Assert.Equal("fraud-gbt-1", stats.Model);
        Assert.Equal(1, stats.Ready);
    }

    [Fact]
    public void Alert_summary_reads_pattern_score_engagement_and_reasons()
    {
        var alert = AlertSummary.TryParse("""{"alert_id":"c-9","call_id":"c-9","start":"2026-11-27T14:03:11.123Z","caller":"+18008291040","callee":"+14155550199","orig_country":"IN","trunk":"gw-in-017","score":0.973,"threshold":0.5,"model":"m","pattern":"government_impersonation","victim_engaged":true,"reasons":[{"feature":"caller_on_do_not_originate_list","value":1,"contribution":1.42},{"feature":"ring_ms","value":5200.5,"contribution":0.3}],"detected_at":"2026-11-27T14:03:11.130Z","source":{"topic":"calls","partition":3,"offset":12345}}"""u8);
        Assert.NotNull(alert);
        Assert.Equal("c-9", alert.CallId);
        Assert.Equal("government_impersonation", alert.Pattern);
        Assert.Equal(0.973, alert.Score);
        Assert.True(alert.VictimEngaged);
        Assert.Equal(["caller_on_do_not_originate_list=1", "ring_ms=5200.5"], alert.Reasons);
        Assert.Null(AlertSummary.TryParse("not json"u8));
    }

    [GeneratedRegex(@"^consumed=(?<consumed>\d+) valid=(?<valid>\d+) invalid=(?<invalid>\d+) alerts=(?<alerts>\d+)$")]
    private static partial Regex Summary();
}
