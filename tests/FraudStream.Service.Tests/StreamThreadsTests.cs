using System.Collections.Concurrent;
using FraudStream.Alerts;
using FraudStream.Features;
using FraudStream.Kafka.Processing;
using FraudStream.Records;
using Xunit.Abstractions;

namespace FraudStream.Service.Tests;

/// <summary>Several stream threads in one process (<see cref="StreamThreads"/>, <c>fraudstream run --threads</c>).</summary>
public sealed class StreamThreadsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the embedded broker holds a new group's first rebalance (ms), as Kafka's group.initial.rebalance.delay.ms
    /// does, so that every thread joins it: a thread that joins later moves the others' partitions, and the embedded
    /// broker refuses a rebalancing group's commits, so some records would be read twice. Longer than Kafka's 3 s: on a
    /// busy machine (the tests run side by side) a thread's join came later than that.
    /// </summary>
    internal const int JoinHold = 5000;

    /// <summary>
    /// The idle time of the runs whose records are produced only once the group has settled: the idle time counts from
    /// the assignment, and the records must come within it on a busy machine.
    /// </summary>
    internal static readonly TimeSpan SettledIdle = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Produces <paramref name="messages"/> once the group has settled: every thread has a share, and the shares cover
    /// the input's <paramref name="partitions"/> (so all were given in one generation). Before that the embedded broker
    /// may read some records twice, where Kafka would not: it refuses a member's SyncGroup that comes after the
    /// leader's (Kafka answers it with the member's share), that member joins again, and while the group rebalances the
    /// broker refuses the others' commits (Kafka takes a commit of the current generation), so what they read is read
    /// again. On a busy machine a thread's SyncGroup came second in about one run of four.
    /// </summary>
    internal static async Task ProduceOnceSettledAsync(KafkaHarness kafka, StreamThreads threads, int partitions, List<InputMessage> messages, Task run)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!(threads.Processors.All(p => p.AssignedPartitions > 0) && threads.Processors.Sum(p => p.AssignedPartitions) == partitions))
        {
            if (run.IsCompleted)
            {
                await run; // its exception, if it failed
                Assert.Fail("the run stopped before the group settled");
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the group did not settle in 60 s");
            await Task.Delay(20);
        }
        kafka.Produce(messages);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Two_threads_share_the_partitions_read_each_record_once_and_dead_letter_every_invalid_one_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 8);
        kafka.Broker.SetInitialRebalanceDelay(JoinHold);
        var lines = KafkaHarness.MakeLines(20_000, seed: 11);
        var messages = KafkaHarness.ToMessages(lines);
        var categories = new ConcurrentQueue<string>();
        using var loggerFactory = new CategoriesAsked(KafkaHarness.Logs(output), categories);

        var service = new ProcessorService(kafka.Settings(stopWhenIdle: SettledIdle) with { Threads = 2 }, loggerFactory);
        var run = service.RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        await ProduceOnceSettledAsync(kafka, service.Processor, 8, messages, run);
        var result = await run;

        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.Equal(messages.Count, result.Consumed);
        Assert.Equal(result.Consumed, result.Valid + result.Invalid);
        var threads = service.Processor.Processors;
        Assert.Equal(2, threads.Count);
        Assert.All(threads, t => Assert.True(t.Consumed > 0, "each thread read a share of the partitions"));
        Assert.Equal(result.Consumed, threads.Sum(t => t.Consumed));
        output.WriteLine($"thread 1 read {threads[0].Consumed}, thread 2 read {threads[1].Consumed}");

        var invalidSent = messages.Count(m => !CallRecordParser.TryParse(m.Value, out _, out _));
        Assert.Equal(invalidSent, result.Invalid);
        Assert.Equal(invalidSent, kafka.ReadAll(KafkaHarness.Dlq).Count);
        var alerts = kafka.ReadAll(KafkaHarness.Alerts);
        Assert.Equal(result.Alerts, alerts.Count);
        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());

        // Each thread has its own state, within its share of the caps; the callers (the records' key) are not split.
        var defaults = new FeaturizerOptions();
        Assert.NotSame(service.Scorers[0].Featurizer, service.Scorers[1].Featurizer);
        Assert.All(service.Scorers, s => Assert.Equal(defaults.MaxCallers / 2, s.Featurizer.GetStats().Callers.MaxKeys));
        var stats = service.Scorers.Select(s => s.Featurizer.GetStats()).ToList();
        Assert.Equal(result.Valid, stats.Sum(s => s.Calls));

        // Trunk and callee history is split between the threads, so the alerts are close to one processor's, not the same.
        var streamIds = KafkaHarness.AlertIds(alerts.Select(a => a.Value!));
        var fileIds = KafkaHarness.FileScorerAlertIds(lines);
        var perCall = 1 - (streamIds.Except(fileIds).Count() + fileIds.Except(streamIds).Count()) / (double)result.Valid;
        output.WriteLine($"alerts: two threads {streamIds.Count}, file scoring {fileIds.Count}, per-call decision agreement {perCall:P2}");
        Assert.True(perCall >= 0.97, $"per-call agreement {perCall:P2}");

        // Each thread logs under a category of its own.
        Assert.Contains("FraudStream.Processor.1", categories);
        Assert.Contains("FraudStream.Processor.2", categories);
        Assert.DoesNotContain("FraudStream.Processor", categories);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Stopped_together_the_threads_leave_the_group_only_once_all_have_committed_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 8);
        kafka.Broker.SetInitialRebalanceDelay(JoinHold);
        var messages = KafkaHarness.ToMessages(KafkaHarness.MakeLines(10_000, seed: 23));
        var logs = new ConcurrentQueue<string>();
        using var loggers = KafkaHarness.Logs(output, logs);
        // Commits every 10 minutes: what is committed is what the stop commits.
        var options = KafkaHarness.WithKafkaSettings(kafka.Settings().Processor, ("consumer.auto.commit.interval.ms", "600000"));
        var model = Scoring.FraudModel.Load(KafkaHarness.DefaultModelPath);
        var threads = new StreamThreads(options, [.. Enumerable.Range(0, 2).Select(_ => new Pipeline.CallScorer(Featurizer.CreateDefault(), model))],
            loggers: loggers);
        // The second thread's commits take a second and a half: the first, done long before, must wait for it before it
        // leaves. Had it left, the rebalance that starts would have the embedded broker refuse the second's commit
        // (warning 3012, and its close waiting out its timeout, 3019), and its last offsets would be lost.
        threads.Processors[1].WrapConsumer = consumer => ForwardingConsumer<InboundCall, InboundCall>.Wrap(consumer, method =>
        {
            if (method.Name == nameof(Confluent.Kafka.IConsumer<InboundCall, InboundCall>.Commit))
            {
                Thread.Sleep(1500);
            }
        });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = Task.Factory.StartNew(() => threads.Run(stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await ProduceOnceSettledAsync(kafka, threads, 8, messages, run);
        while (threads.Consumed < messages.Count && !run.IsCompleted)
        {
            await Task.Delay(50);
        }
        await Task.Delay(1000); // the last alerts acknowledged
        await stop.CancelAsync();
        var result = await run;

        Assert.Equal(StopReason.Cancelled, result.Reason);
        Assert.Equal(messages.Count, result.Consumed);
        Assert.All(threads.Processors, t => Assert.True(t.Consumed > 0));
        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());
        Assert.DoesNotContain(logs, l => l.Contains("[3012]", StringComparison.Ordinal) || l.Contains("[3019]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_thread_waits_at_a_rendezvous_until_every_thread_has_arrived_or_ended_or_the_wait_is_over()
    {
        var rendezvous = new StreamThreads.Rendezvous(3, TimeSpan.FromSeconds(30));
        var first = Task.Run(() => rendezvous.Arrive(0, wait: true));
        Assert.NotSame(first, await Task.WhenAny(first, Task.Delay(300))); // the first there waits for the others
        rendezvous.Arrive(2, wait: false); // ended (failed) without getting there: not waited for
        rendezvous.Arrive(2, wait: false); // told twice (ended, say, after it got there): counted once
        Assert.NotSame(first, await Task.WhenAny(first, Task.Delay(300)));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        rendezvous.Arrive(1, wait: true); // the last: nobody left to wait for
        Assert.Same(first, await Task.WhenAny(first, Task.Delay(5000)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the last one waited {clock.Elapsed}");

        // One that never gets there holds the others only for the bound.
        var stuck = new StreamThreads.Rendezvous(2, TimeSpan.FromMilliseconds(500));
        clock.Restart();
        stuck.Arrive(0, wait: true);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(3));
        // The processor's leave timeout takes the leave wait in.
        Assert.Equal(StreamProcessor.LeaveTimeout, StreamThreads.LeaveWait);

        // A stop ends the wait.
        var joining = new StreamThreads.Rendezvous(2, TimeSpan.FromSeconds(30));
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        clock.Restart();
        joining.Arrive(0, wait: true, stop.Token);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_thread_the_group_gives_no_partition_does_not_keep_the_run_from_stopping_once_idle_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 2);
        kafka.Broker.SetInitialRebalanceDelay(JoinHold);
        var messages = KafkaHarness.ToMessages(KafkaHarness.MakeLines(3_000, seed: 5));
        kafka.Produce(messages);

        var logs = new ConcurrentQueue<string>();
        var service = new ProcessorService(kafka.Settings(stopWhenIdle: Idle) with { Threads = 3 }, KafkaHarness.Logs(output, logs));
        var result = await service.RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        // The third thread's share is empty; the process stops once every thread has its share and none takes a record
        // for the idle time, all threads together, so none leaves the group (moving the others' partitions) while they
        // read. Every record is read at least once: the records are there from the start, and the embedded broker may
        // have some read twice if a thread's SyncGroup comes second (ProduceOnceSettledAsync; which thread would have an
        // empty share is not known beforehand, so the settled group cannot be waited for here).
        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.True(result.Consumed >= messages.Count, $"read {result.Consumed} of {messages.Count}");
        Assert.Contains(service.Processor.Processors, t => t.Consumed == 0);
        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());
        Assert.DoesNotContain(logs, l => l.Contains("[3019]", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_thread_that_gives_up_stops_the_others_and_the_run_is_fatal_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 2);
        kafka.Broker.SetInitialRebalanceDelay(JoinHold);
        kafka.Produce(KafkaHarness.ToMessages(KafkaHarness.MakeLines(3_000, seed: 61)));
        kafka.Broker.PushRequestErrors(0, Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, 100_000); // every produce request from now on
        var settings = kafka.Settings(fatalTimeout: TimeSpan.FromSeconds(3)) with { Threads = 3 };
        var service = new ProcessorService(settings, KafkaHarness.Logs(output));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await service.RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        clock.Stop();
        kafka.Broker.ClearRequestErrors(0);

        // A thread without a partition has nothing to fail on: the others' failure stops it, and the run is fatal. That
        // is one thread, or two when the embedded broker refused a thread's SyncGroup and the run failed before the
        // group had settled again (ProduceOnceSettledAsync; once in seven runs of the suite).
        output.WriteLine($"gave up after {clock.Elapsed.TotalSeconds:F1} s: {result.FatalMessage}");
        Assert.Equal(StopReason.Fatal, result.Reason);
        Assert.Contains("TopicAuthorizationFailed", result.FatalMessage, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 3, 40); // not before the fatal timeout
        Assert.Contains(service.Processor.Processors, t => t.Consumed == 0);
        Assert.Contains(service.Processor.Processors, t => t.Consumed > 0);
    }

    [Fact]
    public void The_process_gauges_combine_the_threads_and_the_counts_pass_through()
    {
        var sink = new RecordingMetrics();
        var processReady = false;
        var combined = new StreamThreads.CombinedMetrics(sink, 3, () => processReady);
        var (a, b, c) = (combined.For(0), combined.For(1), combined.For(2));

        // Event lag: the newest call's of all threads, as one processor reports it over its partitions.
        a.SetEventLag(10);
        Assert.InRange(sink.EventLag, 9.5, 10.5);
        b.SetEventLag(3);
        Assert.InRange(sink.EventLag, 2.5, 3.5);
        a.SetEventLag(12);
        Assert.InRange(sink.EventLag, 2.5, 3.5);

        // State: added up over the threads that told.
        var one = new StateKindStats(10, 100, 16, 8, 128, 1, 2);
        a.SetState(new FeaturizerStats(5, one, one, one, one));
        b.SetState(new FeaturizerStats(7, one, one, one, one));
        b.SetState(new FeaturizerStats(9, one, one, one, one));
        Assert.Equal(14, sink.State.Calls);
        Assert.Equal(new StateKindStats(20, 200, 32, 8, 256, 2, 4), sink.State.Callers);
        Assert.Equal(80, sink.State.TotalKeys);

        // Readiness is the process's (what /readyz says), told whenever a thread tells its own.
        b.SetReady(true);
        Assert.False(sink.Ready);
        processReady = true;
        c.SetReady(false);
        Assert.True(sink.Ready);
        processReady = false;
        a.SetReady(true);
        Assert.False(sink.Ready);

        // Counts and observations pass through unchanged.
        a.RecordsConsumed("calls", 4);
        c.RecordsConsumed("calls", 5);
        b.Alerts(FraudPattern.GovernmentImpersonation, 2);
        c.SetConsumerLag(7, 42);
        Assert.Equal(9, sink.Consumed);
        Assert.Equal(2, sink.AlertCount);
        Assert.Equal((7, 42L), sink.LastConsumerLag);
    }

    [Fact]
    public void Each_thread_needs_a_scorer_of_its_own()
    {
        var options = new ProcessorOptions { BootstrapServers = "localhost:9092" };
        var scorer = new Pipeline.CallScorer(Featurizer.CreateDefault(), Scoring.FraudModel.Load(KafkaHarness.DefaultModelPath));
        var ex = Assert.Throws<ArgumentException>(() => new StreamThreads(options, [scorer, scorer]));
        Assert.Contains("a scorer and a featurizer of its own", ex.Message, StringComparison.Ordinal);
        var sameFeaturizer = new Pipeline.CallScorer(scorer.Featurizer, scorer.Model);
        Assert.Throws<ArgumentException>(() => new StreamThreads(options, [scorer, sameFeaturizer]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamThreads(options, []));
    }

    [Fact]
    public void Each_thread_is_a_group_member_and_a_client_of_its_own_name()
    {
        var options = new ProcessorOptions
        {
            BootstrapServers = "localhost:9092",
            StopWhenIdle = TimeSpan.FromSeconds(3),
            KafkaSettings = new Dictionary<string, string> { ["consumer.group.instance.id"] = "pod-7", ["producer.client.id"] = "alerts" },
        };
        Assert.Same(options, StreamThreads.ForThread(options, 0, 1));

        var configs = Enumerable.Range(0, 3).Select(i => StreamThreads.ForThread(options, i, 3)).ToList();
        // Static membership: a second member with the same id would fence the first out of the group.
        Assert.Equal(["pod-7-1", "pod-7-2", "pod-7-3"], configs.Select(o => StreamProcessor.ConsumerConfigFor(o).GroupInstanceId));
        Assert.Equal(["fraudstream-1", "fraudstream-2", "fraudstream-3"], configs.Select(o => StreamProcessor.ConsumerConfigFor(o).ClientId));
        Assert.Equal(["alerts-1", "alerts-2", "alerts-3"], configs.Select(o => StreamProcessor.ProducerConfigFor(o).ClientId));
        // The stop when idle is the process's, watched for all threads together.
        Assert.All(configs, o => Assert.Null(o.StopWhenIdle));
        Assert.Equal("pod-7", options.KafkaSettings["consumer.group.instance.id"]);
        var unscoped = options with { KafkaSettings = new Dictionary<string, string> { ["group.instance.id"] = "pod-8" } };
        Assert.Equal("pod-8-2", StreamProcessor.ConsumerConfigFor(StreamThreads.ForThread(unscoped, 1, 2)).GroupInstanceId);
    }

    /// <summary>A logger factory that notes the categories asked for.</summary>
    private sealed class CategoriesAsked(Microsoft.Extensions.Logging.ILoggerFactory inner, ConcurrentQueue<string> categories)
        : Microsoft.Extensions.Logging.ILoggerFactory
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName)
        {
            categories.Enqueue(categoryName);
            return inner.CreateLogger(categoryName);
        }

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class RecordingMetrics : NullProcessorMetrics
    {
        public double EventLag { get; private set; } = double.NaN;

        public FeaturizerStats State { get; private set; }

        public bool Ready { get; private set; }

        public long Consumed { get; private set; }

        public long AlertCount { get; private set; }

        public (int, long) LastConsumerLag { get; private set; }

        public override void SetEventLag(double seconds) => EventLag = seconds;

        public override void SetState(in FeaturizerStats stats) => State = stats;

        public override void SetReady(bool ready) => Ready = ready;

        public override void RecordsConsumed(string topic, long count) => Consumed += count;

        public override void Alerts(FraudPattern pattern, long count) => AlertCount += count;

        public override void SetConsumerLag(int partition, long records) => LastConsumerLag = (partition, records);
    }
}
