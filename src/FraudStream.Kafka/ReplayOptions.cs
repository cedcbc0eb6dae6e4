namespace FraudStream.Kafka;

/// <summary>What <see cref="CallReplayer"/> sends, where, and how fast.</summary>
public sealed class ReplayOptions
{
    /// <summary>The Kafka <c>bootstrap.servers</c>.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The topic to produce to.</summary>
    public string Topic { get; init; } = "calls";

    /// <summary>The NDJSON file of call records; <c>-</c> reads standard input (once: not with <see cref="Loop"/>).</summary>
    public required string InputPath { get; init; }

    /// <summary>Records per second, paced smoothly; null sends as fast as the producer takes them.</summary>
    public double? RatePerSecond { get; init; }

    /// <summary>Replays the file again and again until stopped (or <see cref="MaxPasses"/>).</summary>
    public bool Loop { get; init; }

    /// <summary>With <see cref="Loop"/>, stops after this many passes; null: until stopped.</summary>
    public int? MaxPasses { get; init; }

    /// <summary>Shifts every <c>start</c> so that the file's first valid record starts now, keeping the spacing.</summary>
    public bool RebaseToNow { get; init; }

    /// <summary>The clock for <see cref="RebaseToNow"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where producer errors and warnings go (never payloads); null discards them.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Extra librdkafka producer settings (for example <c>linger.ms</c>); the replay's own ones win.</summary>
    public IReadOnlyDictionary<string, string>? ProducerSettings { get; init; }
}

/// <summary>What a replay did.</summary>
/// <param name="Lines">Lines read, all passes together.</param>
/// <param name="Produced">Records the broker acknowledged.</param>
/// <param name="Failed">Records that could not be produced or whose delivery failed.</param>
/// <param name="Skipped">Lines over 65,536 bytes, which the line reader cannot hand over whole.</param>
/// <param name="Passes">Passes begun over the file.</param>
/// <param name="Elapsed">From the first read to the end of the final flush.</param>
/// <param name="Stopped">True when the cancellation token ended it early.</param>
public sealed record ReplayResult(long Lines, long Produced, long Failed, long Skipped, int Passes, TimeSpan Elapsed, bool Stopped);
