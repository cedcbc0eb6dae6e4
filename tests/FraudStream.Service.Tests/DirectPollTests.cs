using System.Text;
using Confluent.Kafka;
using FraudStream.Kafka;
using FraudStream.Kafka.Internal;
using Xunit.Abstractions;

namespace FraudStream.Service.Tests;

/// <summary>
/// The processor's poll of the consumer's librdkafka handle (<see cref="DirectPoll"/>) against Confluent.Kafka's own
/// <c>Consume</c> on the same topic: the same messages, ends and errors, and no allocation for a message.
/// </summary>
[Trait("Category", "Integration")]
public sealed unsafe class DirectPollTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_served_Confluent_Kafka_consumer_can_be_polled_directly_Integration()
    {
        // The processor falls back to Consume (with a warning) when it cannot: this fails instead when a package
        // update takes the handle away, so that the fallback is a decision, not an accident.
        using var broker = new EmbeddedBroker();
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Config(broker, "probe")).Build();
        using var poll = DirectPoll.TryCreate(consumer, out var whyNot);
        Assert.True(poll is not null, whyNot);
    }

    [Fact]
    public void A_consumer_that_is_not_Confluent_Kafka_s_own_is_not_polled_directly_Integration()
    {
        // Polling the handle under a wrapper would go around the wrapper, and miss the exceptions its callbacks keep.
        using var broker = new EmbeddedBroker();
        using var consumer = ForwardingConsumer<Ignore, Ignore>.Wrap(new ConsumerBuilder<Ignore, Ignore>(Config(broker, "probe")).Build());
        using var poll = DirectPoll.TryCreate(consumer, out var whyNot);
        Assert.Null(poll);
        Assert.NotNull(whyNot);
        Assert.Contains("is not Confluent.Kafka's own", whyNot, StringComparison.Ordinal);
    }

    [Fact]
    public void Direct_poll_reads_what_Consume_reads_keys_values_headers_offsets_and_partition_ends_Integration()
    {
        using var broker = new EmbeddedBroker();
        broker.SetInitialRebalanceDelay(0);
        broker.CreateTopic("calls", 2);
        var sent = Produce(broker, "calls", 300, withHeaders: true);

        var byConsume = new List<string>();
        using (var consumer = new ConsumerBuilder<byte[]?, byte[]?>(Config(broker, "consume")).Build())
        {
            consumer.Subscribe("calls");
            var ends = 0;
            var deadline = DateTime.UtcNow + Timeout;
            while ((byConsume.Count < sent + 2 || ends < 2) && DateTime.UtcNow < deadline)
            {
                var result = consumer.Consume(100);
                if (result is null)
                {
                    continue;
                }
                if (result.IsPartitionEOF)
                {
                    ends++;
                }
                byConsume.Add(Describe(result.Partition.Value, result.Offset.Value, result.IsPartitionEOF,
                    result.Message?.Key, result.Message?.Value, result.Message?.Headers));
            }
            consumer.Close();
        }

        // One message a poll, and (as the processor reads) what is ready taken together, a poll only when nothing is.
        var byPoll = ReadDirectly(broker, "direct", sent + 2, takeReady: false, out _);
        var byBatches = ReadDirectly(broker, "direct-batches", sent + 2, takeReady: true, out var largestTaken);

        output.WriteLine($"{sent} messages; Consume saw {byConsume.Count} messages and ends, the direct poll {byPoll.Count}, taken together {byBatches.Count} (at most {largestTaken} at once)");
        Assert.True(largestTaken > 1, "messages were taken together");
        Assert.Equal(sent + 2, byConsume.Count);
        Assert.Equal(byConsume.Order(StringComparer.Ordinal), byPoll.Order(StringComparer.Ordinal));
        Assert.Equal(byConsume.Order(StringComparer.Ordinal), byBatches.Order(StringComparer.Ordinal));
        foreach (var read in new[] { byPoll, byBatches })
        {
            // Each partition in its order, its end last.
            foreach (var partition in read.GroupBy(d => d[..d.IndexOf(':', StringComparison.Ordinal)]))
            {
                Assert.Equal(partition.Order(StringComparer.Ordinal), partition);
            }
        }
    }

    /// <summary>
    /// <paramref name="expected"/> messages and partition ends read through the direct poll, described in the order read:
    /// with <paramref name="takeReady"/>, what is ready is taken together and a poll waits only when nothing is.
    /// </summary>
    private static List<string> ReadDirectly(EmbeddedBroker broker, string group, int expected, bool takeReady, out int largestTaken)
    {
        var read = new List<string>();
        largestTaken = 0;
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Config(broker, group)).Build();
        using (var poll = DirectPoll.TryCreate(consumer, out var whyNot) ?? throw new InvalidOperationException(whyNot))
        {
            consumer.Subscribe("calls");
            var deadline = DateTime.UtcNow + Timeout;
            while (read.Count < expected && DateTime.UtcNow < deadline)
            {
                var ready = takeReady ? poll.TakeReady() : 0;
                if (ready > 0)
                {
                    largestTaken = Math.Max(largestTaken, ready);
                    for (var i = 0; i < ready; i++)
                    {
                        Take(poll, poll.Taken(i), read);
                    }
                    continue;
                }
                if (poll.Poll(100) is var message && message is not null)
                {
                    Take(poll, message, read);
                }
            }
        }
        consumer.Close();
        return read;

        static void Take(DirectPoll poll, DirectPoll.Message* message, List<string> read)
        {
            try
            {
                var end = message->Error == DirectPoll.PartitionEof;
                Assert.True(end || message->Error == 0, $"error {message->Error}");
                read.Add(Describe(message->Partition, message->Offset, end,
                    end || message->Key is null ? null : message->KeySpan.ToArray(),
                    end || message->Payload is null ? null : message->Value.ToArray(),
                    end ? null : poll.HeadersOf(message)));
            }
            finally
            {
                poll.Destroy(message);
            }
        }
    }

    [Fact]
    public void Direct_poll_reports_a_consumer_error_as_Consume_does_Integration()
    {
        // A subscribed topic that does not exist (and is not created): librdkafka reports it as a consumer error.
        using var broker = new EmbeddedBroker();
        broker.SetInitialRebalanceDelay(0);

        Error? viaConsume = null;
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(Config(broker, "consume")).Build())
        {
            consumer.Subscribe("no-such-topic");
            var deadline = DateTime.UtcNow + Timeout;
            while (viaConsume is null && DateTime.UtcNow < deadline)
            {
                try
                {
                    consumer.Consume(100);
                }
                catch (ConsumeException ex)
                {
                    viaConsume = ex.Error;
                }
            }
            consumer.Close();
        }

        Error? viaPoll = null;
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(Config(broker, "direct")).Build())
        {
            using var poll = DirectPoll.TryCreate(consumer, out var whyNot) ?? throw new InvalidOperationException(whyNot);
            consumer.Subscribe("no-such-topic");
            var deadline = DateTime.UtcNow + Timeout;
            while (viaPoll is null && DateTime.UtcNow < deadline)
            {
                var message = poll.Poll(100);
                if (message is not null)
                {
                    viaPoll = message->Error != 0 ? poll.ErrorOf(message) : null;
                    poll.Destroy(message);
                }
            }
            consumer.Close();
        }

        Assert.NotNull(viaConsume);
        Assert.NotNull(viaPoll);
        output.WriteLine($"Consume: {viaConsume.Code}: {viaConsume.Reason}; direct poll: {viaPoll.Code}: {viaPoll.Reason}");
        Assert.Equal(ErrorCode.UnknownTopicOrPart, viaConsume.Code);
        Assert.Equal(viaConsume.Code, viaPoll.Code);
        Assert.Equal(viaConsume.IsFatal, viaPoll.IsFatal);
        Assert.Contains("no-such-topic", viaPoll.Reason, StringComparison.Ordinal); // librdkafka's own text, which names it
    }

    [Fact]
    public void Direct_poll_throws_what_a_handler_of_the_consumer_threw_as_Consume_does_Integration()
    {
        // A handler's exception cannot cross librdkafka's frames: Confluent.Kafka keeps it for Consume to throw, and
        // the processor, which polls directly, must not lose it (it would go on with its partitions unassigned).
        using var broker = new EmbeddedBroker();
        broker.SetInitialRebalanceDelay(0);
        broker.CreateTopic("calls", 2);
        Produce(broker, "calls", 10, withHeaders: false);

        var viaConsume = ThrownWhileConsuming(broker, "consume", consumer => ms => consumer.Consume(ms));
        DirectPoll? poll = null;
        var viaPoll = ThrownWhileConsuming(broker, "direct", consumer =>
        {
            poll = DirectPoll.TryCreate(consumer, out var whyNot) ?? throw new InvalidOperationException(whyNot);
            return ms =>
            {
                var message = poll.Poll(ms);
                if (message is not null)
                {
                    poll.Destroy(message);
                }
            };
        });
        poll?.Dispose();
        DirectPoll? batches = null;
        var viaBatches = ThrownWhileConsuming(broker, "batches", consumer =>
        {
            batches = DirectPoll.TryCreate(consumer, out var whyNot) ?? throw new InvalidOperationException(whyNot);
            return ms =>
            {
                var ready = batches.TakeReady(); // the rebalance is served here first, with nothing ready yet
                for (var i = 0; i < ready; i++)
                {
                    batches.Destroy(batches.Taken(i));
                }
                Thread.Sleep(ready == 0 ? ms : 0);
            };
        });
        batches?.Dispose();

        output.WriteLine($"Consume threw {viaConsume.GetType().Name}: {viaConsume.Message}; the direct poll {viaPoll.GetType().Name}: {viaPoll.Message}");
        Assert.IsType<ApplicationException>(viaConsume);
        Assert.IsType<ApplicationException>(viaPoll);
        Assert.Equal(viaConsume.Message.Replace("consume", "direct", StringComparison.Ordinal), viaPoll.Message);
        Assert.IsType<ApplicationException>(viaBatches);
        Assert.Equal(viaConsume.Message.Replace("consume", "batches", StringComparison.Ordinal), viaBatches.Message);
    }

    /// <summary>What consuming (a poll for up to the milliseconds given) throws when the partitions-assigned handler throws.</summary>
    private static Exception ThrownWhileConsuming(EmbeddedBroker broker, string group, Func<IConsumer<Ignore, Ignore>, Action<int>> consumeWith)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Config(broker, group))
            .SetPartitionsAssignedHandler((_, partitions) => throw new ApplicationException($"{group}: refused {partitions.Count} partitions"))
            .Build();
        var consume = consumeWith(consumer);
        consumer.Subscribe("calls");
        var deadline = DateTime.UtcNow + Timeout;
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                consume(100);
            }
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            return ex;
        }
        finally
        {
            consumer.Dispose(); // not Close: it would run the throwing handler again
        }
        throw new Xunit.Sdk.XunitException($"{group}: nothing thrown in {Timeout.TotalSeconds:F0} s");
    }

    [Fact]
    public void Polling_a_message_without_headers_allocates_nothing_Integration()
    {
        using var broker = new EmbeddedBroker();
        broker.SetInitialRebalanceDelay(0);
        broker.CreateTopic("calls", 1);
        const int PerPass = 2_000;
        var sent = Produce(broker, "calls", 4 * PerPass, withHeaders: false);

        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Config(broker, "direct")).Build();
        using var poll = DirectPoll.TryCreate(consumer, out var whyNot) ?? throw new InvalidOperationException(whyNot);
        consumer.Subscribe("calls");
        long checksum = 0;
        var read = 0;
        // The first pass warms up (the assignment, the runtime's first calls); then three measured passes. An
        // allocation per message shows in every pass, a one-off of the runtime on this thread in one at most.
        var passes = new List<long>();
        for (var pass = 0; pass < 4; pass++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var deadline = DateTime.UtcNow + Timeout;
            var target = (pass + 1) * PerPass;
            while (read < target && DateTime.UtcNow < deadline)
            {
                var message = poll.Poll(100);
                if (message is null)
                {
                    continue;
                }
                if (message->Error == 0)
                {
                    read++;
                    checksum += message->Value.Length + message->KeySpan.Length + (poll.HeadersOf(message) is null ? 0 : 1);
                }
                poll.Destroy(message);
            }
            passes.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        consumer.Close();

        output.WriteLine($"{read} of {sent} messages read ({checksum} bytes); allocated per pass of {PerPass}: {string.Join(", ", passes)} bytes");
        output.WriteLine($"Confluent.Kafka's Consume, for comparison: {ConsumeAllocations(broker, sent, PerPass) / (double)(sent - PerPass):F0} bytes a message");
        Assert.Equal(sent, read);
        Assert.Equal(0, passes.Skip(1).Min());
    }

    /// <summary>Bytes <c>Consume</c> allocated on this thread for the messages after the first <paramref name="warmUp"/> (reported, not asserted: it is the package's).</summary>
    private static long ConsumeAllocations(EmbeddedBroker broker, int count, int warmUp)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Config(broker, "consume")).Build();
        consumer.Subscribe("calls");
        var read = 0;
        long before = 0;
        var deadline = DateTime.UtcNow + Timeout;
        while (read < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(100) is { IsPartitionEOF: false })
            {
                if (++read == warmUp)
                {
                    before = GC.GetAllocatedBytesForCurrentThread();
                }
            }
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        consumer.Close();
        Assert.Equal(count, read);
        return allocated;
    }

    private static ConsumerConfig Config(EmbeddedBroker broker, string group) => new()
    {
        BootstrapServers = broker.Bootstrap,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnablePartitionEof = true,
        AllowAutoCreateTopics = false,
        SessionTimeoutMs = 6000,
    };

    /// <summary>
    /// Messages of every shape to <paramref name="topic"/>: keyed and not, empty and null values, long keys, and with
    /// <paramref name="withHeaders"/> headers (a null value among them) on some. Returns how many.
    /// </summary>
    private static int Produce(EmbeddedBroker broker, string topic, int count, bool withHeaders)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = broker.Bootstrap, EnableIdempotence = true, Acks = Acks.All,
        }).Build();
        for (var i = 0; i < count; i++)
        {
            var key = (i % 5) switch
            {
                0 => null,
                1 => Encoding.UTF8.GetBytes(new string('k', 40) + i), // longer than an inline key
                _ => Encoding.UTF8.GetBytes("+1415555" + (i % 97).ToString("D4", System.Globalization.CultureInfo.InvariantCulture)),
            };
            var value = (i % 11) switch
            {
                0 => null,
                1 => [],
                _ => Encoding.UTF8.GetBytes($"{{\"call_id\":\"c-{i}\"}}"),
            };
            Headers? headers = null;
            if (withHeaders && i % 3 == 0)
            {
                headers = [new Header("trace-id", Encoding.UTF8.GetBytes("t" + i)), new Header("empty", null), new Header("trace-id", [1, 2])];
            }
            producer.Produce(topic, new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers });
        }
        Assert.Equal(0, producer.Flush(Timeout));
        return count;
    }

    private static string Describe(int partition, long offset, bool end, byte[]? key, byte[]? value, Headers? headers) =>
        end
            ? $"{partition}:{offset:D6} end"
            : $"{partition}:{offset:D6} key={Show(key)} value={Show(value)} headers=[{string.Join(",", (headers ?? []).Select(h => h.Key + "=" + Show(h.GetValueBytes())))}]";

    private static string Show(byte[]? bytes) => bytes is null ? "null" : Convert.ToBase64String(bytes);
}
