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
/// (b) FraudStream's <see cref="StreamProcessor"/> end to end (or several, <see cref="LoadTestOptions.Threads"/>, as <see cref="StreamThreads"/>): alerts produced, offsets stored once settled and
/// committed. Its metrics hook counts settled records (one <c>ObserveProcessing</c> per record: at scoring, or
/// when its alert or dead letter is acknowledged), which says when the topic is drained. As a member of a group
/// (<see cref="LoadTestOptions.Member"/>) it reads only its share, so it stops once idle instead.
/// </summary>
public static class ProcessorMode
{
    /// <summary>A group member stops this long after its last record (counted from its assignment until the first): longer than the members' drains differ, so that none leaves the group, and so rebalances it, while others still read.</summary>
    private static readonly TimeSpan MemberIdle = TimeSpan.FromSeconds(5);

    public static DrainResult Run(LoadTestOptions options)
    {
        // One scorer a stream thread, over one model, each thread's state caps its share of the defaults (as in the service).
        var model = FraudModel.Load(FraudModel.DefaultPath());
        var scorers = StreamThreads.CreateScorers(options.Threads, model, new FeaturizerOptions());
        using var stop = new CancellationTokenSource();
        var metrics = new SettledCounter(options.Member ? long.MaxValue : options.Expect, stop, options.SettleWarmUpSeconds);
        var kafka = new Dictionary<string, string>
        {
            ["consumer.fetch.wait.max.ms"] = ClientSettings.FetchWaitMaxMs.ToString(CultureInfo.InvariantCulture),
            ["consumer.fetch.max.bytes"] = ClientSettings.FetchMaxBytes.ToString(CultureInfo.InvariantCulture),
        };
        if (options.Member)
        {
            // Should a member join late or leave early, the embedded broker waits up to the session timeout (less a
            // second) for the others to rejoin: 14 s rather than the 44 of librdkafka's default. Not less than the 10 s
            // the group's first join is held: with 6 s, the members' requests to the coordinator timed out while they
            // waited and the group never settled.
            kafka["consumer.session.timeout.ms"] = "15000";
        }
        var settings = new ProcessorOptions
        {
            BootstrapServers = options.Bootstrap!,
            GroupId = options.Group,
            InputTopic = options.Topic,
            AlertsTopic = options.AlertsTopic,
            DeadLetterTopic = options.DeadLetterTopic,
            RebuildRecords = 0,
            // A latency run's records dropped by the broker before it read them would keep it waiting; a drain's
            // topic is checked to hold them all, and a drain must not stop short.
            StopWhenIdle = options.Member ? MemberIdle : options.SettleWarmUpSeconds is null ? null : ChildRun.Idle,
            KafkaSettings = kafka,
        };
        var processor = new StreamThreads(settings with { AlertThread = options.AlertThread ?? settings.AlertThread },
            scorers, metrics, new StderrLoggerFactory(Microsoft.Extensions.Logging.LogLevel.Information));
        // The latency run waits for the group to be joined, by every stream thread, before offering load.
        var announce = new Thread(() =>
        {
            while (!stop.IsCancellationRequested && !processor.Processors.All(p => p.Health.Assigned))
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
        if (options.Member)
        {
            // The group's drain runs from its members' first record consumed to their last settled: the clock is the
            // machine's monotonic one, the same in every process.
            return new DrainResult(result.Consumed, result.Alerts, result.Invalid, ChildRun.Seconds(metrics.FirstConsumedAt, metrics.LastSettledAt),
                string.Create(CultureInfo.InvariantCulture, $"first_at={metrics.FirstConsumedAt} last_at={metrics.LastSettledAt}"));
        }
        // The drain's time includes the commit and the leaving (Run returns after them); the group's cannot (its members
        // stop once idle), so the rate to the last record settled is reported too, for the group to be compared with.
        var settledRate = string.Create(CultureInfo.InvariantCulture,
            $"settled_rate={result.Consumed / ChildRun.Seconds(metrics.FirstConsumedAt, metrics.LastSettledAt):F0}");
        return new DrainResult(result.Consumed, result.Alerts, result.Invalid, ChildRun.Seconds(metrics.FirstConsumedAt, end),
            metrics.SettleSummary() is { } settle ? settle + " " + settledRate : settledRate);
    }

    /// <summary>
    /// Counts settled records; cancels the processor once all expected records are settled. With settle times, also
    /// notes each record's time from consumed to settled, by what settled it, leaving out the first seconds as the
    /// latency run does: for a call scored without an alert, the merge's wait and the scoring; for an alert or a dead
    /// letter, that plus the produce and its acknowledgement.
    /// </summary>
    private sealed class SettledCounter(long expect, CancellationTokenSource stop, double? warmUpSeconds) : NullProcessorMetrics
    {
        // Indexed by Settlement; the summary's names, in the same order.
        private static readonly string[] Names = ["settle_scored", "settle_alerted", "settle_dead_letter"];
        private readonly float[][] _ms = [.. Names.Select(_ => warmUpSeconds is not null ? new float[expect] : [])];
        private readonly int[] _counts = new int[Names.Length];
        private long _settled;
        private long _first;
        private long _last;

        public long FirstConsumedAt => Interlocked.Read(ref _first);

        /// <summary>When the last record was settled (the latest of the settling threads' readings, to within a race).</summary>
        public long LastSettledAt => Interlocked.Read(ref _last);

        /// <summary>
        /// Whether the record was consumed in the first warm-up seconds after the first record: its settle time is
        /// left out, as the latency run leaves out those records' latency.
        /// </summary>
        private bool InWarmUp(long consumedAt)
        {
            var first = Interlocked.Read(ref _first);
            return first == 0 || consumedAt - first < (long)(warmUpSeconds.GetValueOrDefault() * Stopwatch.Frequency);
        }

        /// <summary>The settle times' percentiles as summary pairs (null without settle times).</summary>
        public string? SettleSummary()
        {
            if (warmUpSeconds is null)
            {
                return null;
            }
            static string Pairs(string name, float[] all, int count)
            {
                var values = all.Take(count).Select(v => (double)v).ToArray();
                return values.Length == 0 ? $"{name}_n=0" : string.Create(CultureInfo.InvariantCulture,
                    $"{name}_n={values.Length} {name}_p50_ms={Stats.Percentile(values, 0.5):F2} {name}_p99_ms={Stats.Percentile(values, 0.99):F2} {name}_max_ms={values.Max():F2}");
            }
            return string.Join(' ', Names.Select((name, i) => Pairs(name, _ms[i], Volatile.Read(ref _counts[i]))));
        }

        public override void ObserveProcessing(Settlement settlement, double seconds)
        {
            var now = Stopwatch.GetTimestamp();
            // Two threads settle records (the consume thread and the alert producer's): the latest reading wins.
            var last = Volatile.Read(ref _last);
            while (now > last && Interlocked.CompareExchange(ref _last, now, last) is var seen && seen != last)
            {
                last = seen;
            }
            var consumedAt = now - (long)(seconds * Stopwatch.Frequency);
            if (warmUpSeconds is not null && !InWarmUp(consumedAt))
            {
                var into = _ms[(int)settlement];
                var at = Interlocked.Increment(ref _counts[(int)settlement]) - 1;
                if (at < into.Length)
                {
                    into[at] = (float)(seconds * 1000);
                }
            }
            // The earliest consumed of the records settled (several threads settle them, in no order across threads).
            var first = Interlocked.Read(ref _first);
            while ((first == 0 || consumedAt < first) && Interlocked.CompareExchange(ref _first, consumedAt, first) is var seenFirst && seenFirst != first)
            {
                first = seenFirst;
            }
            if (Interlocked.Increment(ref _settled) == expect)
            {
                stop.Cancel();
            }
        }
    }
}
