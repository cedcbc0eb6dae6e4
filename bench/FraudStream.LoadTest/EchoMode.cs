using System.Diagnostics;
using Confluent.Kafka;

namespace FraudStream.LoadTest;

/// <summary>
/// The latency floor: a plain consumer in the processor's place that copies one record in
/// <see cref="LoadTestOptions.EchoEvery"/> of each partition, unchanged, to the alerts topic, with the processor's
/// client settings. The latency run measures it as it measures the processor (produce, fetch, produce, fetch
/// through the same broker); the harness sets the share to the one the processor alerted on in the same records,
/// so the broker takes about as many produce requests, and the difference between the two is what FraudStream adds.
/// </summary>
public static class EchoMode
{
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
                    ChildRun.SayAssigned();
                }
            })
            .Build();
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientSettings.Producer(options.Bootstrap!)).Build();
        consumer.Subscribe(options.Topic);
        long count = 0, echoed = 0, first = 0, lastAt = 0;
        while (count < options.Expect)
        {
            var result = consumer.Consume(100);
            if (result is null)
            {
                if (count > 0 && Stopwatch.GetElapsedTime(lastAt) >= ChildRun.Idle)
                {
                    Console.Error.WriteLine($"echo: {count} of {options.Expect} records came; none for {ChildRun.Idle.TotalSeconds:F0} s");
                    break;
                }
                continue;
            }
            lastAt = Stopwatch.GetTimestamp();
            if (count++ == 0)
            {
                first = lastAt;
            }
            if (result.Offset.Value % options.EchoEvery == 0)
            {
                echoed++;
                var copy = new Message<byte[]?, byte[]?> { Key = result.Message.Key, Value = result.Message.Value };
                while (true)
                {
                    try
                    {
                        producer.Produce(options.AlertsTopic, copy);
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(1));
                    }
                }
            }
        }
        if (producer.Flush(TimeSpan.FromSeconds(30)) > 0)
        {
            Console.Error.WriteLine("echo: copies still unacknowledged after 30 s");
        }
        var last = Stopwatch.GetTimestamp();
        consumer.Close();
        return new DrainResult(count, echoed, 0, ChildRun.Seconds(first, last));
    }
}
