using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FraudStream.Cli.Tests;

/// <summary>The state caps <c>--max-callers</c>, <c>--max-callees</c>, <c>--max-pairs</c>, <c>--max-trunks</c> of <c>score</c> and <c>run</c>.</summary>
public sealed partial class StateCapTests
{
    private static readonly string[] CapOptions = ["--max-callers", "--max-callees", "--max-pairs", "--max-trunks"];

    [Fact]
    public void Score_reports_every_distinct_key_under_the_default_caps()
    {
        using var dir = new TempDir();
        Assert.Equal(0, CliRunner.Run(null, "generate", "--calls", "20000", "--seed", "23", "--out", dir.Path).ExitCode);
        var records = File.ReadLines(dir.File("calls.ndjson")).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(r => (Caller: r.GetProperty("caller").GetString()!, Callee: r.GetProperty("callee").GetString()!, Trunk: r.GetProperty("trunk").GetString()!))
            .ToList();
        var named = records.Where(r => r.Caller != "anonymous").ToList();

        var result = CliRunner.Run(null, "score", "--input", dir.File("calls.ndjson"), "--alerts", dir.File("alerts.ndjson"));

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Matches(@"^read=\d+ valid=\d+ invalid=\d+ alerts=\d+$", result.LastLine);
        var kinds = Kinds(result.StdErr);
        Assert.Equal((named.Select(r => r.Caller).Distinct().Count(), 1_000_000, 0L), kinds["callers"]);
        Assert.Equal((records.Select(r => r.Callee).Distinct().Count(), 1_000_000, 0L), kinds["callees"]);
        Assert.Equal((named.Select(r => (r.Caller, r.Callee)).Distinct().Count(), 2_000_000, 0L), kinds["pairs"]);
        Assert.Equal((records.Select(r => r.Trunk).Distinct().Count(), 10_000, 0L), kinds["trunks"]);
    }

    [Fact]
    public void Score_keeps_each_kind_of_state_within_its_cap()
    {
        using var dir = new TempDir();
        Assert.Equal(0, CliRunner.Run(null, "generate", "--calls", "20000", "--seed", "23", "--out", dir.Path).ExitCode);

        var result = CliRunner.Run(null, "score", "--input", dir.File("calls.ndjson"), "--alerts", dir.File("alerts.ndjson"),
            "--max-callers", "300", "--max-callees", "400", "--max-pairs", "500", "--max-trunks", "20");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal("20000", result.Summary["valid"]);
        var kinds = Kinds(result.StdErr);
        foreach (var (kind, cap) in new[] { ("callers", 300), ("callees", 400), ("pairs", 500), ("trunks", 20) })
        {
            var (keys, max, capEvictions) = kinds[kind];
            Assert.Equal(cap, max);
            Assert.InRange(keys, 1, cap);
            Assert.True(capEvictions > 0, $"{kind}: no key was evicted at a cap of {cap}");
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("805306369")]
    [InlineData("2.5")]
    [InlineData("lots")]
    public void Score_refuses_a_state_cap_out_of_range_with_one_line_and_exit_code_2(string value)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("calls.ndjson"), "");
        foreach (var option in CapOptions)
        {
            var result = CliRunner.Run(null, "score", "--input", dir.File("calls.ndjson"), "--alerts", dir.File("a.ndjson"), option, value);

            Assert.Equal(2, result.ExitCode);
            Assert.Empty(result.StdOut);
            var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: {option} must be a whole number from 1 to 805306368", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_refuses_a_bad_state_cap_from_the_command_line_or_the_environment_before_connecting()
    {
        var fromOption = CliRunner.Run(null, "run", "--bootstrap", "127.0.0.1:1", "--max-pairs", "0");
        Assert.Equal(2, fromOption.ExitCode);
        Assert.StartsWith("error: --max-pairs must be a whole number", Assert.Single(fromOption.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);

        var fromEnvironment = CliRunner.RunWithEnvironment(
            new Dictionary<string, string> { ["FRAUDSTREAM__MAXCALLEES"] = "0" }, "run", "--bootstrap", "127.0.0.1:1");
        Assert.Equal(2, fromEnvironment.ExitCode);
        Assert.StartsWith("error: MaxCallees (--max-callees) must be a whole number from 1 to 805306368", Assert.Single(fromEnvironment.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("score")]
    [InlineData("run")]
    public void Help_lists_the_state_caps_with_their_defaults(string command)
    {
        var help = CliRunner.Run(null, command, "--help").StdOut;

        Assert.Matches(@"--max-callers <N>\s+.*\[default: 1000000\]", help);
        Assert.Matches(@"--max-callees <N>\s+.*\[default: 1000000\]", help);
        Assert.Matches(@"--max-pairs <N>\s+.*\[default: 2000000\]", help);
        Assert.Matches(@"--max-trunks <N>\s+.*\[default: 10000\]", help);
    }

    /// <summary>Keys, cap and cap evictions per kind, from score's state lines on standard error.</summary>
    private static Dictionary<string, (int Keys, int Cap, long CapEvictions)> Kinds(string stderr) =>
        StateLine().Matches(stderr).ToDictionary(
            m => m.Groups["kind"].Value,
            m => (Number(m.Groups["keys"].Value), Number(m.Groups["cap"].Value), (long)Number(m.Groups["evicted"].Value)));

    private static int Number(string text) => int.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?m)^  (?<kind>callers|trunks|callees|pairs): (?<keys>[\d,]+) keys \(cap (?<cap>[\d,]+)\) .* evicted (?<evicted>[\d,]+) at the cap")]
    private static partial Regex StateLine();
}
