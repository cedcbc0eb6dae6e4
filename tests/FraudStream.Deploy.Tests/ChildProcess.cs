using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace FraudStream.Deploy.Tests;

/// <summary>A program the test starts in the background; its output lines are kept, and it is ended on dispose.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _stdout = [];
    private readonly ConcurrentQueue<string> _all = new();

    private ChildProcess(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var start = Tool.StartInfo(program, args, environment);
        Name = Path.GetFileName(program) + " " + string.Join(' ', args.Take(2));
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            try
            {
                if (e.Data is null)
                {
                    _stdout.CompleteAdding();
                    return;
                }
                _all.Enqueue(e.Data);
                _stdout.Add(e.Data);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                // Output after the test let go of the process.
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _all.Enqueue(e.Data);
                StderrLine?.Invoke(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    /// <summary>Called for each standard error line.</summary>
    public event Action<string>? StderrLine;

    public int Id => _process.Id;

    /// <summary>Both outputs so far, for failure messages.</summary>
    public string Output => string.Join('\n', _all);

    public static ChildProcess Start(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        new(program, args, environment);

    /// <summary>The <c>fraudstream</c> program built beside the tests.</summary>
    public static ChildProcess Fraudstream(params string[] args) => new("dotnet", [Repository.Program, .. args], null);

    /// <summary>The next standard output line.</summary>
    public string ReadLine(TimeSpan timeout)
    {
        Assert.True(_stdout.TryTake(out var line, timeout), $"{Name}: no output line within {timeout.TotalSeconds} s:\n{Output}");
        return line!;
    }

    /// <summary>Every remaining standard output line once the process ends.</summary>
    public List<string> RemainingLines()
    {
        var lines = new List<string>();
        while (_stdout.TryTake(out var line, TimeSpan.FromSeconds(5)))
        {
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>Sends SIGTERM, as Kubernetes and Docker do to stop a container.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
            kill.WaitForExit();
        }
    }

    public int WaitForExit(TimeSpan timeout)
    {
        Assert.True(_process.WaitForExit(timeout), $"{Name} did not exit within {timeout.TotalSeconds} s:\n{Output}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Terminate();
                if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(TimeSpan.FromSeconds(5));
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _stdout.Dispose();
    }
}
