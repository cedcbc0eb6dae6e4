using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FraudStream.Alerts;
using FraudStream.Core.Tests.Features;
using FraudStream.Features;
using FraudStream.Pipeline;
using FraudStream.Records;
using FraudStream.Scoring;

namespace FraudStream.Core.Tests.Pipeline;

public sealed class CallScorerTests
{
    private static readonly int Dno = FeatureSchema.Current.IndexOf("caller_on_do_not_originate_list");
    private static readonly int Answered = FeatureSchema.Current.IndexOf("disposition_answered");
    private static readonly int Foreign = FeatureSchema.Current.IndexOf("origin_outside_us_ca");

    /// <summary>
    /// Three stumps: +3 if the caller is on the do-not-originate list, +1 if the call entered from abroad,
    /// +0.5 if answered (else the mirrored negative); calibrated as p = 1 / (1 + exp(-raw)).
    /// </summary>
    private static FraudModel Model(float threshold = 0.9f, float answeredLeaf = 0.5f)
    {
        var count = FeatureSchema.Current.Count;
        var ensemble = new TreeEnsemble(
            count,
            nodeStart: [0, 1, 2, 3],
            leafStart: [0, 2, 4, 6],
            splitFeature: [Dno, Foreign, Answered],
            threshold: [0.5f, 0.5f, 0.5f],
            left: [~0, ~0, ~0],
            right: [~1, ~1, ~1],
            leafValue: [-3, 3, -1, 1, -answeredLeaf, answeredLeaf],
            bias: 0,
            calibratorSlope: -1,
            calibratorOffset: 0);
        return new FraudModel("test-model", threshold, FeatureSchema.Current.Hash, FeatureSchema.Current.Names, ensemble);
    }

    private static CallRecord IrsCall(double durationS) => CallBuilder.Call(
        "+18008291040", "+14155550199", CallBuilder.Monday, origin: "IN", attest: Attestation.None,
        disposition: Disposition.Answered, durationS: durationS);

