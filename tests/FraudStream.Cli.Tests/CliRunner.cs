using System.Diagnostics;
using System.Text;

namespace FraudStream.Cli.Tests;

/// <summary>Runs the built <c>fraudstream</c> program as a child process, as a user would.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        /// <summary>The last non-empty line of standard output: every command's summary.</summary>
        public string LastLine => StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

        /// <summary>The summary's key=value pairs.</summary>
        public Dictionary<string, string> Summary => LastLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
    }

    public static Result Run(string? stdin, params string[] args) => Run(stdin, TimeSpan.FromMinutes(5), args);

    public static Result Run(string? stdin, TimeSpan timeout, params string[] args) => Run(stdin, timeout, null, args);

    /// <summary>Runs with extra environment variables (<c>FRAUDSTREAM__...</c> settings).</summary>
    public static Result RunWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Run(null, TimeSpan.FromMinutes(5), environment, args);

    private static Result Run(string? stdin, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "fraudstream.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(program);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start fraudstream");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"fraudstream {string.Join(' ', args)} did not finish in {timeout}");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A temporary folder, deleted at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fraudstream-test-" + Guid.NewGuid().ToString("N")[..12]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
