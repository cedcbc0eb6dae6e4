using Xunit.Abstractions;
using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using FraudStream.Kafka.Processing;

namespace FraudStream.Service.Tests;

/// <summary>Integration tests of the streaming processor: each starts its own embedded broker in this process.</summary>
[Trait("Category", "Integration")]
public sealed partial class ProcessingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Run_accounts_for_every_record_and_dead_letters_invalid_ones_byte_for_byte_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 4);
        var lines = KafkaHarness.MakeLines(20_000, seed: 11);
        var messages = KafkaHarness.ToMessages(lines);
        kafka.Produce(messages);
        var logs = new ConcurrentQueue<string>();
        using var loggerFactory = KafkaHarness.Logs(output, logs);

        var service = new ProcessorService(kafka.Settings(stopWhenIdle: Idle), loggerFactory);
        var result = await service.RunAsync(CancellationToken.None);

        var invalidSent = messages.Where(m => !Records.CallRecordParser.TryParse(m.Value, out _, out _)).ToList();
        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.Equal(messages.Count, result.Consumed);
        Assert.Equal(result.Consumed, result.Valid + result.Invalid);
        Assert.Equal(invalidSent.Count, result.Invalid);
        Assert.True(invalidSent.Count >= 7, "every kind of invalid record is in the input");

        // Dead letters: exactly the invalid records, same key, same value, original headers then the error headers.
        var deadLetters = kafka.ReadAll(KafkaHarness.Dlq);
        Assert.Equal(invalidSent.Count, deadLetters.Count);
        var expected = invalidSent.Select(Fingerprint).Order(StringComparer.Ordinal).ToList();
        var actual = deadLetters.Select(d => Fingerprint(new InputMessage(d.Key, d.Value,
            d.Headers.Where(h => !h.Key.StartsWith("fraudstream-", StringComparison.Ordinal)).ToList()))).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        foreach (var d in deadLetters)
        {
            var error = d.Header("fraudstream-error");
            Assert.True(Records.RecordErrors.TryParseCode(error, out _), $"error code {error}");
            Assert.False(string.IsNullOrEmpty(d.Header("fraudstream-error-detail")));
            Assert.Matches(SourceHeader(), d.Header("fraudstream-source"));
            Assert.Equal(3, d.Headers.Count(h => h.Key.StartsWith("fraudstream-", StringComparison.Ordinal)));
        }
        Assert.Contains(deadLetters, d => d.Header("fraudstream-error") == "too_large");
        Assert.Contains(deadLetters, d => d.Header("fraudstream-error") == "invalid_utf8");

        // Alerts agree with file scoring of the same records (history order differs across partitions).
        var alerts = kafka.ReadAll(KafkaHarness.Alerts);
        Assert.Equal(result.Alerts, alerts.Count);
        Assert.All(alerts, a => Assert.NotNull(a.Key));
        var streamIds = KafkaHarness.AlertIds(alerts.Select(a => a.Value!));
        var fileIds = KafkaHarness.FileScorerAlertIds(lines);
        var agreement = Agreement(streamIds, fileIds);
        var perCall = 1 - (streamIds.Except(fileIds).Count() + fileIds.Except(streamIds).Count()) / (double)result.Valid;
        output.WriteLine($"4 partitions: stream alerts {streamIds.Count}, file alerts {fileIds.Count}, alert-set agreement {agreement:P2}, per-call decision agreement {perCall:P2}");
        // The partitions are merged in event-time order, so the shared trunk/callee history sees what file scoring sees,
        // up to calls with the same start in different partitions.
        Assert.True(perCall >= 0.999, $"per-call agreement {perCall:P2}");
        Assert.True(agreement >= 0.99, $"alert-set agreement {agreement:P2}");
        using (var first = System.Text.Json.JsonDocument.Parse(alerts[0].Value))
        {
            var root = first.RootElement;
            Assert.Equal(root.GetProperty("call_id").GetString(), root.GetProperty("alert_id").GetString());
            Assert.Equal(service.Scorer.Model.Id, root.GetProperty("model").GetString());
            Assert.Equal(root.GetProperty("caller").GetString(), Encoding.UTF8.GetString(alerts[0].Key!));
            Assert.Equal(KafkaHarness.Input, root.GetProperty("source").GetProperty("topic").GetString());
        }

        // Each error's first dead letter is logged with where it came from, then one each RepeatInterval (30 s) with how
        // many came between ("more like it", left out here: a slow machine may take that long): one line for each
        // error, of one of its dead letters.
        var logged = logs.Where(l => l.StartsWith("Warning [3028] ", StringComparison.Ordinal) && !l.Contains(" more like it ", StringComparison.Ordinal)).ToList();
        foreach (var kind in deadLetters.GroupBy(d => d.Header("fraudstream-error")))
        {
            var line = Assert.Single(logged, l => l.Contains($", sent to {KafkaHarness.Dlq}: {kind.Key}: ", StringComparison.Ordinal));
            Assert.Contains(kind, d => line == $"Warning [3028] Invalid record at {Origin(d.Header("fraudstream-source"))}, "
                + $"sent to {KafkaHarness.Dlq}: {kind.Key}: {d.Header("fraudstream-error-detail")}");
        }
        Assert.Equal(deadLetters.Select(d => d.Header("fraudstream-error")).Distinct().Count(), logged.Count);

        // Committed: everything; nothing logged per valid record, and no phone number in any log line.
        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());
        Assert.True(logs.Count < 50, $"{logs.Count} log lines");
        Assert.DoesNotContain(logs, l => PhoneNumber().IsMatch(l));
    }

    [Fact]
    public void A_warm_up_that_fails_is_logged_and_the_processor_goes_on_without_it_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var lines = KafkaHarness.MakeLines(3_000, seed: 17);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var logs = new ConcurrentQueue<string>();
        using var loggerFactory = KafkaHarness.Logs(output, logs);
        var options = kafka.Settings(stopWhenIdle: Idle).Processor with { WarmUp = TimeSpan.FromSeconds(5) };
        var scorer = KafkaHarness.NewScorer();
        var limits = new List<TimeSpan>();
        var processor = new StreamProcessor(options, scorer, logger: loggerFactory.CreateLogger("processor"))
        {
            WarmUpRunner = (_, limit, _) =>
            {
                limits.Add(limit);
                throw new InvalidOperationException("synthetic warm-up failure");
            },
        };

        var result = processor.Run(CancellationToken.None);

        Assert.Equal([TimeSpan.FromSeconds(5)], limits); // tried once, with the configured limit
        Assert.Contains(logs, l => l.StartsWith("Warning [3018] Warm-up failed", StringComparison.Ordinal)
            && l.Contains("InvalidOperationException: synthetic warm-up failure", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Contains("[3017]", StringComparison.Ordinal));
        // Nothing lost: every record consumed, scored or dead-lettered, and committed.
        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.Equal(lines.Count, result.Consumed);
        Assert.Equal(result.Consumed, result.Valid + result.Invalid);
        Assert.True(result.Invalid > 0, "the input has invalid records");
        Assert.Equal(result.Invalid, kafka.ReadAll(KafkaHarness.Dlq).Count);
        Assert.Equal(result.Alerts, kafka.ReadAll(KafkaHarness.Alerts).Count);
        Assert.Equal(lines.Count, kafka.Committed("fraudstream").Sum());
    }

    [Fact]
    public async Task Each_partitions_merge_buffer_is_its_share_of_one_budget_for_the_partitions_assigned_Integration()
    {
        // 65,536 records in all, at least 256 and at most 1,024 a partition.
        Assert.Equal(1024, StreamProcessor.BufferLimit(1));
        Assert.Equal(1024, StreamProcessor.BufferLimit(64));
        Assert.Equal(512, StreamProcessor.BufferLimit(128));
        Assert.Equal(256, StreamProcessor.BufferLimit(256));
        Assert.Equal(256, StreamProcessor.BufferLimit(4_000));

        using var kafka = new KafkaHarness(inputPartitions: 128);
        var lines = KafkaHarness.MakeLines(2_000, seed: 23);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var scorer = KafkaHarness.NewScorer();
        var processor = new StreamProcessor(kafka.Settings(stopWhenIdle: Idle).Processor, scorer, logger: KafkaHarness.Logs(output).CreateLogger("processor"));
        Assert.Equal(1024, processor.BufferLimitNow);
        var limits = new ConcurrentQueue<int>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                limits.Enqueue(processor.BufferLimitNow);
                await Task.Delay(10);
            }
        });

        var result = processor.Run(CancellationToken.None);
        await sampling.CancelAsync();
        await sampler;

        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.Equal(lines.Count, result.Consumed);
        Assert.Contains(512, limits); // while the 128 partitions were assigned
        Assert.Equal(1024, processor.BufferLimitNow); // none assigned after the run
    }

    [Fact]
    public void Partitions_whose_buffers_fill_are_paused_and_resumed_in_batches_and_every_record_is_processed_Integration()
    {
        // The earlier half of the calls goes to partitions 4-7 and the later half to partitions 0-3, dealt in turn. The
        // merge takes the earlier half first, so partitions 0-3 fill their buffers (1,024 records each on 8 partitions)
        // and are paused; their resumes are asked for as the merge comes to them, each at a quarter of its buffer.
        using var kafka = new KafkaHarness(inputPartitions: 8);
        var lines = KafkaHarness.MakeLines(16_000, seed: 31);
        var half = lines.Count / 2;
        kafka.Produce(KafkaHarness.ToMessages(lines), partitionOf: i => (i < half ? 4 : 0) + (i % 4));
        var scorer = KafkaHarness.NewScorer();
        var logs = new ConcurrentQueue<string>();
        var processor = new StreamProcessor(kafka.Settings(stopWhenIdle: Idle).Processor, scorer, logger: KafkaHarness.Logs(output, logs).CreateLogger("processor"));

        var result = processor.Run(CancellationToken.None);

        output.WriteLine($"pause and resume calls {processor.PauseCalls}, partitions paused or resumed {processor.PausesAndResumes}");
        // No partition was left paused while the merge waited for it: the merge never went on without one ([3016]).
        Assert.DoesNotContain(logs, l => l.Contains("[3016]", StringComparison.Ordinal));
        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.True(processor.PausesAndResumes >= 8, $"partitions 0-3 each paused and resumed at least once ({processor.PausesAndResumes})");
        Assert.True(processor.PauseCalls < processor.PausesAndResumes, "pauses and resumes told to the client in batches, not one call each");
        // Nothing lost or done twice: every record consumed once, scored or dead-lettered, and committed.
        Assert.Equal(lines.Count, result.Consumed);
        Assert.Equal(result.Consumed, result.Valid + result.Invalid);
        Assert.Equal(result.Invalid, kafka.ReadAll(KafkaHarness.Dlq).Count);
        Assert.Equal(result.Alerts, kafka.ReadAll(KafkaHarness.Alerts).Count);
        Assert.Equal(lines.Count, kafka.Committed("fraudstream").Sum());
        // In event-time order across the partitions, as file scoring is (calls at the same second may swap places).
        var agreement = Agreement(KafkaHarness.AlertIds(kafka.ReadAll(KafkaHarness.Alerts).Select(a => a.Value!)), KafkaHarness.FileScorerAlertIds(lines));
        output.WriteLine($"alert-set agreement with file scoring {agreement:P2}");
        Assert.True(agreement >= 0.99, $"alert-set agreement with file scoring {agreement:P2}");
    }

    [Fact]
    public void Every_record_is_observed_once_as_settled_by_its_score_alert_or_dead_letter_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var lines = KafkaHarness.MakeLines(3_000, seed: 19);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var scorer = KafkaHarness.NewScorer();
        var metrics = new SettlementCounts();
        var processor = new StreamProcessor(kafka.Settings(stopWhenIdle: Idle).Processor, scorer, metrics, KafkaHarness.Logs(output).CreateLogger("processor"));

        var result = processor.Run(CancellationToken.None);

        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.True(result.Alerts > 0 && result.Invalid > 0, $"{result.Alerts} alerts, {result.Invalid} invalid");
        Assert.Equal(result.Valid - result.Alerts, metrics.Count(Settlement.Scored));
        Assert.Equal(result.Alerts, metrics.Count(Settlement.Alerted));
        Assert.Equal(result.Invalid, metrics.Count(Settlement.DeadLettered));
        Assert.Equal(lines.Count, metrics.Total);
        Assert.True(metrics.AllNonNegative, "a negative processing time was observed");
    }

    [Fact]
    public async Task Run_alerts_on_exactly_the_calls_file_scoring_alerts_on_with_one_partition_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 1);
        var lines = KafkaHarness.MakeLines(10_000, seed: 5);
        kafka.Produce(KafkaHarness.ToMessages(lines));

        var service = new ProcessorService(kafka.Settings(stopWhenIdle: Idle), KafkaHarness.Logs(output));
        var result = await service.RunAsync(CancellationToken.None);

        var streamIds = KafkaHarness.AlertIds(kafka.ReadAll(KafkaHarness.Alerts).Select(a => a.Value!));
        var fileIds = KafkaHarness.FileScorerAlertIds(lines);
        output.WriteLine($"1 partition: stream alerts {streamIds.Count}, file alerts {fileIds.Count}");
        Assert.Equal(lines.Count, result.Consumed);
        Assert.Equal(fileIds.Order(), streamIds.Order());
    }

    [Fact]
    public void Alerts_written_on_the_alert_thread_or_inline_are_those_of_file_scoring_reasons_included_Integration()
    {
        // One partition, so the stream's history is the file's: each alert, up to its detection time and source, must
        // be the document `score` writes for the same call, score, pattern and reasons included.
        using var kafka = new KafkaHarness(inputPartitions: 1);
        var lines = KafkaHarness.MakeLines(8_000, seed: 23);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var expected = KafkaHarness.FileScorerAlerts(lines).Select(KafkaHarness.AlertContent).Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.Count >= 100, $"{expected.Count} alerts");
        Assert.True(expected.Count(a => a.Contains("\"reasons\":[{", StringComparison.Ordinal)) >= expected.Count * 9 / 10, "most alerts have reasons");

        var runs = 0;
        // The alert thread on and off; and, with it on, a consumer the direct poll refuses, so that the processor
        // falls back to Confluent.Kafka's Consume, saying so once.
        foreach (var (threaded, throughClient) in new[] { (true, false), (false, false), (true, true) })
        {
            var scorer = KafkaHarness.NewScorer();
            var group = throughClient ? "consume" : threaded ? "alert-thread" : "inline";
            var options = kafka.Settings(stopWhenIdle: Idle, group: group).Processor with { AlertThread = threaded };
            var logs = new ConcurrentQueue<string>();
            var result = new StreamProcessor(options, scorer, logger: KafkaHarness.Logs(output, logs).CreateLogger("processor"))
            {
                WrapConsumer = throughClient ? ForwardingConsumer<InboundCall, InboundCall>.Wrap : null,
            }.Run(CancellationToken.None);

            Assert.Equal(StopReason.Idle, result.Reason);
            Assert.Equal(lines.Count, kafka.Committed(options.GroupId).Sum());
            Assert.Equal(throughClient ? 1 : 0, logs.Count(l => l.Contains("[3022] Consuming through Confluent.Kafka's Consume", StringComparison.Ordinal)
                && l.Contains("is not Confluent.Kafka's own", StringComparison.Ordinal)));
            // Both runs write to the same topic: after the second, every alert is there twice.
            runs++;
            var written = kafka.ReadAll(KafkaHarness.Alerts).Select(a => KafkaHarness.AlertContent(a.Value!)).Order(StringComparer.Ordinal).ToList();
            output.WriteLine($"alert thread {(threaded ? "on" : "off")}, {(throughClient ? "Consume" : "direct poll")}: {result.Alerts} alerts, file scoring {expected.Count}");
            Assert.Equal(expected.Count, result.Alerts);
            Assert.Equal(expected.SelectMany(a => Enumerable.Repeat(a, runs)).Order(StringComparer.Ordinal), written);
        }
    }

    [Fact]
    public async Task A_processor_whose_partition_is_revoked_is_not_idle_until_it_is_assigned_again_Integration()
    {
        // Once everything is read, the broker says the group is rebalancing (one heartbeat refused) and answers every
        // request 1.5 s late: the partition is revoked within 2 s, and assigned again no sooner than four round trips
        // later (the revocation's commit, JoinGroup, SyncGroup, the committed offset; the embedded broker took 12.5 s).
        // The idle time (6 s) runs out in between: had the time without an assignment counted as idle, the processor
        // would have stopped in the middle of the rebalance (it did, 3 runs of 3 with 3 s and with 4 s).
        using var kafka = new KafkaHarness(inputPartitions: 1);
        var lines = KafkaHarness.MakeLines(1_000, seed: 47);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var logs = new ConcurrentQueue<string>();
        var scorer = KafkaHarness.NewScorer();
        var options = KafkaHarness.WithKafkaSettings(
            kafka.Settings(stopWhenIdle: TimeSpan.FromSeconds(6), rebuildRecords: 0).Processor, // no history re-read on the new assignment
            ("consumer.heartbeat.interval.ms", "200"));
        var processor = new StreamProcessor(options, scorer, logger: KafkaHarness.Logs(output, logs).CreateLogger("processor"))
        {
            Stopping = _ => kafka.Broker.SetRoundTripDelay(1, 0), // a prompt commit and leave
        };
        var run = Task.Factory.StartNew(() => processor.Run(CancellationToken.None), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        while (processor.Consumed < lines.Count && !run.IsCompleted)
        {
            await Task.Delay(10);
        }
        kafka.Broker.SetRoundTripDelay(1, 1_500);
        kafka.Broker.PushRequestErrors(HeartbeatApiKey, Confluent.Kafka.ErrorCode.RebalanceInProgress, 1);
        var result = await run.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.Equal(lines.Count, result.Consumed);
        // The rebalance callbacks and the stop, in the order logged (all on the consume thread).
        var events = logs.Where(l => l.Contains("[3001]", StringComparison.Ordinal) || l.Contains("[3002]", StringComparison.Ordinal)
            || l.Contains("[3010]", StringComparison.Ordinal)).ToList();
        output.WriteLine(string.Join(Environment.NewLine, events));
        var stop = events.FindIndex(l => l.Contains("[3010]", StringComparison.Ordinal));
        Assert.Contains(events.Take(stop), l => l.Contains("[3002]", StringComparison.Ordinal)); // revoked while running
        Assert.Contains("[3001]", events[stop - 1], StringComparison.Ordinal); // assigned again before the stop
        Assert.Equal(lines.Count, kafka.Committed(options.GroupId).Sum());
    }

    [Fact]
    public async Task A_revocation_commits_the_position_it_stores_so_the_committed_offset_never_moves_back_Integration()
    {
        // When a revocation unassigns partitions, the client commits its stored offsets again, after the revoke
        // handler's own commit, even one lower than that commit (the next test shows it of the client alone). So the
        // handler stores what it commits. Here the alerts' acknowledgements are held back until the revocation has
        // begun: the position stored before it stops at the first alert, and the handler's commit goes past every
        // record. Had the handler not stored that, the committed offset would move back to the first alert, and the
        // records after it would be read again once the partition is assigned again (it was so, 3 runs of 3).
        using var kafka = new KafkaHarness(inputPartitions: 1);
        var messages = KafkaHarness.ToMessages(KafkaHarness.MakeLines(3_000, seed: 53));
        kafka.Produce(messages);
        var logs = new ConcurrentQueue<string>();
        var scorer = KafkaHarness.NewScorer();
        // What is committed is what the revocation and the stop commit.
        var options = KafkaHarness.WithKafkaSettings(kafka.Settings(stopWhenIdle: TimeSpan.FromSeconds(5), rebuildRecords: 0).Processor,
            ("consumer.auto.commit.interval.ms", "600000"), ("consumer.heartbeat.interval.ms", "100"));
        var held = new ConcurrentQueue<PendingDelivery>();
        var holding = 1;
        void Acknowledge(PendingDelivery pending) => pending.OnDelivered(new Confluent.Kafka.DeliveryReport<byte[]?, byte[]?>
        {
            Error = new Confluent.Kafka.Error(Confluent.Kafka.ErrorCode.NoError),
            Message = pending.Message,
            TopicPartitionOffset = new Confluent.Kafka.TopicPartitionOffset(KafkaHarness.Alerts, 0, 0),
        });
        var processor = new StreamProcessor(options, scorer, logger: KafkaHarness.Logs(output, logs).CreateLogger("processor"))
        {
            AlertProducer = pending =>
            {
                if (Volatile.Read(ref holding) == 1)
                {
                    held.Enqueue(pending);
                }
                else
                {
                    Acknowledge(pending);
                }
            },
        };
        var run = Task.Factory.StartNew(() => processor.Run(CancellationToken.None), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        while (processor.Consumed < messages.Count && !run.IsCompleted)
        {
            await Task.Delay(10);
        }
        await Task.Delay(1000); // the position stored (every 500 ms) stops at the first alert
        kafka.Broker.PushRequestErrors(HeartbeatApiKey, Confluent.Kafka.ErrorCode.RebalanceInProgress, 1);
        await Task.Delay(1000); // the revoke handler waits for the alerts in flight
        Volatile.Write(ref holding, 0);
        while (held.TryDequeue(out var pending))
        {
            Acknowledge(pending);
        }
        var result = await run.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(StopReason.Idle, result.Reason);
        var events = logs.ToList();
        var revoked = events.FindIndex(l => l.Contains("[3002]", StringComparison.Ordinal) && !l.Contains("after 0 in-flight", StringComparison.Ordinal));
        Assert.InRange(revoked, 0, events.FindIndex(l => l.Contains("[3010]", StringComparison.Ordinal))); // with alerts in flight
        Assert.DoesNotContain(events, l => l.Contains("[3012]", StringComparison.Ordinal)); // no commit refused
        Assert.Equal(messages.Count, result.Consumed); // none read twice
        Assert.Equal(messages.Count, kafka.Committed(options.GroupId).Sum());
    }

    [Fact]
    public void The_client_commits_its_stored_offset_on_a_revocation_after_the_handlers_commit_even_a_lower_one_Integration()
    {
        // What the processor's revoke handler allows for (the test above): a plain Confluent.Kafka consumer with offsets
        // stored by hand. Should a librdkafka update stop this, the handler's store before its commit is still right.
        using var kafka = new KafkaHarness(inputPartitions: 1);
        kafka.Produce(KafkaHarness.ToMessages(KafkaHarness.MakeLines(100, seed: 59)));
        var partition = new Confluent.Kafka.TopicPartition(KafkaHarness.Input, 0);
        var assignments = 0;
        var config = new Confluent.Kafka.ConsumerConfig
        {
            BootstrapServers = kafka.Broker.Bootstrap,
            GroupId = "stored-and-committed",
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = 600_000, // no auto-commit meanwhile
            SessionTimeoutMs = 6_000,
            HeartbeatIntervalMs = 100,
        };
        using var consumer = new Confluent.Kafka.ConsumerBuilder<Confluent.Kafka.Ignore, Confluent.Kafka.Ignore>(config)
            .SetPartitionsAssignedHandler((_, _) => assignments++)
            .SetPartitionsRevokedHandler((c, _) => c.Commit([new Confluent.Kafka.TopicPartitionOffset(partition, 20)]))
            .Build();
        consumer.Subscribe(KafkaHarness.Input);
        for (var read = 0; read < 30;)
        {
            read += consumer.Consume(100) is null ? 0 : 1;
        }
        consumer.StoreOffset(new Confluent.Kafka.TopicPartitionOffset(partition, 10));
        kafka.Broker.PushRequestErrors(HeartbeatApiKey, Confluent.Kafka.ErrorCode.RebalanceInProgress, 1); // a revocation
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (assignments < 2 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            consumer.Consume(100);
        }

        Assert.Equal(2, assignments);
        Assert.Equal(10, consumer.Committed([partition], TimeSpan.FromSeconds(10)).Single().Offset.Value); // the handler committed 20
        consumer.Close();
    }

    /// <summary>The Kafka protocol's Heartbeat request.</summary>
    private const short HeartbeatApiKey = 12;

    [Fact]
    public void A_stop_whose_own_commit_is_refused_leaves_its_positions_to_the_close_which_commits_them_Integration()
    {
        // Stream threads stopping together can have the stop's commit refused: another member has begun a rebalance.
        // The close then commits what the processor stored. The revoke handler that the close runs stores; it does not
        // commit, since a commit of its own can reach a group that has begun to terminate, and librdkafka then aborts
        // the process (confluentinc/librdkafka#4027). This test shows the close's commit; it cannot tell the handler's
        // store from a commit (the handler is given the client's consumer, not the wrapper), which the crash it
        // prevents showed: 5 of 40 runs of StreamThreadsTests' fatal-stop test before, 0 of 40 after.
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var lines = KafkaHarness.MakeLines(3_000, seed: 43);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var logs = new ConcurrentQueue<string>();
        var scorer = KafkaHarness.NewScorer();
        // Commits every 10 minutes: what is committed is what the stop and the close commit.
        var options = KafkaHarness.WithKafkaSettings(kafka.Settings(stopWhenIdle: Idle).Processor, ("consumer.auto.commit.interval.ms", "600000"));
        var refused = 0;
        var processor = new StreamProcessor(options, scorer, logger: KafkaHarness.Logs(output, logs).CreateLogger("processor"))
        {
            WrapConsumer = consumer => ForwardingConsumer<InboundCall, InboundCall>.Wrap(consumer, method =>
            {
                if (method.Name == nameof(Confluent.Kafka.IConsumer<InboundCall, InboundCall>.Commit))
                {
                    refused++;
                    throw new Confluent.Kafka.KafkaException(Confluent.Kafka.ErrorCode.RebalanceInProgress);
                }
            }),
        };

        var result = processor.Run(CancellationToken.None);

        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.Equal(lines.Count, result.Consumed);
        Assert.Equal(1, refused);
        Assert.Single(logs, l => l.Contains("[3012]", StringComparison.Ordinal));
        Assert.Equal(lines.Count, kafka.Committed(options.GroupId).Sum());
    }

    /// <summary>The Kafka protocol's OffsetCommit request.</summary>
    private const short OffsetCommitApiKey = 8;

    [Fact]
    public async Task A_periodic_commit_that_fails_is_logged_once_and_counted_each_time_Integration()
    {
        // The client's own commits (auto.commit.interval.ms) report their result to the processor's handler (with it
        // set, librdkafka logs no COMMITFAIL warning of its own). The first three commits are refused: with one member
        // and no rebalance the processor commits nothing itself before its stop, 2 s after the last record, and three
        // periodic commits 200 ms apart come well before it.
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var lines = KafkaHarness.MakeLines(3_000, seed: 61);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var logs = new ConcurrentQueue<string>();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new FraudStreamMetrics(registry, KafkaHarness.Input);
        var options = KafkaHarness.WithKafkaSettings(kafka.Settings(stopWhenIdle: Idle).Processor, ("consumer.auto.commit.interval.ms", "200"));
        kafka.Broker.PushRequestErrors(OffsetCommitApiKey, Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, 3);
        var processor = new StreamProcessor(options, KafkaHarness.NewScorer(), metrics, KafkaHarness.Logs(output, logs).CreateLogger("processor"));

        var result = processor.Run(CancellationToken.None);

        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.Equal(lines.Count, result.Consumed);
        using var exported = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(exported);
        Assert.Contains("fraudstream_offset_commit_failures_total{error=\"TopicAuthorizationFailed\"} 3\n", Encoding.UTF8.GetString(exported.ToArray()), StringComparison.Ordinal);
        // Logged once: the next two within 30 s are held back, as repeated client errors are.
        var logged = Assert.Single(logs, l => l.Contains("[3025]", StringComparison.Ordinal));
        Assert.Matches(@"TopicAuthorizationFailed; partition@offset 0@\d+,1@\d+\)", logged);
        Assert.DoesNotContain(logs, l => l.Contains("[3012]", StringComparison.Ordinal)); // no commit of the processor's own failed
        Assert.Equal(lines.Count, kafka.Committed(options.GroupId).Sum()); // nothing lost
    }

    [Fact]
    public void A_close_whose_commit_fails_logs_and_counts_it_Integration()
    {
        // The stop's own commit is refused (as in A_stop_whose_own_commit_is_refused_...), so the close has the stored
        // positions to commit, and the close's commit is refused too. Its failure reaches the processor through the
        // client's commit handler, which the close runs. (The wrapper makes the processor consume through Consume,
        // not its direct poll; the close's callbacks do not depend on which.)
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var lines = KafkaHarness.MakeLines(3_000, seed: 53);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var logs = new ConcurrentQueue<string>();
        var metrics = new CommitFailures();
        var options = KafkaHarness.WithKafkaSettings(kafka.Settings(stopWhenIdle: Idle).Processor, ("consumer.auto.commit.interval.ms", "600000"));
        var processor = new StreamProcessor(options, KafkaHarness.NewScorer(), metrics, KafkaHarness.Logs(output, logs).CreateLogger("processor"))
        {
            WrapConsumer = consumer => ForwardingConsumer<InboundCall, InboundCall>.Wrap(consumer, method =>
            {
                if (method.Name == nameof(Confluent.Kafka.IConsumer<InboundCall, InboundCall>.Commit))
                {
                    throw new Confluent.Kafka.KafkaException(Confluent.Kafka.ErrorCode.RebalanceInProgress);
                }
            }),
            BeforeLeaving = () => kafka.Broker.PushRequestErrors(OffsetCommitApiKey, Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, 1),
        };

        var result = processor.Run(CancellationToken.None);

        Assert.Equal(StopReason.Idle, result.Reason);
        Assert.Equal(lines.Count, result.Consumed);
        Assert.Equal(["RebalanceInProgress", "TopicAuthorizationFailed"], metrics.Errors); // the stop's, then the close's
        Assert.Matches(@"RebalanceInProgress; partition@offset 0@\d+,1@\d+\)", Assert.Single(logs, l => l.Contains("[3012]", StringComparison.Ordinal)));
        Assert.Matches(@"TopicAuthorizationFailed; partition@offset 0@\d+,1@\d+\)", Assert.Single(logs, l => l.Contains("[3025]", StringComparison.Ordinal)));
        Assert.Equal(0, kafka.Committed(options.GroupId).Sum());
    }

    [Fact]
    public async Task An_assignment_that_the_close_delivers_is_given_up_without_asking_the_group_anything_Integration()
    {
        // A second member joins; the processor's partitions are revoked, and it is stopped at once. The group's next
        // assignment is made while it stops, after its loop has ended, so the close delivers it. The processor gives it
        // up: asked for the partitions' committed offsets, the leaving client answers "Broker handle destroyed for
        // termination" (warning 3014 for nothing) or, against a slow coordinator, could hold the close for the query.
        // The embedded broker completes the rejoin about 2 s after the revocation (its rebalance waits for the
        // processor's next heartbeat), which is what keeps the new assignment out of the loop's last poll.
        using var kafka = new KafkaHarness(inputPartitions: 4);
        var lines = KafkaHarness.MakeLines(400, seed: 67);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var logs = new ConcurrentQueue<string>();
        var options = kafka.Settings().Processor;
        using var secondAssigned = new ManualResetEventSlim();
        using var second = new Confluent.Kafka.ConsumerBuilder<Confluent.Kafka.Ignore, Confluent.Kafka.Ignore>(new Confluent.Kafka.ConsumerConfig
        {
            BootstrapServers = kafka.Broker.Bootstrap,
            GroupId = options.GroupId,
            SessionTimeoutMs = 6_000,
            EnableAutoCommit = false,
        }).SetPartitionsAssignedHandler((_, _) => secondAssigned.Set()).Build();
        using var stop = new CancellationTokenSource();
        var processor = new StreamProcessor(options, KafkaHarness.NewScorer(), logger: KafkaHarness.Logs(output, logs).CreateLogger("processor"))
        {
            // The close starts once the group has made its new assignment (the second member has its share).
            BeforeLeaving = () =>
            {
                secondAssigned.Wait(TimeSpan.FromSeconds(30));
                Thread.Sleep(200);
            },
            BeforeLeavingMax = TimeSpan.FromSeconds(31),
        };
        var run = Task.Factory.StartNew(() => processor.Run(stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        while (processor.Consumed < lines.Count && !run.IsCompleted)
        {
            await Task.Delay(10);
        }
        second.Subscribe(KafkaHarness.Input);
        var polling = Task.Factory.StartNew(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!secondAssigned.IsSet && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                second.Consume(100);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        while (!logs.Any(l => l.Contains("[3002]", StringComparison.Ordinal)) && !run.IsCompleted)
        {
            await Task.Delay(5);
        }
        stop.Cancel(); // revoked: stopped before the group assigns anew
        var result = await run.WaitAsync(TimeSpan.FromSeconds(90));
        await polling.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(StopReason.Cancelled, result.Reason);
        Assert.True(secondAssigned.IsSet);
        Assert.Single(logs, l => l.Contains("[3024]", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Contains("[3014]", StringComparison.Ordinal) || l.Contains("[3019]", StringComparison.Ordinal));
        second.Close();
    }

    [Fact]
    public void A_failure_on_the_alert_thread_stops_the_processor_as_fatal_and_commits_nothing_past_the_alert_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 1);
        var lines = KafkaHarness.MakeLines(3_000, seed: 31);
        kafka.Produce(KafkaHarness.ToMessages(lines));
        var firstAlert = KafkaHarness.AlertIds(KafkaHarness.FileScorerAlerts(lines).Take(1)).Single();
        var firstAlertOffset = lines.FindIndex(l => Encoding.UTF8.GetString(l).Contains($"\"{firstAlert}\"", StringComparison.Ordinal));
        Assert.True(firstAlertOffset >= 0);
        var logs = new ConcurrentQueue<string>();
        var scorer = KafkaHarness.NewScorer();
        var options = kafka.Settings(stopWhenIdle: Idle).Processor with { AlertThread = true };
        var processor = new StreamProcessor(options, scorer, logger: KafkaHarness.Logs(output, logs).CreateLogger("processor"))
        {
            AlertProducer = _ => throw new InvalidOperationException("synthetic alert failure"),
        };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = processor.Run(CancellationToken.None);

        Assert.Equal(StopReason.Fatal, result.Reason);
        Assert.Equal("writing alerts failed: InvalidOperationException: synthetic alert failure", result.FatalMessage);
        Assert.Single(logs, l => l.Contains("[3020] Writing alerts failed", StringComparison.Ordinal)
            && l.Contains("InvalidOperationException: synthetic alert failure", StringComparison.Ordinal));
        Assert.True(clock.Elapsed < options.DrainTimeout, $"stopped after {clock.Elapsed}: nothing can settle, so nothing to wait for");
        Assert.Empty(kafka.ReadAll(KafkaHarness.Alerts));
        Assert.InRange(kafka.Committed("fraudstream").Sum(), 0, firstAlertOffset);
    }

    [Fact]
    public void A_failure_on_the_alert_thread_while_stopping_is_fatal_and_ends_the_wait_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 1);
        kafka.Produce(KafkaHarness.ToMessages(KafkaHarness.MakeLines(3_000, seed: 31)));
        var logs = new ConcurrentQueue<string>();
        var scorer = KafkaHarness.NewScorer();
        var options = kafka.Settings().Processor with { AlertThread = true, DrainTimeout = TimeSpan.FromSeconds(20) };
        var writing = new ManualResetEventSlim(false);
        var processor = new StreamProcessor(options, scorer, logger: KafkaHarness.Logs(output, logs).CreateLogger("processor"))
        {
            AlertProducer = _ =>
            {
                writing.Set();
                Thread.Sleep(500); // the stop begins meanwhile
                throw new InvalidOperationException("synthetic alert failure");
            },
        };
        using var stop = new CancellationTokenSource();
        ProcessorResult? result = null;
        var runner = new Thread(() => result = processor.Run(stop.Token));
        runner.Start();
        Assert.True(writing.Wait(TimeSpan.FromSeconds(60)), "an alert was written");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        stop.Cancel();

        Assert.True(runner.Join(TimeSpan.FromSeconds(60)));
        Assert.Equal(StopReason.Fatal, result!.Reason);
        Assert.Equal("writing alerts failed: InvalidOperationException: synthetic alert failure", result.FatalMessage);
        Assert.True(clock.Elapsed < options.DrainTimeout, $"the stop took {clock.Elapsed}: nothing could settle after the failure");
        // The exception itself goes to the log, once (the test logger prints its type and message).
        Assert.Single(logs, l => l.Contains("[3020] Writing alerts failed", StringComparison.Ordinal)
            && l.Contains("InvalidOperationException: synthetic alert failure", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restarted_processor_resumes_from_committed_offsets_and_rebuilds_history_without_alerting_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 4);
        var lines = KafkaHarness.MakeLines(12_000, seed: 21);
        var messages = KafkaHarness.ToMessages(lines);
        var half = messages.Count / 2;
        kafka.Produce(messages.Take(half));
        var first = await new ProcessorService(kafka.Settings(stopWhenIdle: Idle), KafkaHarness.Logs(output)).RunAsync(CancellationToken.None);
        Assert.Equal(half, first.Consumed);

        kafka.Produce(messages.Skip(half));
        var second = await new ProcessorService(kafka.Settings(stopWhenIdle: Idle), KafkaHarness.Logs(output)).RunAsync(CancellationToken.None);

        Assert.Equal(messages.Count - half, second.Consumed);
        Assert.Equal(half, second.Rebuilt); // the default rebuild (100,000 per partition) re-reads all of the first half
        var alerts = kafka.ReadAll(KafkaHarness.Alerts);
        Assert.Equal(first.Alerts + second.Alerts, alerts.Count);
        var ids = alerts.Select(a => System.Text.Json.JsonDocument.Parse(a.Value).RootElement.GetProperty("alert_id").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count()); // no record alerted twice
        // The re-read history never alerts: every alert on a first-half call came from the first run.
        var firstHalfCalls = KafkaHarness.AlertIds(messages.Take(half)
            .Where(m => Records.CallRecordParser.TryParse(m.Value, out _, out _)).Select(m => m.Value!));
        Assert.Equal(first.Alerts, ids.Count(id => firstHalfCalls.Contains(id!)));
        Assert.Equal(second.Alerts, ids.Count(id => !firstHalfCalls.Contains(id!)));
        var agreement = Agreement(KafkaHarness.AlertIds(alerts.Select(a => a.Value!)), KafkaHarness.FileScorerAlertIds(lines));
        output.WriteLine($"restart with full rebuild: alert-set agreement {agreement:P2}");
        Assert.True(agreement >= 0.99, $"alert-set agreement after the restart {agreement:P2}");
        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());
    }

    /// <summary>Jaccard agreement of two alert sets.</summary>
    internal static double Agreement(HashSet<string> a, HashSet<string> b)
    {
        var union = a.Union(b).Count();
        return union == 0 ? 1 : a.Intersect(b).Count() / (double)union;
    }

    private static string Fingerprint(InputMessage m) =>
        $"{Convert.ToBase64String(m.Key ?? [])}|{m.Key is null}|{Convert.ToBase64String(m.Value ?? [])}|{m.Value is null}|" +
        string.Join(";", m.Headers.Select(h => h.Key + "=" + Convert.ToBase64String(h.Value)));

    /// <summary>A dead letter's <c>fraudstream-source</c> (<c>topic/partition/offset</c>) as the log names it.</summary>
    private static string Origin(string? source)
    {
        var parts = (source ?? "").Split('/');
        return $"{parts[0]} partition {parts[1]} offset {parts[2]}";
    }

    [GeneratedRegex(@"^calls/[0-3]/\d+$")]
    private static partial Regex SourceHeader();

    [GeneratedRegex(@"\+\d{7,15}")]
    private static partial Regex PhoneNumber();

    /// <summary>The errors of the failed commits <see cref="IProcessorMetrics.OffsetCommitFailed"/> was told of, in order; the rest goes nowhere.</summary>
    private sealed class CommitFailures : NullProcessorMetrics
    {
        private readonly ConcurrentQueue<string> _errors = new();

        public IReadOnlyList<string> Errors => [.. _errors];

        public override void OffsetCommitFailed(string error) => _errors.Enqueue(error);
    }

    /// <summary>Counts <see cref="IProcessorMetrics.ObserveProcessing"/> by settlement; the rest goes nowhere.</summary>
    private sealed class SettlementCounts : NullProcessorMetrics
    {
        private readonly long[] _counts = new long[Enum.GetValues<Settlement>().Length];
        private long _negative;

        public long Total => _counts.Sum();

        public bool AllNonNegative => Interlocked.Read(ref _negative) == 0;

        public long Count(Settlement settlement) => Interlocked.Read(ref _counts[(int)settlement]);

        public override void ObserveProcessing(Settlement settlement, double seconds)
        {
            Interlocked.Increment(ref _counts[(int)settlement]);
            if (seconds < 0)
            {
                Interlocked.Increment(ref _negative);
            }
        }
    }
}
