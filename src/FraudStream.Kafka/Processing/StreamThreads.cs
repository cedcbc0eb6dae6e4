using System.Runtime.ExceptionServices;
using FraudStream.Features;
using FraudStream.Pipeline;
using FraudStream.Scoring;
using Microsoft.Extensions.Logging;

namespace FraudStream.Kafka.Processing;

/// <summary>
/// One or more <see cref="StreamProcessor"/>s in one process, as Kafka Streams runs its stream threads: each on a thread
/// of its own, with its own consumer in the same group, its own <see cref="CallScorer"/> (so its own history) and its
/// own producer. The group spreads the input's partitions over them, so each thread keeps the history of its
/// partitions only, as separate processes would (docs/operations.md, "State and scaling out"). With one thread this is
/// one <see cref="StreamProcessor"/>, run on the caller's thread.
/// </summary>
public sealed class StreamThreads
{
    /// <summary>The most threads one process runs.</summary>
    public const int MaxThreads = 64;

    private readonly StreamProcessor[] _processors;

    /// <param name="options">Every thread's options (the same group).</param>
    /// <param name="scorers">One scorer per thread; their number is the number of threads.</param>
    /// <param name="metrics">Where all threads report: counts add up; the gauges of the whole process are kept right
    /// (<see cref="CombinedMetrics"/>).</param>
    /// <param name="loggers">Each thread logs to <c>FraudStream.Processor</c>, followed by <c>.N</c> when there are
    /// several.</param>
    public StreamThreads(ProcessorOptions options, IReadOnlyList<CallScorer> scorers, IProcessorMetrics? metrics = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scorers);
        if (scorers.Count is < 1 or > MaxThreads)
        {
            throw new ArgumentOutOfRangeException(nameof(scorers), scorers.Count, $"from 1 to {MaxThreads} threads");
        }
        if (scorers.Distinct().Count() != scorers.Count || scorers.Select(s => s.Featurizer).Distinct().Count() != scorers.Count)
        {
            throw new ArgumentException("each thread needs a scorer and a featurizer of its own (a featurizer is not thread-safe)", nameof(scorers));
        }
        var count = scorers.Count;
        var combined = count > 1 && metrics is not null ? new CombinedMetrics(metrics, count, () => Health.Ready) : null;
        _processors = new StreamProcessor[count];
        for (var i = 0; i < count; i++)
        {
            var logger = loggers?.CreateLogger(count == 1 ? "FraudStream.Processor" : $"FraudStream.Processor.{i + 1}");
            _processors[i] = new StreamProcessor(ForThread(options, i, count), scorers[i], combined?.For(i) ?? metrics, logger);
        }
        _stopWhenIdle = count > 1 ? options.StopWhenIdle : null;
    }

    private readonly TimeSpan? _stopWhenIdle;

    /// <summary>
    /// One scorer a thread over <paramref name="model"/>, each with a featurizer of its own over the embedded reference
    /// data, within its share of <paramref name="caps"/> (<see cref="FeaturizerOptions.SharedOver"/>).
    /// </summary>
    public static CallScorer[] CreateScorers(int threads, FraudModel model, FeaturizerOptions caps, float? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(caps);
        var share = caps.SharedOver(threads);
        return [.. Enumerable.Range(0, threads).Select(_ => new CallScorer(new Featurizer(ReferenceData.Embedded, share), model, threshold))];
    }

    /// <summary>The Kafka settings that name one client or member, which each thread's must do for itself.</summary>
    private static readonly string[] IdentitySettings =
        ["group.instance.id", "consumer.group.instance.id", "client.id", "consumer.client.id", "producer.client.id"];

    /// <summary>
    /// Thread <paramref name="thread"/>'s options, of <paramref name="count"/>: with several, its static group membership
    /// (<c>group.instance.id</c>, which must differ between members: a second member with the same id fences the first
    /// out of the group) and its clients' <c>client.id</c> get <c>-N</c> added, as Kafka Streams names its threads'
    /// clients; <c>client.id</c> is <c>fraudstream-N</c> when none is set. Its own stop when idle is left out: the
    /// process's is watched for all threads together.
    /// </summary>
    internal static ProcessorOptions ForThread(ProcessorOptions options, int thread, int count)
    {
        if (count == 1)
        {
            return options;
        }
        var suffix = "-" + (thread + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string>(options.KafkaSettings, StringComparer.Ordinal);
        foreach (var key in IdentitySettings)
        {
            if (settings.TryGetValue(key, out var value))
            {
                settings[key] = value + suffix;
            }
        }
        settings.TryAdd("client.id", "fraudstream" + suffix);
        // The stop when idle is the process's (Run), not each thread's.
        return options with { KafkaSettings = settings, StopWhenIdle = null };
    }

    /// <summary>The threads' processors, in order.</summary>
    public IReadOnlyList<StreamProcessor> Processors => _processors;

    /// <summary>
    /// The process's health: assigned when any thread has partitions (more threads than partitions leave some idle),
    /// producing when every thread's producer is, and the first problem any thread has.
    /// </summary>
    public ProcessorHealth Health
    {
        get
        {
            if (_processors.Length == 1)
            {
                return _processors[0].Health;
            }
            var assigned = false;
            var producing = true;
            string? problem = null;
            var stopping = false;
            foreach (var processor in _processors)
            {
                var health = processor.Health;
                assigned |= health.Assigned;
                producing &= health.Producing;
                problem ??= health.Problem;
                stopping |= health.Stopping;
            }
            return new ProcessorHealth(assigned, producing, problem, stopping);
        }
    }

    /// <summary>Records consumed by all threads so far.</summary>
    public long Consumed => _processors.Sum(p => p.Consumed);

    /// <summary>
    /// Runs every thread until it stops (<see cref="StreamProcessor.Run"/>), and returns their counts added up. One
    /// thread failing stops the others, which commit what they have settled and leave, as at a cancellation: the
    /// result is then <see cref="StopReason.Fatal"/> with the first failure's message, or the first exception is
    /// rethrown. <see cref="ProcessorOptions.StopWhenIdle"/> is the process's: all threads stop together once every
    /// thread has its share of the partitions, nothing buffered and no record taken for that long.
    /// </summary>
    public ProcessorResult Run(CancellationToken cancellationToken)
    {
        if (_processors.Length == 1)
        {
            return _processors[0].Run(cancellationToken);
        }
        using var stopAll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var count = _processors.Length;
        var joining = new Rendezvous(count, JoinWait);
        var leaving = new Rendezvous(count, LeaveWait);
        for (var i = 0; i < count; i++)
        {
            var index = i;
            var processor = _processors[i];
            // The threads subscribe together, so that they join the group's first rebalance together where the broker
            // holds it (Kafka's group.initial.rebalance.delay.ms); else the last to join moves the others' partitions.
            processor.BeforeSubscribing = () => joining.Arrive(index, wait: true, stopAll.Token);
            // A thread that gives up stops the others as its own stop begins, before it leaves the group.
            processor.Stopping = reason =>
            {
                if (reason == StopReason.Fatal)
                {
                    stopAll.Cancel();
                }
            };
            // The threads stop together (cancelled, idle or failed): each leaves the group only once all have committed,
            // or ended, or a bound has passed.
            processor.BeforeLeaving = () => leaving.Arrive(index, wait: true);
            processor.BeforeLeavingMax = leaving.MaxWait;
        }
        var results = new ProcessorResult?[count];
        var failures = new ExceptionDispatchInfo?[count];
        var threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    results[index] = _processors[index].Run(stopAll.Token);
                }
                catch (Exception ex)
                {
                    failures[index] = ExceptionDispatchInfo.Capture(ex);
                }
                finally
                {
                    joining.Arrive(index, wait: false); // one that ended without getting there (failed) is not waited for
                    leaving.Arrive(index, wait: false);
                    stopAll.Cancel(); // one thread ended (failed): so do the others
                }
            })
            {
                Name = $"fraudstream-{i + 1}",
                IsBackground = true,
            };
        }
        foreach (var thread in threads)
        {
            thread.Start();
        }
        var idle = WatchForIdle(stopAll);
        foreach (var thread in threads)
        {
            thread.Join();
        }
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            failure.Throw();
        }
        return Combine(results!, cancellationToken.IsCancellationRequested, idle);
    }

    /// <summary>
    /// Until the threads are stopped: with <see cref="ProcessorOptions.StopWhenIdle"/>, stops them all together once every
    /// thread has its share, has nothing buffered and has taken no record for the idle time (the test of one processor's
    /// own stop when idle, for the process; a thread stopping alone would leave the group and move the others'
    /// partitions while they read). True when it did.
    /// </summary>
    private bool WatchForIdle(CancellationTokenSource stopAll)
    {
        if (_stopWhenIdle is not { } idle)
        {
            return false;
        }
        while (!stopAll.Token.WaitHandle.WaitOne(IdleCheckInterval))
        {
            // Every thread must have its share: one still joining (or inside its assignment's broker queries) may be
            // about to read partitions that hold records. In a Kafka group every member is given a share, maybe empty.
            if (_processors.All(p => p.IsIdleFor(idle)))
            {
                stopAll.Cancel();
                return true;
            }
        }
        return false;
    }

    /// <summary>How often <see cref="WatchForIdle"/> looks at the threads' counts.</summary>
    private static readonly TimeSpan IdleCheckInterval = TimeSpan.FromMilliseconds(100);

    private static ProcessorResult Combine(ProcessorResult[] results, bool cancelled, bool idle)
    {
        var fatal = results.FirstOrDefault(r => r.Reason == StopReason.Fatal);
        // Threads stopped only because another failed, or all were idle, count as what stopped them.
        var reason = fatal is not null ? StopReason.Fatal
            : cancelled ? StopReason.Cancelled
            : idle ? StopReason.Idle
            : StopReason.Cancelled;
        return new ProcessorResult(
            results.Sum(r => r.Consumed), results.Sum(r => r.Valid), results.Sum(r => r.Invalid), results.Sum(r => r.Alerts),
            results.Sum(r => r.Rebuilt), reason, fatal?.FatalMessage, results.Sum(r => r.Unacknowledged));
    }

    /// <summary>
    /// Where the threads wait for each other, each at most <see cref="MaxWait"/>: before they subscribe, so that they join
    /// the group together, and after their last commit at a stop, so that none leaves the group (which starts a rebalance,
    /// in which Kafka may refuse the others' commits, and librdkafka's embedded broker does) before all have committed.
    /// A thread that ended without getting there is not waited for.
    /// </summary>
    internal sealed class Rendezvous(int threads, TimeSpan maxWait)
    {
        private readonly int[] _arrived = new int[threads];
        private readonly ManualResetEventSlim _all = new(false); // not disposed: a close that outlives Run may still wait
        private int _left = threads;

        public TimeSpan MaxWait { get; } = maxWait;

        /// <summary>
        /// Thread <paramref name="thread"/> is there (or has ended); with <paramref name="wait"/>, waits for the others,
        /// unless <paramref name="stop"/> is cancelled first.
        /// </summary>
        public void Arrive(int thread, bool wait, CancellationToken stop = default)
        {
            if (Interlocked.Exchange(ref _arrived[thread], 1) == 0 && Interlocked.Decrement(ref _left) == 0)
            {
                _all.Set();
            }
            if (wait)
            {
                try
                {
                    _all.Wait(MaxWait, stop);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: there is nothing left to wait for.
                }
            }
        }
    }

    /// <summary>
    /// How long a thread waits for the others to commit at a stop (added to its <see cref="StreamProcessor.LeaveTimeout"/>):
    /// enough for threads whose stops began together, not for one still settling deliveries for up to its drain timeout.
    /// </summary>
    internal static readonly TimeSpan LeaveWait = StreamProcessor.LeaveTimeout;

    /// <summary>How long a thread ready to join the group waits for the others (their warm-ups end at different times).</summary>
    internal static readonly TimeSpan JoinWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The threads' metrics as one process's: counts and observations pass through (the sink adds them up); the
    /// gauges a thread sets for itself are combined first: the event lag is the newest call's of all threads (as one
    /// processor reports it over all its partitions), the state is the threads' added up, and readiness is the process's
    /// (<see cref="StreamThreads.Health"/>, as <c>/readyz</c> tells it). Consumer lag is per partition, and a partition
    /// is one thread's at a time: when one moves between threads, the old owner's removal may come after the new
    /// owner's first value, and the gauge is then missing until the new owner's next (a second later).
    /// </summary>
    internal sealed class CombinedMetrics
    {
        private readonly IProcessorMetrics _sink;
        private readonly Lock _lock = new();
        private readonly double[] _newestEvent; // seconds since 0001-01-01, NaN until the thread tells
        private readonly FeaturizerStats?[] _state;

        private readonly Func<bool> _ready;

        /// <param name="ready">The process's readiness (<see cref="StreamThreads.Health"/>), told whenever a thread tells its own.</param>
        public CombinedMetrics(IProcessorMetrics sink, int threads, Func<bool> ready)
        {
            _sink = sink;
            _ready = ready;
            _newestEvent = new double[threads];
            Array.Fill(_newestEvent, double.NaN);
            _state = new FeaturizerStats?[threads];
        }

        public IProcessorMetrics For(int thread) => new ThreadMetrics(this, thread);

        private void SetEventLag(int thread, double seconds)
        {
            // A thread reports the lag of the newest call it has seen, as of now: kept as that call's time, so that the
            // process's lag is the newest call's of all, as one processor reports it, whenever each thread last told.
            var now = DateTime.UtcNow.Ticks / (double)TimeSpan.TicksPerSecond;
            lock (_lock)
            {
                _newestEvent[thread] = now - seconds;
                var newest = double.NaN;
                foreach (var at in _newestEvent)
                {
                    if (!double.IsNaN(at) && !(at <= newest))
                    {
                        newest = at;
                    }
                }
                _sink.SetEventLag(now - newest);
            }
        }

        private void SetState(int thread, in FeaturizerStats stats)
        {
            lock (_lock)
            {
                _state[thread] = stats;
                var sum = default(FeaturizerStats);
                foreach (var state in _state)
                {
                    if (state is { } s)
                    {
                        sum = Add(sum, s);
                    }
                }
                _sink.SetState(sum);
            }
        }

        private void SetReady()
        {
            lock (_lock)
            {
                _sink.SetReady(_ready());
            }
        }

        private static FeaturizerStats Add(in FeaturizerStats a, in FeaturizerStats b) =>
            new(a.Calls + b.Calls, Add(a.Callers, b.Callers), Add(a.Trunks, b.Trunks), Add(a.Callees, b.Callees), Add(a.Pairs, b.Pairs));

        private static StateKindStats Add(in StateKindStats a, in StateKindStats b) =>
            new(a.Keys + b.Keys, a.MaxKeys + b.MaxKeys, a.Slots + b.Slots, Math.Max(a.EntryBytes, b.EntryBytes), a.Bytes + b.Bytes,
                a.IdleEvictions + b.IdleEvictions, a.CapEvictions + b.CapEvictions);

        private sealed class ThreadMetrics(CombinedMetrics combined, int thread) : IProcessorMetrics
        {
            private readonly IProcessorMetrics _sink = combined._sink;

            public void RecordsConsumed(string topic, long count) => _sink.RecordsConsumed(topic, count);

            public void RecordsInvalid(Records.RecordError error, long count) => _sink.RecordsInvalid(error, count);

            public void Alerts(Alerts.FraudPattern pattern, long count) => _sink.Alerts(pattern, count);

            public void VictimEngagedAlerts(long count) => _sink.VictimEngagedAlerts(count);

            public void ProduceError(string topic, string error) => _sink.ProduceError(topic, error);

            public void OffsetCommitFailed(string error) => _sink.OffsetCommitFailed(error);

            public void ClientError(string error) => _sink.ClientError(error);

            public void ObserveProcessing(Settlement settlement, double seconds) => _sink.ObserveProcessing(settlement, seconds);

            public void ObserveScore(double score) => _sink.ObserveScore(score);

            public void SetEventLag(double seconds) => combined.SetEventLag(thread, seconds);

            public void SetConsumerLag(int partition, long records) => _sink.SetConsumerLag(partition, records);

            public void RemoveConsumerLag(int partition) => _sink.RemoveConsumerLag(partition);

            public void SetState(in FeaturizerStats stats) => combined.SetState(thread, stats);

            public void SetReady(bool ready) => combined.SetReady();
        }
    }
}
