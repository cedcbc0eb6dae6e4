using System.Text;
using System.Text.Json;

namespace FraudStream.Cli.Tests;

public sealed class ScoreCommandTests
{
    [Fact]
    public void Score_accounts_for_every_line_of_a_mixed_file()
    {
        using var dir = new TempDir();
        var generated = CliRunner.Run(null, "generate", "--calls", "20000", "--seed", "71", "--out", dir.Path);
        Assert.True(generated.ExitCode == 0, generated.StdErr);

        // Interleave invalid lines of every kind among the valid ones; remember their line numbers.
        var valid = File.ReadAllLines(dir.File("calls.ndjson"));
        var invalid = new (string Line, string Code)[]
        {
            ("", "invalid_json"),
            ("{\"call_id\":\"x\"", "invalid_json"),
            ("[1,2,3]", "not_object"),
            (valid[10].Replace("\"caller\":", "\"caller\":1,\"caller\":", StringComparison.Ordinal), "bad_type"),
            (System.Text.RegularExpressions.Regex.Replace(valid[11], "\"disposition\":\"[a-z_]+\"", "\"disposition\":\"maybe\""), "bad_value"),
            ("{\"call_id\":\"only\"}", "missing_field"),
            (new string('x', 70_000), "too_large"),
        };
        var lines = new List<byte[]>();
        var expectedInvalid = new Dictionary<long, string>();
        var k = 0;
        for (var i = 0; i < valid.Length; i++)
        {
            lines.Add(Encoding.UTF8.GetBytes(valid[i]));
            if (i % 1000 == 500 && k < invalid.Length)
            {
                lines.Add(Encoding.UTF8.GetBytes(invalid[k].Line));
                expectedInvalid[lines.Count] = invalid[k].Code;
                k++;
            }
        }
        lines.Add([0xFF, 0xFE, 0x00, 0x7B]);
        expectedInvalid[lines.Count] = "invalid_utf8";
        var input = dir.File("mixed.ndjson");
        File.WriteAllBytes(input, [.. lines.SelectMany(l => l.Append((byte)'\n'))]);

        var result = CliRunner.Run(null, "score", "--input", input, "--alerts", dir.File("alerts.ndjson"));

        Assert.True(result.ExitCode == 0, result.StdErr);
        var summary = result.Summary;
        Assert.Equal(lines.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), summary["read"]);
        Assert.Equal(valid.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), summary["valid"]);
        Assert.Equal(expectedInvalid.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), summary["invalid"]);
        Assert.Matches(@"^read=\d+ valid=\d+ invalid=\d+ alerts=\d+$", result.LastLine);

        // Dead letters: exactly the invalid lines, with their codes and exact bytes.
        var deadLetters = File.ReadAllLines(dir.File("dead-letters.ndjson")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(expectedInvalid.Count, deadLetters.Count);
        foreach (var letter in deadLetters)
        {
            var source = letter.GetProperty("source").GetString()!;
            var lineNumber = long.Parse(source[(source.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(input, source[..source.LastIndexOf(':')]);
            Assert.Equal(expectedInvalid[lineNumber], letter.GetProperty("error").GetString());
            var raw = Convert.FromBase64String(letter.GetProperty("raw_base64").GetString()!);
            var original = lines[(int)lineNumber - 1];
            if (letter.GetProperty("error").GetString() == "too_large")
            {
                Assert.True(letter.GetProperty("truncated").GetBoolean());
                Assert.Equal(original.AsSpan(0, 65_536).ToArray(), raw);
            }
            else
            {
                Assert.Equal(original, raw);
            }
            Assert.False(string.IsNullOrEmpty(letter.GetProperty("detail").GetString()));
        }

        // Alerts: one per alerted call, contract fields, alert_id = call_id, source = file and line.
        var alerts = File.ReadAllLines(dir.File("alerts.ndjson")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(summary["alerts"], alerts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEmpty(alerts);
        string[] patterns = ["government_impersonation", "tech_support", "neighbor_spoofing", "wangiri", "robocall_burst", "unknown"];
        foreach (var alert in alerts)
        {
            Assert.Equal(alert.GetProperty("call_id").GetString(), alert.GetProperty("alert_id").GetString());
            var score = alert.GetProperty("score").GetDouble();
            Assert.True(score >= alert.GetProperty("threshold").GetDouble() && score <= 1);
            Assert.Contains(alert.GetProperty("pattern").GetString(), patterns);
            var reasons = alert.GetProperty("reasons").EnumerateArray().ToList();
            Assert.InRange(reasons.Count, 1, 5);
            Assert.All(reasons.Zip(reasons.Skip(1)), p =>
                Assert.True(p.First.GetProperty("contribution").GetDouble() >= p.Second.GetProperty("contribution").GetDouble()));
            var line = alert.GetProperty("source").GetProperty("line").GetInt64();
            var record = JsonDocument.Parse(lines[(int)line - 1]).RootElement;
            foreach (var field in new[] { "call_id", "start", "caller", "callee", "orig_country", "trunk" })
            {
                Assert.Equal(record.GetProperty(field).GetString(), alert.GetProperty(field).GetString());
            }
            var engaged = record.GetProperty("disposition").GetString() == "answered" && record.GetProperty("duration_s").GetDouble() >= 300;
            Assert.Equal(engaged, alert.GetProperty("victim_engaged").GetBoolean());
            Assert.False(string.IsNullOrEmpty(alert.GetProperty("model").GetString()));
            Assert.True(alert.TryGetProperty("detected_at", out _));
        }
    }

    [Fact]
    public void Score_classifies_binary_garbage_as_invalid_and_loses_nothing()
    {
        using var dir = new TempDir();
        var random = new Random(5);
        var bytes = new byte[300_000];
        random.NextBytes(bytes);
        File.WriteAllBytes(dir.File("garbage.bin"), bytes);
        var lineCount = bytes.Count(b => b == (byte)'\n') + (bytes[^1] == (byte)'\n' ? 0 : 1);

        var result = CliRunner.Run(null, "score", "--input", dir.File("garbage.bin"), "--alerts", dir.File("alerts.ndjson"));

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal(lineCount.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Summary["read"]);
        Assert.Equal("0", result.Summary["valid"]);
        Assert.Equal(result.Summary["read"], result.Summary["invalid"]);
        Assert.Equal(lineCount, File.ReadAllLines(dir.File("dead-letters.ndjson")).Length);
    }

    [Fact]
    public void Score_reads_standard_input_when_input_is_a_dash()
    {
        using var dir = new TempDir();
        var record = "{\"call_id\":\"c-1\",\"start\":\"2026-11-27T14:03:11.123Z\",\"caller\":\"+18008291040\",\"callee\":\"+14155550199\",\"orig_country\":\"IN\",\"trunk\":\"gw-1\",\"attest\":null,\"disposition\":\"answered\",\"ring_ms\":5200,\"duration_s\":412.5}";
        var result = CliRunner.Run(record + "\nnot json\n", "score", "--input", "-", "--alerts", dir.File("alerts.ndjson"), "--dlq", dir.File("dlq.ndjson"));

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal("read=2 valid=1 invalid=1 alerts=" + result.Summary["alerts"], result.LastLine);
        var letter = JsonDocument.Parse(File.ReadAllText(dir.File("dlq.ndjson"))).RootElement;
        Assert.Equal("-:2", letter.GetProperty("source").GetString());
    }

    [Fact]
    public void Score_fails_with_one_clear_line_when_the_input_is_missing()
    {
        using var dir = new TempDir();
        var result = CliRunner.Run(null, "score", "--input", dir.File("nope.ndjson"), "--alerts", dir.File("a.ndjson"));

        Assert.NotEqual(0, result.ExitCode);
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("input file not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Score_refuses_a_corrupt_model_with_one_clear_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("calls.ndjson"), "");
        File.WriteAllBytes(dir.File("bad.zip"), [1, 2, 3, 4]);
        var result = CliRunner.Run(null, "score", "--input", dir.File("calls.ndjson"), "--alerts", dir.File("a.ndjson"), "--model", dir.File("bad.zip"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error:", result.StdErr, StringComparison.Ordinal);
    }
}
