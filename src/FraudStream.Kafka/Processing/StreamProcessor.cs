using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FraudStream.Alerts;
using FraudStream.Pipeline;
using FraudStream.Kafka.Internal;
using FraudStream.Records;
using Microsoft.Extensions.Logging;

namespace FraudStream.Kafka.Processing;

/// <summary>
/// Whether the processor is ready: assigned partitions, producing, and no unresolved problem. <see cref="Stopping"/>: it
/// has begun to stop (and then counts as not assigned).
/// </summary>
public readonly record struct ProcessorHealth(bool Assigned, bool Producing, string? Problem, bool Stopping = false)
{
    public bool Ready => Assigned && Producing && Problem is null;
}

/// <summary>
/// The streaming processor: a consumer-group member on the input topic that parses each value straight from the
/// client's buffer as it is polled, scores valid calls through one <see cref="CallScorer"/> for the whole process, produces an
/// alert per alerted call and a dead letter per invalid record, and stores an input offset only once every
/// record before it is settled (at-least-once: nothing is lost, a restart repeats only the unsettled tail).
/// </summary>
/// <remarks>
/// <para>
/// One consume thread (<see cref="Run"/>) does all the per-record work; the producer's delivery thread only
/// marks deliveries done. Nothing on the per-record path allocates, the consuming included (<see cref="DirectPoll"/>),
/// except the alerts and dead letters (rare) that must become byte arrays to be produced, and a consumed message's
/// headers when it has any.
/// </para>
/// <para>
/// The assigned partitions are merged in event-time order: consumed records wait in a small buffer per partition,
/// and the record with the earliest <c>start</c> among the buffers' heads is processed next, so the history shared
/// across partitions (trunks, callees) sees calls in the order they happened, as <c>fraudstream score</c> does on
/// a file. A partition whose buffer runs empty is waited for (consuming meanwhile) until its next record comes,
/// its end is reported, or <see cref="MergeWait"/> passes; a full buffer pauses its partition's fetching.
/// </para>
/// </remarks>
public sealed class StreamProcessor
{
    private const int PollMilliseconds = 100;
    private const int MergePollMilliseconds = 10;
    /// <summary>
    /// The merge buffers' budget of records, shared by the assigned partitions: each pauses at its share
    /// (<see cref="BufferLimit"/>: at least 256, at most 1,024) and resumes at a quarter of it. On 64 to 256 partitions
    /// the buffers hold about this many in all (256 a partition beyond), and at most a quarter more: a pause is told to
    /// the client in a batch (<see cref="ApplyPauseChanges"/>), by the time its partition has taken a quarter more at
    /// the latest. A resumed partition's quarter lasts while the merge takes a quarter of the partitions' limits in
    /// all: 16,384 records (about 0.1 s) on 64 to 256 partitions, more beyond, and 256 a partition below 64 (4,096 on
    /// 16), as before the budget.
    /// </summary>
    /// <remarks>
    /// Measured (docs/performance.md, "Per-partition buffer size"): on 256 partitions, 256 records each instead of 1,024
    /// halved the collections' pauses and saved about 70 MB at the same rate; on 16 partitions, 256 each was 14% slower
    /// than 1,024, hence the bounds.
    /// </remarks>
    private const int BufferedInAll = 65_536;
    private const int MaxBufferedPerPartition = 1024;
    private const int MinBufferedPerPartition = 256;
    private const int LookAheadEvery = 16;

    /// <summary>
    /// Pause and resume requests told to the client at once, at most (<see cref="ApplyPauseChanges"/> says when fewer are).
    /// </summary>
    private const int PauseBatch = 32;

    /// <summary>
    /// How long the merge waits for the next record of a partition whose buffer ran empty before the end of the
    /// partition was reported; after that it goes on without it, so a silent or unreachable partition never stalls the others.
    /// </summary>
    public static readonly TimeSpan MergeWait = TimeSpan.FromSeconds(1);

    /// <summary>The consumer's <c>max.partition.fetch.bytes</c> unless a pass-through setting gives one (<see cref="ConsumerConfigFor"/> says why).</summary>
    public const int DefaultMaxPartitionFetchBytes = 64 * 1024;

    /// <summary>The consumer's <c>fetch.queue.backoff.ms</c> unless a pass-through setting gives one.</summary>
    public const int DefaultFetchQueueBackoffMilliseconds = 10;

    /// <summary>The consumer's <c>queued.min.messages</c> unless a pass-through setting gives one.</summary>
    public const int DefaultQueuedMinMessages = 10_000;

    /// <summary>The producer's <c>linger.ms</c> unless a pass-through setting gives one.</summary>
    public const int DefaultLingerMilliseconds = 5;

    private const long MaintenanceRecords = 4096;
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How often settled offsets are stored while busy: each store is a call into the client per partition, and
    /// auto-commit sends them only every <c>auto.commit.interval.ms</c> (1 s by default) anyway.
    /// </summary>
    private static readonly TimeSpan OffsetStoreInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan GaugeInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan BrokerQueryTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a stop waits for the final commit and for leaving the group, after <see cref="ProcessorOptions.DrainTimeout"/>.
    /// librdkafka bounds neither: with the group coordinator unreachable, a commit waits for it until the session times
    /// out (45 s by default), which is longer than a container platform waits after SIGTERM.
    /// </summary>
    public static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long the last flush of the producer at a stop may take (what it has not sent by then is not committed).</summary>
    public static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The same client error or warning is logged at most once per this interval (each failed connection attempt makes one).</summary>
    internal static readonly TimeSpan RepeatInterval = TimeSpan.FromSeconds(30);

    private static readonly HashSet<ErrorCode> PermanentErrors =
    [
        ErrorCode.TopicAuthorizationFailed, ErrorCode.GroupAuthorizationFailed, ErrorCode.ClusterAuthorizationFailed,
        ErrorCode.UnknownTopicOrPart, ErrorCode.Local_UnknownTopic, ErrorCode.Local_UnknownPartition,
        ErrorCode.Local_Authentication, ErrorCode.SaslAuthenticationFailed, ErrorCode.TopicException,
    ];

    private readonly ProcessorOptions _options;
    private readonly CallScorer _scorer;
    private readonly IProcessorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly InboundCall.Pool _calls = new();
    private readonly Stack<PendingDelivery> _pool = new();
    private readonly Action<PendingDelivery> _release;
    private readonly Action<PendingDelivery> _producePending;
    private readonly Dictionary<int, PartitionTracker> _trackers = [];

    /// <summary>
    /// Partitions whose <see cref="PartitionTracker.Paused"/> changed since the client was last told. Each pause or
    /// resume call waits until librdkafka's threads have taken it (0.08-0.15 ms a call in a drain of 1,024 partitions,
    /// which paused and resumed partitions about 6,000 times each: docs/performance.md, "Pauses told in batches"), so
    /// the changes are told together, one call for the pauses and one for the resumes.
    /// </summary>
    private readonly List<PartitionTracker> _pauseChanges = [];
    private readonly List<TopicPartition> _pauseCall = [];
    private readonly List<PartitionTracker> _pauseCallTrackers = [];
    private long _pauseCalls;
    private long _partitionsPausedOrResumed;
    private int _bufferLimit = MaxBufferedPerPartition; // BufferLimit(_trackers.Count), kept by TrackersChanged
    private readonly PartitionMerge _merge = new();
    private readonly Dictionary<int, long> _seenUpTo = [];
    private readonly long[] _invalidByError = new long[RecordErrors.AllCodes.Length];
    private readonly long[] _alertsByPattern = new long[FraudPatterns.AllNames.Length];
    private readonly long[] _publishedInvalid = new long[RecordErrors.AllCodes.Length];
    private readonly long[] _publishedAlerts = new long[FraudPatterns.AllNames.Length];

    private IConsumer<InboundCall, InboundCall>? _consumer;
    private DirectPoll? _poll;
    private long _buffered; // records taken into the merge buffers so far (the look-ahead's measure)
    private long _rebalances; // rebalance callbacks so far (assigned, revoked, lost)
    private readonly List<PartitionTracker> _reread = []; // partitions to read again from their assignment's start (Belongs)
    private readonly Offset _resetTo; // where a partition without a committed offset starts: the consumer's auto.offset.reset
    private IProducer<byte[]?, byte[]?>? _producer;
    private AlertStage? _alertStage;
    private long _consumed, _valid, _invalid, _alerts, _victimEngaged, _rebuilt;
    private long _publishedConsumed, _publishedVictim, _consumedShared;
    private long _newestStartTicks;
    private long _lastRecordAt;

    /// <summary>
    /// The consume thread's latest clock reading (<see cref="Stopwatch.GetTimestamp"/>): a consumed record's, a
    /// settled call's, an empty poll's, a consume error's, an end of partition's, maintenance's, an assignment's, or
    /// the one taken when a partition runs empty. The loop runs on it instead of reading the clock each turn (each
    /// read costs about 0.05 µs here, and there were four a record). It is at most <see cref="MaintenanceRecords"/>
    /// processed records behind the time, never ahead, and only the merge's 1 s waits are timed with it: a wait can
    /// only expire late.
    /// </summary>
    private long _clock;
    private int _sinceLookAhead;
    private long _mergeWaitsExpired;
    private bool _everAssigned;
    private int _assigned;
    private volatile string? _problem;
    private volatile bool _producing = true;
    private volatile Error? _deliveryFailure;
    private volatile Error? _producerFatal;
    private string? _failure;
    private bool _failureBlocksConsuming;
    private long _failingSince;
    private long _lastRetryAt;
    private readonly RepeatFilter _repeats = new(TimeProvider.System, RepeatInterval);
    // Of its own: the client errors' filter is reset when a problem clears, and would lose the dead letters' counts.
    private readonly RepeatFilter _deadLetterRepeats = new(TimeProvider.System, RepeatInterval);
    private volatile bool _brokersDown;
    private ConsumerLease? _consumerLease;
    private volatile bool _stopping;

    /// <summary><see cref="Run"/>'s token, for the rebalance callbacks that librdkafka runs inside <c>Consume</c>.</summary>
    private CancellationToken _runCancellation;
    private bool _alertFaultLogged;
    private const string BrokersDownProblem = "all brokers are down";

    /// <summary>The problem <see cref="Health"/> tells while a delivery waits longer than <see cref="ProcessorOptions.DeliveryStall"/>.</summary>
    private readonly string _stalledProblem;

