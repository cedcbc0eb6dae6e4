using System.Diagnostics;
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
        long count = 0, checksum = 0, first = 0, last = 0;
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
        }
        last = Stopwatch.GetTimestamp();
        consumer.Close();
        GC.KeepAlive(checksum);
        return new DrainResult(count, 0, 0, ChildRun.Seconds(first, last));
    }
}
