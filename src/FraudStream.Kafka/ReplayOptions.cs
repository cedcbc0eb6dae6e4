namespace FraudStream.Kafka;

/// <summary>What <see cref="CallReplayer"/> sends, where, and how fast.</summary>
public sealed class ReplayOptions
{
    /// <summary>The default <see cref="UnreachableTimeout"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultUnreachableTimeout = TimeSpan.FromSeconds(30);

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

    /// <summary>
    /// Extra librdkafka producer settings (for example <c>linger.ms</c>, <c>message.timeout.ms</c>); the replay's own
    /// ones (bootstrap servers, client id, idempotence, acks, delivery report fields) win.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ProducerSettings { get; init; }

    /// <summary>
    /// How long records may wait, with no delivery report, while librdkafka reports every broker down, before the
    /// replay gives up: it stops reading, drops the records still waiting (counted as failed) and reports the error
    /// in <see cref="ReplayResult.Error"/>. Null waits as long as librdkafka's <c>message.timeout.ms</c> (5 minutes
    /// unless set in <see cref="ProducerSettings"/>).
    /// </summary>
    public TimeSpan? UnreachableTimeout { get; init; } = DefaultUnreachableTimeout;
}

/// <summary>What a replay did.</summary>
/// <param name="Lines">Lines read and dealt with, all passes together: <paramref name="Produced"/> + <paramref name="Failed"/>
/// + <paramref name="Skipped"/> (a line a stop interrupted before it was handed to the producer is not counted).</param>
/// <param name="Produced">Records the broker acknowledged.</param>
/// <param name="Failed">Records that could not be produced or whose delivery failed.</param>
/// <param name="Skipped">Lines over 65,536 bytes, which the line reader cannot hand over whole.</param>
/// <param name="Passes">Passes begun over the file.</param>
/// <param name="Elapsed">From the first read to the end of the final flush.</param>
/// <param name="Stopped">True when it ended early: the cancellation token, a fatal producer error, or <paramref name="Error"/>.</param>
/// <param name="Error">Why it gave up (no broker reachable for <see cref="ReplayOptions.UnreachableTimeout"/>), or null.</param>
public sealed record ReplayResult(long Lines, long Produced, long Failed, long Skipped, int Passes, TimeSpan Elapsed, bool Stopped, string? Error = null);
