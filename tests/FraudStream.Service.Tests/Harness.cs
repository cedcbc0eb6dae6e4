using Xunit.Abstractions;
using System.Text;
using Confluent.Kafka;
using FraudStream.Features;
using FraudStream.Kafka;
using FraudStream.Kafka.Processing;
using FraudStream.Pipeline;
using FraudStream.Records;
using FraudStream.Scoring;
using FraudStream.Traffic;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudStream.Service.Tests;

/// <summary>One message of the input topic as the tests produce it.</summary>
internal sealed record InputMessage(byte[]? Key, byte[]? Value, IReadOnlyList<(string Key, byte[] Value)> Headers)
{
    public static IReadOnlyList<(string, byte[])> NoHeaders { get; } = [];
}

/// <summary>A message read back from an output topic.</summary>
internal sealed record OutputMessage(int Partition, byte[]? Key, byte[]? Value, IReadOnlyList<(string Key, byte[] Value)> Headers)
{
    public string? Header(string key) => Headers.Where(h => h.Key == key).Select(h => Encoding.UTF8.GetString(h.Value)).LastOrDefault();
}

/// <summary>
/// An embedded broker (librdkafka's mock cluster, in this process) with the three topics, plus helpers to
/// produce generated traffic and read the outputs back.
/// </summary>
internal sealed class KafkaHarness : IDisposable
{
    public const string Input = "calls", Alerts = "fraud-alerts", Dlq = "calls-dlq";

    public KafkaHarness(int inputPartitions = 4, int brokers = 1)
    {
        Broker = new EmbeddedBroker(brokers);
        Broker.SetInitialRebalanceDelay(0);
        Broker.CreateTopic(Input, inputPartitions);
        Broker.CreateTopic(Alerts, 2);
        Broker.CreateTopic(Dlq, 2);
    }

    public EmbeddedBroker Broker { get; }

    /// <summary>The model the tests score with: <c>FRAUDSTREAM_TEST_MODEL</c> when set, else the shipped default model.</summary>
    public static string DefaultModelPath =>
        Environment.GetEnvironmentVariable("FRAUDSTREAM_TEST_MODEL") is { Length: > 0 } model
            ? model
            : Path.Combine(AppContext.BaseDirectory, "models", "default.zip");

