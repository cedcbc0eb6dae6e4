namespace FraudStream.Kafka.Processing;

/// <summary>What <see cref="StreamProcessor"/> reads, writes and how it behaves; the defaults are the documented ones.</summary>
public sealed record ProcessorOptions
{
    /// <summary>Default records re-read per partition before the committed offset to rebuild history.</summary>
    public const int DefaultRebuildRecords = 100_000;

    /// <summary>librdkafka <c>bootstrap.servers</c>.</summary>
    public required string BootstrapServers { get; init; }

    public string GroupId { get; init; } = "fraudstream";

    public string InputTopic { get; init; } = "calls";

    public string AlertsTopic { get; init; } = "fraud-alerts";

    public string DeadLetterTopic { get; init; } = "calls-dlq";

    /// <summary>
    /// librdkafka properties for both clients (TLS, SASL, timeouts...), by their librdkafka names such as
    /// <c>sasl.mechanism</c>; the processor's own delivery guarantees (manual offset store, idempotence, acks) win.
    /// </summary>
    public IReadOnlyDictionary<string, string> KafkaSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Records re-read (without alerting) before the committed offset of each newly assigned partition.</summary>
    public int RebuildRecords { get; init; } = DefaultRebuildRecords;

    /// <summary>How long an error that does not clear may last before the processor gives up (exits non-zero).</summary>
    public TimeSpan FatalTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When set: after the first assignment, stop once this long passes without a new record; not between a
    /// revocation and the next assignment, whose arrival starts the idle time again (waited for up to 60 s).
    /// </summary>
    public TimeSpan? StopWhenIdle { get; init; }

    /// <summary>Longest wait for in-flight alerts and dead letters when stopping or giving partitions up.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the oldest alert or dead letter in flight may go unacknowledged before the processor says it is not
    /// ready (<c>/readyz</c>) and logs which record waits. A producer that retries a broker's refusals (NotEnoughReplicas,
    /// a leader moving) reports nothing until librdkafka's <c>message.timeout.ms</c> (5 minutes by default) runs out.
    /// </summary>
    public TimeSpan DeliveryStall { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the processor logs what it did since the last time (consumed, dead-lettered, alerted, in flight), as
    /// Kafka Streams' <c>log.summary.interval.ms</c> does; zero logs no summary.
    /// </summary>
    public TimeSpan SummaryInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// About the longest time spent before consuming on running the per-record path on synthetic calls, so that the
    /// first real calls run optimized code (checked between passes of 2,048 calls, so a pass may run past it; it ends
    /// sooner, once the runtime compiles nothing new); zero skips it.
    /// </summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether alerts (their reasons and JSON) are written and produced on a thread of their own rather than on the
    /// consume thread. An alert's reasons cost several times its call's scoring: at the generated traffic's alert rate
    /// the alert thread takes about a sixth of the process's CPU off the consume thread (a quarter of the consume
    /// thread's work before the reasons were compiled; docs/operations.md, "Alert thread"). On by default
    /// where the process may use more than one processor; on a single one the hand-off would only add work.
    /// </summary>
    public bool AlertThread { get; init; } = Environment.ProcessorCount > 1;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(BootstrapServers);
        ArgumentException.ThrowIfNullOrWhiteSpace(GroupId);
        ValidateTopic(InputTopic, nameof(InputTopic));
        ValidateTopic(AlertsTopic, nameof(AlertsTopic));
        ValidateTopic(DeadLetterTopic, nameof(DeadLetterTopic));
        if (RebuildRecords < 0)
        {
            throw new ArgumentException("the number of records to rebuild from must not be negative", nameof(RebuildRecords));
        }
        if (FatalTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("the fatal timeout must be positive", nameof(FatalTimeout));
        }
        if (DrainTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("the drain timeout must be positive", nameof(DrainTimeout));
        }
        if (DeliveryStall <= TimeSpan.Zero)
        {
            throw new ArgumentException("the delivery stall time must be positive", nameof(DeliveryStall));
        }
        if (SummaryInterval < TimeSpan.Zero)
        {
            throw new ArgumentException("the summary interval must not be negative", nameof(SummaryInterval));
        }
        if (WarmUp < TimeSpan.Zero)
        {
            throw new ArgumentException("the warm-up time must not be negative", nameof(WarmUp));
        }
        if (StopWhenIdle is { } idle && idle <= TimeSpan.Zero)
        {
            throw new ArgumentException("the idle time must be positive", nameof(StopWhenIdle));
        }
    }

    /// <summary>Names the option that holds a topic name that is not legal (the error is about that option, not a parameter).</summary>
    private static void ValidateTopic(string topic, string option)
    {
        if (!EmbeddedBroker.IsLegalTopicName(topic))
        {
            throw new ArgumentException(
                $"'{topic}' is not a legal topic name (1-{EmbeddedBroker.MaxTopicNameLength} characters of a-z A-Z 0-9 . _ -, not '.' or '..')", option);
        }
    }
}

/// <summary>Why <see cref="StreamProcessor.Run"/> returned.</summary>
public enum StopReason
{
    /// <summary>The caller's token was cancelled (SIGTERM, SIGINT).</summary>
    Cancelled,

    /// <summary>No new record for the idle time after the first assignment.</summary>
    Idle,

    /// <summary>An error that did not clear within the fatal timeout.</summary>
    Fatal,
}

/// <summary>
/// The counts of a run; <see cref="Consumed"/> = <see cref="Valid"/> + <see cref="Invalid"/>. <see cref="Unacknowledged"/>
/// counts the alerts and dead letters the broker had not acknowledged when the stop ended (still waiting, or failed):
/// their records, and those after them in each partition, were not committed, and are processed again after a restart.
/// </summary>
public sealed record ProcessorResult(
    long Consumed, long Valid, long Invalid, long Alerts, long Rebuilt, StopReason Reason, string? FatalMessage, long Unacknowledged = 0)
{
    /// <summary>The summary line of <c>fraudstream run</c>, in the form contracts.md section 5 fixes.</summary>
    public string SummaryLine => $"consumed={Consumed} valid={Valid} invalid={Invalid} alerts={Alerts}";
}
