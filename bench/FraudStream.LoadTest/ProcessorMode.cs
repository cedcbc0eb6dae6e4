using System.Diagnostics;
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
        var metrics = new SettledCounter(options.Expect, stop);
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
                ["consumer.fetch.wait.max.ms"] = ClientSettings.FetchWaitMaxMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        }, scorer, metrics);
        // The latency run waits for the group to be joined before offering load.
        var announce = new Thread(() =>
        {
            while (!stop.IsCancellationRequested && !processor.Health.Assigned)
            {
                Thread.Sleep(5);
            }
            Console.Out.WriteLine("assigned");
            Console.Out.Flush();
        }) { IsBackground = true };
        announce.Start();
        var result = processor.Run(stop.Token);
        var end = Stopwatch.GetTimestamp();
        if (result.Reason == StopReason.Fatal)
        {
            Console.Error.WriteLine("processor failed: " + result.FatalMessage);
        }
        return new DrainResult(result.Consumed, result.Alerts, result.Invalid, ChildRun.Seconds(metrics.FirstConsumedAt, end));
    }

    /// <summary>Counts settled records; cancels the processor once all expected records are settled.</summary>
    private sealed class SettledCounter(long expect, CancellationTokenSource stop) : IProcessorMetrics
    {
        private long _settled;
        private long _first;

        public long FirstConsumedAt => Interlocked.Read(ref _first);

        public void ObserveProcessing(double seconds)
        {
            if (Interlocked.Read(ref _first) == 0)
            {
                var consumedAt = Stopwatch.GetTimestamp() - (long)(seconds * Stopwatch.Frequency);
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