    /// <summary>
    /// Generated calls as NDJSON lines, with invalid records of every kind mixed in (one every
    /// <paramref name="invalidEvery"/> lines).
    /// </summary>
    public static List<byte[]> MakeLines(int calls, ulong seed, int invalidEvery = 97)
    {
        using var callsStream = new MemoryStream();
        using var labels = new MemoryStream();
        TrafficGenerator.Generate(new TrafficOptions { Calls = calls, Seed = seed }, callsStream, labels);
        var text = Encoding.UTF8.GetString(callsStream.ToArray());
        var valid = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Encoding.UTF8.GetBytes).ToList();
        byte[][] invalid =
        [
            "not json"u8.ToArray(),
            "{\"call_id\":\"x-1\"}"u8.ToArray(),
            "[1,2,3]"u8.ToArray(),
            "{\"call_id\":\"x-2\",\"start\":\"2026-11-02T00:00:00Z\",\"caller\":\"+14155550100\",\"callee\":\"+14155550101\",\"orig_country\":\"US\",\"trunk\":\"t\",\"disposition\":\"busy\",\"ring_ms\":5,\"duration_s\":9}"u8.ToArray(),
            [0x7B, 0xFF, 0xFE, 0x7D],
            Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('a', CallRecordParser.MaxRecordBytes) + "\"}"),
            [],
        ];
        var lines = new List<byte[]>(valid.Count + (valid.Count / invalidEvery) + 1);
        for (var i = 0; i < valid.Count; i++)
        {
            if (i % invalidEvery == invalidEvery / 2)
            {
                lines.Add(invalid[(i / invalidEvery) % invalid.Length]);
            }
            lines.Add(valid[i]);
        }
        return lines;
    }

    /// <summary>
    /// Messages for the lines: key = the caller (every <paramref name="unkeyedEvery"/>-th one and invalid records
    /// without a key), and a header on every 10th message.
    /// </summary>
    public static List<InputMessage> ToMessages(List<byte[]> lines, int unkeyedEvery = 50)
    {
        var messages = new List<InputMessage>(lines.Count);
        Span<byte> text = stackalloc byte[PhoneNumber.MaxDigits + 1];
        for (var i = 0; i < lines.Count; i++)
        {
            byte[]? key = null;
            if (i % unkeyedEvery != 0 && CallRecordParser.TryParse(lines[i], out var record, out _))
            {
                record.Caller.TryFormat(text, out var n);
                key = text[..n].ToArray();
            }
            else if (i % 3 == 0)
            {
                key = Encoding.UTF8.GetBytes("k-" + i);
            }
            IReadOnlyList<(string, byte[])> headers = i % 10 == 0
                ? [("trace-id", Encoding.UTF8.GetBytes("t" + i)), ("origin", [1, 2, 3])]
                : InputMessage.NoHeaders;
            messages.Add(new InputMessage(key, lines[i], headers));
        }
        return messages;
    }

    /// <summary>
    /// Produces <paramref name="messages"/> to <paramref name="topic"/>: each to the partition its key gives, or with
    /// <paramref name="partitionOf"/> to the partition it gives for the message's index.
    /// </summary>
    public void Produce(IEnumerable<InputMessage> messages, string topic = Input, Func<int, int>? partitionOf = null)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = Broker.Bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            MessageMaxBytes = 1 << 20,
        }).Build();
        var failed = 0;
        var index = 0;
        foreach (var m in messages)
        {
            var partition = new TopicPartition(topic, partitionOf is null ? Partition.Any : new Partition(partitionOf(index)));
            index++;
            var message = new Message<byte[]?, byte[]?> { Key = m.Key, Value = m.Value };
            if (m.Headers.Count > 0)
            {
                message.Headers = [];
                foreach (var (k, v) in m.Headers)
                {
                    message.Headers.Add(k, v);
                }
            }
            while (true)
            {
                try
                {
                    producer.Produce(partition, message, r => { if (r.Error.IsError) { Interlocked.Increment(ref failed); } });
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }
        producer.Flush(TimeSpan.FromSeconds(30));
        Assert.Equal(0, failed);
    }

    /// <summary>Every message of <paramref name="topic"/> from the start to the current end.</summary>
    public List<OutputMessage> ReadAll(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = Broker.Bootstrap,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        var partitions = Broker.CreatedTopics[topic];
        var ends = new long[partitions];
        for (var p = 0; p < partitions; p++)
        {
            ends[p] = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value;
        }
        consumer.Assign(Enumerable.Range(0, partitions).Where(p => ends[p] > 0)
            .Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var result = new List<OutputMessage>();
        var remaining = ends.Count(e => e > 0);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (remaining > 0 && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null)
            {
                continue;
            }
            if (r.IsPartitionEOF)
            {
                if (r.Offset.Value >= ends[r.Partition.Value])
                {
                    remaining--;
                }
                continue;
            }
            if (r.Offset.Value < ends[r.Partition.Value])
            {
                result.Add(new OutputMessage(r.Partition.Value, r.Message.Key, r.Message.Value,
                    r.Message.Headers?.Select(h => (h.Key, h.GetValueBytes())).ToList() ?? []));
            }
        }
        Assert.Equal(0, remaining);
        return result;
    }

    /// <summary>The committed offsets of <paramref name="group"/> on the input topic; 0 for a partition with none.</summary>
    public long[] Committed(string group)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = Broker.Bootstrap, GroupId = group }).Build();
        var partitions = Broker.CreatedTopics[Input];
        // Offset.Unset (-1001) for a partition never committed: counted as nothing committed, so that sums count records.
        return consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(Input, p)), TimeSpan.FromSeconds(10))
            .OrderBy(c => c.Partition.Value).Select(c => Math.Max(0, c.Offset.Value)).ToArray();
    }

    public ServiceSettings Settings(string? modelPath = null, TimeSpan? stopWhenIdle = null, string group = "fraudstream",
        int rebuildRecords = ProcessorOptions.DefaultRebuildRecords, TimeSpan? fatalTimeout = null) => new()
    {
        Processor = new ProcessorOptions
        {
            BootstrapServers = Broker.Bootstrap,
            GroupId = group,
            StopWhenIdle = stopWhenIdle,
            RebuildRecords = rebuildRecords,
            FatalTimeout = fatalTimeout ?? TimeSpan.FromSeconds(30),
            // These tests check what is processed, not how fast: no warm-up (ProcessorWarmUpTests and the run
            // command's test cover it).
            WarmUp = TimeSpan.Zero,
            KafkaSettings = new Dictionary<string, string> { ["session.timeout.ms"] = "6000", ["producer.message.max.bytes"] = "1048576" },
        },
        ModelPath = modelPath ?? DefaultModelPath,
        MetricsHost = "127.0.0.1",
        MetricsPort = 0,
        ModelCheckInterval = TimeSpan.FromSeconds(1),
    };

    /// <summary>A scorer of its own (the default featurizer, fresh state) with the default model.</summary>
    public static CallScorer NewScorer() => new(Featurizer.CreateDefault(), FraudModel.Load(DefaultModelPath));

    /// <summary><paramref name="options"/> with the given librdkafka settings added to (or replacing) its pass-through ones.</summary>
    public static ProcessorOptions WithKafkaSettings(ProcessorOptions options, params (string Name, string Value)[] settings)
    {
        var merged = new Dictionary<string, string>(options.KafkaSettings);
        foreach (var (name, value) in settings)
        {
            merged[name] = value;
        }
        return options with { KafkaSettings = merged };
    }

    /// <summary>The call ids that <c>fraudstream score</c>'s path (<see cref="FileScorer"/>) alerts on for the same lines.</summary>
    public static HashSet<string> FileScorerAlertIds(List<byte[]> lines) => AlertIds(FileScorerAlerts(lines));

    /// <summary>The alerts, as JSON, that <c>fraudstream score</c>'s path (<see cref="FileScorer"/>) writes for the same lines.</summary>
    public static List<byte[]> FileScorerAlerts(List<byte[]> lines)
    {
        var scorer = NewScorer();
        using var alerts = new MemoryStream();
        using var deadLetters = new DeadLetterFileWriter(new MemoryStream());
        using (var file = new FileScorer(scorer, "calls.ndjson", alerts, deadLetters))
        {
            for (var i = 0; i < lines.Count; i++)
            {
                file.OnLine(lines[i], i + 1, lines[i].Length > CallRecordParser.MaxRecordBytes);
            }
        }
        return [.. Encoding.UTF8.GetString(alerts.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>An alert's JSON up to its detection time and source: what the same call scored by the same model always gets.</summary>
    public static string AlertContent(byte[] alertJson)
    {
        var text = Encoding.UTF8.GetString(alertJson);
        var end = text.IndexOf(",\"detected_at\":", StringComparison.Ordinal);
        Assert.True(end > 0, "an alert has detected_at");
        return text[..end];
    }

    public static HashSet<string> AlertIds(IEnumerable<byte[]> alertJson) =>
        alertJson.Select(a => System.Text.Json.JsonDocument.Parse(a).RootElement.GetProperty("call_id").GetString()!).ToHashSet();

    public static ILoggerFactory Logs(ITestOutputHelper? output, System.Collections.Concurrent.ConcurrentQueue<string>? sink = null) =>
        output is null ? NullLoggerFactory.Instance : LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new TestOutputLogger(output, sink)));

    public void Dispose() => Broker.Dispose();
}

/// <summary>Sends log lines to the test's output and keeps them for assertions.</summary>
internal sealed class TestOutputLogger(ITestOutputHelper output, System.Collections.Concurrent.ConcurrentQueue<string>? sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, sink);

    public void Dispose() { }

    private sealed class Logger(ITestOutputHelper output, System.Collections.Concurrent.ConcurrentQueue<string>? sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} [{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}";
            sink?.Enqueue(line);
            try
            {
                output.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished.
            }
        }
    }
}
