using Confluent.Kafka;
using FraudStream.Kafka.Processing;

namespace FraudStream.LoadTest;

/// <summary>
/// The consumer and producer settings every mode drains the topic with: those <c>StreamProcessor</c> uses (64 KiB per
/// partition fetch, earliest, auto-commit, fetch.queue.backoff.ms=10, queued.min.messages=10000; idempotent producer,
/// acks=all, linger 5 ms), and for the embedded broker a short <see cref="FetchWaitMaxMs"/> and a large
/// <see cref="FetchMaxBytes"/>.
/// </summary>
public static class ClientSettings
{
    public const int MaxPartitionFetchBytes = StreamProcessor.DefaultMaxPartitionFetchBytes;
    public const int LingerMs = StreamProcessor.DefaultLingerMilliseconds;

    /// <summary>
    /// <c>fetch.wait.max.ms</c> of every consumer here. The embedded broker answers a fetch that finds no new data
    /// only after the whole wait, even when data arrives meanwhile (librdkafka's mock Fetch handler says so), where
    /// Kafka answers as soon as data arrives; with librdkafka's 500 ms default a caught-up consumer would measure that
    /// wait, not itself. Draining a backlog never waits, so throughput does not depend on it.
    /// </summary>
    public const int FetchWaitMaxMs = 5;

    /// <summary><c>fetch.queue.backoff.ms</c>: the processor's default (10 ms instead of librdkafka's 1 s), for every mode.</summary>
    public const int FetchQueueBackoffMs = StreamProcessor.DefaultFetchQueueBackoffMilliseconds;

    /// <summary>
    /// <c>fetch.max.bytes</c> of every consumer here: librdkafka's largest, for the embedded broker only (librdkafka raises
    /// <c>receive.message.max.bytes</c> to match). The mock's Fetch handler adds the response's write position after each
    /// partition's records to its running total, not the bytes written, so the total grows with the square of the
    /// partitions served. With the default 50 MB a response carried one batch from each of only the first 140-250
    /// partitions in the request (about 650 KB), and librdkafka turns that order by one partition a fetch: reading
    /// 2,000,000 calls on 1,024 partitions, a plain consumer had the first record of every partition after 1.64-1.72
    /// million records, against 21,000-170,000 with this value. Even this value is passed once half the square of the
    /// partitions times their batch size is (1,024 partitions of about 4 KB batches, 256 of 64 KiB); the loader's
    /// batches on 1,024 partitions were about 2.5 KB. Kafka counts the bytes.
    /// </summary>
    public const int FetchMaxBytes = 2_147_483_135;

    /// <summary><c>queued.min.messages</c>: the processor's default (10,000 records fetched ahead instead of librdkafka's 100,000), for every mode.</summary>
    public const int QueuedMinMessages = StreamProcessor.DefaultQueuedMinMessages;

    public static ConsumerConfig Consumer(string bootstrap, string group) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = group,
        ClientId = "loadtest",
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = true,
        MaxPartitionFetchBytes = MaxPartitionFetchBytes,
        FetchMaxBytes = FetchMaxBytes,
        QueuedMinMessages = QueuedMinMessages,
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
