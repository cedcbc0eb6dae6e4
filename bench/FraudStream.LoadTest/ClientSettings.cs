using Confluent.Kafka;

namespace FraudStream.LoadTest;

/// <summary>
/// The consumer and producer settings every mode drains the topic with: those <c>StreamProcessor</c> uses
/// (64 KiB per partition fetch, earliest, auto-commit, fetch.queue.backoff.ms=10; idempotent producer, acks=all, linger 5 ms), and a short
/// <see cref="FetchWaitMaxMs"/>.
/// </summary>
public static class ClientSettings
{
    public const int MaxPartitionFetchBytes = 64 * 1024;
    public const int LingerMs = 5;

    /// <summary>
    /// <c>fetch.wait.max.ms</c> of every consumer here. The embedded broker answers a fetch that finds no new data
    /// only after the whole wait, even when data arrives meanwhile (librdkafka's mock Fetch handler says so), where
    /// Kafka answers as soon as data arrives; with librdkafka's 500 ms default a caught-up consumer would measure that
    /// wait, not itself. Draining a backlog never waits, so throughput does not depend on it.
    /// </summary>
    public const int FetchWaitMaxMs = 5;

    /// <summary><c>fetch.queue.backoff.ms</c>: the processor's default (10 ms instead of librdkafka's 1 s), for every mode.</summary>
    public const int FetchQueueBackoffMs = 10;

    public static ConsumerConfig Consumer(string bootstrap, string group) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = group,
        ClientId = "loadtest",
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = true,
        MaxPartitionFetchBytes = MaxPartitionFetchBytes,
        FetchWaitMaxMs = FetchWaitMaxMs,
        FetchQueueBackoffMs = FetchQueueBackoffMs,
        AllowAutoCreateTopics = false,
        ConsumeResultFields = "headers",
    };

    public static ProducerConfig Producer(string bootstrap) => new()
    {
        BootstrapServers = bootstrap,
        ClientId = "loadtest",
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = LingerMs,
    };
}
