using System.Runtime.ExceptionServices;
using FraudStream.Features;
using FraudStream.Pipeline;
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
        if (scorers.Distinct().Count() != scorers.Count)
        {
            throw new ArgumentException("each thread needs a scorer of its own (a featurizer is not thread-safe)", nameof(scorers));
        }
        var count = scorers.Count;
        var combined = count > 1 && metrics is not null ? new CombinedMetrics(metrics, count) : null;
        _processors = new StreamProcessor[count];
        for (var i = 0; i < count; i++)
        {
            var logger = loggers?.CreateLogger(count == 1 ? "FraudStream.Processor" : $"FraudStream.Processor.{i + 1}");
            _processors[i] = new StreamProcessor(options, scorers[i], combined?.For(i) ?? metrics, logger);
        }
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
            foreach (var processor in _processors)
            {
                var health = processor.Health;
                assigned |= health.Assigned;
                producing &= health.Producing;
                problem ??= health.Problem;
            }
            return new ProcessorHealth(assigned, producing, problem);
        }
    }

    /// <summary>Records consumed by all threads so far.</summary>
    public long Consumed => _processors.Sum(p => p.Consumed);

    /// <summary>
    /// Runs every thread until it stops (<see cref="StreamProcessor.Run"/>), and returns their counts added up. One
    /// thread failing stops the others, which commit what they have settled and leave, as at a cancellation: the
    /// result is then <see cref="StopReason.Fatal"/> with the first failure's message, or the first exception is
    /// rethrown. With <see cref="ProcessorOptions.StopWhenIdle"/>, each thread stops once idle, a thread given no
    /// partition as well (the group still gives it an empty share); one never given any share, not even empty, is stopped
    /// when every other thread has stopped idle.
    /// </summary>
    public ProcessorResult Run(CancellationToken cancellationToken)
    {
        if (_processors.Length == 1)
        {
            return _processors[0].Run(cancellationToken);
        }
        using var stopAll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var count = _processors.Length;
        var leaving = new LeaveTogether(count); // not disposed: a close that outlives Run may still call it
        for (var i = 0; i < count; i++)
        {
            var index = i;
            // Stopped together, the threads leave the group only once all have committed (or a bound has passed);
            // a thread stopping alone (idle) does not wait for the others.
            _processors[i].BeforeLeaving = () => leaving.Committed(index, wait: stopAll.IsCancellationRequested);
        }
        var results = new ProcessorResult?[count];
        var failures = new ExceptionDispatchInfo?[count];
        var running = count;
        var threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    var result = _processors[index].Run(stopAll.Token);
                    Volatile.Write(ref results[index], result);
                    if (result.Reason == StopReason.Fatal)
                    {
                        stopAll.Cancel();
                    }
                }
                catch (Exception ex)
                {
                    failures[index] = ExceptionDispatchInfo.Capture(ex);
                    stopAll.Cancel();
                }
                finally
                {
                    leaving.Committed(index, wait: false); // ended without reaching it (failed): not waited for
                    if (Interlocked.Decrement(ref running) > 0 && OnlyNeverAssignedLeft(results))
                    {
                        // Every thread that had a share stopped idle: the rest, never given one, have nothing to wait for.
                        stopAll.Cancel();
                    }
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
        foreach (var thread in threads)
        {
            thread.Join();
        }
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            failure.Throw();
        }
        return Combine(results!, cancellationToken.IsCancellationRequested);
    }

    /// <summary>
    /// The threads' last commits at a stop, so that none leaves the group (which starts a rebalance, in which Kafka may
    /// refuse the others' commits, and librdkafka's embedded broker does) before all have committed.
    /// </summary>
    internal sealed class LeaveTogether(int threads)
    {
        /// <summary>The longest a thread waits for the others: within <see cref="StreamProcessor.LeaveTimeout"/>, which also holds its leaving.</summary>
        public static readonly TimeSpan MaxWait = StreamProcessor.LeaveTimeout / 2;

        private readonly int[] _committed = new int[threads];
        private readonly ManualResetEventSlim _all = new(false);
        private int _left = threads;

        /// <summary>Thread <paramref name="thread"/> has committed (or ended); with <paramref name="wait"/>, waits for the others.</summary>
        public void Committed(int thread, bool wait)
        {
            if (Interlocked.Exchange(ref _committed[thread], 1) == 0 && Interlocked.Decrement(ref _left) == 0)
            {
                _all.Set();
            }
            if (wait)
            {
                _all.Wait(MaxWait);
            }
        }
    }

    /// <summary>Whether every thread still running was never given a share of the partitions, and every thread that ended stopped idle.</summary>
    private bool OnlyNeverAssignedLeft(ProcessorResult?[] results)
    {
        for (var i = 0; i < _processors.Length; i++)
        {
            var result = Volatile.Read(ref results[i]);
            if (result is null ? _processors[i].EverAssigned : result.Reason != StopReason.Idle)
            {
                return false;
            }
        }
        return true;
    }

    private static ProcessorResult Combine(ProcessorResult[] results, bool cancelled)
    {
        var fatal = results.FirstOrDefault(r => r.Reason == StopReason.Fatal);
        // Threads stopped only because the others did count as what stopped those.
        var reason = fatal is not null ? StopReason.Fatal
            : cancelled ? StopReason.Cancelled
            : results.Any(r => r.Reason == StopReason.Idle) ? StopReason.Idle
            : StopReason.Cancelled;
        return new ProcessorResult(
            results.Sum(r => r.Consumed), results.Sum(r => r.Valid), results.Sum(r => r.Invalid), results.Sum(r => r.Alerts),
            results.Sum(r => r.Rebuilt), reason, fatal?.FatalMessage);
    }

    /// <summary>
    /// The threads' metrics as one process's: counts and observations pass through (the sink adds them up); the
    /// gauges a thread sets for itself are combined first: the event lag is the newest call's of all threads (as one
    /// processor reports it over all its partitions), the state is the threads' added up, and the process is ready when
    /// any thread is (a thread without partitions is not, and need not be). Consumer lag is per partition, and a partition
    /// is one thread's at a time: when one moves between threads, the old owner's removal may come after the new
    /// owner's first value, and the gauge is then missing until the new owner's next (a second later).
    /// </summary>
    internal sealed class CombinedMetrics
    {
        private readonly IProcessorMetrics _sink;
        private readonly Lock _lock = new();
        private readonly double[] _newestEvent; // seconds since 0001-01-01, NaN until the thread tells
        private readonly FeaturizerStats?[] _state;
        private readonly bool[] _ready;

        public CombinedMetrics(IProcessorMetrics sink, int threads)
        {
            _sink = sink;
            _newestEvent = new double[threads];
            Array.Fill(_newestEvent, double.NaN);
            _state = new FeaturizerStats?[threads];
            _ready = new bool[threads];
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

        private void SetReady(int thread, bool ready)
        {
            lock (_lock)
            {
                _ready[thread] = ready;
                _sink.SetReady(_ready.Contains(true));
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

            public void ClientError(string error) => _sink.ClientError(error);

            public void ObserveProcessing(Settlement settlement, double seconds) => _sink.ObserveProcessing(settlement, seconds);

            public void ObserveScore(double score) => _sink.ObserveScore(score);

            public void SetEventLag(double seconds) => combined.SetEventLag(thread, seconds);

            public void SetConsumerLag(int partition, long records) => _sink.SetConsumerLag(partition, records);

            public void RemoveConsumerLag(int partition) => _sink.RemoveConsumerLag(partition);

            public void SetState(in FeaturizerStats stats) => combined.SetState(thread, stats);

            public void SetReady(bool ready) => combined.SetReady(thread, ready);
        }
    }
}
