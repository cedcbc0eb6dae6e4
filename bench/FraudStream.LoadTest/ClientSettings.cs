using Confluent.Kafka;

namespace FraudStream.LoadTest;

/// <summary>
/// The consumer and producer settings every mode drains the topic with: those <c>StreamProcessor</c> uses
/// (64 KiB per partition fetch, earliest, auto-commit; idempotent producer, acks=all, linger 5 ms).
/// </summary>
public static class ClientSettings
{
    public const int MaxPartitionFetchBytes = 64 * 1024;
    public const int LingerMs = 5;

    public static ConsumerConfig Consumer(string bootstrap, string group) => new()
    {
        BootstrapServers = bootstrap,
        GroupId = group,
        ClientId = "loadtest",
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = true,
        MaxPartitionFetchBytes = MaxPartitionFetchBytes,
        AllowAutoCreateTopics = false,
        ConsumeResultFields = "topic,headers",
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