    [Fact]
    public void Score_alerts_with_reasons_strongest_first_and_a_pattern()
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), Model());

        scorer.Score(IrsCall(600), out var scored);

        Assert.True(scored.Alerted);
        Assert.Equal(1 / (1 + Math.Exp(-4.5)), scored.Score, 9);
        Assert.Equal(0.9f, scored.Threshold);
        Assert.True(scored.VictimEngaged);
        Assert.Equal(FraudPattern.GovernmentImpersonation, scored.Pattern);
        Assert.Equal(3, scored.ReasonCount);
        Assert.Equal(new AlertReason(Dno, 1, 6), scored.Reasons[0]);
        Assert.Equal(new AlertReason(Foreign, 1, 2), scored.Reasons[1]);
        Assert.Equal(new AlertReason(Answered, 1, 1), scored.Reasons[2]);
    }

    [Fact]
    public void The_pattern_rules_see_whether_the_victim_is_engaged()
    {
        // A local number from India: an impersonator's follow-up while the victim is on the line, a neighbour-spoofing leg if not.
        var scorer = new CallScorer(Featurizer.CreateDefault(), Model(), thresholdOverride: 0);
        CallRecord Call(double durationS) => CallBuilder.Call("+14155551234", "+14155550199", CallBuilder.Monday, origin: "IN",
            attest: Attestation.None, disposition: Disposition.Answered, durationS: durationS);

        scorer.Score(Call(1_200), out var engaged);
        scorer.Score(Call(12), out var blastLeg);

        Assert.True(engaged.VictimEngaged);
        Assert.Equal(FraudPattern.GovernmentImpersonation, engaged.Pattern);
        Assert.False(blastLeg.VictimEngaged);
        Assert.Equal(FraudPattern.NeighborSpoofing, blastLeg.Pattern);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.PositiveInfinity)]
    public void A_threshold_outside_0_to_1_is_refused(float threshold) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CallScorer(Featurizer.CreateDefault(), Model(), threshold));

    [Theory]
    [InlineData(0.00002f)] // contributes 0.00004: positive, but 0.0000 at the alert's four decimals
    [InlineData(0.000025f)] // 0.00005 as a float is just below it, and rounds to 0.0000 too
    public void A_contribution_the_alert_would_write_as_0_is_not_a_reason(float answeredLeaf)
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), Model(answeredLeaf: answeredLeaf));

        scorer.Score(IrsCall(600), out var scored);

        Assert.True(scored.Alerted);
        Assert.Equal(2, scored.ReasonCount);
        Assert.Equal(Dno, scored.Reasons[0].Feature);
        Assert.Equal(Foreign, scored.Reasons[1].Feature);
    }

    [Fact]
    public void Score_does_not_alert_below_the_threshold_and_leaves_reasons_empty()
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), Model());
        var call = CallBuilder.Call("+12125550100", "+14155550199", CallBuilder.Monday);

        scorer.Score(call, out var scored);

        Assert.False(scored.Alerted);
        Assert.Equal(1 / (1 + Math.Exp(-(-3 - 1 + 0.5))), scored.Score, 9);
        Assert.Equal(0, scored.ReasonCount);
    }

    [Fact]
    public void Victim_is_engaged_only_from_300_seconds_of_talk()
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), Model());

        scorer.Score(IrsCall(299.9), out var shortCall);
        scorer.Score(IrsCall(300), out var longCall);

        Assert.True(shortCall.Alerted);
        Assert.False(shortCall.VictimEngaged);
        Assert.True(longCall.VictimEngaged);
    }

    [Fact]
    public void Score_without_alerting_builds_history_but_never_alerts()
    {
        var featurizer = Featurizer.CreateDefault();
        var scorer = new CallScorer(featurizer, Model());

        scorer.Score(IrsCall(600), out var scored, alerting: false);

        Assert.False(scored.Alerted);
        Assert.Equal(1, featurizer.GetStats().Callers.Keys);
    }

    [Fact]
    public void Threshold_override_and_model_swap_take_effect()
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), Model(threshold: 0.999f), thresholdOverride: 0.5f);
        scorer.Score(IrsCall(10), out var overridden);
        Assert.True(overridden.Alerted);
        Assert.Equal(0.5f, overridden.Threshold);

        var strict = new CallScorer(Featurizer.CreateDefault(), Model(threshold: 0.999f));
        strict.Score(IrsCall(10), out var before);
        strict.SwapModel(Model(threshold: 0.5f));
        strict.Score(IrsCall(10), out var after);
        Assert.False(before.Alerted);
        Assert.True(after.Alerted);
    }

    [Fact]
    public void Alert_json_follows_the_contract()
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), Model());
        var record = IrsCall(600);
        scorer.Score(record, out var scored);
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AlertWriter(buffer, FeatureSchema.Current.Names);
        var detected = new DateTime(2026, 11, 23, 15, 0, 1, 500, DateTimeKind.Utc);

        writer.Write(record, scored, "test-model", AlertSource.Kafka("calls", 3, 12345), detected);

        var alert = JsonDocument.Parse(buffer.WrittenMemory).RootElement;
        Assert.Equal("c-1", alert.GetProperty("alert_id").GetString());
        Assert.Equal("c-1", alert.GetProperty("call_id").GetString());
        Assert.Equal("2026-11-23T15:00:00Z", alert.GetProperty("start").GetString());
        Assert.Equal("+18008291040", alert.GetProperty("caller").GetString());
        Assert.Equal("+14155550199", alert.GetProperty("callee").GetString());
        Assert.Equal("IN", alert.GetProperty("orig_country").GetString());
        Assert.Equal("trunk-1", alert.GetProperty("trunk").GetString());
        Assert.Equal((float)scored.Score, alert.GetProperty("score").GetSingle());
        Assert.Equal(0.9f, alert.GetProperty("threshold").GetSingle());
        Assert.Contains("\"threshold\":0.9,", Encoding.UTF8.GetString(buffer.WrittenSpan), StringComparison.Ordinal);
        Assert.Equal("test-model", alert.GetProperty("model").GetString());
        Assert.Equal("government_impersonation", alert.GetProperty("pattern").GetString());
        Assert.True(alert.GetProperty("victim_engaged").GetBoolean());
        var reason = alert.GetProperty("reasons")[0];
        Assert.Equal("caller_on_do_not_originate_list", reason.GetProperty("feature").GetString());
        Assert.Equal(1, reason.GetProperty("value").GetDouble());
        Assert.Equal(6, reason.GetProperty("contribution").GetDouble());
        Assert.Equal(detected, alert.GetProperty("detected_at").GetDateTime().ToUniversalTime());
        var source = alert.GetProperty("source");
        Assert.Equal("calls", source.GetProperty("topic").GetString());
        Assert.Equal(3, source.GetProperty("partition").GetInt32());
        Assert.Equal(12345, source.GetProperty("offset").GetInt64());
        Assert.Equal(15, alert.EnumerateObject().Count());
    }

    [Theory]
    [InlineData(0.4397124f)]
    [InlineData(0.84541225f)]
    [InlineData(0.3f)]
    [InlineData(1e-7f)]
    [InlineData(1f)]
    public void An_alert_writes_the_threshold_in_force_exactly_and_a_score_never_below_it(float threshold)
    {
        // The threshold as train, evaluate and the card print it (the float's shortest text), and a score written at or
        // above it whenever it is: scores at the threshold, one double above it and a little more.
        var record = IrsCall(600);
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new AlertWriter(buffer, FeatureSchema.Current.Names);
        double[] scores = [threshold, Math.BitIncrement((double)threshold), threshold + 1e-8, threshold + 4e-8, Math.Min(1, threshold * 1.0000001)];
        foreach (var score in scores.Where(s => s >= threshold && s <= 1))
        {
            buffer.Clear();
            var scored = new ScoredCall { Score = score, Threshold = threshold, Alerted = true };
            writer.Write(record, scored, "m", AlertSource.Kafka("calls", 0, 1), new DateTime(2026, 11, 23, 15, 0, 0, DateTimeKind.Utc));

            var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
            Assert.Contains("\"threshold\":" + threshold.ToString("R", CultureInfo.InvariantCulture) + ",", text, StringComparison.Ordinal);
            var alert = JsonDocument.Parse(buffer.WrittenMemory).RootElement;
            Assert.True(alert.GetProperty("score").GetDouble() >= alert.GetProperty("threshold").GetDouble(), text);
            Assert.True(alert.GetProperty("score").GetDecimal() >= alert.GetProperty("threshold").GetDecimal(), text);
        }
    }

    [Fact]
    public void Scoring_a_call_that_is_not_alerted_allocates_nothing()
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), Model());
        var calls = Enumerable.Range(0, 2000).Select(i => CallBuilder.Call(
            CallBuilder.Nyc(i % 500), "+1415555" + (i % 700).ToString("0000", System.Globalization.CultureInfo.InvariantCulture),
            CallBuilder.Monday.AddSeconds(i))).ToArray();
        foreach (var call in calls.AsSpan(0, 1000))
        {
            scorer.Score(call, out _);
        }

        var allocated = Allocations.LeastOfThree(() =>
        {
            foreach (var call in calls.AsSpan(1000))
            {
                scorer.Score(call, out _);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_contribution_is_a_reason_exactly_when_the_alert_writes_it_above_zero()
    {
        // The cheap test FillReasons makes against the rounding the alert writes with, on the values around the
        // rounding's edge (0.00005 and its neighbouring floats), both signs, specials, and random values of every scale.
        var values = new List<float> { 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, 1e17f, 0.5f, 1f };
        foreach (var edge in new[] { 0.00005f, 0.00015f, 0.00025f, 0.0001f })
        {
            var below = edge;
            var above = edge;
            for (var step = 0; step < 64; step++)
            {
                values.Add(below);
                values.Add(above);
                values.Add(-above);
                below = MathF.BitDecrement(below);
                above = MathF.BitIncrement(above);
            }
        }
        var rng = new Random(41);
        for (var i = 0; i < 200_000; i++)
        {
            values.Add((float)((rng.NextDouble() - 0.3) * Math.Pow(10, rng.Next(-9, 3))));
        }
        foreach (var c in values)
        {
            var expected = Math.Round(c, AlertWriter.ContributionDecimals) <= 0;
            Assert.True(expected == CallScorer.WrittenAtMostZero(c), $"{c:R}: Math.Round gives {Math.Round(c, AlertWriter.ContributionDecimals):R}");
        }
        Assert.Contains(values, c => !CallScorer.WrittenAtMostZero(c) && c < 0.0001f); // the edge is among them
    }
}
