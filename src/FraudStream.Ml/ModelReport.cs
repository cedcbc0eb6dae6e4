using System.Globalization;
using System.Text;
using ScottPlot;

namespace FraudStream.Ml;

/// <summary>Writes the model card (Markdown) and the plot (PNG) that go beside a trained model.</summary>
public static class ModelReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes <c>NAME.card.md</c>: what the model is, what it was trained on and how well it did.</summary>
    public static void WriteCard(string path, string modelPath, string modelSha256, string? plotFile, TrainingResult result,
        LabelledData data, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var m = result.Model;
        var sb = new StringBuilder();
        sb.Append(Inv, $"# Model card: {m.Id}\n\n");
        sb.Append(Inv, $"FastTree gradient-boosted trees (ML.NET) scoring each call's probability of being fraud from {data.FeatureCount} features.\n");
        sb.Append(Inv, $"A call is alerted when its probability is at least **{m.Threshold.ToString("R", Inv)}**; the threshold is stored in the model file (entry `fraudstream/model.json`, beside ML.NET's own model).\n\n");
        sb.Append("| item | value |\n|---|---|\n");
        sb.Append(Inv, $"| file | `{Path.GetFileName(modelPath)}` |\n");
        sb.Append(Inv, $"| SHA-256 | `{modelSha256}` |\n");
        sb.Append(Inv, $"| model id | `{m.Id}` |\n");
        sb.Append(Inv, $"| feature schema hash | `{m.SchemaHash}` |\n");
        sb.Append(Inv, $"| alert threshold | {m.Threshold.ToString("R", Inv)} (lowest reaching precision {options.TargetPrecision:0.####} on the tuning hold-out{(result.TargetReached ? "" : "; NOT reached, highest-precision threshold used")}) |\n");
        sb.Append(Inv, $"| seed | {options.Seed} |\n");
        sb.Append(Inv, $"| trainer | FastTreeBinary: trees {options.Trees}, leaves {options.Leaves}, learning rate {options.LearningRate}, min examples per leaf {options.MinimumExamplesPerLeaf}, 1 thread |\n");
        sb.Append(Inv, $"| calibrator | Platt, fitted on {result.CalibrationRows} calibration rows ({result.CalibrationFraudRows} fraud; the {options.CalibrationFraction:P0} of each folder just before its hold-out, never trained on): slope {m.Ensemble.CalibratorSlope.ToString("R", Inv)}, offset {m.Ensemble.CalibratorOffset.ToString("R", Inv)} |\n");
        sb.Append(Inv, $"| trees / nodes | {m.Ensemble.TreeCount} / {m.Ensemble.SplitFeature.Length} |\n");
        sb.Append(Inv, $"| rows | {data.Count} ({result.TrainRows} training, {result.CalibrationRows} calibration, {result.HoldOutRows} hold-out: the latest {options.HoldOutFraction:P0} of each folder by start) |\n");
        sb.Append(Inv, $"| training time | {result.Elapsed.TotalSeconds:0.0} s |\n\n");

        sb.Append("## Tuning hold-out quality (at the threshold)\n\n");
        sb.Append(Inv, $"Measured on the tuning hold-out the threshold was chosen on (the latest {options.HoldOutFraction:P0} of each folder): the trees and the calibrator never saw these rows, but the threshold was picked to meet the target precision on them, so precision and recall at the threshold are optimistic. PR-AUC and the calibration below do not depend on the threshold. For an unbiased figure, run `fraudstream evaluate` on another day.\n\n");
        sb.Append("| precision | recall | PR-AUC | alerts | fraud calls | calls |\n|---|---|---|---|---|---|\n");
        var h = result.HoldOut;
        sb.Append(Inv, $"| {h.Precision:0.0000} | {h.Recall:0.0000} | {result.PrAuc:0.0000} | {h.Alerts} | {h.Positives} | {h.Count} |\n\n");
        if (plotFile is not null)
            sb.Append(Inv, $"![precision-recall curve and score distribution]({Path.GetFileName(plotFile)})\n\n");

        var fitted = result.HoldOutCalibration;
        var unfitted = result.HoldOutUnfittedCalibration;
        sb.Append("## Hold-out calibration\n\n");
        sb.Append(Inv, $"The served probability is Platt's sigmoid fitted on the calibration rows. On the hold-out its Brier score is {fitted.Brier:0.000000} and its expected calibration error {fitted.ExpectedCalibrationError:0.0000}; FastTree's unfitted sigmoid (slope {result.UnfittedCalibrator.Slope.ToString("R", Inv)}, offset {result.UnfittedCalibrator.Offset.ToString("R", Inv)}) would give {unfitted.Brier:0.000000} and {unfitted.ExpectedCalibrationError:0.0000}.\n\n");
        sb.Append("| probability | calls | fraud calls | mean predicted | observed fraud rate | unfitted: calls | unfitted: mean predicted | unfitted: observed |\n|---|---|---|---|---|---|---|---|\n");
        for (var b = 0; b < fitted.Reliability.Count; b++)
        {
            var f = fitted.Reliability[b];
            var u = unfitted.Reliability[b];
            sb.Append(Inv, $"| {f.Low:0.0}-{f.High:0.0} | {f.Count} | {f.Positives} | {f.MeanPredicted:0.0000} | {f.ObservedRate:0.0000} | {u.Count} | {u.MeanPredicted:0.0000} | {u.ObservedRate:0.0000} |\n");
        }
        sb.Append('\n');

        sb.Append("## Training data\n\n| folder | valid labelled calls | fraud | invalid records | unlabelled records | labels matching no valid call |\n|---|---|---|---|---|---|\n");
        foreach (var s in data.Sources)
            sb.Append(Inv, $"| `{Path.GetFileName(Path.TrimEndingDirectorySeparator(s.Directory))}` | {s.Rows} | {s.FraudRows} | {s.InvalidRecords} | {s.UnlabelledRecords} | {s.UnmatchedLabels} |\n");

        sb.Append("\n## Features (in vector order)\n\n");
        var used = new int[data.FeatureCount];
        foreach (var f in m.Ensemble.SplitFeature)
            used[f]++;
        sb.Append("| # | feature | splits |\n|---|---|---|\n");
        for (var i = 0; i < data.FeatureCount; i++)
            sb.Append(Inv, $"| {i} | `{data.FeatureNames[i]}` | {used[i]} |\n");
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>Saves a PNG with the hold-out precision-recall curve and the score distribution of each class.</summary>
    public static void WritePlot(string path, TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var scores = result.HoldOutScores.ToArray();
        var labels = result.HoldOutLabels.ToArray();
        var curve = ClassificationMetrics.Curve(scores, labels);

        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();

        var pr = multiplot.GetPlot(0);
        var pts = pr.Add.Scatter(curve.Select(p => p.Recall).ToArray(), curve.Select(p => p.Precision).ToArray());
        pts.MarkerSize = 0;
        pts.LineWidth = 2;
        var at = result.HoldOut;
        var mark = pr.Add.Marker(at.Recall, at.Precision);
        mark.MarkerSize = 10;
        mark.LegendText = $"threshold {result.Model.Threshold:0.####}";
        pr.XLabel("recall");
        pr.YLabel("precision");
        // A good model's curve hugs the top right corner: zoom there when the threshold's point lies in it.
        var low = at.Precision >= 0.9 && at.Recall >= 0.9 ? 0.9 : 0.0;
        pr.Axes.SetLimits(low, 1.005, low, 1.005);
        if (low > 0)
            pr.Title($"Tuning hold-out precision-recall, top right corner (PR-AUC {result.PrAuc:0.0000})");
        else
            pr.Title($"Tuning hold-out precision-recall (PR-AUC {result.PrAuc:0.0000})");
        pr.ShowLegend(Alignment.LowerLeft);

        const int bins = 50;
        var dist = multiplot.GetPlot(1);
        AddDistribution(dist, scores, labels, fraud: false, bins, "legitimate", Colors.SteelBlue);
        AddDistribution(dist, scores, labels, fraud: true, bins, "fraud", Colors.OrangeRed);
        var line = dist.Add.VerticalLine(result.Model.Threshold);
        line.LegendText = "threshold";
        line.LinePattern = LinePattern.Dashed;
        dist.Title("Hold-out score distribution");
        dist.XLabel("probability of fraud");
        dist.YLabel("log10 share of the class's calls");
        dist.ShowLegend(Alignment.UpperCenter);

        multiplot.SavePng(path, 1400, 560);
    }

    private static void AddDistribution(Plot plot, double[] scores, bool[] labels, bool fraud, int bins, string name, Color color)
    {
        var counts = new double[bins];
        var total = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (labels[i] != fraud)
                continue;
            counts[Math.Clamp((int)(scores[i] * bins), 0, bins - 1)]++;
            total++;
        }
        var xs = new double[bins];
        var ys = new double[bins];
        for (var b = 0; b < bins; b++)
        {
            xs[b] = (b + 0.5) / bins;
            // Empty bins sit at the floor (one call in a million) so both classes' tails stay visible.
            ys[b] = Math.Log10(Math.Max(total == 0 ? 0 : counts[b] / total, 1e-6));
        }
        var s = plot.Add.Scatter(xs, ys, color);
        s.LegendText = $"{name} ({total})";
        s.MarkerSize = 4;
        s.ConnectStyle = ConnectStyle.StepVertical;
    }
}
