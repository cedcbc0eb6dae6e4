namespace FraudStream.Ml;

/// <summary>Precision, recall and alert counts of scores against labels at one threshold.</summary>
public readonly record struct ThresholdMetrics(double Threshold, long Alerts, long TruePositives, long Positives, long Count)
{
    /// <summary>True positives over alerts; 1 when nothing is alerted (no alert is wrong).</summary>
    public double Precision => Alerts == 0 ? 1.0 : (double)TruePositives / Alerts;

    /// <summary>True positives over positives; NaN (undefined, never 1) when there is nothing to find.</summary>
    public double Recall => Positives == 0 ? double.NaN : (double)TruePositives / Positives;

    public double AlertRate => Count == 0 ? 0.0 : (double)Alerts / Count;
}

/// <summary>One bin of a reliability table: the calls whose probability lies in [<paramref name="Low"/>, <paramref name="High"/>),
/// their mean predicted probability and their observed fraud rate (a calibrated model has the two close).</summary>
public readonly record struct ReliabilityBin(double Low, double High, long Count, long Positives, double MeanPredicted)
{
    /// <summary>Share of the bin's calls that are fraud; 0 for an empty bin.</summary>
    public double ObservedRate => Count == 0 ? 0.0 : (double)Positives / Count;
}

/// <summary>One point of a precision-recall curve: alerting every score greater than or equal to the threshold.</summary>
public readonly record struct PrPoint(double Threshold, double Precision, double Recall);

/// <summary>Threshold-free and threshold metrics of a binary scorer (alert when score &gt;= threshold).</summary>
public static class ClassificationMetrics
{
    /// <summary>Counts alerts and hits at <paramref name="threshold"/>.</summary>
    public static ThresholdMetrics At(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double threshold)
    {
        CheckSameLength(scores, labels);
        long alerts = 0, tp = 0, positives = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (labels[i])
                positives++;
            if (scores[i] >= threshold)
            {
                alerts++;
                if (labels[i])
                    tp++;
            }
        }
        return new ThresholdMetrics(threshold, alerts, tp, positives, scores.Length);
    }

    /// <summary>
    /// The precision-recall curve: one point per distinct score, from the highest (fewest alerts) down,
    /// each alerting every score greater than or equal to it. Recall is NaN (undefined) when no label is positive.
    /// </summary>
    public static PrPoint[] Curve(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        CheckSameLength(scores, labels);
        var order = DescendingOrder(scores);
        long positives = 0;
        foreach (var l in labels)
        {
            if (l)
                positives++;
        }
        var points = new List<PrPoint>();
        long tp = 0, alerts = 0;
        var i = 0;
        while (i < order.Length)
        {
            var s = scores[order[i]];
            // Equal scores are alerted together: they form one step of the curve.
            while (i < order.Length && scores[order[i]] == s)
            {
                alerts++;
                if (labels[order[i]])
                    tp++;
                i++;
            }
            points.Add(new PrPoint(s, (double)tp / alerts, positives == 0 ? double.NaN : (double)tp / positives));
        }
        return [.. points];
    }

    /// <summary>
    /// Area under the precision-recall curve as average precision: the mean, over positives, of the precision
    /// at the step where each is first alerted (ties alerted together). NaN (undefined) when there are no positives.
    /// </summary>
    public static double AveragePrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        var curve = Curve(scores, labels);
        if (!labels.Contains(true))
            return double.NaN;
        double ap = 0, previousRecall = 0;
        foreach (var p in curve)
        {
            ap += (p.Recall - previousRecall) * p.Precision;
            previousRecall = p.Recall;
        }
        return ap;
    }

    /// <summary>
    /// The lowest threshold whose precision reaches <paramref name="targetPrecision"/> (so the highest recall at that
    /// precision). When no threshold reaches it, the threshold of highest precision (the lowest such) and
    /// <paramref name="reached"/> false.
    /// </summary>
    /// <exception cref="ArgumentException">No scores, or no positive label: precision and recall say nothing then.</exception>
    public static double ThresholdForPrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double targetPrecision, out bool reached)
    {
        var curve = Curve(scores, labels);
        if (curve.Length == 0)
            throw new ArgumentException("no scores to choose a threshold from", nameof(scores));
        if (!labels.Contains(true))
            throw new ArgumentException("no positive label: no threshold can be chosen for a precision", nameof(labels));
        var best = -1;
        for (var i = 0; i < curve.Length; i++)
        {
            // The curve runs from the highest threshold to the lowest; keep the last point that qualifies.
            if (curve[i].Precision >= targetPrecision && curve[i].Recall > 0)
                best = i;
        }
        reached = best >= 0;
        if (reached)
            return curve[best].Threshold;
        var bestPrecision = -1.0;
        for (var i = 0; i < curve.Length; i++)
        {
            if (curve[i].Precision >= bestPrecision)
            {
                bestPrecision = curve[i].Precision;
                best = i;
            }
        }
        return curve[best].Threshold;
    }

    /// <summary>
    /// Brier score: the mean squared difference between each probability and its outcome (1 fraud, 0 not);
    /// 0 is perfect, lower is better. 0 when there are no scores.
    /// </summary>
    public static double Brier(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        CheckSameLength(probabilities, labels);
        if (probabilities.IsEmpty)
            return 0.0;
        var sum = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var d = probabilities[i] - (labels[i] ? 1.0 : 0.0);
            sum += d * d;
        }
        return sum / probabilities.Length;
    }

    /// <summary>
    /// Reliability table over <paramref name="bins"/> equal-width probability bins from 0 to 1 (a probability of
    /// exactly 1 falls in the last bin): per bin, its calls, their mean probability and how many are fraud.
    /// </summary>
    public static ReliabilityBin[] Reliability(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels, int bins = 10)
    {
        CheckSameLength(probabilities, labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var counts = new long[bins];
        var positives = new long[bins];
        var sums = new double[bins];
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = probabilities[i];
            var b = Math.Clamp((int)(p * bins), 0, bins - 1);
            counts[b]++;
            sums[b] += p;
            if (labels[i])
                positives[b]++;
        }
        var table = new ReliabilityBin[bins];
        for (var b = 0; b < bins; b++)
            table[b] = new ReliabilityBin((double)b / bins, (double)(b + 1) / bins, counts[b], positives[b], counts[b] == 0 ? 0.0 : sums[b] / counts[b]);
        return table;
    }

    /// <summary>
    /// Expected calibration error: the mean over calls of |mean predicted - observed fraud rate| of the call's
    /// reliability bin (bins weighted by their calls). 0 when there are no scores.
    /// </summary>
    public static double ExpectedCalibrationError(IReadOnlyList<ReliabilityBin> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        long total = 0;
        var sum = 0.0;
        foreach (var b in table)
        {
            total += b.Count;
            sum += b.Count * Math.Abs(b.MeanPredicted - b.ObservedRate);
        }
        return total == 0 ? 0.0 : sum / total;
    }

    private static int[] DescendingOrder(ReadOnlySpan<double> scores)
    {
        var order = new int[scores.Length];
        var keys = scores.ToArray();
        for (var i = 0; i < order.Length; i++)
            order[i] = i;
        // Stable for equal keys is not needed: equal scores are always grouped.
        Array.Sort(keys, order, Comparer<double>.Create(static (a, b) => b.CompareTo(a)));
        return order;
    }

    private static void CheckSameLength(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
            throw new ArgumentException("one label is needed per score", nameof(labels));
    }
}