    public StreamProcessor(ProcessorOptions options, CallScorer scorer, IProcessorMetrics? metrics = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scorer);
        options.Validate();
        _options = options;
        _stalledProblem = string.Create(CultureInfo.InvariantCulture,
            $"alerts or dead letters unacknowledged for over {options.DeliveryStall.TotalSeconds:0.###} s");
        _scorer = scorer;
        _metrics = metrics ?? NullProcessorMetrics.Instance;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _release = Release;
        _producePending = Produce;
        _resetTo = ConsumerConfigFor(options).Get("auto.offset.reset")?.ToLowerInvariant() switch
        {
            "earliest" or "smallest" or "beginning" => Offset.Beginning,
            "latest" or "largest" or "end" => Offset.End,
            _ => Offset.Unset,
        };
    }

    /// <summary>The health as <c>/readyz</c> reports it; safe from any thread.</summary>
    public ProcessorHealth Health
    {
        get
        {
            var stopping = _stopping;
            return new(!stopping && Volatile.Read(ref _assigned) > 0, _producing && _producerFatal is null, _problem, stopping);
        }
    }

    /// <summary>How many partitions the processor has now (0 before its first assignment and after its stop); safe from any thread.</summary>
    internal int AssignedPartitions => Volatile.Read(ref _assigned);

    /// <summary>Live records consumed so far (not counting records re-read for history); safe from any thread.</summary>
    public long Consumed => Interlocked.Read(ref _consumedShared);

    /// <summary>
    /// Called at the stop between the last commit and leaving the group, on the closing thread, within
    /// <see cref="LeaveTimeout"/>: <see cref="StreamThreads"/> holds each thread there until all have committed, since
    /// one leaving starts a rebalance, in which the others' commits may be refused. Set before <see cref="Run"/>.
    /// </summary>
    internal Action? BeforeLeaving { get; set; }

    /// <summary>
    /// Called once the processor is ready to join the group (warmed up, clients built), just before it subscribes:
    /// <see cref="StreamThreads"/> holds each thread there until all are, so that they join the group together. Set
    /// before <see cref="Run"/>.
    /// </summary>
    internal Action? BeforeSubscribing { get; set; }

    /// <summary>How long <see cref="BeforeLeaving"/> may wait, added to <see cref="LeaveTimeout"/>.</summary>
    internal TimeSpan BeforeLeavingMax { get; set; }

    /// <summary>Called as the stop begins, with its reason, on the consume thread. Set before <see cref="Run"/>.</summary>
    internal Action<StopReason>? Stopping { get; set; }

    /// <summary>
    /// Read from another thread: whether the processor has its share, its consume loop has just found nothing to take
    /// and nothing buffered, and it has taken no record (new, or re-read for history) for <paramref name="idle"/>: what
    /// its own stop when idle waits for.
    /// </summary>
    internal bool IsIdleFor(TimeSpan idle)
    {
        if (!Volatile.Read(ref _everAssigned) || AwaitingAssignment())
        {
            return false;
        }
        // The quiet moment first, then the last record: a record that came after that moment (held in the merge since,
        // say) makes the answer no.
        var quietAt = Volatile.Read(ref _quietAt);
        var lastRecordAt = Volatile.Read(ref _lastRecordAt);
        return quietAt != 0 && lastRecordAt <= quietAt && Stopwatch.GetElapsedTime(quietAt) < QuietFresh
            && Stopwatch.GetElapsedTime(lastRecordAt) >= idle
            // A rebalance while these were read (its callbacks clear the quiet moment, and the loop sets a new one).
            && !AwaitingAssignment() && Volatile.Read(ref _quietAt) == quietAt;
    }

    /// <summary>The consume loop is busy elsewhere (a rebalance callback, a failure that blocks consuming): not idle until it looks again.</summary>
    private void NotQuiet() => Volatile.Write(ref _quietAt, 0);

    /// <summary>
    /// How recently the consume loop must have found nothing to take and nothing buffered for <see cref="IsIdleFor"/>:
    /// a loop that is stuck (deliveries failing, the consumer reporting errors) does not get there, and is not idle.
    /// The loop gets there at least every poll (100 ms) while idle.
    /// </summary>
    private static readonly TimeSpan QuietFresh = TimeSpan.FromSeconds(1);

    private long _quietAt; // when the consume loop last found no record and nothing buffered (Stopwatch ticks)

    /// <summary>
    /// When the last revocation came (Stopwatch ticks), until the next assignment; 0 otherwise. In between, the group is
    /// rebalancing and this processor's share is not known: not idle then, for all that no record comes. Stopping would
    /// leave the group in the middle of the rebalance, and what the revocation could not commit (a broker may refuse
    /// commits while the group rebalances) would be read again by the next run. Once assigned, the idle time starts
    /// again. A loss is not waited for: it commits nothing, and it often means the brokers are out of reach, when the
    /// next assignment may be long in coming.
    /// </summary>
    private long _revokedAt;

    /// <summary>
    /// The longest wait for the assignment after a revocation before the processor may count as idle again: far longer
    /// than a rebalance takes (12.5 s on the embedded broker with every request 1.5 s late, ProcessingTests), so that a
    /// rebalance that cannot end (brokers down) does not keep a stop when idle from coming.
    /// </summary>
    internal static readonly TimeSpan AssignmentWaitMax = TimeSpan.FromSeconds(60);

    /// <summary>Between a revocation and the next assignment, for at most <see cref="AssignmentWaitMax"/>.</summary>
    private bool AwaitingAssignment()
    {
        var revokedAt = Volatile.Read(ref _revokedAt);
        return revokedAt != 0 && Stopwatch.GetElapsedTime(revokedAt) < AssignmentWaitMax;
    }

    /// <summary>
    /// Consumes until <paramref name="cancellationToken"/> fires, the idle time passes, or an error does not
    /// clear within the fatal timeout; then settles in-flight work, commits, leaves the group and returns the counts.
    /// Blocks the calling thread (run it on a dedicated one).
    /// </summary>
    public ProcessorResult Run(CancellationToken cancellationToken)
    {
        _runCancellation = cancellationToken;
        ProcessorLog.Starting(_logger, _options.GroupId, _options.InputTopic, _options.AlertsTopic, _options.DeadLetterTopic, _scorer.Model.Id);
        if (_options.WarmUp > TimeSpan.Zero)
        {
            WarmUp(cancellationToken);
        }
        using var producer = BuildProducer();
        _producer = producer;
        using var alertStage = BuildAlertStage(); // disposed (its thread ended) before the producer
        _alertStage = alertStage;
        var consumer = WrapConsumer is { } wrap ? Wrapped(BuildConsumer(), wrap) : BuildConsumer();
        using var lease = new ConsumerLease(consumer); // disposes it, unless Finish left it to a close that did not end in time
        _consumerLease = lease;
        _consumer = consumer;
        using var poll = DirectPoll.TryCreate(consumer, out var noDirectPoll); // disposed before the lease's consumer
        _poll = poll;
        if (noDirectPoll is not null)
        {
            ProcessorLog.NoDirectPoll(_logger, noDirectPoll);
        }
        BeforeSubscribing?.Invoke();
        consumer.Subscribe(_options.InputTopic);
        _lastRecordAt = Stopwatch.GetTimestamp();
        _clock = _lastRecordAt;
        var nextMaintenance = _clock;
        var sinceMaintenance = 0L;
        var reason = StopReason.Cancelled;
        string? fatal = null;
        _metrics.SetReady(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (CheckFailure(out fatal))
            {
                reason = StopReason.Fatal;
                break;
            }
            if (_failureBlocksConsuming)
            {
                NotQuiet();
                // A delivery failed: nothing more is consumed (so nothing can be committed past it) until it clears.
                cancellationToken.WaitHandle.WaitOne(PollMilliseconds);
                Maintain(ref nextMaintenance, force: true);
                continue;
            }
            var now = _clock;
            var next = PickNext(now, out var waiting, out var anyEmpty);
            if (next is not null && (!waiting || next.HeadKey == long.MinValue))
            {
                if (anyEmpty && ++_sinceLookAhead >= LookAheadEvery)
                {
                    // A partition has nothing buffered (caught up): now and then take in whatever the client has
                    // fetched already, so its new records join the merge before later calls of other partitions go.
                    _sinceLookAhead = 0;
                    // At most one partition's buffer limit: were it all one partition's, the look-ahead alone would
                    // fill its buffer no further than the limit at which its pause is asked for.
                    var before = _buffered;
                    while (TryConsume(consumer, 0, out var more) && more && _buffered - before < _bufferLimit)
                    {
                    }
                    continue;
                }
                ProcessNext(next, now);
                if (++sinceMaintenance >= MaintenanceRecords)
                {
                    sinceMaintenance = 0;
                    Maintain(ref nextMaintenance, force: false);
                }
                continue;
            }
            // Nothing may be processed yet: a partition's next record is still to come, or nothing is buffered.
            if (!TryConsume(consumer, next is null ? PollMilliseconds : MergePollMilliseconds, out var got))
            {
                continue;
            }
            if (!got)
            {
                Maintain(ref nextMaintenance, force: true);
                if (next is null)
                {
                    Volatile.Write(ref _quietAt, Stopwatch.GetTimestamp()); // nothing came, nothing is buffered (IsIdleFor)
                }
                if (next is null && _options.StopWhenIdle is { } idle && _everAssigned && !AwaitingAssignment()
                    && Stopwatch.GetElapsedTime(_lastRecordAt) >= idle)
                {
                    reason = StopReason.Idle;
                    break;
                }
            }
        }
        return Finish(consumer, producer, reason, fatal);
    }

    /// <summary>The warm-up only makes the first calls faster: should it fail, the processor goes on without it.</summary>
    private void WarmUp(CancellationToken cancellationToken)
    {
        try
        {
            var warm = WarmUpRunner(_scorer, _options.WarmUp, cancellationToken);
            var ending = warm.Cancelled ? "stopped" : warm.Settled ? "settled" : "time limit reached";
            ProcessorLog.WarmedUp(_logger, warm.Calls, warm.Milliseconds, warm.MethodsCompiled, ending);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever went wrong, only the speed of the first calls is at stake, not what is processed.
            ProcessorLog.WarmUpFailed(_logger, ex);
        }
    }

    // ---- tests: the warm-up to run, and driving the merge without a consumer ----------------------

    /// <summary>Tests: the warm-up to run (<see cref="ProcessorWarmUp.Run(CallScorer, TimeSpan, CancellationToken)"/>), so that a failing one can be tried.</summary>
    internal Func<CallScorer, TimeSpan, CancellationToken, ProcessorWarmUp.Result> WarmUpRunner { get; init; } = ProcessorWarmUp.Run;

    /// <summary>Tests: builds the producer and takes <paramref name="partitions"/> as assigned and caught up, with no consumer.</summary>
    internal void StartWithoutConsumer(int partitions)
    {
        _producer ??= BuildProducer();
        _alertStage ??= BuildAlertStage();
        for (var p = 0; p < partitions; p++)
        {
            var tracker = new PartitionTracker(p) { RebuildReported = true, AtEnd = true };
            _trackers[p] = tracker;
            _merge.Add(tracker, Stopwatch.GetTimestamp());
        }
        TrackersChanged();
    }

    /// <summary>Tests: one consumed message, filled by the deserializers and buffered as the consume loop does.</summary>
    internal void BufferConsumed(int partition, long offset, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        _calls.Staging.SetKey(key, isNull: false);
        _calls.Staging.SetValue(value, isNull: false);
        var call = _calls.TakeStaging();
        call.SetSource(_options.InputTopic, partition, offset, headers: null);
        Buffer(call);
        _merge.ReachedEnd(_trackers[partition]); // as if the end of the partition were reported after it
    }

    /// <summary>Tests: processes the next record the merge allows, if any.</summary>
    internal bool ProcessNextBuffered()
    {
        var now = Stopwatch.GetTimestamp();
        var next = PickNext(now, out var waiting, out _);
        if (next is null || (waiting && next.HeadKey != long.MinValue))
        {
            return false;
        }
        ProcessNext(next, now);
        return true;
    }

    /// <summary>Tests: alerts produced so far (<see cref="ProcessorResult.Alerts"/> of a run).</summary>
    internal long AlertsSoFar => _alerts;

    /// <summary>Tests: calls into the client that paused or resumed partitions, and how many pauses and resumes of a partition they made.</summary>
    internal long PauseCalls => _pauseCalls;

    internal long PausesAndResumes => _partitionsPausedOrResumed;

    /// <summary>Tests: flushes and disposes the producer of <see cref="StartWithoutConsumer"/>.</summary>
    internal void StopWithoutConsumer()
    {
        _alertStage?.Complete(TimeSpan.FromSeconds(10));
        _alertStage = null;
        _producer?.Flush(TimeSpan.FromSeconds(10));
        _producer?.Dispose();
        _producer = null;
    }

    private AlertStage BuildAlertStage() =>
        new(_scorer.Model.FeatureNames, _options.InputTopic, AlertProducer ?? _producePending, _options.AlertThread);

    /// <summary>
    /// Tests: what wraps the consumer the processor builds, before the direct poll is tried on it. A wrapper is not
    /// Confluent.Kafka's consumer, so <see cref="DirectPoll"/> refuses it and the processor consumes through its
    /// <c>Consume</c>, with warning 3022, as it does when a Confluent.Kafka version lacks what the poll needs.
    /// </summary>
    internal Func<IConsumer<InboundCall, InboundCall>, IConsumer<InboundCall, InboundCall>>? WrapConsumer { get; set; }

    /// <summary>The consumer wrapped by <paramref name="wrap"/>; disposed, not leaked, if the wrap throws.</summary>
    private static IConsumer<InboundCall, InboundCall> Wrapped(
        IConsumer<InboundCall, InboundCall> consumer, Func<IConsumer<InboundCall, InboundCall>, IConsumer<InboundCall, InboundCall>> wrap)
    {
        try
        {
            return wrap(consumer);
        }
        catch
        {
            consumer.Dispose();
            throw;
        }
    }

    /// <summary>Tests: what the alert stage hands written alerts to, instead of the producer (so that a failing one can be tried).</summary>
    internal Action<PendingDelivery>? AlertProducer { get; init; }

    private IConsumer<InboundCall, InboundCall> BuildConsumer()
    {
        var config = ConsumerConfigFor(_options);
        return new ConsumerBuilder<InboundCall, InboundCall>(config)
            .SetKeyDeserializer(new InboundCall.KeyDeserializer(_calls))
            .SetValueDeserializer(new InboundCall.ValueDeserializer(_calls))
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            .SetOffsetsCommittedHandler((_, committed) => OnCommitted(committed))
            .SetErrorHandler((_, error) => OnClientError("consumer", error))
            .SetLogHandler((_, message) => OnClientLog("consumer", message))
            .Build();
    }

    private IProducer<byte[]?, byte[]?> BuildProducer()
    {
        var config = ProducerConfigFor(_options);
        return new ProducerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, error) => OnClientError("producer", error))
            .SetLogHandler((_, message) => OnClientLog("producer", message))
            .Build();
    }

    /// <summary>The consumer's configuration: the pass-through settings, its defaults where they set none, and what the processor needs.</summary>
    internal static ConsumerConfig ConsumerConfigFor(ProcessorOptions options)
    {
        // Defaults go in by name, as text: a typed property of the config would parse a pass-through value itself
        // (and throw on a bad one) instead of leaving it to librdkafka, which names the property it refuses.
        var settings = KafkaSettingsFor(options, "consumer.");
        AddDefault(settings, "client.id", "fraudstream");
        AddDefault(settings, "auto.offset.reset", "earliest");
        // A short commit interval keeps the tail that a crash or a lost partition makes us process again short.
        AddDefault(settings, "auto.commit.interval.ms", "1000");
        // Small fetches keep the merge buffers small: each partition's next records arrive soon after they are needed.
        AddDefault(settings, "max.partition.fetch.bytes", DefaultMaxPartitionFetchBytes.ToString(CultureInfo.InvariantCulture));
        // The merge pauses partitions whose buffers fill while it waits for another; librdkafka then postpones
        // fetches by this much when its queue thresholds are exceeded (1 s by default), and the partition the merge
        // waits for is fetched that much later. Measured on 1,000,000 calls over 256 partitions: 79,223 and 82,744
        // calls/s with the default, 90,649 and 92,593 with 10 ms.
        AddDefault(settings, "fetch.queue.backoff.ms", DefaultFetchQueueBackoffMilliseconds.ToString(CultureInfo.InvariantCulture));
        // librdkafka fetches ahead until its queue holds 100,000 records (about a second of processing here). A paused
        // partition's records are dropped from that queue, and when it resumes, its records come back behind all the
        // others: the merge can wait for them past its 1 s and go on without it. 10,000 records keep about 0.1 s ahead.
        // Measured on the embedded broker (docs/performance.md, "The client's prefetch"): 1,000,000 calls over 256
        // partitions, median of 113,494 calls/s with the default against 127,323; 2,000,000 over 1,024, 103,393 against
        // 116,015 with no drain going on without a partition; 5,000 and 15,000 alike, 2,000 and 30,000 slower (one run each).
        AddDefault(settings, "queued.min.messages", DefaultQueuedMinMessages.ToString(CultureInfo.InvariantCulture));
        return new ConsumerConfig(settings)
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            // The processor stores an offset only when every record before it is settled; auto-commit then
            // commits what was stored (and Close commits the rest).
            EnableAutoOffsetStore = false,
            EnableAutoCommit = true,
            // The deserializer keeps what it needs; the result keeps only what dead letters need (the topic is
            // always the input topic: a topic name is required, not a pattern).
            ConsumeResultFields = "headers",
            AllowAutoCreateTopics = false,
            // The merge goes on without a partition once it is known to be caught up.
            EnablePartitionEof = true,
        };
    }

    /// <summary>librdkafka's other names for the properties the processor gives defaults to (its CONFIGURATION.md).</summary>
    private static readonly Dictionary<string, string> DefaultedAliases = new(StringComparer.Ordinal)
    {
        ["max.partition.fetch.bytes"] = "fetch.message.max.bytes",
        ["linger.ms"] = "queue.buffering.max.ms",
    };

    /// <summary>
    /// A default, unless the pass-through settings set the property under this name or its alias: librdkafka applies
    /// settings in order, so a default added after the user's alias would silently replace it.
    /// </summary>
    private static void AddDefault(Dictionary<string, string> settings, string name, string value)
    {
        if (!settings.ContainsKey(name) && !(DefaultedAliases.TryGetValue(name, out var alias) && settings.ContainsKey(alias)))
        {
            settings[name] = value;
        }
    }

    /// <summary>The producer's configuration: the pass-through settings, its defaults where they set none, and the delivery guarantees.</summary>
    internal static ProducerConfig ProducerConfigFor(ProcessorOptions options)
    {
        var settings = KafkaSettingsFor(options, "producer.");
        AddDefault(settings, "client.id", "fraudstream");
        AddDefault(settings, "linger.ms", DefaultLingerMilliseconds.ToString(CultureInfo.InvariantCulture));
        return new ProducerConfig(settings)
        {
            BootstrapServers = options.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            DeliveryReportFields = "none", // the pending entry keeps the message; do not copy it back
        };
    }

    /// <summary>
    /// Checks the pass-through librdkafka settings (<see cref="ProcessorOptions.KafkaSettings"/>) as both clients will get
    /// them, with no broker to connect to: librdkafka refuses an unknown property, a bad value or a combination it does not
    /// allow only when a client is built, and <see cref="Run"/> builds them after the warm-up. Settings that make a client
    /// act as it is built (an OIDC token request, plugins, engines) are left out of it.
    /// </summary>
    /// <exception cref="ArgumentException">librdkafka refused the settings; one line, naming the property when it alone is to blame.</exception>
    public static void CheckKafkaSettings(ProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (TryBuildClients(options) is not { } refused)
        {
            return;
        }
        // librdkafka names the property by its own name, which may be an alias of the one set (linger.ms is
        // queue.buffering.max.ms), or names none. A setting is named only when it is to blame on its own: refused alone
        // for the same reason, and the others accepted without it. (security.protocol=SASL_SSL alone is refused for
        // want of a sasl.mechanism that the full set may give, and without it a missing CA file is never read.)
        foreach (var (key, value) in options.KafkaSettings)
        {
            if (TryBuildClients(options with { KafkaSettings = new Dictionary<string, string> { [key] = value } }) is { } alone
                && alone.Message == refused.Message
                && TryBuildClients(options with { KafkaSettings = options.KafkaSettings.Where(s => s.Key != key).ToDictionary() }) is null)
            {
                throw new ArgumentException($"Kafka setting {key} refused: {Reason(alone)}", alone);
            }
        }
        throw new ArgumentException("Kafka settings refused: " + Reason(refused), refused);

        static string Reason(Exception ex) => ex.Message.ReplaceLineEndings(" ");
    }

    /// <summary>
    /// Settings that make a client act as it is built, not only check them: fetch an OIDC token from the identity
    /// provider, load plugins (which may connect somewhere of their own) or open an engine's or provider's session. The
    /// check builds its clients without them; the run meets any error in them.
    /// </summary>
    private static readonly HashSet<string> ActingSettings = new(StringComparer.Ordinal)
    {
        "sasl.oauthbearer.method", "plugin.library.paths", "ssl.engine.location", "ssl.providers",
    };

    /// <summary>Builds both clients as <see cref="Run"/> does but with no broker to connect to, and disposes them; what librdkafka refused, if anything.</summary>
    private static Exception? TryBuildClients(ProcessorOptions options)
    {
        options = options with
        {
            KafkaSettings = options.KafkaSettings
                .Where(s => !ActingSettings.Contains(s.Key.StartsWith("consumer.", StringComparison.Ordinal) ? s.Key["consumer.".Length..]
                    : s.Key.StartsWith("producer.", StringComparison.Ordinal) ? s.Key["producer.".Length..] : s.Key))
                .ToDictionary(),
        };
        try
        {
            var producer = ProducerConfigFor(options);
            producer.BootstrapServers = "";
            using (new ProducerBuilder<byte[], byte[]>(producer).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build())
            {
            }
            var consumer = ConsumerConfigFor(options);
            consumer.BootstrapServers = "";
            using (new ConsumerBuilder<Ignore, Ignore>(consumer).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build())
            {
            }
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or KafkaException)
        {
            return ex;
        }
    }

    /// <summary>The pass-through librdkafka settings for one client: unscoped ones, then those under <paramref name="scope"/>.</summary>
    private static Dictionary<string, string> KafkaSettingsFor(ProcessorOptions options, string scope)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in options.KafkaSettings)
        {
            if (!key.StartsWith("consumer.", StringComparison.Ordinal) && !key.StartsWith("producer.", StringComparison.Ordinal))
            {
                settings[key] = value;
            }
        }
        foreach (var (key, value) in options.KafkaSettings)
        {
            if (key.StartsWith(scope, StringComparison.Ordinal))
            {
                settings[key[scope.Length..]] = value;
            }
        }
        return settings;
    }

    // ---- the per-record path -------------------------------------------------------------------

    /// <summary>
    /// Consumes one message or event (waiting up to <paramref name="milliseconds"/>) into the merge buffers.
    /// False when the client reported an error (handled); <paramref name="got"/> says whether anything came.
    /// </summary>
    private bool TryConsume(IConsumer<InboundCall, InboundCall> consumer, int milliseconds, out bool got)
    {
        if (_poll is { } poll)
        {
            return TryPoll(poll, milliseconds, out got);
        }
        got = false;
        ConsumeResult<InboundCall, InboundCall>? result;
        try
        {
            result = consumer.Consume(milliseconds);
        }
        catch (ConsumeException ex)
        {
            _clock = Stopwatch.GetTimestamp();
            OnConsumeError(ex.Error);
            return false;
        }
        if (result is null)
        {
            _clock = Stopwatch.GetTimestamp(); // the poll may have waited
            return true;
        }
        got = true;
        var partition = result.Partition.Value;
        if (result.IsPartitionEOF)
        {
            PartitionEnded(partition);
            return true;
        }
        var call = result.Message.Value;
        if (ReferenceEquals(call, _calls.Staging))
        {
            _calls.TakeStaging();
        }
        // Only headers that exist are kept: a buffered (long-lived) instance pointing at a fresh empty collection
        // would cost every young-generation collection a card to scan.
        call.SetSource(result.Topic, partition, result.Offset.Value, result.Message.Headers is { Count: > 0 } headers ? headers : null);
        Buffer(call);
        return true;
    }

    /// <summary>
    /// <see cref="TryConsume"/> through <see cref="DirectPoll"/>: the same, without a result object a message. What the
    /// client has ready is taken at once (up to <see cref="DirectPoll.BatchSize"/>, one clock reading for all); only when
    /// nothing is ready does it wait, for one message.
    /// </summary>
    private unsafe bool TryPoll(DirectPoll poll, int milliseconds, out bool got)
    {
        var rebalancesBefore = _rebalances;
        var ready = poll.TakeReady();
        if (ready > 0)
        {
            got = true;
            var consumedAt = _clock = Stopwatch.GetTimestamp();
            var ok = true;
            var i = 0;
            try
            {
                for (; i < ready; i++)
                {
                    var message = poll.Taken(i);
                    try
                    {
                        if (message->Error != 0)
                        {
                            ok &= Accept(poll, message, consumedAt);
                        }
                        else if (Belongs(message->Partition, rebalancesBefore, out var tracker))
                        {
                            ok &= Accept(poll, message, consumedAt, tracker);
                        }
                    }
                    finally
                    {
                        poll.Destroy(message);
                    }
                }
            }
            finally
            {
                for (i++; i < ready; i++)
                {
                    poll.Destroy(poll.Taken(i)); // only after an exception: the rest are freed unread
                }
            }
            if (_reread.Count > 0)
            {
                Reread();
            }
            return ok;
        }
        var single = poll.Poll(milliseconds);
        if (single is null)
        {
            got = false;
            _clock = Stopwatch.GetTimestamp(); // the poll may have waited
            return true;
        }
        got = true;
        try
        {
            return Accept(poll, single, Stopwatch.GetTimestamp());
        }
        finally
        {
            poll.Destroy(single);
        }
    }

    /// <summary>
    /// Whether a record taken together with others (<see cref="DirectPoll.TakeReady"/>) belongs to the partition's current
    /// assignment. A rebalance's callbacks run inside the take, possibly after some records were taken:
    /// <list type="bullet">
    /// <item>a partition no longer assigned: its record is skipped, and its new owner reads it;</item>
    /// <item>a partition assigned during the take (<paramref name="rebalancesBefore"/>): its record may be one taken before
    /// a revocation of the same partition, and the client, which moves its position past every record taken, would then
    /// not fetch the new assignment's records before it. Its records of this take are skipped and it reads again from where
    /// its assignment started (<see cref="Reread"/>).</item>
    /// </list>
    /// librdkafka drops outdated records itself (a barrier in the queue when it stops or pauses fetching), so these are
    /// a guard for what it does not.
    /// </summary>
    private bool Belongs(int partition, long rebalancesBefore, [NotNullWhen(true)] out PartitionTracker? tracker)
    {
        if (!_trackers.TryGetValue(partition, out tracker))
        {
            return false;
        }
        if (tracker.AssignedAtRebalance <= rebalancesBefore)
        {
            return true;
        }
        if (!_reread.Contains(tracker))
        {
            _reread.Add(tracker);
        }
        return false;
    }

    /// <summary>
    /// Puts the client back where the assignments of <see cref="_reread"/> started (see <see cref="Belongs"/>): the offset
    /// the assignment gave, or, where it gave none, the start or end of the partition by the client's reset policy.
    /// </summary>
    private void Reread()
    {
        var consumer = _consumer;
        foreach (var tracker in _reread)
        {
            if (consumer is null || _trackers.GetValueOrDefault(tracker.Partition) != tracker || tracker.Buffered.Count > 0)
            {
                continue; // no longer assigned, or assigned again since, or already reading (not expected)
            }
            var from = tracker.AssignedFrom >= 0 ? new Offset(tracker.AssignedFrom) : _resetTo;
            if (from == Offset.Unset)
            {
                continue; // auto.offset.reset=error: nothing to go back to
            }
            try
            {
                consumer.Seek(new TopicPartitionOffset(InputPartition(tracker), from));
                ProcessorLog.Reread(_logger, tracker.Partition, from.ToString());
            }
            catch (KafkaException ex)
            {
                OnConsumeError(ex.Error);
            }
        }
        _reread.Clear();
    }

    /// <summary>One polled message or event into the merge buffers (or handled); false for a consume error.</summary>
    private unsafe bool Accept(DirectPoll poll, DirectPoll.Message* message, long consumedAt, PartitionTracker? tracker = null)
    {
        if (message->Error != 0)
        {
            if (message->Error == DirectPoll.PartitionEof)
            {
                PartitionEnded(message->Partition);
                return true;
            }
            _clock = Stopwatch.GetTimestamp();
            OnConsumeError(poll.ErrorOf(message));
            return false;
        }
        var call = _calls.Staging;
        call.SetKey(message->KeySpan, message->Key is null);
        call.SetValue(message->Value, message->Payload is null);
        _calls.TakeStaging();
        call.SetSource(null, message->Partition, message->Offset, poll.HeadersOf(message), consumedAt);
        Buffer(call, tracker);
        return true;
    }

    /// <summary>The client reported a partition's end: the merge goes on without waiting for it (until its next record).</summary>
    private void PartitionEnded(int partition)
    {
        _clock = Stopwatch.GetTimestamp();
        if (_trackers.TryGetValue(partition, out var atEnd))
        {
            _merge.ReachedEnd(atEnd);
        }
    }

    /// <summary>A consumed record into its partition's merge buffer (<paramref name="tracker"/>, when the caller has looked it up).</summary>
    private void Buffer(InboundCall call, PartitionTracker? tracker = null)
    {
        _buffered++;
        if (tracker is null && !_trackers.TryGetValue(call.Partition, out tracker))
        {
            tracker = AddTracker(call.Partition); // not expected: assignment creates them
        }
        _merge.Buffer(tracker, call);
        _lastRecordAt = call.ConsumedAt; // not a clock read of its own: each costs about 0.05 µs here, per record
        _clock = call.ConsumedAt;
        if (tracker.Buffered.Count >= _bufferLimit)
        {
            if (!tracker.Paused)
            {
                RequestPaused(tracker, paused: true);
            }
            else if (!tracker.PauseApplied && tracker.Buffered.Count >= _bufferLimit + (_bufferLimit / 4))
            {
                ApplyPauseChanges(); // its pause still waits in the batch while it fills: a quarter over its limit, and a take's records
            }
        }
    }

    /// <summary>
    /// The partition whose buffered head has the earliest <c>start</c> (invalid records first: they touch no
    /// history); <paramref name="waiting"/> when a partition with nothing buffered may still deliver an earlier one,
    /// <paramref name="anyEmpty"/> when any partition has nothing buffered.
    /// </summary>
    private PartitionTracker? PickNext(long now, out bool waiting, out bool anyEmpty)
    {
        if (_merge.Waiting > 0)
        {
            _mergeWaitsExpired += _merge.ExpireWaits(now, (long)(MergeWait.TotalSeconds * Stopwatch.Frequency));
        }
        waiting = _merge.Waiting > 0;
        anyEmpty = _merge.Buffering < _trackers.Count;
        return _merge.Next;
    }

    private void ProcessNext(PartitionTracker tracker, long now)
    {
        if (tracker.Buffered.Count == 1)
        {
            now = _clock = Stopwatch.GetTimestamp(); // the partition runs empty: the merge's wait for it starts now
        }
        var call = _merge.TakeNext(now);
        if (tracker.Paused && tracker.Buffered.Count <= _bufferLimit / 4)
        {
            RequestPaused(tracker, paused: false);
        }
        else if (tracker.Buffered.Count == 0 && tracker.PauseApplied)
        {
            ApplyPauseChanges(); // its resume is still in the batch, and the merge now waits for its next record
        }
        PrefetchNext();
        if (!Process(call, tracker))
        {
            _calls.Return(call);
        }
        if (tracker.WaitIndex >= 0 && IsCaughtUp(tracker))
        {
            // Its buffer ran empty at the high watermark of its last fetch: nothing more is known to exist, so the
            // merge does not wait for its next record. In a live stream the end-of-partition event may never come
            // (each fetch returns new records), and waiting for every partition's next fetch would add it to every
            // record's latency; records fetched later join the merge as after a reported end.
            _merge.ReachedEnd(tracker);
        }
    }

    /// <summary>
    /// Asks for the history that the merge's next record will read while this one is processed (<see cref="CallScorer.Prefetch"/>):
    /// its cache misses then overlap this record's work. <c>PerCallBenchmarks.Featurize</c> against
    /// <c>FeaturizeWithoutLookahead</c> shows the gain at a million keys per table. Usually the next record processed; when it
    /// is not (a record with an earlier start arrives first), the hint is wasted, nothing else. The gain in a drain of the
    /// harness was too small to measure (docs/performance.md).
    /// </summary>
    private void PrefetchNext()
    {
        if (_merge.PeekNext() is { IsValid: true } next)
        {
            _scorer.Prefetch(next.Record);
        }
    }

    /// <summary>The tracker's input partition as the client names it, made once per assignment.</summary>
    private TopicPartition InputPartition(PartitionTracker tracker) =>
        tracker.InputPartition ??= new TopicPartition(_options.InputTopic, tracker.Partition);

    /// <summary>Whether every record below the partition's high watermark, as of its last fetch, is processed (a local lookup).</summary>
    private bool IsCaughtUp(PartitionTracker tracker)
    {
        if (_consumer is null)
        {
            return false;
        }
        try
        {
            var high = _consumer.GetWatermarkOffsets(InputPartition(tracker)).High;
            return high != Offset.Unset && high.Value <= tracker.LastConsumed + 1;
        }
        catch (KafkaException)
        {
            return false;
        }
    }

    /// <summary>
    /// Asks for a partition's fetching to be paused (its buffer is full while the merge waits for another) or resumed
    /// (its buffer is down to a quarter). The client is told with other such changes (<see cref="ApplyPauseChanges"/>):
    /// meanwhile a partition to be paused may take up to a quarter of its limit more, and one to be resumed still has
    /// a quarter of its buffer to give.
    /// </summary>
    private void RequestPaused(PartitionTracker tracker, bool paused)
    {
        tracker.Paused = paused;
        if (tracker.PauseChangeQueued)
        {
            return; // already in the batch: its latest wish is what will be told
        }
        tracker.PauseChangeQueued = true;
        _pauseChanges.Add(tracker);
        if (_pauseChanges.Count >= PauseBatch)
        {
            ApplyPauseChanges();
        }
    }

    /// <summary>
    /// Tells the client the pauses and resumes asked for since it was last told: one call for each kind. Runs when the
    /// batch is full, at each maintenance (at most every 100 ms while records are processed), when a partition whose
    /// resume is in the batch runs empty (so that the merge never waits for a partition still paused), and when one
    /// whose pause is in the batch has taken a quarter of its limit more (so that a buffer stays bounded while the
    /// merge waits for another partition and processes nothing).
    /// </summary>
    private void ApplyPauseChanges()
    {
        if (_pauseChanges.Count == 0)
        {
            return;
        }
        for (var i = 0; i < 2; i++)
        {
            var paused = i == 0;
            foreach (var tracker in _pauseChanges)
            {
                if (tracker.Paused == paused && tracker.PauseApplied != paused)
                {
                    _pauseCallTrackers.Add(tracker);
                }
            }
            if (_pauseCallTrackers.Count > 0)
            {
                TellClient(_pauseCallTrackers, paused);
                _pauseCallTrackers.Clear();
            }
        }
        foreach (var tracker in _pauseChanges)
        {
            tracker.PauseChangeQueued = false;
        }
        _pauseChanges.Clear();
    }

    /// <summary>Drops a partition no longer assigned from the batch of pause changes; if the client has it paused, resumes it at once (a pause would outlive the assignment).</summary>
    private void ForgetPause(PartitionTracker tracker)
    {
        if (tracker.PauseChangeQueued)
        {
            _pauseChanges.Remove(tracker);
            tracker.PauseChangeQueued = false;
        }
        tracker.Paused = false;
        if (tracker.PauseApplied)
        {
            TellClient([tracker], paused: false);
        }
    }

    /// <summary>
    /// Pauses or resumes fetching <paramref name="trackers"/>' partitions in one call. librdkafka refuses only a
    /// partition it does not know at all (a known one need not be assigned); one refused, or a call that fails as a
    /// whole, keeps the state the client has, so that the request is made again if it still matters.
    /// </summary>
    private void TellClient(List<PartitionTracker> trackers, bool paused)
    {
        if (_consumer is null)
        {
            foreach (var tracker in trackers)
            {
                tracker.Paused = tracker.PauseApplied;
            }
            return;
        }
        _pauseCall.Clear();
        foreach (var tracker in trackers)
        {
            _pauseCall.Add(InputPartition(tracker));
        }
        try
        {
            if (paused)
            {
                _consumer.Pause(_pauseCall);
            }
            else
            {
                _consumer.Resume(_pauseCall);
            }
            foreach (var tracker in trackers)
            {
                tracker.PauseApplied = paused;
            }
        }
        catch (TopicPartitionException ex)
        {
            foreach (var tracker in trackers)
            {
                var refused = ex.Results.Exists(r => r.Partition.Value == tracker.Partition && r.Error.IsError);
                if (refused)
                {
                    tracker.Paused = tracker.PauseApplied;
                }
                else
                {
                    tracker.PauseApplied = paused;
                }
            }
        }
        catch (KafkaException)
        {
            // The call failed as a whole: nothing paused or resumed.
            foreach (var tracker in trackers)
            {
                tracker.Paused = tracker.PauseApplied;
            }
        }
        _pauseCalls++;
        foreach (var tracker in trackers)
        {
            if (tracker.PauseApplied == paused)
            {
                _partitionsPausedOrResumed++;
            }
        }
    }

    /// <summary>Processes one record; true when an alert took it over (it goes back to the pool with the alert's delivery).</summary>
    private bool Process(InboundCall call, PartitionTracker tracker)
    {
        var consumedAt = call.ConsumedAt;
        var offset = call.Offset;
        tracker.LastConsumed = offset;
        if (offset < tracker.RebuildEnd)
        {
            // Before the committed offset: processed before (maybe by another member); history only.
            if (call.IsValid)
            {
                _scorer.Score(call.Record, out _, alerting: false);
            }
            tracker.Rebuilt++;
            _rebuilt++;
            if (offset == tracker.RebuildEnd - 1)
            {
                ReportRebuild(tracker);
            }
            return false;
        }
        if (!tracker.RebuildReported)
        {
            ReportRebuild(tracker);
        }
        _consumed++;
        if (!call.IsValid)
        {
            DeadLetter(call, tracker, consumedAt);
            return false;
        }
        _valid++;
        ref readonly var record = ref call.Record;
        _scorer.Score(record, out var scored, reasons: false);
        _metrics.ObserveScore(scored.Score);
        if (record.StartTicks > _newestStartTicks)
        {
            _newestStartTicks = record.StartTicks;
        }
        if (scored.Alerted)
        {
            Alert(call, scored, tracker, consumedAt);
            return true;
        }
        tracker.Done(offset);
        var settled = _clock = Stopwatch.GetTimestamp();
        _metrics.ObserveProcessing(Settlement.Scored, Stopwatch.GetElapsedTime(consumedAt, settled).TotalSeconds);
        return false;
    }

    // Rare path: alerted calls only. The reasons and the alert's JSON are written by the alert stage; the record
    // stays with the delivery until it is released.
    private void Alert(InboundCall call, in ScoredCall scored, PartitionTracker tracker, long consumedAt)
    {
        _alerts++;
        _alertsByPattern[(int)scored.Pattern]++;
        if (scored.VictimEngaged)
        {
            _victimEngaged++;
        }
        var pending = RentPending();
        pending.StartAlert(call.Offset, consumedAt, _options.AlertsTopic, call, _scorer.LastAlertModel, _scorer.LastFeatures, scored);
        tracker.Add(pending);
        _alertStage!.Submit(pending);
    }

    // Rare path: invalid records only. The dead letter is the original message plus three headers.
    private void DeadLetter(InboundCall call, PartitionTracker tracker, long consumedAt)
    {
        _invalid++;
        var failure = call.Failure;
        _invalidByError[(int)failure.Error]++;
        var topic = call.Topic ?? _options.InputTopic;
        var headers = new Headers();
        if (call.Headers is { } original)
        {
            foreach (var header in original)
            {
                headers.Add(header.Key, header.GetValueBytes());
            }
        }
        headers.Add(DeadLetterHeaders.Error, Encoding.UTF8.GetBytes(failure.Code));
        headers.Add(DeadLetterHeaders.Detail, Encoding.UTF8.GetBytes(failure.Detail));
        headers.Add(DeadLetterHeaders.Source, Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{topic}/{tracker.Partition}/{call.Offset}")));
        var message = new Message<byte[]?, byte[]?>
        {
            Key = call.KeyToArray(),
            Value = call.InvalidValue,
            Headers = headers,
        };
        var pending = RentPending();
        pending.Start(call.Offset, consumedAt, Settlement.DeadLettered, _options.DeadLetterTopic, message);
        tracker.Add(pending);
        Produce(pending);
        // Each error's first dead letter is logged at once, then one each RepeatInterval, saying how many came between
        // (as Kafka Streams' LogAndContinueExceptionHandler logs each, but without flooding the log on a bad producer).
        if (_deadLetterRepeats.ShouldPass(failure.Code, out var held))
        {
            ProcessorLog.DeadLettered(_logger, topic, tracker.Partition, call.Offset, _options.DeadLetterTopic, failure.Code,
                failure.Detail + RepeatFilter.Describe(held));
        }
    }

    private PendingDelivery RentPending() => _pool.Count > 0 ? _pool.Pop() : new PendingDelivery(this);

    /// <summary>On the consume thread, or on the alert thread for alerts.</summary>
    private void Produce(PendingDelivery pending)
    {
        while (true)
        {
            try
            {
                _producer!.Produce(pending.Topic, pending.Message!, pending.OnDelivered);
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                if (_alertStage?.Abandoned == true)
                {
                    return; // stopping, and the wait for the alert thread is over: the record stays unsettled
                }
                Thread.Sleep(1); // back-pressure: the producer's queue drains as the broker acknowledges
            }
            catch (KafkaException ex)
            {
                pending.Fail(ex.Error);
                return;
            }
        }
    }

    private void Release(PendingDelivery pending)
    {
        if (pending.Reset() is { } call)
        {
            _calls.Return(call);
        }
        _pool.Push(pending);
    }

    /// <summary>On the producer's delivery thread.</summary>
    internal void OnDelivered(PendingDelivery pending) =>
        _metrics.ObserveProcessing(pending.Settlement, Stopwatch.GetElapsedTime(pending.ConsumedAt).TotalSeconds);

    /// <summary>On the producer's delivery thread (or the consume thread when the producer refused the message).</summary>
    internal void OnDeliveryFailed(PendingDelivery pending, Error error)
    {
        _metrics.ProduceError(pending.Topic, error.Code.ToString());
        _deliveryFailure = error;
        _producing = false;
    }

    // ---- partitions ------------------------------------------------------------------------------

    private PartitionTracker AddTracker(int partition)
    {
        var tracker = new PartitionTracker(partition) { RebuildReported = true };
        _trackers[partition] = tracker;
        _merge.Add(tracker, Stopwatch.GetTimestamp());
        TrackersChanged();
        return tracker;
    }

    /// <summary>Records a partition's merge buffer holds before it is paused, when <paramref name="partitions"/> are assigned.</summary>
    internal static int BufferLimit(int partitions) =>
        Math.Clamp(BufferedInAll / Math.Max(partitions, 1), MinBufferedPerPartition, MaxBufferedPerPartition);

    /// <summary>After partitions were added or removed: their count for the metrics, and each one's buffer limit.</summary>
    private void TrackersChanged()
    {
        _bufferLimit = BufferLimit(_trackers.Count);
        Volatile.Write(ref _assigned, _trackers.Count);
    }

    /// <summary>Tests (from any thread): records a partition's buffer holds before it is paused, for the partitions assigned now.</summary>
    internal int BufferLimitNow => Volatile.Read(ref _bufferLimit);

    private List<TopicPartitionOffset> OnAssigned(IConsumer<InboundCall, InboundCall> consumer, List<TopicPartition> partitions)
    {
        NotQuiet();
        var rebalance = ++_rebalances;
        if (_stopping)
        {
            // The close delivers an assignment that the group made once the loop had stopped taking them: the close
            // gives the partitions up again at once, so the processor reads nothing of them, makes no query of its own
            // (the client, terminating, refuses one with "Broker handle destroyed for termination", or a slow
            // coordinator holds it) and stores nothing, so the close commits nothing for them.
            ProcessorLog.AssignedWhileStopping(_logger, Describe(partitions.Select(p => p.Partition.Value)));
            return partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Unset)).ToList();
        }
        ProcessorLog.PartitionsAssigned(_logger, Describe(partitions.Select(p => p.Partition.Value)));
        var committed = new Dictionary<int, long>();
        try
        {
            foreach (var c in consumer.Committed(partitions, BrokerQueryTimeout))
            {
                committed[c.Partition.Value] = c.Offset.Value;
            }
        }
        catch (KafkaException ex)
        {
            ProcessorLog.RebuildSkipped(_logger, -1, "committed offsets unavailable: " + ex.Error.Reason);
        }
        var start = new List<TopicPartitionOffset>(partitions.Count);
        // The log-start queries below share one time limit, not one each: with brokers down, 256 partitions would
        // otherwise hold the consume thread (and a stop) for 256 x the query timeout.
        var queriesEnd = Stopwatch.GetTimestamp() + (long)(BrokerQueryTimeout.TotalSeconds * Stopwatch.Frequency);
        var late = new List<int>();
        var added = new List<PartitionTracker>(partitions.Count);
        foreach (var tp in partitions)
        {
            var p = tp.Partition.Value;
            if (_trackers.Remove(p, out var previous))
            {
                ForgetPause(previous);
                _merge.Remove(previous, _calls.Return); // assigned again without a revoke in between
            }
            var tracker = new PartitionTracker(p) { AssignedAtRebalance = rebalance };
            _trackers[p] = tracker;
            added.Add(tracker);
            if (!committed.TryGetValue(p, out var at) || at < 0)
            {
                tracker.RebuildReported = true; // a new partition for the group: nothing was processed before
                start.Add(new TopicPartitionOffset(tp, Offset.Unset));
                continue;
            }
            tracker.Stored = at;
            tracker.RebuildEnd = at;
            tracker.RebuildStartedAt = Stopwatch.GetTimestamp();
            var from = Math.Max(0, at - _options.RebuildRecords);
            if (_seenUpTo.TryGetValue(p, out var seen) && seen + 1 > from)
            {
                from = Math.Min(seen + 1, at); // this process has that history already
            }
            if (from < at)
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), queriesEnd); // time left for the queries
                if (_runCancellation.IsCancellationRequested)
                {
                    from = at; // stopping: its records will not be processed here, so neither is their history
                }
                else if (left <= TimeSpan.Zero)
                {
                    late.Add(p); // logged once for all of them, below
                    from = at;
                }
                else
                {
                    try
                    {
                        from = Math.Max(from, consumer.QueryWatermarkOffsets(tp, left).Low.Value);
                    }
                    catch (KafkaException ex)
                    {
                        ProcessorLog.RebuildSkipped(_logger, p, "log start unknown: " + ex.Error.Reason);
                        from = at;
                    }
                }
            }
            if (from >= at)
            {
                tracker.RebuildReported = true;
                tracker.AssignedFrom = at;
                start.Add(new TopicPartitionOffset(tp, new Offset(at)));
                continue;
            }
            tracker.AssignedFrom = from;
            start.Add(new TopicPartitionOffset(tp, new Offset(from)));
        }
        if (late.Count > 0)
        {
            ProcessorLog.RebuildSkippedLate(_logger, Describe(late), BrokerQueryTimeout.TotalSeconds);
        }
        _clock = Stopwatch.GetTimestamp();
        Volatile.Write(ref _lastRecordAt, _clock); // before the assignment is told (IsIdleFor reads them the other way)
        Volatile.Write(ref _everAssigned, true);
        Volatile.Write(ref _revokedAt, 0);
        // The merge takes the new partitions in now that their fetches can start, and its wait for each starts now:
        // the watermark queries above may have taken seconds, and a wait started before them could run out before the
        // partition's first fetch.
        foreach (var tracker in added)
        {
            _merge.Add(tracker, _clock);
        }
        TrackersChanged();
        ClearFailure(consumerSide: true);
        return start;
    }

    private void OnRevoked(IConsumer<InboundCall, InboundCall> consumer, List<TopicPartitionOffset> partitions)
    {
        NotQuiet();
        Volatile.Write(ref _revokedAt, Stopwatch.GetTimestamp());
        _rebalances++;
        // When stopping, Finish has waited for the deliveries already: the close that runs this must not wait again.
        var inFlight = Settle(partitions.Select(p => p.Partition.Value), _stopping ? TimeSpan.Zero : _options.DrainTimeout);
        ProcessorLog.PartitionsRevoked(_logger, Describe(partitions.Select(p => p.Partition.Value)), inFlight);
        if (_stopping)
        {
            // The close runs this handler. librdkafka commits the stored offsets of the partitions it unassigns, and
            // the close waits for that commit. A commit of our own here can reach the group once it has begun to
            // terminate (when the stop's commit was refused because another member began a rebalance), and
            // librdkafka then aborts the process: rd_kafka_cgrp_terminated asserts that no assignment is in progress
            // (confluentinc/librdkafka#4027). Seen with three stream threads stopping together.
            StorePositions(consumer, partitions.Select(p => p.Partition.Value));
        }
        else
        {
            CommitPositions(consumer, partitions.Select(p => p.Partition.Value));
        }
        Forget(partitions.Select(p => p.Partition.Value));
    }

    private void OnLost(IConsumer<InboundCall, InboundCall> consumer, List<TopicPartitionOffset> partitions)
    {
        NotQuiet();
        _rebalances++;
        ProcessorLog.PartitionsLost(_logger, Describe(partitions.Select(p => p.Partition.Value)));
        Forget(partitions.Select(p => p.Partition.Value));
    }

    private void Forget(IEnumerable<int> partitions)
    {
        foreach (var p in partitions.ToList())
        {
            if (!_trackers.Remove(p, out var tracker))
            {
                continue;
            }
            if (tracker.LastConsumed >= 0)
            {
                _seenUpTo[p] = tracker.LastConsumed;
            }
            ForgetPause(tracker);
            _merge.Remove(tracker, _calls.Return); // not processed, so not committed: the next owner reads them
            _metrics.RemoveConsumerLag(p);
        }
        TrackersChanged();
    }

    /// <summary>Waits (bounded) until the given partitions have nothing in flight; returns how many were in flight at first.</summary>
    private int Settle(IEnumerable<int> partitions, TimeSpan timeout)
    {
        var trackers = partitions.Select(p => _trackers.GetValueOrDefault(p)).OfType<PartitionTracker>().ToList();
        var first = trackers.Sum(t => t.InFlight);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var waiting = 0;
            var failed = 0;
            foreach (var t in trackers)
            {
                t.Drain(_release);
                waiting += t.InFlight;
                foreach (var pending in t)
                {
                    failed += pending.State == PendingDelivery.Failed ? 1 : 0;
                }
            }
            if (waiting == 0 || waiting == failed || _alertStage?.Fault is not null || Stopwatch.GetElapsedTime(started) >= timeout)
            {
                return first;
            }
            if (_alertStage?.Queued > 0)
            {
                Thread.Sleep(1); // alerts still to be written: the producer's queue may be empty, and its flush returns at once
            }
            _producer!.Flush(TimeSpan.FromMilliseconds(PollMilliseconds));
        }
    }

    private void CommitPositions(IConsumer<InboundCall, InboundCall> consumer, IEnumerable<int> partitions)
    {
        var offsets = new List<TopicPartitionOffset>();
        var committing = new List<PartitionTracker>();
        foreach (var p in partitions)
        {
            if (_trackers.TryGetValue(p, out var tracker))
            {
                // Stored first: the client commits its stored offsets again when it unassigns the partitions (after a
                // revoke handler, and in the close), and an older stored offset would move the committed one back.
                var position = StorePosition(consumer, tracker);
                // A position this processor has committed already is not committed again (a revoke after a commit).
                if (position >= 0 && position != tracker.Committed)
                {
                    offsets.Add(new TopicPartitionOffset(_options.InputTopic, p, position));
                    committing.Add(tracker);
                }
            }
        }
        if (offsets.Count == 0)
        {
            return;
        }
        try
        {
            consumer.Commit(offsets);
            for (var i = 0; i < offsets.Count; i++)
            {
                committing[i].Committed = offsets[i].Offset.Value;
            }
        }
        catch (TopicPartitionOffsetException ex)
        {
            // Some partitions refused (the exception's own code is Local_Partial): each error with its own partitions.
            CommitFailed(ex.Results, byClient: false);
        }
        catch (KafkaException ex)
        {
            CommitFailed(ex.Error, offsets, byClient: false);
        }
    }

    /// <summary>
    /// The result of a commit the client made of its own: the periodic commit of the stored offsets
    /// (<c>auto.commit.interval.ms</c>), the one it makes as it gives partitions up (at a revocation, and in the close).
    /// With this handler set, librdkafka no longer logs a failure of these (its COMMITFAIL warning, event 3013): the
    /// processor logs it instead, with event 3025, and counts it. Confluent.Kafka's <c>Commit</c>, the processor's own
    /// commits, does not come here; <see cref="CommitPositions"/> reports their failures.
    /// </summary>
    private void OnCommitted(CommittedOffsets committed)
    {
        if (committed.Error.IsError)
        {
            if (committed.Error.Code != ErrorCode.Local_NoOffset) // nothing stored since the last commit
            {
                CommitFailed(committed.Error, committed.Offsets.Select(o => o.TopicPartitionOffset), byClient: true);
            }
            return;
        }
        CommitFailed(committed.Offsets, byClient: true);
    }

    /// <summary>The partitions of a commit that refused, grouped by their errors (none when all were taken).</summary>
    private void CommitFailed(IEnumerable<TopicPartitionOffsetError> results, bool byClient)
    {
        foreach (var refused in results.Where(o => o.Error.IsError).GroupBy(o => o.Error.Code))
        {
            CommitFailed(refused.First().Error, refused.Select(o => o.TopicPartitionOffset), byClient);
        }
    }

    /// <summary>
    /// Counts a failed commit and logs it, the processor's own (event 3012) or the client's (event 3025), unless one of
    /// the same kind and error was logged lately (<see cref="RepeatFilter"/>).
    /// </summary>
    private void CommitFailed(Error error, IEnumerable<TopicPartitionOffset> offsets, bool byClient)
    {
        var code = error.Code.ToString();
        _metrics.OffsetCommitFailed(code);
        if (!_repeats.ShouldPass((byClient ? "client commit " : "commit ") + code, out var repeats))
        {
            return;
        }
        var at = string.Join(",", offsets.OrderBy(o => o.Partition.Value).Select(o => $"{o.Partition.Value}@{o.Offset}"));
        var reason = error.Reason + RepeatFilter.Describe(repeats);
        if (byClient)
        {
            ProcessorLog.ClientCommitFailed(_logger, code, at, reason);
        }
        else
        {
            ProcessorLog.CommitFailed(_logger, code, at, reason);
        }
    }

    private void ReportRebuild(PartitionTracker tracker)
    {
        tracker.RebuildReported = true;
        ProcessorLog.RebuildFinished(_logger, tracker.Partition, tracker.Rebuilt, tracker.RebuildEnd,
            Stopwatch.GetElapsedTime(tracker.RebuildStartedAt).TotalMilliseconds);
    }

    // ---- upkeep: offsets, metrics, health ----------------------------------------------------------

    private long _nextGauges;
    private long _nextOffsetStore;
    private long _nextSummary;
    private long _summaryAt, _summaryConsumed, _summaryInvalid, _summaryAlerts;

    private void Maintain(ref long next, bool force)
    {
        var now = _clock = Stopwatch.GetTimestamp();
        if (!force && now < next)
        {
            return;
        }
        next = now + (long)(MaintenanceInterval.TotalSeconds * Stopwatch.Frequency);
        ApplyPauseChanges();
        if (force || now >= _nextOffsetStore)
        {
            _nextOffsetStore = now + (long)(OffsetStoreInterval.TotalSeconds * Stopwatch.Frequency);
            StoreOffsets();
        }
        PublishCounts();
        if (now >= _nextGauges)
        {
            _nextGauges = now + (long)(GaugeInterval.TotalSeconds * Stopwatch.Frequency);
            PublishGauges();
        }
        if (now >= _nextSummary && _options.SummaryInterval > TimeSpan.Zero)
        {
            _nextSummary = now + (long)(_options.SummaryInterval.TotalSeconds * Stopwatch.Frequency);
            LogSummary(now);
        }
    }

    /// <summary>What was done since the last summary (none the first time: it only starts the count).</summary>
    private void LogSummary(long now)
    {
        if (_summaryAt != 0)
        {
            var seconds = Stopwatch.GetElapsedTime(_summaryAt, now).TotalSeconds;
            var consumed = _consumed - _summaryConsumed;
            ProcessorLog.Summary(_logger, seconds, consumed, consumed / seconds, _invalid - _summaryInvalid, _alerts - _summaryAlerts,
                _trackers.Values.Sum(t => t.InFlight), _trackers.Count, _consumed, _alerts);
        }
        _summaryAt = now;
        _summaryConsumed = _consumed;
        _summaryInvalid = _invalid;
        _summaryAlerts = _alerts;
    }

    private void StoreOffsets()
    {
        foreach (var tracker in _trackers.Values)
        {
            StorePosition(_consumer!, tracker);
        }
    }

    private void StorePositions(IConsumer<InboundCall, InboundCall> consumer, IEnumerable<int> partitions)
    {
        foreach (var p in partitions)
        {
            if (_trackers.TryGetValue(p, out var tracker))
            {
                StorePosition(consumer, tracker);
            }
        }
    }

    /// <summary>
    /// Stores the partition's settled position for the consumer's next commit: its auto-commit, or the commit
    /// librdkafka makes when it unassigns the partition. Returns the position (-1 when nothing is settled yet).
    /// </summary>
    private long StorePosition(IConsumer<InboundCall, InboundCall> consumer, PartitionTracker tracker)
    {
        var position = tracker.Drain(_release);
        if (position > tracker.Stored)
        {
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(_options.InputTopic, tracker.Partition, position));
                tracker.Stored = position;
            }
            catch (KafkaException)
            {
                // Not assigned any more (a rebalance under way): its revocation commits the position.
            }
        }
        return Math.Max(position, tracker.Stored);
    }

    private void PublishCounts()
    {
        if (_consumed != _publishedConsumed)
        {
            _metrics.RecordsConsumed(_options.InputTopic, _consumed - _publishedConsumed);
            _publishedConsumed = _consumed;
            Interlocked.Exchange(ref _consumedShared, _consumed);
        }
        for (var i = 0; i < _invalidByError.Length; i++)
        {
            if (_invalidByError[i] != _publishedInvalid[i])
            {
                _metrics.RecordsInvalid((RecordError)i, _invalidByError[i] - _publishedInvalid[i]);
                _publishedInvalid[i] = _invalidByError[i];
            }
        }
        for (var i = 0; i < _alertsByPattern.Length; i++)
        {
            if (_alertsByPattern[i] != _publishedAlerts[i])
            {
                _metrics.Alerts((FraudPattern)i, _alertsByPattern[i] - _publishedAlerts[i]);
                _publishedAlerts[i] = _alertsByPattern[i];
            }
        }
        if (_victimEngaged != _publishedVictim)
        {
            _metrics.VictimEngagedAlerts(_victimEngaged - _publishedVictim);
            _publishedVictim = _victimEngaged;
        }
    }

    private void PublishGauges()
    {
        if (_newestStartTicks > 0)
        {
            _metrics.SetEventLag((DateTime.UtcNow.Ticks - _newestStartTicks) / (double)TimeSpan.TicksPerSecond);
        }
        if (_consumer is null)
        {
            // Stopped: the consumer is closed (or closing on another thread, which owns the trackers meanwhile).
            PublishState();
            return;
        }
        foreach (var tracker in _trackers.Values)
        {
            try
            {
                var high = _consumer.GetWatermarkOffsets(InputPartition(tracker)).High;
                if (high != Offset.Unset)
                {
                    _metrics.SetConsumerLag(tracker.Partition, Math.Max(0, high.Value - (tracker.LastConsumed + 1)));
                }
            }
            catch (KafkaException)
            {
                // No watermark known yet.
            }
        }
        if (_brokersDown)
        {
            ProbeBrokers(_consumer);
        }
        CheckStalledDeliveries();
        PublishState();
    }

    /// <summary>
    /// Not ready while the oldest alert or dead letter in flight has waited longer than
    /// <see cref="ProcessorOptions.DeliveryStall"/>, ready again once it is settled; another problem told first stays.
    /// </summary>
    private void CheckStalledDeliveries()
    {
        PendingDelivery? oldest = null;
        var partition = 0;
        foreach (var tracker in _trackers.Values)
        {
            if (tracker.Head is { } head && (oldest is null || head.ConsumedAt < oldest.ConsumedAt))
            {
                oldest = head;
                partition = tracker.Partition;
            }
        }
        var waited = oldest is null ? TimeSpan.Zero : Stopwatch.GetElapsedTime(oldest.ConsumedAt);
        if (waited >= _options.DeliveryStall)
        {
            if (_problem is null)
            {
                _problem = _stalledProblem;
                ProcessorLog.DeliveriesStalled(_logger, _stalledProblem, partition, oldest!.Offset, oldest.Topic, waited.TotalSeconds);
            }
        }
        else if (ReferenceEquals(_problem, _stalledProblem))
        {
            _problem = null;
            ProcessorLog.Recovered(_logger, _stalledProblem);
        }
    }

    private void PublishState()
    {
        var stats = _scorer.Featurizer.GetStats();
        _metrics.SetState(stats);
        _metrics.SetReady(Health.Ready);
    }

    /// <summary>While the brokers are reported down: a short metadata round trip says when they are back.</summary>
    private void ProbeBrokers(IConsumer<InboundCall, InboundCall> consumer)
    {
        try
        {
            var partition = _trackers.Count > 0 ? _trackers.Keys.First() : 0;
            consumer.QueryWatermarkOffsets(new TopicPartition(_options.InputTopic, partition), TimeSpan.FromMilliseconds(500));
            _brokersDown = false;
            if (_problem == BrokersDownProblem)
            {
                _problem = null;
                ProcessorLog.Recovered(_logger, BrokersDownProblem);
                _repeats.Reset(); // a new outage is logged at once
            }
        }
        catch (KafkaException)
        {
            // Still down.
        }
    }

    // ---- errors --------------------------------------------------------------------------------

    private void OnConsumeError(Error error)
    {
        _metrics.ClientError(error.Code.ToString());
        if (error.IsFatal || PermanentErrors.Contains(error.Code))
        {
            EnterFailure($"consumer: {error.Reason} ({error.Code})", blocksConsuming: false);
        }
        else
        {
            LogClientError("consumer", error);
        }
    }

    private void OnClientError(string client, Error error)
    {
        _metrics.ClientError(error.Code.ToString());
        LogClientError(client, error);
        if (error.IsFatal && client == "producer")
        {
            _producerFatal = error;
            _producing = false;
        }
        else if (error.Code == ErrorCode.Local_AllBrokersDown)
        {
            _brokersDown = true;
            _problem ??= BrokersDownProblem;
        }
    }

    /// <summary>Logs a client error, unless the same one was logged lately (<see cref="RepeatFilter"/>); each is counted in the metrics.</summary>
    private void LogClientError(string client, Error error)
    {
        var code = error.Code.ToString();
        if (_repeats.ShouldPass(client + " " + code, out var repeats))
        {
            ProcessorLog.ClientError(_logger, client, code, error.Reason + RepeatFilter.Describe(repeats));
        }
    }

    /// <summary>Logs a client warning or worse, unless one of the same facility was logged lately (as for errors).</summary>
    private void OnClientLog(string client, LogMessage message)
    {
        if (message.Level <= SyslogLevel.Warning && _repeats.ShouldPass(client + " log " + message.Facility, out var repeats))
        {
            ProcessorLog.ClientLog(_logger, client, message.Facility, message.Message + RepeatFilter.Describe(repeats));
        }
    }

    private void EnterFailure(string reason, bool blocksConsuming)
    {
        if (_failure is null)
        {
            _failingSince = Stopwatch.GetTimestamp();
            ProcessorLog.Failing(_logger, reason, _options.FatalTimeout.TotalSeconds);
        }
        _failure = reason;
        _failureBlocksConsuming |= blocksConsuming;
        _problem = reason;
        _metrics.SetReady(false);
    }

    private void ClearFailure(bool consumerSide)
    {
        if (_failure is not null && (!_failureBlocksConsuming || !consumerSide))
        {
            ProcessorLog.Recovered(_logger, _failure);
            _failure = null;
            _failureBlocksConsuming = false;
            _problem = null;
            _producing = true;
        }
    }

    /// <summary>Called each loop: turns delivery failures into the failure state, retries them, and gives up after the timeout.</summary>
    private bool CheckFailure(out string? fatal)
    {
        fatal = null;
        if (AlertStageFailed(out fatal))
        {
            return true;
        }
        if (_producerFatal is { } dead)
        {
            EnterFailure($"producer: {dead.Reason} ({dead.Code})", blocksConsuming: true);
            fatal = $"the producer failed fatally ({dead.Code}: {dead.Reason}); nothing was committed past the records it could not deliver";
            return true;
        }
        if (_deliveryFailure is { } failed)
        {
            _deliveryFailure = null;
            LogFailedDeliveries();
            EnterFailure($"cannot deliver to Kafka: {failed.Reason} ({failed.Code})", blocksConsuming: true);
        }
        if (_failure is null)
        {
            return false;
        }
        if (_failureBlocksConsuming)
        {
            StoreOffsets();
            var inFlight = 0;
            foreach (var t in _trackers.Values)
            {
                inFlight += t.InFlight;
            }
            if (inFlight == 0 && _deliveryFailure is null)
            {
                ClearFailure(consumerSide: false); // every failed delivery went through on a retry
                return false;
            }
            if (Stopwatch.GetElapsedTime(_lastRetryAt) >= RetryInterval)
            {
                _lastRetryAt = Stopwatch.GetTimestamp();
                RetryFailed();
            }
        }
        if (Stopwatch.GetElapsedTime(_failingSince) >= _options.FatalTimeout)
        {
            fatal = $"{_failure} for {_options.FatalTimeout.TotalSeconds:F0} s" + OldestUnsettled();
            return true;
        }
        return false;
    }

    /// <summary>Whether the alert thread has failed; logs its exception the first time it is seen.</summary>
    private bool AlertStageFailed([NotNullWhen(true)] out string? fatal)
    {
        fatal = null;
        if (_alertStage?.Fault is not { } fault)
        {
            return false;
        }
        if (!_alertFaultLogged)
        {
            _alertFaultLogged = true;
            ProcessorLog.AlertThreadFailed(_logger, fault);
        }
        fatal = $"writing alerts failed: {fault.GetType().Name}: {fault.Message}";
        return true;
    }

    private void LogFailedDeliveries()
    {
        foreach (var t in _trackers.Values)
        {
            foreach (var pending in t)
            {
                if (pending.State == PendingDelivery.Failed && pending.Error is { } e)
                {
                    ProcessorLog.DeliveryFailed(_logger, pending.Topic, t.Partition, pending.Offset, e.Code.ToString(), e.Reason);
                    return; // the first one says it; the others are counted in fraudstream_produce_errors_total
                }
            }
        }
    }

    private void RetryFailed()
    {
        foreach (var t in _trackers.Values)
        {
            foreach (var pending in t)
            {
                if (pending.State == PendingDelivery.Failed)
                {
                    pending.Retry();
                    Produce(pending);
                }
            }
        }
    }

    private string OldestUnsettled()
    {
        var parts = _trackers.Values.Where(t => t.Head is not null)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"partition {t.Partition} offset {t.Head!.Offset}")).ToList();
        return parts.Count == 0 ? "" : "; nothing committed from " + string.Join(", ", parts);
    }

    // ---- stopping ------------------------------------------------------------------------------

    private ProcessorResult Finish(IConsumer<InboundCall, InboundCall> consumer, IProducer<byte[]?, byte[]?> producer, StopReason reason, string? fatal)
    {
        Stopping?.Invoke(reason);
        var inFlight = _trackers.Values.Sum(t => t.InFlight);
        ProcessorLog.Stopping(_logger, reason.ToString().ToLowerInvariant(), inFlight);
        if (fatal is not null)
        {
            ProcessorLog.GivingUp(_logger, fatal);
        }
        _stopping = true; // before the readiness is told: Health says stopping, not assigned, from here on
        _metrics.SetReady(false);
        // Nothing more can settle after a fatal producer error (Settle itself stops once the alert thread has failed).
        Settle(_trackers.Keys.ToList(), _producerFatal is null ? _options.DrainTimeout : TimeSpan.Zero);
        _alertStage?.Complete(FinalFlushTimeout); // has written everything unless the producer could take nothing
        if (fatal is null && AlertStageFailed(out var failedWhileStopping))
        {
            // The alert thread failed while the stop waited for it: a fatal stop, as if the loop had seen it.
            reason = StopReason.Fatal;
            fatal = failedWhileStopping;
            ProcessorLog.GivingUp(_logger, fatal);
        }
        StoreOffsets();
        var unsettled = _trackers.Values.Sum(t => t.InFlight);
        var unacknowledged = _trackers.Values.Sum(t => t.Unacknowledged);
        if (unsettled > 0)
        {
            ProcessorLog.UnsettledAtStop(_logger, unacknowledged, unsettled);
        }
        // From here the closing thread alone uses the consumer and the trackers (its revoke handler runs there).
        _consumer = null;
        _poll?.Dispose(); // librdkafka: its consumer queue must be given back before the consumer closes
        _poll = null;
        var left = Task.Factory.StartNew(() => CommitAndLeave(consumer), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (Task.WaitAny([left], LeaveTimeout + BeforeLeavingMax) < 0)
        {
            _consumerLease?.Abandon(); // disposing the consumer would free it under the close still running
            ProcessorLog.LeaveTimedOut(_logger, (LeaveTimeout + BeforeLeavingMax).TotalSeconds);
        }
        else
        {
            left.GetAwaiter().GetResult();
        }
        producer.Flush(FinalFlushTimeout);
        PublishCounts();
        PublishGauges();
        _metrics.SetReady(false);
        Volatile.Write(ref _assigned, 0);
        if (_mergeWaitsExpired > 0)
        {
            ProcessorLog.MergeWentOn(_logger, _mergeWaitsExpired, MergeWait.TotalMilliseconds);
        }
        ProcessorLog.Stopped(_logger, _consumed, _valid, _invalid, _alerts, _rebuilt);
        return new ProcessorResult(_consumed, _valid, _invalid, _alerts, _rebuilt, reason, fatal, unacknowledged);
    }

    /// <summary>Commits what is settled and leaves the group: on a thread of its own, waited for up to <see cref="LeaveTimeout"/>.</summary>
    private void CommitAndLeave(IConsumer<InboundCall, InboundCall> consumer)
    {
        CommitPositions(consumer, _trackers.Keys.ToList());
        BeforeLeaving?.Invoke();
        try
        {
            consumer.Close(); // leaves the group (the revoke handler has nothing left to wait for); disposes the consumer
        }
        catch (KafkaException ex)
        {
            // Not a commit's error (a commit's reaches OnCommitted): the close itself failed.
            _metrics.ClientError(ex.Error.Code.ToString());
            LogClientError("consumer", ex.Error);
            _consumerLease?.OnCloseFailed();
        }
    }

    /// <summary>
    /// Disposes the consumer when <see cref="Run"/> ends, unless a close that did not end in time still runs on it: the
    /// client frees its native handle on dispose without waiting for calls under way. That close disposes it when it ends.
    /// </summary>
    private sealed class ConsumerLease(IDisposable consumer) : IDisposable
    {
        private const int Held = 0, Abandoned = 1, CloseFailed = 2;
        private int _state;

        /// <summary>Run gives the consumer up to a close still running; a close that failed already is disposed of here.</summary>
        public void Abandon()
        {
            if (Interlocked.CompareExchange(ref _state, Abandoned, Held) == CloseFailed)
            {
                consumer.Dispose();
            }
        }

        /// <summary>
        /// On the closing thread, when the close threw (one that ends well disposes the consumer itself): disposes it if
        /// Run gave it up meanwhile, which then will not.
        /// </summary>
        public void OnCloseFailed()
        {
            if (Interlocked.CompareExchange(ref _state, CloseFailed, Held) == Abandoned)
            {
                consumer.Dispose();
            }
        }

        public void Dispose()
        {
            if (Volatile.Read(ref _state) != Abandoned)
            {
                consumer.Dispose();
            }
        }
    }

    private static string Describe(IEnumerable<int> partitions)
    {
        var list = partitions.Order().ToList();
        return list.Count == 0 ? "none" : string.Join(",", list);
    }
}

/// <summary>The headers a dead letter carries besides the original ones (contracts.md section 3).</summary>
public static class DeadLetterHeaders
{
    /// <summary>The error code of contracts.md section 1.</summary>
    public const string Error = "fraudstream-error";

    /// <summary>Human-readable: names the field, never quotes the payload.</summary>
    public const string Detail = "fraudstream-error-detail";

    /// <summary><c>topic/partition/offset</c> of the original record.</summary>
    public const string Source = "fraudstream-source";
}
