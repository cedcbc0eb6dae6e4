using System.Diagnostics;
using System.Globalization;

namespace FraudStream.LoadTest;

/// <summary>A run of this program in child mode: its standard output is collected line by line, standard error passes through.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly ManualResetEventSlim _assigned = new();
    private readonly string _mode;

    /// <summary>How a child's summary line starts (<see cref="ChildRun"/>).</summary>
    private const string SummaryPrefix = "mode=";

    public ChildProcess(string mode, LoadTestOptions options, string bootstrap, string topic, string alerts, string dlq, string group, long expect,
        double? settleWarmUpSeconds = null, bool member = false)
    {
        _mode = mode;
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("the program's path is unknown");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }
        foreach (var arg in new[]
        {
            "--child", mode, "--bootstrap", bootstrap, "--topic", topic, "--alerts", alerts, "--dlq", dlq, "--group", group,
            "--expect", expect.ToString(CultureInfo.InvariantCulture), "--calls", options.Calls.ToString(CultureInfo.InvariantCulture),
            "--threads", options.Threads.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }
        if (options.AlertThread is { } alertThread)
        {
            start.ArgumentList.Add("--alert-thread");
            start.ArgumentList.Add(alertThread ? "on" : "off");
        }
        if (settleWarmUpSeconds is { } warm)
        {
            start.ArgumentList.Add("--settle-times");
            start.ArgumentList.Add(warm.ToString("R", CultureInfo.InvariantCulture));
        }
        if (member)
        {
            start.ArgumentList.Add("--member");
        }
        if (mode == "echo")
        {
            start.ArgumentList.Add("--echo-every");
            start.ArgumentList.Add(options.EchoEvery.ToString(CultureInfo.InvariantCulture));
        }
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (_lines)
            {
                _lines.Add(e.Data);
            }
            if (e.Data == ChildRun.AssignedLine)
            {
                _assigned.Set();
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits until the child's consumer has its partitions (the processor mode says so).</summary>
    public bool WaitAssigned(TimeSpan timeout) => _assigned.Wait(timeout);

    /// <summary>Waits for the child and returns its summary (the key=value pairs of its last line that starts with <c>mode=</c>), or null when it failed.</summary>
    public Dictionary<string, string>? Finish(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Console.Error.WriteLine($"{_mode} child run took longer than {timeout.TotalSeconds:F0} s: stopped");
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            return null;
        }
        _process.WaitForExit(); // drains the output
        string? last;
        lock (_lines)
        {
            // The summary is the last line that starts with "mode=": Streamiz's own log goes to standard output too,
            // and its threads may still write after the summary.
            last = _lines.LastOrDefault(l => l.StartsWith(SummaryPrefix, StringComparison.Ordinal));
        }
        if (_process.ExitCode != 0 || last is null)
        {
            // Say why, so that a failed run is not a mystery: a code above 128 is the signal that ended it (a crash).
            var code = _process.ExitCode;
            Console.Error.WriteLine(code == 0 ? $"{_mode} child exited without a summary line"
                : code > 128 ? $"{_mode} child ended by signal {code - 128} (exit code {code})"
                : $"{_mode} child exited with code {code}");
            return null;
        }
        return ChildRun.Pairs(last);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true); // one left behind by a run that failed elsewhere
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        _process.Dispose();
        _assigned.Dispose();
    }
}
