using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

namespace FraudStream.Kafka.Tests;

/// <summary>Call-record lines and a temporary NDJSON file for replay tests.</summary>
internal static class Records
{
    public static string Line(string callId, string start, string caller, string trunkField = ",\"trunk\":\"gw-1\"") =>
        $"{{\"call_id\":\"{callId}\",\"start\":\"{start}\",\"caller\":\"{caller}\",\"callee\":\"+14155550199\","
        + $"\"orig_country\":\"US\"{trunkField},\"attest\":\"A\",\"disposition\":\"answered\",\"ring_ms\":1000,\"duration_s\":12.5}}";

    public static string Start(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    public static TempFile WriteFile(string content) => new(content);
}

/// <summary>A file deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string content)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fraudstream-test-" + Guid.NewGuid().ToString("N") + ".ndjson");
        File.WriteAllText(Path, content);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}

/// <summary>The built <c>fraudstream</c> program (copied beside the tests) run with <c>dotnet</c> as a child process.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stderr = [];

    private CliProcess(IEnumerable<string> args)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "fraudstream.dll");
        Assert.True(File.Exists(program), $"fraudstream.dll is not beside the tests ({program})");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(program);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.Add(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
    }

    public static CliProcess Start(params string[] args) => new(args);

    /// <summary>Runs to the end with standard input closed; returns the exit code and standard output lines.</summary>
    public static (int ExitCode, List<string> Stdout, string Stderr) Run(TimeSpan timeout, params string[] args)
    {
        using var process = new CliProcess(args);
        process.CloseInput();
        var stdout = process.ReadToEnd(timeout);
        return (process.WaitForExit(timeout), stdout, process.Stderr);
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    public void CloseInput() => _process.StandardInput.Close();

    public string ReadLine(TimeSpan timeout)
    {
        var read = _process.StandardOutput.ReadLineAsync();
        Assert.True(read.Wait(timeout), $"no output line within {timeout.TotalSeconds} s; stderr: {Stderr}");
        return read.Result ?? throw new Xunit.Sdk.XunitException($"output ended; stderr: {Stderr}");
    }

    public List<string> ReadToEnd(TimeSpan timeout)
    {
        var read = _process.StandardOutput.ReadToEndAsync();
        Assert.True(read.Wait(timeout), $"output did not end within {timeout.TotalSeconds} s; stderr: {Stderr}");
        return [.. read.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    public int WaitForExit(TimeSpan timeout)
    {
        Assert.True(_process.WaitForExit(timeout), $"the process did not exit within {timeout.TotalSeconds} s; stderr: {Stderr}");
        _process.WaitForExit(); // drains the stderr reader
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}

/// <summary>Reads a topic from the beginning with a fresh consumer group.</summary>
internal static class TopicReader
{
    public static List<ConsumeResult<byte[]?, byte[]?>> ReadAll(string bootstrap, string topic, int expected, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + timeout;
        while (results.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result)
            {
                results.Add(result);
            }
        }
        // Nothing more than expected arrives shortly after.
        if (results.Count == expected && consumer.Consume(TimeSpan.FromMilliseconds(300)) is { IsPartitionEOF: false } extra)
        {
            results.Add(extra);
        }
        consumer.Close();
        return results;
    }
}

/// <summary>Embedded brokers for tests: consumer groups get their partitions at once (no initial rebalance delay).</summary>
internal static class TestBroker
{
    public static EmbeddedBroker Start(int brokers = 1)
    {
        var broker = new EmbeddedBroker(brokers);
        broker.SetInitialRebalanceDelay(0);
        return broker;
    }
}

/// <summary>A clock stopped at one instant.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
