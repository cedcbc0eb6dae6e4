using System.Text;
using Confluent.Kafka;

namespace FraudStream.Kafka.Tests;

/// <summary>Integration tests: each starts its own embedded broker (librdkafka's mock cluster) in-process.</summary>
[Trait("Category", "Integration")]
public sealed class EmbeddedBrokerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public void Broker_starts_with_one_loopback_listener_per_broker()
    {
        using var broker = new EmbeddedBroker(3);

        var listeners = broker.Bootstrap.Split(',');
        Assert.Equal(3, listeners.Length);
        Assert.All(listeners, l => Assert.Matches(@"^127\.0\.0\.1:\d+$", l));
        Assert.Equal(3, listeners.Distinct().Count());

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var metadata = admin.GetMetadata(Timeout);
        Assert.Equal([1, 2, 3], metadata.Brokers.Select(b => b.BrokerId).Order());
    }

    [Fact]
    public void Broker_creates_topics_with_the_partition_counts_asked()
    {
        using var broker = new EmbeddedBroker(2);
        broker.CreateTopic("calls", 64);
        broker.CreateTopic("fraud-alerts", 8);
        broker.CreateTopic("calls-dlq", 1);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.Bootstrap }).Build();
        var metadata = admin.GetMetadata(Timeout);
        var partitions = metadata.Topics.ToDictionary(t => t.Topic, t => t.Partitions.Count);
        Assert.Equal(64, partitions["calls"]);
        Assert.Equal(8, partitions["fraud-alerts"]);
        Assert.Equal(1, partitions["calls-dlq"]);
        Assert.All(metadata.Topics.Single(t => t.Topic == "calls").Partitions, p => Assert.Equal(2, p.Replicas.Length));
        Assert.Equal(3, broker.CreatedTopics.Count);
    }

    [Fact]
    public void Broker_refuses_a_topic_that_exists_and_bad_arguments()
    {
        using var broker = new EmbeddedBroker();
        broker.CreateTopic("calls", 4);

        var exists = Assert.Throws<InvalidOperationException>(() => broker.CreateTopic("calls", 4));
        Assert.Contains("calls", exists.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => broker.CreateTopic("bad name", 4));
        Assert.Throws<ArgumentException>(() => broker.CreateTopic("..", 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => broker.CreateTopic("x", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => broker.SetBrokerDown(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => broker.SetBrokerUp(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => broker.SetRoundTripDelay(2, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => broker.SetRoundTripDelay(1, -1));
        Assert.Throws<ArgumentException>(() => broker.PushRequestErrors(0, ErrorCode.NoError, 1));
        Assert.Throws<ArgumentException>(() => broker.PushRequestErrors(0, (ErrorCode)31337, 1));
        Assert.Throws<ArgumentException>(() => broker.PushRequestErrors(0, ErrorCode.Local_PartitionEOF, 1));
        Assert.Throws<ArgumentException>(() => broker.PushRequestErrors(999, ErrorCode.NotEnoughReplicas, 1));
        Assert.Throws<ArgumentException>(() => broker.PushRequestErrors(4 /* LeaderAndIsr: broker to broker */, ErrorCode.NotEnoughReplicas, 1));
        Assert.Throws<ArgumentException>(() => broker.PushRequestErrors(-1, ErrorCode.NotEnoughReplicas, 1));
        Assert.Throws<ArgumentException>(() => broker.ClearRequestErrors(999));
        Assert.Throws<ArgumentOutOfRangeException>(() => broker.PushRequestErrors(0, ErrorCode.NotEnoughReplicas, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddedBroker(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddedBroker(0));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("Produce", 0)]
    [InlineData("metadata", 3)]
    [InlineData("22", 22)]
    [InlineData("InitProducerId", 22)]
    public void Api_keys_parse_as_numbers_or_protocol_names(string text, short expected)
    {
        Assert.True(EmbeddedBroker.TryParseApiKey(text, out var apiKey));
        Assert.Equal(expected, apiKey);
    }

    [Theory]
    [InlineData("999")]
    [InlineData("4")]
    [InlineData("-1")]
    [InlineData("+0")]
    [InlineData("0x0")]
    [InlineData("Produce ")]
    [InlineData("Nonsense")]
    [InlineData("")]
    public void Api_keys_the_broker_does_not_serve_are_refused(string text) =>
        Assert.False(EmbeddedBroker.TryParseApiKey(text, out _));

    [Fact]
    public void Broker_is_unusable_after_dispose()
    {
        var broker = new EmbeddedBroker();
        broker.Dispose();
        broker.Dispose();
        Assert.Throws<ObjectDisposedException>(() => broker.CreateTopic("calls", 1));
    }

    [Fact]
    public void Broker_round_trips_keys_values_and_headers_through_a_consumer_group()
    {
        using var broker = new EmbeddedBroker();
        broker.SetInitialRebalanceDelay(0);
        broker.CreateTopic("calls", 4);

        var sent = Enumerable.Range(0, 50).Select(i => ($"+1415555{i % 7:D4}", $"{{\"call_id\":\"c-{i}\"}}")).ToList();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, EnableIdempotence = true, Acks = Acks.All,
        }).Build())
        {
            foreach (var (key, value) in sent)
            {
                producer.Produce("calls", new Message<string, string>
                {
                    Key = key, Value = value, Headers = [new Header("h", Encoding.ASCII.GetBytes(key))],
                });
            }
            Assert.Equal(0, producer.Flush(Timeout));
        }

        var received = ConsumeAll(broker.Bootstrap, "calls", sent.Count);
        Assert.Equal(sent.Order(), received.Select(m => (m.Message.Key, m.Message.Value)).Order());
        Assert.All(received, m => Assert.Equal(m.Message.Key, Encoding.ASCII.GetString(m.Message.Headers.GetLastBytes("h"))));
        // One key, one partition: the key decides the partition.
        Assert.All(received.GroupBy(m => m.Message.Key), g => Assert.Single(g.Select(m => m.Partition.Value).Distinct()));
        Assert.True(received.Select(m => m.Partition.Value).Distinct().Count() > 1);
    }

    [Fact]
    public void Broker_down_stops_delivery_and_up_resumes_it()
    {
        using var broker = TestBroker.Start();
        broker.CreateTopic("calls", 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, EnableIdempotence = true, Acks = Acks.All,
            SocketConnectionSetupTimeoutMs = 1000, ReconnectBackoffMs = 50, ReconnectBackoffMaxMs = 200,
        }).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        producer.Produce("calls", new Message<Null, string> { Value = "before" });
        Assert.Equal(0, producer.Flush(Timeout));

        broker.SetBrokerDown(1);
        var delivered = 0;
        producer.Produce("calls", new Message<Null, string> { Value = "while-down" }, r =>
        {
            if (r.Error.Code == ErrorCode.NoError)
            {
                Interlocked.Increment(ref delivered);
            }
        });
        Assert.Equal(1, producer.Flush(TimeSpan.FromSeconds(1.5)));
        Assert.Equal(0, Volatile.Read(ref delivered));

        broker.SetBrokerUp(1);
        Assert.Equal(0, producer.Flush(Timeout));
        Assert.Equal(1, Volatile.Read(ref delivered));
        Assert.Equal(["before", "while-down"], ConsumeAll<Null>(broker.Bootstrap, "calls", 2).Select(m => m.Message.Value));
    }

    [Fact]
    public async Task Broker_injected_produce_errors_are_retried_by_the_idempotent_producer()
    {
        using var broker = new EmbeddedBroker();
        broker.CreateTopic("calls", 1);
        broker.PushRequestErrors(0 /* Produce */, ErrorCode.NotEnoughReplicas, 3);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, EnableIdempotence = true, Acks = Acks.All, RetryBackoffMs = 10,
        }).SetLogHandler((_, _) => { }).Build();
        var result = await producer.ProduceAsync("calls", new Message<Null, string> { Value = "v" });
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Equal(0, result.Offset.Value);
    }

    [Fact]
    public async Task Broker_injected_non_retriable_error_fails_the_delivery()
    {
        using var broker = new EmbeddedBroker();
        broker.CreateTopic("calls", 1);
        broker.PushRequestErrors(0 /* Produce */, ErrorCode.MsgSizeTooLarge, 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, Acks = Acks.All,
        }).SetLogHandler((_, _) => { }).Build();
        var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync("calls", new Message<Null, string> { Value = "v" }));
        Assert.Equal(ErrorCode.MsgSizeTooLarge, failure.Error.Code);
    }

    internal static List<ConsumeResult<string, string>> ConsumeAll(string bootstrap, string topic, int expected) =>
        ConsumeAll<string>(bootstrap, topic, expected);

    internal static List<ConsumeResult<TKey, string>> ConsumeAll<TKey>(string bootstrap, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<TKey, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<TKey, string>>();
        var deadline = DateTime.UtcNow + Timeout;
        while (results.Count < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is { IsPartitionEOF: false })
            {
                results.Add(result);
            }
        }
        consumer.Close();
        Assert.Equal(expected, results.Count);
        return results;
    }
}
