using System.Globalization;
using System.Text;
using System.Text.Json;
using FraudStream.Pipeline;
using FraudStream.Scoring;

namespace FraudStream.Ml;

/// <summary>How one traffic class fared: its calls and how many were alerted.</summary>
public sealed record ClassResult(string Scheme, bool IsFraud, long Calls, long Alerts)
{
    public double AlertRate => Calls == 0 ? 0 : (double)Alerts / Calls;
}

/// <summary>How one scam campaign fared: calls placed before the first alert (null when never alerted).</summary>
public sealed record CampaignResult(string Campaign, string Scheme, long Calls, long Alerts, long? CallsBeforeFirstAlert);

/// <summary>A model's quality on labelled data at <paramref name="Threshold"/>: the model's own
/// (<paramref name="ModelThreshold"/>) unless another was given.</summary>
public sealed record EvaluationReport(
    string ModelId,
    float Threshold,
    float ModelThreshold,
    ThresholdMetrics Overall,
    double PrAuc,
    IReadOnlyList<ClassResult> Classes,
    IReadOnlyList<CampaignResult> Campaigns,
    CalibrationQuality Calibration)
{
    /// <summary>The text of a metric that the data leaves undefined (recall and PR-AUC without a fraudulent call).</summary>
    public const string Undefined = "NA";

    public int MissedCampaigns => Campaigns.Count(c => c.CallsBeforeFirstAlert is null);

    /// <summary>The threshold as train and the model card print it (the float's shortest round-trip form), and whose it is.</summary>
    public string ThresholdText => DescribeThreshold(Threshold, ModelThreshold);

    /// <summary><paramref name="threshold"/> as train and the model card print it, and whether it is the model's own.</summary>
    public static string DescribeThreshold(float threshold, float modelThreshold) => threshold == modelThreshold
        ? $"{Text(threshold)} (the model's own)"
        : $"{Text(threshold)} (not the model's own, {Text(modelThreshold)})";

    /// <summary>Whether recall and PR-AUC are defined: there is at least one fraudulent call to find.</summary>
    public bool HasFraud => Overall.Positives > 0;

    /// <summary>Whether precision is defined: at least one call was alerted (0 of 0 alerts is not a precision of 1).</summary>
    public bool HasAlerts => Overall.Alerts > 0;

    /// <summary>
    /// The last line of <c>fraudstream evaluate</c>; recall and PR-AUC are <see cref="Undefined"/> without fraud, precision
    /// without an alert.
    /// </summary>
    public string SummaryLine() => string.Create(CultureInfo.InvariantCulture,
        $"precision={Format(Overall.Precision, HasAlerts)} recall={Format(Overall.Recall, HasFraud)} pr_auc={Format(PrAuc, HasFraud)} alerts={Overall.Alerts} calls={Overall.Count} missed_campaigns={MissedCampaigns}");

    /// <summary>A human-readable table: overall metrics, every class, then every campaign.</summary>
    public string ToTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"model {ModelId}, threshold {ThresholdText}\n");
        sb.Append(inv, $"calls {Overall.Count}, fraud {Overall.Positives}, alerts {Overall.Alerts}, true alerts {Overall.TruePositives}\n");
        sb.Append(inv, $"precision {Format(Overall.Precision, HasAlerts)}  recall {Format(Overall.Recall, HasFraud)}  PR-AUC {Format(PrAuc, HasFraud)}  alert rate {Overall.AlertRate:P3}\n\n");
        sb.Append(inv, $"{"class",-28} {"fraud",5} {"calls",9} {"alerts",8} {"alert rate",10}\n");
        foreach (var c in Classes)
            sb.Append(inv, $"{c.Scheme,-28} {(c.IsFraud ? "yes" : "no"),5} {c.Calls,9} {c.Alerts,8} {c.AlertRate,10:P2}\n");
        sb.Append(inv, $"\ncalibration: Brier score {Calibration.Brier:0.000000}, expected calibration error {Calibration.ExpectedCalibrationError:0.0000}\n");
        sb.Append(inv, $"{"probability",-12} {"calls",9} {"mean predicted",14} {"observed fraud rate",19}\n");
        foreach (var b in Calibration.Reliability)
            sb.Append(inv, $"{$"{b.Low:0.0}-{b.High:0.0}",-12} {b.Count,9} {b.MeanPredicted,14:0.0000} {b.ObservedRate,19:0.0000}\n");
        if (Campaigns.Count > 0)
        {
            sb.Append(inv, $"\n{"campaign",-28} {"class",-26} {"calls",7} {"alerts",7} {"calls before first alert",24}\n");
            foreach (var c in Campaigns)
                sb.Append(inv, $"{c.Campaign,-28} {c.Scheme,-26} {c.Calls,7} {c.Alerts,7} {(c.CallsBeforeFirstAlert is { } n ? n.ToString(inv) : "never alerted"),24}\n");
        }
        return sb.ToString();
    }

    /// <summary>The report as one JSON document.</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        w.WriteString("model", ModelId);
        w.WriteNumber("threshold", Threshold);
        w.WriteNumber("model_threshold", ModelThreshold);
        w.WriteNumber("calls", Overall.Count);
        w.WriteNumber("fraud_calls", Overall.Positives);
        w.WriteNumber("alerts", Overall.Alerts);
        w.WriteNumber("true_alerts", Overall.TruePositives);
        WriteDefined(w, "precision", Overall.Precision, HasAlerts);
        WriteDefined(w, "recall", Overall.Recall, HasFraud);
        WriteDefined(w, "pr_auc", PrAuc, HasFraud);
        w.WriteNumber("alert_rate", Overall.AlertRate);
        w.WriteNumber("missed_campaigns", MissedCampaigns);
        w.WriteNumber("brier", Calibration.Brier);
        w.WriteNumber("calibration_error", Calibration.ExpectedCalibrationError);
        w.WriteStartArray("reliability");
        foreach (var b in Calibration.Reliability)
        {
            w.WriteStartObject();
            w.WriteNumber("low", b.Low);
            w.WriteNumber("high", b.High);
            w.WriteNumber("calls", b.Count);
            w.WriteNumber("fraud_calls", b.Positives);
            w.WriteNumber("mean_predicted", b.MeanPredicted);
            w.WriteNumber("observed_rate", b.ObservedRate);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("classes");
        foreach (var c in Classes)
        {
            w.WriteStartObject();
            w.WriteString("scheme", c.Scheme);
            w.WriteBoolean("is_fraud", c.IsFraud);
            w.WriteNumber("calls", c.Calls);
            w.WriteNumber("alerts", c.Alerts);
            w.WriteNumber("alert_rate", c.AlertRate);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("campaigns");
        foreach (var c in Campaigns)
        {
            w.WriteStartObject();
            w.WriteString("campaign", c.Campaign);
            w.WriteString("scheme", c.Scheme);
            w.WriteNumber("calls", c.Calls);
            w.WriteNumber("alerts", c.Alerts);
            if (c.CallsBeforeFirstAlert is { } n)
                w.WriteNumber("calls_before_first_alert", n);
            else
                w.WriteNull("calls_before_first_alert");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Text(float threshold) => threshold.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A metric to four decimals, or <see cref="Undefined"/> when it is not <paramref name="defined"/>.</summary>
    private static string Format(double metric, bool defined) => defined ? metric.ToString("0.0000", CultureInfo.InvariantCulture) : Undefined;

    /// <summary>A metric, or null when it is not <paramref name="defined"/>.</summary>
    private static void WriteDefined(Utf8JsonWriter w, string name, double metric, bool defined)
    {
        if (defined)
            w.WriteNumber(name, metric);
        else
            w.WriteNull(name);
    }
}

/// <summary>Scores labelled data with the served (flat) model and measures it at the model's threshold.</summary>
public static class ModelEvaluator
{
    /// <summary>Scores every row with <paramref name="model"/>; a call is alerted when its probability reaches
    /// <paramref name="threshold"/>, the model's own when null.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not a number from 0 to 1.</exception>
    public static EvaluationReport Evaluate(LabelledData data, FraudModel model, float? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(model);
        if (model.Ensemble.FeatureCount != data.FeatureCount)
            throw new ArgumentException("the model and the data have different feature counts", nameof(model));
        if (threshold is { } given && !CallScorer.IsValidThreshold(given))
            throw new ArgumentOutOfRangeException(nameof(threshold), given, "a threshold is a number from 0 to 1");
        var t = threshold ?? model.Threshold;
        var scores = new double[data.Count];
        var labels = new bool[data.Count];
        for (var i = 0; i < data.Count; i++)
        {
            scores[i] = model.Ensemble.Probability(data.Row(i));
            labels[i] = data.Labels[i];
        }

        var classes = new SortedDictionary<string, (bool Fraud, long Calls, long Alerts)>(StringComparer.Ordinal);
        var campaigns = new Dictionary<string, (string Scheme, long Calls, long Alerts, long? Before)>(StringComparer.Ordinal);
        for (var i = 0; i < data.Count; i++)
        {
            var alerted = scores[i] >= t;
            var scheme = data.Schemes[i];
            classes.TryGetValue(scheme, out var c);
            classes[scheme] = (c.Fraud || labels[i], c.Calls + 1, c.Alerts + (alerted ? 1 : 0));
            // Campaign names are unique within a folder; prefix the folder so two folders never merge.
            if (data.Campaigns[i] is { } name)
            {
                var key = data.Sources.Count > 1 ? $"{data.SourceIndex[i]}:{name}" : name;
                campaigns.TryGetValue(key, out var k);
                var before = k.Before ?? (alerted ? k.Calls : (long?)null);
                campaigns[key] = (scheme, k.Calls + 1, k.Alerts + (alerted ? 1 : 0), before);
            }
        }
        return new EvaluationReport(
            model.Id,
            t,
            model.Threshold,
            ClassificationMetrics.At(scores, labels, t),
            ClassificationMetrics.AveragePrecision(scores, labels),
            [.. classes.Select(kv => new ClassResult(kv.Key, kv.Value.Fraud, kv.Value.Calls, kv.Value.Alerts))],
            [.. campaigns.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new CampaignResult(kv.Key, kv.Value.Scheme, kv.Value.Calls, kv.Value.Alerts, kv.Value.Before))],
            CalibrationQuality.Of(scores, labels));
    }
}
