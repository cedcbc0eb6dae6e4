using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
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

    /// <summary>Produces every line of the file; returns how many, after checking the topic holds them all.</summary>
    public static long Load(string bootstrap, string topic, string path)
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
            foreach (var (key, value, _) in Read(path))
            {
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, new Message<byte[]?, byte[]> { Key = key, Value = value }, onDelivery);
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
            throw new InvalidOperationException($"{failed} records could not be loaded");
        }
        var held = Held(bootstrap, topic);
        Console.Error.WriteLine($"loaded {produced:N0} records into {topic} in {watch.Elapsed.TotalSeconds:F1} s; the topic holds {held:N0}");
        if (held != produced)
        {
            throw new InvalidOperationException($"the topic holds {held} of {produced} records: give it more partitions (--partitions)");
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
