using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using FraudStream.Kafka.Processing;
using Xunit.Abstractions;

namespace FraudStream.Service.Tests;

/// <summary>The processor under crashes, a second group member, broker outages and produce errors (embedded broker in this process).</summary>
[Trait("Category", "Integration")]
public sealed partial class ResilienceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_slow_broker_holds_an_assignment_for_one_query_timeout_in_all_and_a_stop_for_no_further_query_Integration()
    {
        // Sixteen partitions with committed offsets, so that a new member asks each one's log start before rebuilding.
        using var kafka = new KafkaHarness(inputPartitions: 16);
        var messages = KafkaHarness.ToMessages(KafkaHarness.MakeLines(4_000, seed: 5));
        kafka.Produce(messages);
        var first = await new ProcessorService(kafka.Settings(stopWhenIdle: Idle), KafkaHarness.Logs(output)).RunAsync(CancellationToken.None);
        Assert.Equal(messages.Count, first.Consumed);

        // Every answer 1.5 s late: a log-start query each, one after the other, would take 24 s.
        kafka.Broker.SetRoundTripDelay(1, 1_500);
        var logs = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var run = new ProcessorService(kafka.Settings(), KafkaHarness.Logs(output, logs)).RunAsync(stop.Token);
        await EndpointTests.WaitUntil(() => logs.Any(l => l.StartsWith("Information [3001]", StringComparison.Ordinal)), stop.Token);
        var assigned = Stopwatch.StartNew();
        await EndpointTests.WaitUntil(() => logs.Any(l => l.StartsWith("Warning [3021] Partitions ", StringComparison.Ordinal)), stop.Token);
        Assert.True(assigned.Elapsed < TimeSpan.FromSeconds(25), $"the queries stopped after {assigned.Elapsed.TotalSeconds:F1} s");
        // One line names every partition not asked; the one asked as the time ran out failed on its own (3014).
        var late = logs.Single(l => l.StartsWith("Warning [3021]", StringComparison.Ordinal));
        Assert.Contains("15: no history rebuilt (their log starts were not asked: the assignment's queries took their 10 s)", late, StringComparison.Ordinal);
        await stop.CancelAsync();
        await run;

        // A stop asked as the assignment begins makes no query: the member stops in the time of its commit and
        // leaving (a few round trips), where sixteen queries would have taken 24 s more.
        logs.Clear();
        using var stop2 = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var third = new ProcessorService(kafka.Settings(), KafkaHarness.Logs(output, logs)).RunAsync(stop2.Token);
        await EndpointTests.WaitUntil(() => logs.Any(l => l.StartsWith("Information [3001]", StringComparison.Ordinal)), stop2.Token);
        await stop2.CancelAsync();
        var stopping = Stopwatch.StartNew();
        var result = await third;
        Assert.Equal(StopReason.Cancelled, result.Reason);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(12), $"the stop took {stopping.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"stopped {stopping.Elapsed.TotalSeconds:F1} s after the stop was asked");
    }

    [Fact]
    public async Task Killed_processor_restarts_without_skipping_a_record_and_repeats_only_the_uncommitted_tail_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 4);
        var lines = KafkaHarness.MakeLines(16_000, seed: 31);
        var messages = KafkaHarness.ToMessages(lines);

        // The processor runs as a child process while the input arrives, and is killed (SIGKILL) mid-stream.
        using var child = StartRun(kafka, stopWhenIdle: null);
        var feeding = Task.Run(() =>
        {
            foreach (var chunk in messages.Chunk(500))
            {
                kafka.Produce(chunk);
                Thread.Sleep(150);
            }
        });
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (kafka.Committed("fraudstream").Where(o => o > 0).Sum() < 4_000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        child.Kill(); // SIGKILL: no drain, no commit, no leaving the group
        await child.WaitForExitAsync();
        var committedAtKill = kafka.Committed("fraudstream").Select(o => Math.Max(o, 0)).ToArray();
        await feeding;
        var firstAlerts = kafka.ReadAll(KafkaHarness.Alerts).Count;
        output.WriteLine($"killed with {committedAtKill.Sum()} of {messages.Count} records committed and {firstAlerts} alerts out");
        Assert.InRange(committedAtKill.Sum(), 4_000, messages.Count - 1);

        // Restarted (same group): it resumes from the committed offsets and finishes.
        using (var second = StartRun(kafka, stopWhenIdle: "4"))
        {
            var stdout = await second.StandardOutput.ReadToEndAsync();
            await second.WaitForExitAsync();
            Assert.True(second.ExitCode == 0, stdout);
        }

        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());
        var alerts = kafka.ReadAll(KafkaHarness.Alerts).Select(ParseAlert).ToList();
        var deadLetters = kafka.ReadAll(KafkaHarness.Dlq);

        // No record skipped: every invalid record has a dead letter, and the alerts agree with file scoring.
        var invalid = messages.Count(m => !Records.CallRecordParser.TryParse(m.Value, out _, out _));
        var deadSources = deadLetters.Select(d => d.Header("fraudstream-source")!).ToList();
        Assert.Equal(invalid, deadSources.Distinct().Count());
        var streamIds = alerts.Select(a => a.Id).ToHashSet();
        var fileIds = KafkaHarness.FileScorerAlertIds(lines);
        var agreement = ProcessingTests.Agreement(streamIds, fileIds);
        output.WriteLine($"after the kill and restart: alerts {alerts.Count} ({streamIds.Count} distinct), file alerts {fileIds.Count}, agreement {agreement:P2}");
        Assert.True(agreement >= 0.99, $"alert-set agreement {agreement:P2}");

        // Duplicates only from the tail after the last commit before the kill, each with the same alert id and source.
        var duplicates = alerts.GroupBy(a => a.Id).Where(g => g.Count() > 1).ToList();
        foreach (var group in duplicates)
        {
            Assert.Single(group.Select(a => (a.Partition, a.Offset)).Distinct());
            Assert.True(group.First().Offset >= committedAtKill[group.First().Partition],
                $"alert {group.Key} repeated from partition {group.First().Partition} offset {group.First().Offset}, committed {committedAtKill[group.First().Partition]}");
        }
        foreach (var repeated in deadSources.GroupBy(s => s).Where(g => g.Count() > 1))
        {
            var parts = repeated.Key.Split('/');
            Assert.True(long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) >= committedAtKill[int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)]);
        }
        output.WriteLine($"repeated alerts {duplicates.Count}, repeated dead letters {deadSources.Count - deadSources.Distinct().Count()}");
    }

    [Fact]
    public async Task Two_processors_in_one_group_split_the_partitions_and_alert_on_nearly_what_one_alone_alerts_on_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 4);
        var lines = KafkaHarness.MakeLines(20_000, seed: 41);
        var messages = KafkaHarness.ToMessages(lines);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stop = new CancellationTokenSource();
        var a = new ProcessorService(kafka.Settings(), KafkaHarness.Logs(output));
        var b = new ProcessorService(kafka.Settings(), KafkaHarness.Logs(output));
        var runA = a.RunAsync(stop.Token);
        var runB = b.RunAsync(stop.Token);
        await EndpointTests.WaitUntil(() => a.Processor.Health.Assigned && b.Processor.Health.Assigned, timeout.Token);
        kafka.Produce(messages);
        await EndpointTests.WaitUntil(() => a.Processor.Consumed + b.Processor.Consumed >= messages.Count, timeout.Token);
        await stop.CancelAsync();
        var (resultA, resultB) = (await runA, await runB);

        Assert.True(resultA.Consumed > 0 && resultB.Consumed > 0, $"split {resultA.Consumed}/{resultB.Consumed}");
        Assert.Equal(messages.Count, resultA.Consumed + resultB.Consumed);
        var together = KafkaHarness.AlertIds(kafka.ReadAll(KafkaHarness.Alerts).Select(m => m.Value!));

        // One processor alone, on the same topic, in a group of its own.
        var alone = await new ProcessorService(kafka.Settings(stopWhenIdle: Idle, group: "alone"), KafkaHarness.Logs(output)).RunAsync(CancellationToken.None);
        Assert.Equal(messages.Count, alone.Consumed);
        var all = kafka.ReadAll(KafkaHarness.Alerts).Select(m => m.Value!).ToList();
        var aloneIds = KafkaHarness.AlertIds(all.Skip(together.Count));
        var covered = together.Intersect(aloneIds).Count() / (double)aloneIds.Count;
        output.WriteLine($"two processors ({resultA.Consumed}+{resultB.Consumed} records): {together.Count} alerts; one alone: {aloneIds.Count}; " +
            $"the two alert on {covered:P2} of the calls one alone alerts on, plus {together.Except(aloneIds).Count()} others");
        Assert.True(covered >= 0.97, $"covered {covered:P2}");
    }

    [Fact]
    public async Task A_member_joining_while_records_flow_takes_its_partitions_over_without_losing_a_record_Integration()
    {
        // A rebalance's callbacks run inside the client's poll, in the middle of what the processor takes at once; the
        // processor skips what it took for partitions it lost, and reads again from the start of an assignment it got
        // during the take (event 3023). Every invalid record has a place of its own in the topic, so a record lost on
        // the way shows as a dead letter missing; a record read twice (at least once, after a rebalance) does not.
        using var kafka = new KafkaHarness(inputPartitions: 8);
        var lines = KafkaHarness.MakeLines(36_000, seed: 47, invalidEvery: 13);
        // Without the records over the size limit: hundreds of 64 KiB values (and their dead letters) would take the
        // partitions past what the embedded broker keeps, and it would drop the oldest.
        lines.RemoveAll(l => l.Length > Records.CallRecordParser.MaxRecordBytes);
        var messages = KafkaHarness.ToMessages(lines);
        var invalid = messages.Count(m => !Records.CallRecordParser.TryParse(m.Value, out _, out _));
        var logs = new ConcurrentQueue<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var stop = new CancellationTokenSource();
        var a = new ProcessorService(kafka.Settings(), KafkaHarness.Logs(output, logs));
        var runA = a.RunAsync(stop.Token);
        Task<ProcessorResult>? runB = null;
        ProcessorService? b = null;
        try
        {
            await EndpointTests.WaitUntil(() => a.Processor.Health.Assigned, timeout.Token);

            // Records flow for about 8 s; the second member starts once a quarter of them are in, and takes effect at
            // the first member's next heartbeat, while they still flow. The last quarter waits for its assignment, so that
            // it gets records however slow the machine.
            const int Chunks = 40;
            var chunk = (messages.Count + Chunks - 1) / Chunks;
            var produced = 0;
            ProcessorService? second = null;
            var producing = Task.Run(async () =>
            {
                for (var i = 0; i < Chunks; i++)
                {
                    if (i == Chunks * 3 / 4)
                    {
                        await EndpointTests.WaitUntil(() => Volatile.Read(ref second)?.Processor.Health.Assigned == true, timeout.Token);
                    }
                    kafka.Produce(messages.Skip(i * chunk).Take(chunk));
                    Volatile.Write(ref produced, Math.Min(messages.Count, (i + 1) * chunk));
                    await Task.Delay(200, timeout.Token);
                }
            }, timeout.Token);
            await EndpointTests.WaitUntil(() => Volatile.Read(ref produced) >= messages.Count / 4 && a.Processor.Consumed > 0, timeout.Token);
            b = new ProcessorService(kafka.Settings(), KafkaHarness.Logs(output, logs));
            runB = b.RunAsync(stop.Token);
            Volatile.Write(ref second, b);
            await producing;
            await EndpointTests.WaitUntil(() => a.Processor.Consumed + b.Processor.Consumed >= messages.Count
                && kafka.Committed("fraudstream").Sum() == messages.Count, timeout.Token);
        }
        finally
        {
            // Also when a wait timed out: neither member may run on while the broker is disposed, or into other tests.
            await stop.CancelAsync();
            var running = runB is null ? [runA] : new Task[] { runA, runB };
            await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(60));
        }
        var resultA = await runA;
        var resultB = await runB!;

        output.WriteLine($"first member {resultA.Consumed} records, second {resultB.Consumed}; read again from an assignment's start " +
            $"(3023): {logs.Count(l => l.Contains("[3023]", StringComparison.Ordinal))} times");
        Assert.True(resultB.Consumed > 0, "the second member took partitions over");
        Assert.True(resultA.Consumed + resultB.Consumed >= messages.Count);
        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());
        var deadLetters = kafka.ReadAll(KafkaHarness.Dlq);
        var sources = deadLetters.Select(d => d.Header("fraudstream-source")).Distinct().Count();
        // Read twice: on the embedded broker the commit at the revocation is refused (its group, rebalancing, takes no
        // commit; Kafka takes one from the generation that is ending), so the new owner starts at the last commit before.
        var repeated = deadLetters.GroupBy(d => d.Header("fraudstream-source")!).Where(g => g.Count() > 1)
            .GroupBy(g => g.Key.Split('/')[1]).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {g.Min(r => long.Parse(r.Key.Split('/')[2], System.Globalization.CultureInfo.InvariantCulture))}-" +
                $"{g.Max(r => long.Parse(r.Key.Split('/')[2], System.Globalization.CultureInfo.InvariantCulture))}");
        output.WriteLine($"records read twice: {resultA.Consumed + resultB.Consumed - messages.Count}; dead letters {deadLetters.Count}, of " +
            $"{sources} records (invalid records sent {invalid}); offsets of those repeated, by partition: {string.Join(", ", repeated)}");
        Assert.Equal(invalid, sources);
        Assert.DoesNotContain(logs, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    [Fact]
    public async Task All_brokers_down_for_seconds_the_processor_waits_recovers_loses_nothing_and_says_so_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 4);
        var lines = KafkaHarness.MakeLines(8_000, seed: 51);
        var messages = KafkaHarness.ToMessages(lines);
        var half = messages.Count / 2;
        var logs = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        // Kafka's default session (45 s) outlasts such an outage; the harness's 6 s would not, with reconnection backoff.
        var settings = kafka.Settings();
        settings = settings with
        {
            Processor = settings.Processor with
            {
                KafkaSettings = new Dictionary<string, string>(settings.Processor.KafkaSettings) { ["session.timeout.ms"] = "30000" },
            },
        };
        var service = new ProcessorService(settings, KafkaHarness.Logs(output, logs));
        var run = service.RunAsync(stop.Token);
        var metricsUri = await service.MetricsUri;
        using var http = new HttpClient { BaseAddress = new Uri(metricsUri.GetLeftPart(UriPartial.Authority)) };
        kafka.Produce(messages.Take(half));
        await EndpointTests.WaitUntil(() => service.Processor.Consumed >= half, stop.Token);

        kafka.Broker.SetAllBrokersDown();
        var produceLater = Task.Run(() => kafka.Produce(messages.Skip(half))); // waits in the producer until the brokers are back
        var sawNotReady = false;
        var outage = Stopwatch.StartNew();
        while (outage.Elapsed < TimeSpan.FromSeconds(5))
        {
            var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
            if (ready.StatusCode == HttpStatusCode.ServiceUnavailable && (await ready.Content.ReadAsStringAsync()).Contains("all brokers are down", StringComparison.Ordinal))
            {
                sawNotReady = true;
            }
            await Task.Delay(200);
        }
        var duringOutage = await http.GetStringAsync(metricsUri);
        kafka.Broker.SetAllBrokersUp();
        await produceLater;
        await EndpointTests.WaitUntil(() => kafka.Committed("fraudstream").Sum() >= messages.Count, stop.Token);
        await EndpointTests.WaitUntil(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK, stop.Token);
        await stop.CancelAsync();
        var result = await run;

        Assert.True(sawNotReady, "/readyz said the brokers were down");
        Assert.Matches(@"fraudstream_kafka_client_errors_total\{error=""Local_AllBrokersDown""\} [1-9]", duringOutage);
        Assert.Contains(logs, l => l.Contains("[3005]", StringComparison.Ordinal) && l.Contains("AllBrokersDown", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Contains("[3008]", StringComparison.Ordinal) && l.Contains("all brokers are down", StringComparison.Ordinal));
        Assert.Equal(messages.Count, result.Consumed);
        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());
        var streamIds = KafkaHarness.AlertIds(kafka.ReadAll(KafkaHarness.Alerts).Select(m => m.Value!));
        var agreement = ProcessingTests.Agreement(streamIds, KafkaHarness.FileScorerAlertIds(lines));
        output.WriteLine($"after a 5 s outage: consumed {result.Consumed} of {messages.Count}, alerts {streamIds.Count}, agreement with file scoring {agreement:P2}");
        var invalid = messages.Count(m => !Records.CallRecordParser.TryParse(m.Value, out _, out _));
        Assert.Equal(invalid, kafka.ReadAll(KafkaHarness.Dlq).Count);
        // The records held back by the outage arrive as a burst, partition by partition as the producer gets them out,
        // and the merge cannot wait for a partition that has reported its end: they are scored less exactly in order.
        Assert.True(agreement >= 0.9, $"agreement {agreement:P2}");
    }

    [Fact]
    public async Task Deliveries_the_broker_keeps_refusing_with_a_retriable_error_make_the_processor_not_ready_until_they_go_through_Integration()
    {
        // The producer retries NotEnoughReplicas without reporting it (until message.timeout.ms, 5 minutes): the stall
        // itself must tell readiness, and say which record waits.
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var lines = KafkaHarness.MakeLines(3_000, seed: 62);
        var messages = KafkaHarness.ToMessages(lines);
        kafka.Produce(messages);
        kafka.Broker.PushRequestErrors(0, ErrorCode.NotEnoughReplicas, 100_000); // every produce request from now on
        var logs = new ConcurrentQueue<string>();
        var settings = kafka.Settings();
        var service = new ProcessorService(settings with { Processor = settings.Processor with { DeliveryStall = TimeSpan.FromSeconds(3) } },
            KafkaHarness.Logs(output, logs));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var run = service.RunAsync(stop.Token);
        ProcessorResult result;
        try
        {
            await EndpointTests.WaitUntil(() => service.Processor.Consumed >= messages.Count, stop.Token);
            await EndpointTests.WaitUntil(() => !service.Processor.Health.Ready && service.Processor.Health.Assigned, stop.Token);
            Assert.Equal("alerts or dead letters unacknowledged for over 3 s", service.Processor.Health.Problem);
            var stalled = Assert.Single(logs, l => l.StartsWith("Warning [3026]", StringComparison.Ordinal));
            Assert.Matches(@"the oldest, for partition \d offset \d+, to (fraud-alerts|calls-dlq), waited \d+ s", stalled);
            Assert.Empty(kafka.ReadAll(KafkaHarness.Alerts));
            Assert.True(kafka.Committed("fraudstream").Sum() < messages.Count, "committed past a delivery that waits");

            kafka.Broker.ClearRequestErrors(0);
            await EndpointTests.WaitUntil(() => service.Processor.Health.Ready, stop.Token);
            Assert.Contains(logs, l => l == "Information [3008] Recovered from: alerts or dead letters unacknowledged for over 3 s");
            await EndpointTests.WaitUntil(() => kafka.Committed("fraudstream").Sum() == messages.Count, stop.Token);
        }
        finally
        {
            kafka.Broker.ClearRequestErrors(0);
            await stop.CancelAsync();
            result = await run;
        }
        Assert.Equal(StopReason.Cancelled, result.Reason);
        var alerts = kafka.ReadAll(KafkaHarness.Alerts);
        Assert.True(result.Alerts > 0);
        Assert.Equal(result.Alerts, alerts.Count); // each written once, none lost
        Assert.Equal(alerts.Count, KafkaHarness.AlertIds(alerts.Select(a => a.Value!)).Count);
    }

    [Fact]
    public async Task A_non_retriable_produce_error_stops_the_processor_within_the_fatal_timeout_committing_nothing_past_it_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var lines = KafkaHarness.MakeLines(3_000, seed: 61);
        var messages = KafkaHarness.ToMessages(lines);
        kafka.Produce(messages);
        kafka.Broker.PushRequestErrors(0, ErrorCode.TopicAuthorizationFailed, 100_000); // every produce request from now on
        var logs = new ConcurrentQueue<string>();
        var service = new ProcessorService(kafka.Settings(fatalTimeout: TimeSpan.FromSeconds(3)), KafkaHarness.Logs(output, logs));
        var clock = Stopwatch.StartNew();
        var result = await service.RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        clock.Stop();
        kafka.Broker.ClearRequestErrors(0);

        output.WriteLine($"gave up after {clock.Elapsed.TotalSeconds:F1} s: {result.FatalMessage}");
        Assert.Equal(StopReason.Fatal, result.Reason);
        Assert.Contains("TopicAuthorizationFailed", result.FatalMessage, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 3, 20);
        Assert.Contains(logs, l => l.Contains("[3007]", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Contains("[3009]", StringComparison.Ordinal));
        Assert.Empty(kafka.ReadAll(KafkaHarness.Alerts));

        // Nothing committed past the first record that needed an alert or a dead letter, in each partition.
        var committed = kafka.Committed("fraudstream");
        var fileIds = KafkaHarness.FileScorerAlertIds(lines);
        for (var p = 0; p < committed.Length; p++)
        {
            var firstNeedingDelivery = FirstOffsetNeedingDelivery(kafka, p, fileIds);
            output.WriteLine($"partition {p}: committed {committed[p]}, first record needing a delivery at {firstNeedingDelivery}");
            Assert.True(committed[p] <= firstNeedingDelivery, $"partition {p} committed {committed[p]} past {firstNeedingDelivery}");
        }

        // With the error gone, a restart delivers everything.
        var again = await new ProcessorService(kafka.Settings(stopWhenIdle: Idle), KafkaHarness.Logs(output)).RunAsync(CancellationToken.None);
        Assert.Equal(StopReason.Idle, again.Reason);
        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());
        Assert.Equal(messages.Count(m => !Records.CallRecordParser.TryParse(m.Value, out _, out _)), kafka.ReadAll(KafkaHarness.Dlq).Count);
    }

    [Fact]
    public async Task Stop_with_every_broker_down_ends_within_the_drain_and_leave_timeouts_and_reports_the_counts_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 4);
        var messages = KafkaHarness.ToMessages(KafkaHarness.MakeLines(2_000, seed: 71));
        kafka.Produce(messages);
        var logs = new ConcurrentQueue<string>();
        var settings = kafka.Settings();
        var drain = TimeSpan.FromSeconds(2);
        settings = settings with
        {
            Processor = settings.Processor with
            {
                DrainTimeout = drain,
                // A session that outlasts the stop: the commit then waits for the coordinator all that time unless bounded.
                KafkaSettings = new Dictionary<string, string>(settings.Processor.KafkaSettings) { ["session.timeout.ms"] = "30000" },
            },
        };
        using var stop = new CancellationTokenSource();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var service = new ProcessorService(settings, KafkaHarness.Logs(output, logs));
        var run = service.RunAsync(stop.Token);
        await EndpointTests.WaitUntil(() => service.Processor.Consumed >= messages.Count, timeout.Token);

        kafka.Broker.SetAllBrokersDown();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();
        await stop.CancelAsync();
        var result = await run;
        clock.Stop();
        kafka.Broker.SetAllBrokersUp();

        output.WriteLine($"stopped in {clock.Elapsed.TotalSeconds:F1} s with every broker down");
        Assert.Equal(StopReason.Cancelled, result.Reason);
        Assert.Equal(messages.Count, result.Consumed);
        var bound = drain + StreamProcessor.LeaveTimeout + StreamProcessor.FinalFlushTimeout;
        Assert.True(clock.Elapsed < bound + TimeSpan.FromSeconds(3), $"the stop took {clock.Elapsed.TotalSeconds:F1} s, more than {bound.TotalSeconds:F0} s and some");
        Assert.Contains(logs, l => l.Contains("[3011]", StringComparison.Ordinal));
    }

    [Fact]
    public void Unreachable_brokers_are_logged_a_few_times_not_at_every_attempt_and_the_stop_ends_cleanly()
    {
        var logs = new ConcurrentQueue<string>();
        var options = new ProcessorOptions { BootstrapServers = "127.0.0.1:1", WarmUp = TimeSpan.Zero, DrainTimeout = TimeSpan.FromSeconds(1) };
        var scorer = KafkaHarness.NewScorer();
        var processor = new StreamProcessor(options, scorer, logger: KafkaHarness.Logs(output, logs).CreateLogger("test"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var clock = Stopwatch.StartNew();

        var result = processor.Run(stop.Token); // stopping used the closed consumer and threw ObjectDisposedException

        clock.Stop();
        var clientLines = logs.Count(l => l.Contains("[3005]", StringComparison.Ordinal) || l.Contains("[3013]", StringComparison.Ordinal));
        output.WriteLine($"{clientLines} client error and warning lines in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(StopReason.Cancelled, result.Reason);
        Assert.Equal("all brokers are down", processor.Health.Problem);
        // Each failed connection attempt (several a second per client) was a line, about 80 in these 4 s; now each kind is
        // logged once per 30 s: per client, the connection failure as an error and as a log line, and all brokers down
        // (6 seen), with room for a few other kinds a librdkafka version may add.
        Assert.InRange(clientLines, 1, 12);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4) + options.DrainTimeout + StreamProcessor.LeaveTimeout + StreamProcessor.FinalFlushTimeout);
    }

    /// <summary>The offset of the first record of <paramref name="partition"/> that file scoring alerts on or that is invalid.</summary>
    private static long FirstOffsetNeedingDelivery(KafkaHarness kafka, int partition, HashSet<string> alerted)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = kafka.Broker.Bootstrap,
            GroupId = "inspect-" + Guid.NewGuid().ToString("N"),
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(KafkaHarness.Input, partition, Offset.Beginning));
        while (consumer.Consume(TimeSpan.FromSeconds(10)) is { } r && !r.IsPartitionEOF)
        {
            if (!Records.CallRecordParser.TryParse(r.Message.Value, out var record, out _) || alerted.Contains(record.CallId.ToString()))
            {
                return r.Offset.Value;
            }
        }
        return long.MaxValue;
    }

    private static (string Id, int Partition, long Offset) ParseAlert(OutputMessage message)
    {
        using var json = JsonDocument.Parse(message.Value);
        var source = json.RootElement.GetProperty("source");
        return (json.RootElement.GetProperty("alert_id").GetString()!, source.GetProperty("partition").GetInt32(), source.GetProperty("offset").GetInt64());
    }

    /// <summary><c>fraudstream run</c> as a child process against the harness's broker.</summary>
    private static Process StartRun(KafkaHarness kafka, string? stopWhenIdle)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fraudstream.dll"));
        foreach (var arg in new[] { "run", "--bootstrap", kafka.Broker.Bootstrap, "--model", KafkaHarness.DefaultModelPath, "--metrics-port", "0", "--metrics-host", "127.0.0.1", "--log-format", "json" })
        {
            start.ArgumentList.Add(arg);
        }
        if (stopWhenIdle is not null)
        {
            start.ArgumentList.Add("--stop-when-idle");
            start.ArgumentList.Add(stopWhenIdle);
        }
        start.Environment["FRAUDSTREAM__KAFKA__SESSION_TIMEOUT_MS"] = "6000";
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { }; // logs: read and dropped, so the pipe never fills
        process.BeginErrorReadLine();
        return process;
    }
}
