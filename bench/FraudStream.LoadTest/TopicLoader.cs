using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using Confluent.Kafka;
using FraudStream.Kafka;
using FraudStream.Records;
using FraudStream.Traffic;

namespace FraudStream.LoadTest;

/// <summary>Generates call records to a file and produces them into a topic, keyed by caller as <c>fraudstream replay</c> does.</summary>
public static class TopicLoader
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public static void Generate(string path, int calls, ulong seed)
    {
        var watch = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            TrafficGenerator.Generate(new TrafficOptions { Calls = calls, Seed = seed }, file, Stream.Null, m => Console.Error.WriteLine("generate: " + m));
        }
        Console.Error.WriteLine($"generated {calls:N0} calls in {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>The lines of the file with their Kafka keys (the caller; null when the line has no valid caller).</summary>
    public static IEnumerable<(byte[]? Key, byte[] Value, string? CallId)> Read(string path)
    {
        var caller = new byte[PhoneNumber.MaxDigits + 1];
        foreach (var line in File.ReadLines(path))
        {
            var value = Encoding.UTF8.GetBytes(line);
            byte[]? key = null;
            string? callId = null;
            if (CallRecordParser.TryParse(value, out var record, out _))
            {
                record.Caller.TryFormat(caller, out var n);
                key = caller.AsSpan(0, n).ToArray();
                callId = record.CallId.ToString();
            }
            yield return (key, value, callId);
        }
    }

    /// <summary>The fewest input partitions <see cref="PartitionsFor"/> chooses.</summary>
    public const int MinimumPartitions = 256;

    /// <summary>
    /// What a partition of the embedded broker keeps: librdkafka's mock drops a partition's oldest batches once it holds
    /// more than 5 MiB. <see cref="PartitionsFor"/> leaves 5% of it spare, for the batches' own headers (61 bytes a
    /// batch) that its estimate leaves out.
    /// </summary>
    private const long PartitionBytesKept = 5L << 20;

    /// <summary>A record's bytes in a batch besides its key and value (length, attributes, deltas, header count), at most.</summary>
    private const int RecordOverhead = 16;

    /// <summary>A record batch's header (Kafka's record batch format, version 2).</summary>
    private const int BatchHeader = 61;

    /// <summary>
    /// Partitions for the file's records: the fewest, a power of two and at least <see cref="MinimumPartitions"/>,
    /// in which no partition gets more than 95% of what the embedded broker keeps, the records placed as
    /// <see cref="Load"/> places them. The calls of one caller all go to one partition, so a busy caller (the
    /// withheld caller ID, <c>anonymous</c>, most of all) decides it rather than the average: 1,000,000 generated
    /// calls need 256 partitions, 2,000,000 need 1,024. Fails when one caller's calls alone take more than that, or
    /// the records need more partitions than the embedded broker creates (<see cref="EmbeddedBroker.MaxPartitions"/>).
    /// </summary>
    public static int PartitionsFor(string path)
    {
        var budget = PartitionBytesKept * 95 / 100;
        var byKey = new Dictionary<string, (uint Hash, long Bytes)>(StringComparer.Ordinal);
        long unkeyed = 0;
        foreach (var (key, value, _) in Read(path))
        {
            if (key is null)
            {
                unkeyed += value.Length + RecordOverhead;
                continue;
            }
            var name = Encoding.ASCII.GetString(key);
            var (hash, bytes) = byKey.TryGetValue(name, out var seen) ? seen : (Crc32.HashToUInt32(key), 0L);
            byKey[name] = (hash, bytes + key.Length + value.Length + RecordOverhead);
        }
        if (byKey.Count > 0 && byKey.MaxBy(k => k.Value.Bytes) is var busiest && busiest.Value.Bytes > budget)
        {
            throw new LoadTestException(
                $"the calls of one caller ({busiest.Key}) take {busiest.Value.Bytes / 1048576.0:F1} MiB, more than 95% of what a partition of the embedded broker keeps (5 MiB): generate fewer calls (--calls)");
        }
        for (var partitions = MinimumPartitions; ; partitions *= 2)
        {
            if (partitions > EmbeddedBroker.MaxPartitions)
            {
                throw new LoadTestException(
                    $"the calls need more than {EmbeddedBroker.MaxPartitions} partitions, the most the embedded broker creates for a topic: generate fewer calls (--calls)");
            }
            var load = new long[partitions];
            foreach (var (hash, bytes) in byKey.Values)
            {
                load[PartitionOf(hash, partitions)] += bytes;
            }
            if (load.Max() + (unkeyed + partitions - 1) / partitions <= budget)
            {
                return partitions;
            }
        }
    }

    /// <summary>
    /// How many of <paramref name="records"/>, from the first, fit a topic of <paramref name="partitions"/> partitions
    /// without any partition getting more than 95% of what the embedded broker keeps. Keyed records are placed as
    /// <see cref="Load"/> places them; the few without a key (invalid lines) in turn, where the latency run's producer
    /// places them at random. Each record is counted with a batch header of its own: that producer sends with
    /// <c>linger.ms=1</c>, so its batches hold a record or two. Past that the broker drops the partition's oldest
    /// records, and while it did, that partition's fetches stalled: a latency run would measure the embedded broker's
    /// retention rather than the processor.
    /// </summary>
    public static int FittingCount(IReadOnlyList<(byte[]? Key, byte[] Value, string? CallId)> records, int partitions)
    {
        var budget = PartitionBytesKept * 95 / 100;
        var load = new long[partitions];
        long unkeyed = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var (key, value, _) = records[i];
            var partition = PartitionOf(key, partitions, ref unkeyed);
            load[partition] += (key?.Length ?? 0) + value.Length + RecordOverhead + BatchHeader;
            if (load[partition] > budget)
            {
                return i;
            }
        }
        return records.Count;
    }

    /// <summary>
    /// The partition of a record: as librdkafka's default partitioner places a keyed message (CRC-32 of the key), and
    /// records without a key (invalid lines) in turn.
    /// </summary>
    private static int PartitionOf(byte[]? key, int partitions, ref long unkeyed) =>
        key is null ? (int)(unkeyed++ % partitions) : PartitionOf(Crc32.HashToUInt32(key), partitions);

    /// <summary>The partition of a key whose CRC-32 is <paramref name="keyHash"/>, as librdkafka's default partitioner places it.</summary>
    private static int PartitionOf(uint keyHash, int partitions) => (int)(keyHash % (uint)partitions);

    /// <summary>Produces every line of the file to its partition (<see cref="PartitionOf"/>); returns how many, after checking the topic holds them all.</summary>
    public static long Load(string bootstrap, string topic, string path, int partitions)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrap,
            ClientId = "loadtest-loader",
            LingerMs = 20,
            BatchSize = 1 << 20,
            QueueBufferingMaxMessages = 500_000,
        };
        long produced = 0, failed = 0;
        var watch = Stopwatch.StartNew();
        var nextProgress = ProgressEvery;
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(config).Build())
        {
            Action<DeliveryReport<byte[]?, byte[]>> onDelivery = r =>
            {
                if (r.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                }
            };
            long unkeyed = 0;
            foreach (var (key, value, _) in Read(path))
            {
                var partition = PartitionOf(key, partitions, ref unkeyed);
                while (true)
                {
                    try
                    {
                        producer.Produce(new TopicPartition(topic, new Partition(partition)), new Message<byte[]?, byte[]> { Key = key, Value = value }, onDelivery);
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(10));
                    }
                }
                produced++;
                if (watch.Elapsed >= nextProgress)
                {
                    nextProgress += ProgressEvery;
                    Console.Error.WriteLine($"load: {produced:N0} records produced ({produced / watch.Elapsed.TotalSeconds:F0}/s)");
                }
            }
            producer.Flush(TimeSpan.FromMinutes(2));
        }
        if (failed > 0)
        {
            throw new LoadTestException($"{failed} records could not be loaded");
        }
        var held = Held(bootstrap, topic);
        Console.Error.WriteLine($"loaded {produced:N0} records into {topic} in {watch.Elapsed.TotalSeconds:F1} s; the topic holds {held:N0}");
        if (held != produced)
        {
            throw new LoadTestException($"the topic holds {held} of {produced} records: give it more partitions (--partitions)");
        }
        return produced;
    }

    /// <summary>Records the topic holds now (high minus low watermark over its partitions).</summary>
    public static long Held(string bootstrap, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "loadtest-check" }).Build();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        long held = 0;
        foreach (var p in metadata.Topics[0].Partitions)
        {
            var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(10));
            held += w.High.Value - w.Low.Value;
        }
        return held;
    }
}
