namespace FraudStream.Cli.Tests;

/// <summary><c>fraudstream generate</c> as a user runs it: option values out of range are a wrong command line.</summary>
public sealed class GenerateCommandTests
{
    [Theory]
    [InlineData("--calls", "-5")]
    [InlineData("--calls", "0")]
    [InlineData("--scam-share", "1.5")]
    [InlineData("--scam-share", "-0.1")]
    [InlineData("--hours", "0")]
    [InlineData("--hours", "5000")]
    [InlineData("--start", "yesterday")]
    [InlineData("--out", "")]
    public void Generate_rejects_option_values_out_of_range_with_exit_code_2(string option, string value)
    {
        var args = new List<string> { "generate", "--calls", "10", "--seed", "1", "--out", Path.Combine(Path.GetTempPath(), "fraudstream-gen-" + Guid.NewGuid().ToString("N")) };
        var at = args.IndexOf(option);
        if (at >= 0)
            args[at + 1] = value;
        else
            args.AddRange([option, value]);

        var result = CliRunner.Run(null, TimeSpan.FromMinutes(1), [.. args]);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.StdOut);
        Assert.StartsWith("error: " + option, result.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fraudstream gen ", "")]
    [InlineData("fraudstream \"gen\" ", "")]
    [InlineData("fraudstream-gen-", "plain")]
    public void The_out_folder_in_the_summary_is_quoted_when_it_would_break_the_pairs(string prefix, string plain)
    {
        // The summary's key=value pairs are split on single spaces: a value with a space, a quote, a backslash or an
        // equals sign is written in double quotes, its quotes and backslashes escaped (as logfmt does).
        var dir = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        try
        {
            var result = CliRunner.Run(null, TimeSpan.FromMinutes(1), "generate", "--calls", "10", "--seed", "1", "--out", dir);

            Assert.Equal(0, result.ExitCode);
            var written = plain.Length > 0 ? dir : "\"" + dir.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
            Assert.Matches(@"^calls=10 fraud=\d+ campaigns=\d+ out=", result.LastLine);
            Assert.EndsWith($" out={written} seconds={result.LastLine.Split(' ')[^1]["seconds=".Length..]}", result.LastLine, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }
}
