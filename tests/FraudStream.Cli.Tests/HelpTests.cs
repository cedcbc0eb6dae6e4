namespace FraudStream.Cli.Tests;

public sealed class HelpTests
{
    [Theory]
    [InlineData("generate")]
    [InlineData("train")]
    [InlineData("evaluate")]
    [InlineData("score")]
    public void Every_command_has_help(string command)
    {
        var result = CliRunner.Run(null, command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("fraudstream " + command, result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_option_is_one_line_on_stderr_and_exit_code_2()
    {
        var result = CliRunner.Run(null, "score", "--no-such-option");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(result.StdOut);
    }
}
