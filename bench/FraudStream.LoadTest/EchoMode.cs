using System.Diagnostics;
using Confluent.Kafka;

namespace FraudStream.LoadTest;

/// <summary>
/// The latency floor: a plain consumer in the processor's place that copies every <see cref="EchoEvery"/>th record
/// of each partition, unchanged, to the alerts topic, with the processor's client settings. The latency run
/// measures it as it measures the processor (produce, fetch, produce, fetch through the same broker), so the
/// difference between the two is what FraudStream adds.
/// </summary>
public static class EchoMode
{
    /// <summary>
    /// One record in this many is copied: about the share the processor alerts on in the latency run's records (the
    /// first hours of the generated day), so the broker takes about as many produce requests.
    /// </summary>
    public const int EchoEvery = 40;

    public static DrainResult Run(LoadTestOptions options)
    {
        var config = ClientSettings.Consumer(options.Bootstrap!, options.Group);
        var assigned = false;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                if (!assigned)
                {
                    assigned = true;
                    Console.Out.WriteLine("assigned"); // the latency run offers load once this is said
                    Console.Out.Flush();
                }
            })
            .Build();
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientSettings.Producer(options.Bootstrap!)).Build();
        consumer.Subscribe(options.Topic);
        long count = 0, echoed = 0, first = 0;
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
            if (result.Offset.Value % EchoEvery == 0)
            {
                echoed++;
                producer.Produce(options.AlertsTopic, new Message<byte[]?, byte[]?> { Key = result.Message.Key, Value = result.Message.Value });
            }
        }
        producer.Flush(TimeSpan.FromSeconds(30));
        var last = Stopwatch.GetTimestamp();
        consumer.Close();
        return new DrainResult(count, echoed, 0, ChildRun.Seconds(first, last));
    }
}
