using System.Diagnostics;
using System.Globalization;

namespace FraudStream.LoadTest;

/// <summary>What one drain of the topic measured.</summary>
/// <param name="Calls">Records consumed (and settled).</param>
/// <param name="Alerts">Alerts produced and acknowledged.</param>
/// <param name="Seconds">From the first record consumed to the last settled (and, where the mode commits, committed).</param>
/// <param name="Extra">More <c>key=value</c> pairs for the summary line, if any.</param>
public sealed record DrainResult(long Calls, long Alerts, long Invalid, double Seconds, string? Extra = null)
{
    public double Rate => Calls / Seconds;
}

/// <summary>A child process runs one mode once, so that its peak memory is its own; its summary is the last stdout line it writes, starting with <c>mode=</c>.</summary>
public static class ChildRun
{
    public static int Run(string mode, LoadTestOptions options)
    {
        if (options.Bootstrap is null || options.Expect <= 0)
        {
            throw new ArgumentException("a child run needs --bootstrap and --expect");
        }
        var result = mode switch
        {
            "limit" => LimitMode.Run(options),
            "fraudstream" => ProcessorMode.Run(options),
            "naive" => NaiveMode.Run(options),
            "streamiz" => StreamizMode.Run(options),
            "echo" => EchoMode.Run(options),
            _ => throw new ArgumentException($"unknown mode {mode}"),
        };
        if (result is null)
        {
            Console.Out.WriteLine($"mode={mode} failed=1");
            return 1;
        }
        using var self = Process.GetCurrentProcess();
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mode={mode} calls={result.Calls} alerts={result.Alerts} invalid={result.Invalid} seconds={result.Seconds:F3} rate={result.Rate:F0} peak_mb={self.PeakWorkingSet64 / 1048576.0:F0} " +
            $"gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} gc_pause_ms={GC.GetTotalPauseDuration().TotalMilliseconds:F0} " +
            $"allocated_mb={GC.GetTotalAllocatedBytes() / 1048576.0:F0}{(result.Extra is { } extra ? " " + extra : "")}"));
        return 0;
    }

    /// <summary>
    /// This long without a record ends a latency run's child (the echo's once records came, the processor's from its
    /// assignment): fewer came than expected, because the embedded broker dropped a partition's oldest records before
    /// the child read them (<see cref="LatencyRun"/>).
    /// </summary>
    public static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    /// <summary>The line a child prints once its consumer has partitions; the latency run offers load after it.</summary>
    public const string AssignedLine = "assigned";

    /// <summary>Says, once, that the child's consumer has its partitions (<see cref="AssignedLine"/>).</summary>
    public static void SayAssigned()
    {
        Console.Out.WriteLine(AssignedLine);
        Console.Out.Flush();
    }

    /// <summary>The <c>key=value</c> pairs of a summary line (other words are skipped).</summary>
    public static Dictionary<string, string> Pairs(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);

    /// <summary>Seconds between two <see cref="Stopwatch"/> timestamps.</summary>
    public static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;
}
