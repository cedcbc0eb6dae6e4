using FraudStream.Features;
using FraudStream.Kafka.Processing;
using FraudStream.Pipeline;
using FraudStream.Scoring;

namespace FraudStream.Kafka.Tests;

/// <summary>The processor's warm-up on synthetic calls (no broker).</summary>
public sealed class ProcessorWarmUpTests
{
    [Fact]
    public void Every_synthetic_call_is_a_valid_record_of_the_input_contract()
    {
        var calls = ProcessorWarmUp.SyntheticCalls(2_048);
        var call = new InboundCall();
        var countries = new HashSet<string>();
        foreach (var json in calls)
        {
            call.SetValue(json, isNull: false);
            Assert.True(call.IsValid, $"{System.Text.Encoding.UTF8.GetString(json)}: {call.Failure.Detail}");
            countries.Add(call.Record.OrigCountry.ToString());
        }
        Assert.True(countries.Count > 1, "domestic and foreign origins");
    }

    [Fact]
    public void Warm_up_scores_synthetic_calls_and_leaves_the_processors_history_alone()
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), FraudModel.Load(FraudModel.DefaultPath()));
        var before = scorer.Featurizer.GetStats();

        var result = ProcessorWarmUp.Run(scorer, TimeSpan.FromMilliseconds(200), CancellationToken.None);

        Assert.True(result.Calls >= 2_048, $"at least one pass: {result.Calls}");
        Assert.Equal(0, result.Calls % 2_048);
        // One call in 16 is scored at threshold 0 (always alerts); the others at the model's threshold.
        Assert.InRange(result.Alerts, result.Calls / 16, result.Calls);
        Assert.False(result.Cancelled);
        Assert.True(result.Milliseconds > 0);
        Assert.Equal(before, scorer.Featurizer.GetStats()); // no call, no key added to the real state
        Assert.Equal(0, before.Calls);
    }

    [Fact]
    public void Warm_up_stops_soon_when_cancelled_while_it_runs()
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), FraudModel.Load(FraudModel.DefaultPath()));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Neither the runtime going quiet nor the time limit can end it here: only the token.
        var result = ProcessorWarmUp.Run(scorer, TimeSpan.FromMinutes(10), quiet: TimeSpan.MaxValue, cancel.Token);

        Assert.True(result.Cancelled);
        Assert.False(result.Settled);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed} (one pass is well under a second)");
    }

    [Fact]
    public void Warm_up_stops_at_once_when_cancelled()
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), FraudModel.Load(FraudModel.DefaultPath()));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var result = ProcessorWarmUp.Run(scorer, TimeSpan.FromSeconds(30), cancelled.Token);

        Assert.Equal(0, result.Calls);
        Assert.False(result.Settled);
        Assert.True(result.Cancelled);
    }
}
