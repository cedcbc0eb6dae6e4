namespace FraudStream.Cli.Tests;

/// <summary>What every command does with a wrong command line, a mistyped command and Ctrl+C.</summary>
public sealed class CommandLineTests
{
    private const string Record = "{\"call_id\":\"c-1\",\"start\":\"2026-11-27T14:03:11.123Z\",\"caller\":\"+18008291040\",\"callee\":\"+14155550199\",\"orig_country\":\"IN\",\"trunk\":\"gw-1\",\"attest\":null,\"disposition\":\"answered\",\"ring_ms\":5200,\"duration_s\":412.5}";

    [Theory]
    [InlineData("score --threshold NaN", "--threshold must be a number from 0 to 1")]
    [InlineData("score --threshold 2", "--threshold must be a number from 0 to 1")]
    [InlineData("score --threshold 1.5", "--threshold must be a number from 0 to 1")]
    [InlineData("score --threshold 0,1", "--threshold must be a number from 0 to 1")] // not 1 with a thousands separator
    [InlineData("evaluate --threshold 0,5", "--threshold must be a number from 0 to 1")]
    [InlineData("demo --threshold NaN", "--threshold must be a number from 0 to 1")]
    [InlineData("demo --threshold 5", "--threshold must be a number from 0 to 1")]
    [InlineData("demo --rate 0", "--rate must be a positive number")]
    [InlineData("demo --rate NaN", "--rate must be a positive number")]
    [InlineData("demo --invalid-share NaN", "--invalid-share must be a number from 0 to 1")]
    [InlineData("demo --duration NaN", "--duration must be a positive number")]
    [InlineData("demo --metrics-port 70000", "--metrics-port must be 0 to 65535")]
    [InlineData("train --target-precision NaN", "--target-precision must be a number above 0 and at most 1")]
    [InlineData("train --target-precision 0", "--target-precision must be a number above 0 and at most 1")]
    [InlineData("train --trees 0", "--trees must be at least 1")]
    [InlineData("train --leaves 1", "--leaves must be at least 2")]
    [InlineData("train --out m.bin", "--out must name a .zip file")]
    public void A_bad_option_value_is_one_line_and_exit_code_2_before_any_work(string commandLine, string message)
    {
        using var dir = new TempDir();
        var args = commandLine.Split(' ');
        (string Name, string Value)[] required = args[0] switch
        {
            "score" => [("--input", dir.File("calls.ndjson")), ("--alerts", dir.File("alerts.ndjson"))],
            "train" => [("--data", dir.File("no-such-day")), ("--out", dir.File("m.zip"))],
            "evaluate" => [("--data", dir.File("no-such-day"))],
            _ => [],
        };
        File.WriteAllText(dir.File("calls.ndjson"), Record + "\n");

        var result = CliRunner.Run(null, TimeSpan.FromSeconds(60),
            [args[0], .. required.Where(o => !args.Contains(o.Name)).SelectMany(o => new[] { o.Name, o.Value }), .. args[1..]]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.StdOut);
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: " + message, error, StringComparison.Ordinal);
        Assert.Equal([dir.File("calls.ndjson")], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_runtime_failure_is_exit_code_1()
    {
        using var dir = new TempDir();
        var result = CliRunner.Run(null, "train", "--data", dir.File("no-such-day"), "--out", dir.File("m.zip"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: data folder not found: {dir.File("no-such-day")}", Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("scroe", " (did you mean 'score'?)")]
    [InlineData("trian", " (did you mean 'train'?)")]
    [InlineData("bogus", "")]
    public void A_mistyped_command_is_named_with_the_nearest_one(string typed, string suggestion)
    {
        var result = CliRunner.Run(null, typed, "--input", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.StdOut);
        Assert.Equal(
            $"error: '{typed}' is not a fraudstream command{suggestion} (see 'fraudstream --help')",
            Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("score")]
    [InlineData("train")]
    [InlineData("evaluate")]
    public void Help_gives_each_default_once(string command)
    {
        var help = CliRunner.Run(null, command, "--help").StdOut;

        Assert.Contains("[default: ", help, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\[default: [^\]]*\].*\[default: ", help);
    }

    [Fact]
    public void Ctrl_C_ends_score_with_cancelled_and_exit_code_130_and_leaves_no_output_that_looks_finished()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("old-alerts.ndjson"), "{\"from\":\"an earlier run\"}\n");
        var lines = string.Concat(Enumerable.Range(0, 2000).Select(i => Record.Replace("c-1", $"c-{i}", StringComparison.Ordinal) + "\nnot json\n"));

        foreach (var alerts in new[] { dir.File("alerts.ndjson"), dir.File("old-alerts.ndjson") })
        {
            var before = File.Exists(alerts) ? File.ReadAllText(alerts) : null;

            // Standard input stays open: the scorer has read the lines and waits for more when the signal comes.
            var result = CliRunner.Interrupt(lines, "scoring", "score", "--input", "-", "--alerts", alerts);

            Assert.True(result.ExitCode == 130, result.StdErr);
            Assert.Equal("error: cancelled", result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
            Assert.Equal("", result.StdOut);
            Assert.Equal(before, File.Exists(alerts) ? File.ReadAllText(alerts) : null);
            Assert.False(File.Exists(dir.File("dead-letters.ndjson")), "a dead-letter file of a cancelled run");
            Assert.Equal([dir.File("old-alerts.ndjson")], Directory.GetFiles(dir.Path));
        }
    }

    [Fact]
    public void Score_writes_through_a_symbolic_link_and_leaves_it_a_link()
    {
        // As `>` does: the link (here to a file with an earlier run's alerts; /dev/stdout is one too) is not replaced.
        using var dir = new TempDir();
        File.WriteAllText(dir.File("calls.ndjson"), Record + "\n");
        Directory.CreateDirectory(dir.File("runs"));
        File.WriteAllText(dir.File("runs/alerts-1.ndjson"), "{\"from\":\"an earlier run\"}\n");
        File.CreateSymbolicLink(dir.File("alerts.ndjson"), Path.Combine("runs", "alerts-1.ndjson"));

        var result = CliRunner.RunIn(dir.Path, null, "score", "--input", "calls.ndjson", "--alerts", "alerts.ndjson");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal(Path.Combine("runs", "alerts-1.ndjson"), new FileInfo(dir.File("alerts.ndjson")).LinkTarget);
        var alerts = File.ReadAllLines(dir.File("runs/alerts-1.ndjson"));
        Assert.Contains("\"call_id\":\"c-1\"", Assert.Single(alerts), StringComparison.Ordinal);
        Assert.Equal([dir.File("runs/alerts-1.ndjson")], Directory.GetFiles(dir.File("runs")));
    }

    [Fact]
    public void A_full_disk_while_scoring_is_one_line_naming_the_users_file()
    {
        // /dev/full fails every write with "No space left on device", as a full disk does once the first buffer goes out.
        Assert.True(File.Exists("/dev/full"), "this test needs Linux's /dev/full");
        using var dir = new TempDir();
        var lines = string.Concat(Enumerable.Range(0, 3000).Select(i => Record.Replace("c-1", $"c-{i}", StringComparison.Ordinal) + "\n"));
        File.WriteAllText(dir.File("calls.ndjson"), lines);

        var result = CliRunner.Run(null, "score", "--input", dir.File("calls.ndjson"), "--alerts", "/dev/full");

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.StartsWith("error: cannot write /dev/full: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Score_to_standard_output_writes_a_dead_letter_file_only_for_invalid_lines()
    {
        using var dir = new TempDir();

        var clean = CliRunner.RunIn(dir.Path, Record + "\n", "score", "--input", "-", "--alerts", "-");
        Assert.True(clean.ExitCode == 0, clean.StdErr);
        Assert.Matches(@"^read=1 valid=1 invalid=0 alerts=\d+$", clean.LastLine);
        Assert.Empty(Directory.GetFiles(dir.Path));

        var dirty = CliRunner.RunIn(dir.Path, Record + "\nnot json\n", "score", "--input", "-", "--alerts", "-");
        Assert.True(dirty.ExitCode == 0, dirty.StdErr);
        Assert.Matches(@"^read=2 valid=1 invalid=1 alerts=\d+$", dirty.LastLine);
        Assert.Single(File.ReadAllLines(Path.Combine(dir.Path, "dead-letters.ndjson")));

        // A clean run after it does not leave the earlier run's dead letters standing as if they were its own.
        var again = CliRunner.RunIn(dir.Path, Record + "\n", "score", "--input", "-", "--alerts", "-");
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Empty(File.ReadAllLines(Path.Combine(dir.Path, "dead-letters.ndjson")));
    }

    [Fact]
    public void Train_checks_its_output_can_be_written_before_featurizing()
    {
        using var dir = new TempDir();
        var generated = CliRunner.Run(null, "generate", "--calls", "2000", "--seed", "5", "--out", dir.File("day"));
        Assert.True(generated.ExitCode == 0, generated.StdErr);
        File.WriteAllText(dir.File("a-file"), "");
        var output = dir.File("a-file/m.zip");

        var result = CliRunner.Run(null, "train", "--data", dir.File("day"), "--out", output);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: cannot write {output}: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", error, StringComparison.Ordinal);
    }
}
