namespace FraudStream.Cli.Tests;

/// <summary>train's and generate's <c>--out</c> paths that cannot be used are reported plainly.</summary>
public sealed class OutputPathTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Generate_refuses_an_existing_file_as_its_out_folder_with_exit_code_2()
    {
        var file = _dir.File("calls.ndjson");
        File.WriteAllText(file, "not a folder\n");

        var result = CliRunner.Run(null, "generate", "--calls", "10", "--seed", "1", "--out", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: --out must be a folder: {file} is a file", Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd());
        Assert.Equal("not a folder\n", File.ReadAllText(file));
    }

    [Fact]
    public void Train_names_the_folder_when_it_accepts_no_new_file()
    {
        // /proc exists on every Linux system and refuses new files with "not found", not "permission denied".
        Assert.True(Directory.Exists("/proc/self"), "this test needs Linux's /proc");
        var data = _dir.File("day");
        Directory.CreateDirectory(data);

        var result = CliRunner.Run(null, "train", "--data", data, "--out", "/proc/x.zip");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: cannot write /proc/x.zip: the folder /proc does not accept new files", Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd());
    }
}
