using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

namespace FraudStream.LoadTest;

/// <summary>(a) The limit: a plain consumer that only touches each value's bytes; no parsing, no producing.</summary>
public static class LimitMode
{
    /// <summary>Reads the value span (its length and first byte) and keeps nothing.</summary>
    private sealed class SpanToucher : IDeserializer<int>
    {
        public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
            isNull || data.IsEmpty ? 0 : data.Length + data[0];
    }

    public static DrainResult Run(LoadTestOptions options)
    {
        var config = ClientSettings.Consumer(options.Bootstrap!, options.Group);
        using var consumer = new ConsumerBuilder<Ignore, int>(config).SetValueDeserializer(new SpanToucher()).Build();
        consumer.Subscribe(options.Topic);
        long count = 0, checksum = 0, first = 0, last = 0, everyPartitionAfter = 0, everyPartitionAt = 0;
        // Which partitions have delivered a record, and after how many records the last of them did: a broker that
        // serves partitions unevenly (the embedded broker's fetch cap, docs/performance.md) shows here.
        var seen = new bool[64];
        var partitionsSeen = 0;
        while (count < options.Expect)
        {
            var result = consumer.Consume(100);
            if (result is null)
            {
                continue;
            }
            if (count++ == 0)
            {
                first = Stopwatch.GetTimestamp();
            }
            checksum += result.Message.Value;
            var partition = result.Partition.Value;
            if (partition >= seen.Length)
            {
                Array.Resize(ref seen, Math.Max(seen.Length * 2, partition + 1));
            }
            if (!seen[partition])
            {
                seen[partition] = true;
                partitionsSeen++;
                everyPartitionAfter = count;
                everyPartitionAt = Stopwatch.GetTimestamp();
            }
        }
        last = Stopwatch.GetTimestamp();
        consumer.Close();
        GC.KeepAlive(checksum);
        return new DrainResult(count, 0, 0, ChildRun.Seconds(first, last),
            string.Create(CultureInfo.InvariantCulture,
                $"partitions_read={partitionsSeen} every_partition_after={everyPartitionAfter} every_partition_seconds={ChildRun.Seconds(first, everyPartitionAt):F3}"));
    }
}
