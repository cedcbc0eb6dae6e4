using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using FraudStream.Kafka;

namespace FraudStream.LoadTest;

/// <summary>
/// Latency at a fixed offered rate: this process produces the generated records at the rate (a pacer releasing the
/// records due each millisecond, the produce time of each noted), FraudStream's processor runs in a child process,
/// and a consumer here reads the alerts topic. A sample is the time from a record's <c>Produce</c> call to its
/// alert arriving at that consumer (after the broker appended and acknowledged it), matched by <c>call_id</c>;
/// samples of the first 2 s of load (warm-up; at most the first fifth of the records) are left out.
/// </summary>
public static class LatencyRun
{
    /// <summary>Samples of the first seconds of load are left out (the processor's settle times too).</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    /// <summary>
    /// One latency run of <paramref name="mode"/> (<c>fraudstream</c>, or <c>echo</c> for the broker's own floor,
    /// <see cref="EchoMode"/>) at <paramref name="rate"/> records per second; returns its summary pairs.
    /// </summary>
    public static string Run(LoadTestOptions options, EmbeddedBroker broker, string name, string file, double rate, TimeSpan timeout, string mode = "fraudstream")
    {
        var bootstrap = broker.Bootstrap;
        string calls = $"latency-{name}-calls", alerts = $"latency-{name}-alerts", dlq = $"latency-{name}-dlq";
        broker.CreateTopic(calls, options.LatencyPartitions);
        broker.CreateTopic(alerts, 8);
        broker.CreateTopic(dlq, 4);
        var count = (int)Math.Min(options.Calls, rate * options.LatencySeconds);
        var records = TopicLoader.Read(file).Take(count).ToArray();
        if (TopicLoader.FittingCount(records, options.LatencyPartitions) is var fitting && fitting < records.Length)
        {
            // Measured: when the busiest partition of a 64-partition topic passed the 5 MiB at about 9 s of 100,000
            // records/s, its fetches stalled for 0.3-1.1 s, and the merge held every partition's records for it.
            Console.Error.WriteLine($"latency: {fitting:N0} of {records.Length:N0} records ({fitting / rate:F1} s of load): more would take a partition " +
                $"past what the embedded broker keeps, and its dropping stalls that partition's fetches (more partitions: --latency-partitions)");
            records = records[..fitting];
        }
        var index = new Dictionary<string, int>(records.Length, StringComparer.Ordinal);
        for (var i = 0; i < records.Length; i++)
        {
            if (records[i].CallId is { } id)
            {
                index.TryAdd(id, i);
            }
        }
        var producedAt = new long[records.Length];
        Console.Error.WriteLine($"latency: {records.Length:N0} records at {rate:F0}/s into {calls} ({options.LatencyPartitions} partitions)");
        // The first 2 s of load (at most the first fifth of the records) are left out, of the samples and of the
        // processor's settle times alike.
        var warmIndex = (int)Math.Min(rate * WarmUp.TotalSeconds, records.Length / 5);
        using var child = new ChildProcess(mode, options, bootstrap, calls, alerts, dlq, $"loadtest-latency-{name}", records.Length,
            settleWarmUpSeconds: mode == "fraudstream" ? warmIndex / rate : null);
        if (!child.WaitAssigned(TimeSpan.FromSeconds(60)))
        {
            Console.Error.WriteLine($"latency: the {mode} child did not join the group");
            child.Finish(TimeSpan.FromSeconds(1));
            return "latency=NA";
        }

        var samples = new List<double>();
        using var stopReading = new CancellationTokenSource();
        var reader = new Thread(() => ReadAlerts(bootstrap, alerts, index, producedAt, warmIndex, samples, stopReading.Token)) { Name = "alerts" };
        reader.Start();

        // This process's own collections pause the pacer and the alert reader (not the broker's native threads):
        // they are reported beside the latency, since samples taken across one are longer by its length.
        var gcPauseBefore = GC.GetTotalPauseDuration();
        var producerConfig = ClientSettings.Producer(bootstrap);
        producerConfig.LingerMs = 1; // the upstream producer sends at once: its own batching is not the processor's latency
        producerConfig.ClientId = "loadtest-offered";
        var pace = Stopwatch.StartNew();
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(producerConfig).Build())
        {
            for (var i = 0; i < records.Length; i++)
            {
                var due = (long)(i / rate * Stopwatch.Frequency);
                while (pace.ElapsedTicks < due)
                {
                    Thread.Sleep(1);
                }
                Volatile.Write(ref producedAt[i], Stopwatch.GetTimestamp());
                while (true)
                {
                    try
                    {
                        producer.Produce(calls, new Message<byte[]?, byte[]> { Key = records[i].Key, Value = records[i].Value });
                        break;
                    }
                    catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(1));
                    }
                }
            }
            var offered = records.Length / pace.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"latency: offered {offered:F0}/s");
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        // What fits was estimated (TopicLoader.FittingCount); the watermarks say whether the broker dropped any record.
        var dropped = records.Length - TopicLoader.Held(bootstrap, calls);
        if (dropped > 0)
        {
            Console.Error.WriteLine($"latency: the embedded broker dropped {dropped:N0} of the topic's records (a partition passed what it keeps): " +
                "the figures may include the stall of that partition's fetches");
        }
        var summary = child.Finish(timeout);
        Thread.Sleep(1000); // the last alerts reach the reader
        stopReading.Cancel();
        reader.Join();
        var harnessPauseMs = (GC.GetTotalPauseDuration() - gcPauseBefore).TotalMilliseconds;
        double[] values;
        lock (samples)
        {
            values = [.. samples];
        }
        var rateText = rate.ToString("F0", CultureInfo.InvariantCulture);
        if (summary is null || values.Length == 0)
        {
            Console.Error.WriteLine($"latency: no samples ({mode} child {(summary is null ? "failed" : "produced nothing")})");
            return $"latency_rate={rateText} latency=NA";
        }
        var line = string.Create(CultureInfo.InvariantCulture,
            $"latency_rate={rateText} latency_samples={values.Length} p50_ms={Stats.Percentile(values, 0.5):F2} p99_ms={Stats.Percentile(values, 0.99):F2} p999_ms={Stats.Percentile(values, 0.999):F2} max_ms={values.Max():F2} child_peak_mb={summary.GetValueOrDefault("peak_mb", "NA")} harness_gc_pause_ms={harnessPauseMs:F0}");
        if (long.TryParse(summary.GetValueOrDefault("calls"), CultureInfo.InvariantCulture, out var read) && read < records.Length)
        {
            // The child fell so far behind that a partition passed what the embedded broker keeps before it was read:
            // the percentiles leave out the records it never saw, so they understate its latency.
            Console.Error.WriteLine($"latency: the {mode} child read {read:N0} of {records.Length:N0} records: the embedded broker dropped the rest " +
                $"(it keeps about 5 MiB a partition) while the child was behind the offered {rateText}/s; the percentiles leave them out");
            line += string.Create(CultureInfo.InvariantCulture, $" lost={records.Length - read}");
        }
        if (dropped > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $" dropped={dropped}");
        }
        // The processor's share: consumed to settled, for calls scored without an alert and for alerted ones.
        line += string.Concat(summary.Where(p => p.Key.StartsWith("settle_", StringComparison.Ordinal)).Select(p => $" {p.Key}={p.Value}"));
        Console.Error.WriteLine("latency: " + line);
        return line;
    }

    private static void ReadAlerts(string bootstrap, string alerts, Dictionary<string, int> index, long[] producedAt, int warmIndex, List<double> samples, CancellationToken stop)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "loadtest-latency-reader",
            ClientId = "loadtest-alerts",
            EnableAutoCommit = false,
            FetchWaitMaxMs = ClientSettings.FetchWaitMaxMs,
            FetchMaxBytes = ClientSettings.FetchMaxBytes,
        };
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, 8).Select(p => new TopicPartitionOffset(alerts, p, Offset.Beginning)));
        while (!stop.IsCancellationRequested)
        {
            var result = consumer.Consume(50);
            if (result is null)
            {
                continue;
            }
            var now = Stopwatch.GetTimestamp();
            if (AlertAgreement.CallId(result.Message.Value) is { } id && index.TryGetValue(id, out var i) && i >= warmIndex)
            {
                var ms = (now - Volatile.Read(ref producedAt[i])) * 1000.0 / Stopwatch.Frequency;
                lock (samples)
                {
                    samples.Add(ms);
                }
            }
        }
        consumer.Close();
    }
}
