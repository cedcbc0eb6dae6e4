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

    /// <summary>Runs in <paramref name="workingDirectory"/> (for outputs written to the current folder).</summary>
    public static Result RunIn(string workingDirectory, string? stdin, params string[] args) =>
        Run(stdin, TimeSpan.FromMinutes(5), null, args, workingDirectory);

    /// <summary>
    /// Starts the program with <paramref name="stdin"/> written and standard input left open, waits for a line of
    /// standard error that contains <paramref name="ready"/>, sends SIGINT as Ctrl+C does (SIGTERM where this process
    /// was started with SIGINT ignored, which its children inherit), and waits for the program to end.
    /// </summary>
    public static Result Interrupt(string stdin, string ready, params string[] args)
    {
        using var process = Process.Start(StartInfo(args, null)) ?? throw new InvalidOperationException("could not start fraudstream");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (stderr)
                stderr.Append(e.Data).Append('\n');
            if (e.Data.Contains(ready, StringComparison.Ordinal))
                seen.TrySetResult();
        };
        process.BeginErrorReadLine();
        process.StandardInput.Write(stdin);
        process.StandardInput.Flush();
        try
        {
            if (!seen.Task.Wait(TimeSpan.FromMinutes(2)))
                throw new TimeoutException($"fraudstream {string.Join(' ', args)} never wrote '{ready}': {stderr}");
            using (var kill = Process.Start("kill", ["-s", SigIntIgnored() ? "TERM" : "INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                kill!.WaitForExit();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
                throw new TimeoutException($"fraudstream {string.Join(' ', args)} did not stop on the signal: {stderr}");
            process.WaitForExit();
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        lock (stderr)
            return new Result(process.ExitCode, stdout.Result, stderr.ToString());
    }

    /// <summary>Whether SIGINT is ignored in this process (a background job of a shell without job control).</summary>
    private static bool SigIntIgnored()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
    }

    private static ProcessStartInfo StartInfo(string[] args, string? workingDirectory)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "fraudstream.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? "",
        };
        start.ArgumentList.Add(program);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }

    private static Result Run(string? stdin, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, string[] args, string? workingDirectory = null)
    {
        var start = StartInfo(args, workingDirectory);
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
