using System.Diagnostics;
using FraudStream.Features;
using FraudStream.Kafka.Processing;
using FraudStream.Pipeline;
using FraudStream.Scoring;

namespace FraudStream.Service.Tests;

/// <summary>The stage that writes alerts and hands them to the producer, on its own thread or inline.</summary>
public sealed class AlertStageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void On_its_thread_it_writes_and_produces_every_alert_in_the_order_submitted_waiting_when_the_ring_is_full()
    {
        var alerts = Alerts(AlertStage.Capacity * 3);
        var produced = new List<(long Offset, int Thread, byte[] Value)>();
        var slow = new ManualResetEventSlim(false);
        using var stage = new AlertStage(FeatureNames, "calls", p =>
        {
            slow.Wait(Patience); // held until the ring has filled up behind it
            produced.Add((p.Offset, Environment.CurrentManagedThreadId, p.Message!.Value!));
        }, threaded: true);

        var refused = 0;
        var submitter = new Thread(() =>
        {
            foreach (var pending in alerts)
            {
                refused += stage.Submit(pending) ? 0 : 1;
            }
        });
        submitter.Start();
        Assert.True(SpinWait.SpinUntil(() => stage.Queued == AlertStage.Capacity, Patience), $"{stage.Queued} queued");
        Assert.False(submitter.Join(200), "a submit past the ring's capacity waits for room");
        slow.Set();
        Assert.True(submitter.Join(Patience));
        Assert.Equal(0, refused);
        Assert.True(stage.Complete(Patience));

        Assert.Null(stage.Fault);
        Assert.Equal(0, stage.Queued);
        Assert.Equal(alerts.Select(a => a.Offset), produced.Select(p => p.Offset));
        Assert.DoesNotContain(produced, p => p.Thread == Environment.CurrentManagedThreadId);
        Assert.All(produced, p => Assert.Contains("\"reasons\":[", System.Text.Encoding.UTF8.GetString(p.Value), StringComparison.Ordinal));
    }

    [Fact]
    public void An_alert_thread_idle_long_enough_to_block_is_woken_by_the_next_alert()
    {
        var produced = 0;
        var alerts = Alerts(3);
        using var stage = new AlertStage(FeatureNames, "calls", _ => Interlocked.Increment(ref produced), threaded: true);

        // Busy: it polls, so a submit wakes nobody.
        Assert.True(stage.Submit(alerts[0]));
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref produced) == 1, Patience));
        Assert.True(stage.Submit(alerts[1]));
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref produced) == 2, Patience));
        // Idle: after its polls it blocks, and the next submit wakes it.
        Assert.True(SpinWait.SpinUntil(() => stage.Parked, Patience), "idle, it blocks");
        Assert.True(stage.Submit(alerts[2]));
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref produced) == 3, Patience), "woken by the submit");
        Assert.True(stage.Complete(Patience));
    }

    [Fact]
    public void Alerts_that_come_while_the_alert_thread_is_busy_or_polling_wake_nobody()
    {
        var produced = 0;
        var alerts = Alerts(200);
        using var stage = new AlertStage(FeatureNames, "calls", _ => Interlocked.Increment(ref produced), threaded: true);

        // A millisecond apart, well inside the thread's polling: only a submit that finds it blocked (at the start,
        // or after a pause of the test thread longer than the polling) wakes it.
        foreach (var pending in alerts)
        {
            Assert.True(stage.Submit(pending));
            Thread.Sleep(1);
        }

        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref produced) == alerts.Count, Patience));
        Assert.True(stage.Wakes <= 10, $"{stage.Wakes} of {alerts.Count} submits woke the alert thread");
        Assert.True(stage.Complete(Patience));
    }

    [Fact]
    public void An_alert_submitted_just_as_the_alert_thread_is_about_to_block_is_written()
    {
        // The submit lands after the thread found the ring empty and before it says it blocks: the thread must see it
        // when it looks again, since the submitter saw it not blocked and woke nobody.
        var produced = 0;
        var alerts = Alerts(2);
        AlertStage? stage = null;
        var late = 0;
        stage = new AlertStage(FeatureNames, "calls", _ => Interlocked.Increment(ref produced), threaded: true, beforeParking: () =>
        {
            if (Volatile.Read(ref produced) == 1 && Interlocked.Exchange(ref late, 1) == 0)
            {
                Assert.True(stage!.Submit(alerts[1]));
            }
        });
        using (stage)
        {
            Assert.True(stage.Submit(alerts[0]));
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref produced) == 2, Patience), $"{stage.Queued} queued, parked {stage.Parked}");
            Assert.Equal(1, Volatile.Read(ref late));
            Assert.True(stage.Complete(Patience));
        }
    }

    [Fact]
    public void Inline_it_writes_the_same_alert_documents_on_the_submitting_thread()
    {
        var written = new Dictionary<bool, List<string>>();
        foreach (var threaded in new[] { true, false })
        {
            var documents = new List<string>();
            var threads = new HashSet<int>();
            using (var stage = new AlertStage(FeatureNames, "calls", p =>
            {
                threads.Add(Environment.CurrentManagedThreadId);
                documents.Add(KafkaHarness.AlertContent(p.Message!.Value!));
            }, threaded))
            {
                Assert.Equal(threaded, stage.Threaded);
                foreach (var pending in Alerts(200))
                {
                    stage.Submit(pending);
                }
                Assert.True(stage.Complete(Patience));
            }
            Assert.Equal(!threaded, threads.SetEquals([Environment.CurrentManagedThreadId]));
            written[threaded] = documents;
        }
        Assert.Equal(200, written[false].Count);
        Assert.Equal(written[false], written[true]);
    }

    [Fact]
    public void An_exception_while_writing_stops_the_thread_and_is_kept_for_the_processor()
    {
        var fail = new ManualResetEventSlim(false);
        using var stage = new AlertStage(FeatureNames, "calls", _ =>
        {
            fail.Wait(Patience); // once all three are submitted
            throw new InvalidOperationException("synthetic failure");
        }, threaded: true);
        foreach (var pending in Alerts(3))
        {
            Assert.True(stage.Submit(pending));
        }
        fail.Set();

        Assert.True(SpinWait.SpinUntil(() => stage.Fault is not null, Patience));
        Assert.Equal("synthetic failure", stage.Fault!.Message);
        Assert.False(stage.Complete(Patience), "alerts were left unwritten");
        Assert.Equal(3, stage.Queued);
        Assert.False(stage.Submit(Alerts(1)[0]), "a failed stage takes nothing more");
    }

    [Fact]
    public void Completing_gives_up_on_a_stuck_producer_after_its_timeout_but_returns_only_once_the_thread_has_ended()
    {
        var entered = new ManualResetEventSlim(false);
        var release = new ManualResetEventSlim(false);
        var produced = 0;
        var stage = new AlertStage(FeatureNames, "calls", _ =>
        {
            entered.Set();
            release.Wait(Patience); // a producer that takes nothing, until released
            Interlocked.Increment(ref produced);
        }, threaded: true);
        foreach (var pending in Alerts(5))
        {
            stage.Submit(pending);
        }
        Assert.True(entered.Wait(Patience));
        var releaser = new Thread(() =>
        {
            SpinWait.SpinUntil(() => stage.Abandoned, Patience);
            Thread.Sleep(300);
            release.Set();
        });
        releaser.Start();

        var watch = Stopwatch.StartNew();
        Assert.False(stage.Complete(TimeSpan.FromMilliseconds(200)));
        Assert.True(stage.Abandoned);
        // It returned once the alert being produced was handed over (the thread ended, so a producer can be disposed),
        // and wrote none after it.
        Assert.True(release.IsSet, $"returned after {watch.Elapsed} while the producer was still busy");
        Assert.Equal(1, Volatile.Read(ref produced));
        Assert.Equal(4, stage.Queued);
        Assert.True(releaser.Join(Patience));
        Assert.False(stage.Submit(Alerts(1)[0]), "a stopped stage takes nothing more");
        Assert.Equal(4, stage.Queued);
    }

    private static readonly FraudModel Model = FraudModel.Load(KafkaHarness.DefaultModelPath);

    private static IReadOnlyList<string> FeatureNames => Model.FeatureNames;

    /// <summary>Valid generated calls scored at threshold 0 (so each alerts), started as alerts without their reasons.</summary>
    private static List<PendingDelivery> Alerts(int count)
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), Model, thresholdOverride: 0f);
        var owner = new StreamProcessor(new ProcessorOptions { BootstrapServers = "127.0.0.1:9" }, scorer);
        var pendings = new List<PendingDelivery>();
        foreach (var line in KafkaHarness.MakeLines(count, seed: 29, invalidEvery: int.MaxValue))
        {
            var call = new InboundCall();
            call.SetKey("+14155550100"u8, isNull: false);
            call.SetValue(line, isNull: false);
            call.SetSource("calls", 0, pendings.Count, headers: null);
            Assert.True(call.IsValid);
            scorer.Score(call.Record, out var scored, reasons: false);
            Assert.True(scored.Alerted);
            Assert.Equal(0, scored.ReasonCount);
            var pending = new PendingDelivery(owner);
            pending.StartAlert(call.Offset, Stopwatch.GetTimestamp(), "fraud-alerts", call, scorer.LastAlertModel, scorer.LastFeatures, scored);
            pendings.Add(pending);
        }
        return pendings;
    }
}
