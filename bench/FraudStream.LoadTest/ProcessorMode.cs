using System.Diagnostics;
using System.Globalization;
using FraudStream.Alerts;
using FraudStream.Features;
using FraudStream.Kafka.Processing;
using FraudStream.Pipeline;
using FraudStream.Records;
using FraudStream.Scoring;

namespace FraudStream.LoadTest;

/// <summary>
/// (b) FraudStream's <see cref="StreamProcessor"/> end to end: alerts produced, offsets stored once settled and
/// committed. Its metrics hook counts settled records (one <c>ObserveProcessing</c> per record: at scoring, or
/// when its alert or dead letter is acknowledged), which says when the topic is drained.
/// </summary>
public static class ProcessorMode
{
    public static DrainResult Run(LoadTestOptions options)
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), FraudModel.Load(FraudModel.DefaultPath()));
        using var stop = new CancellationTokenSource();
        // Built on the thread that runs the processor: a record settled on it was scored without an alert.
        var metrics = new SettledCounter(options.Expect, stop, options.SettleTimes);
        var processor = new StreamProcessor(new ProcessorOptions
        {
            BootstrapServers = options.Bootstrap!,
            GroupId = options.Group,
            InputTopic = options.Topic,
            AlertsTopic = options.AlertsTopic,
            DeadLetterTopic = options.DeadLetterTopic,
            RebuildRecords = 0,
            KafkaSettings = new Dictionary<string, string>
            {
                ["consumer.fetch.wait.max.ms"] = ClientSettings.FetchWaitMaxMs.ToString(CultureInfo.InvariantCulture),
            },
        }, scorer, metrics, new StderrLogger(Microsoft.Extensions.Logging.LogLevel.Information));
        // The latency run waits for the group to be joined before offering load.
        var announce = new Thread(() =>
        {
            while (!stop.IsCancellationRequested && !processor.Health.Assigned)
            {
                Thread.Sleep(5);
            }
            ChildRun.SayAssigned();
        }) { IsBackground = true };
        announce.Start();
        var result = processor.Run(stop.Token);
        var end = Stopwatch.GetTimestamp();
        if (result.Reason == StopReason.Fatal)
        {
            Console.Error.WriteLine("processor failed: " + result.FatalMessage);
        }
        return new DrainResult(result.Consumed, result.Alerts, result.Invalid, ChildRun.Seconds(metrics.FirstConsumedAt, end), metrics.SettleSummary());
    }

    /// <summary>
    /// Counts settled records; cancels the processor once all expected records are settled. With settle times, also
    /// notes each record's time from consumed to settled, leaving out the first seconds as the latency run does: on
    /// the consume thread for a call scored without an alert (the merge's wait and the scoring), on the producer's
    /// delivery thread for an alert or dead letter (that plus the produce and its acknowledgement; deliveries settled
    /// inside a flush on the consume thread, at a revoke or the stop, count as scored).
    /// </summary>
    private sealed class SettledCounter(long expect, CancellationTokenSource stop, bool settleTimes) : IProcessorMetrics
    {
        private readonly int _consumeThread = Environment.CurrentManagedThreadId;
        private readonly float[] _scoredMs = settleTimes ? new float[expect] : [];
        private readonly float[] _producedMs = settleTimes ? new float[expect] : [];
        private int _scored;
        private int _produced;
        private long _settled;
        private long _first;

        public long FirstConsumedAt => Interlocked.Read(ref _first);

        /// <summary>
        /// Whether the record was consumed in the first <see cref="LatencyRun.WarmUp"/> after the first record: its
        /// settle time is left out, as the latency run leaves out those records' latency.
        /// </summary>
        private bool InWarmUp(long consumedAt)
        {
            var first = Interlocked.Read(ref _first);
            return first == 0 || consumedAt - first < (long)(LatencyRun.WarmUp.TotalSeconds * Stopwatch.Frequency);
        }

        /// <summary>The settle times' percentiles as summary pairs (null without settle times).</summary>
        public string? SettleSummary()
        {
            if (_scoredMs.Length == 0)
            {
                return null;
            }
            static string Pairs(string name, float[] all, int count)
            {
                var values = all.Take(count).Select(v => (double)v).ToArray();
                return values.Length == 0 ? $"{name}_n=0" : string.Create(CultureInfo.InvariantCulture,
                    $"{name}_n={values.Length} {name}_p50_ms={Stats.Percentile(values, 0.5):F2} {name}_p99_ms={Stats.Percentile(values, 0.99):F2} {name}_max_ms={values.Max():F2}");
            }
            return Pairs("settle_scored", _scoredMs, Volatile.Read(ref _scored)) + " " + Pairs("settle_alerted", _producedMs, Volatile.Read(ref _produced));
        }

        public void ObserveProcessing(double seconds)
        {
            var consumedAt = Stopwatch.GetTimestamp() - (long)(seconds * Stopwatch.Frequency);
            if (_scoredMs.Length > 0 && !InWarmUp(consumedAt))
            {
                var onConsumeThread = Environment.CurrentManagedThreadId == _consumeThread;
                var into = onConsumeThread ? _scoredMs : _producedMs;
                var at = Interlocked.Increment(ref onConsumeThread ? ref _scored : ref _produced) - 1;
                if (at < into.Length)
                {
                    into[at] = (float)(seconds * 1000);
                }
            }
            if (Interlocked.Read(ref _first) == 0)
            {
                Interlocked.CompareExchange(ref _first, consumedAt, 0);
            }
            if (Interlocked.Increment(ref _settled) == expect)
            {
                stop.Cancel();
            }
        }

        public void RecordsConsumed(string topic, long count) { }

        public void RecordsInvalid(RecordError error, long count) { }

        public void Alerts(FraudPattern pattern, long count) { }

        public void VictimEngagedAlerts(long count) { }

        public void ProduceError(string topic, string error) { }

        public void ClientError(string error) { }

        public void ObserveScore(double score) { }

        public void SetEventLag(double seconds) { }

        public void SetConsumerLag(int partition, long records) { }

        public void RemoveConsumerLag(int partition) { }

        public void SetState(in FeaturizerStats stats) { }

        public void SetReady(bool ready) { }
    }
}
