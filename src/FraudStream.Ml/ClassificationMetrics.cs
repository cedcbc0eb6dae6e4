namespace FraudStream.Ml;

/// <summary>Precision, recall and alert counts of scores against labels at one threshold.</summary>
public readonly record struct ThresholdMetrics(double Threshold, long Alerts, long TruePositives, long Positives, long Count)
{
    /// <summary>True positives over alerts; 1 when nothing is alerted (no alert is wrong).</summary>
    public double Precision => Alerts == 0 ? 1.0 : (double)TruePositives / Alerts;

    /// <summary>True positives over positives; 1 when there is nothing to find.</summary>
    public double Recall => Positives == 0 ? 1.0 : (double)TruePositives / Positives;

    public double AlertRate => Count == 0 ? 0.0 : (double)Alerts / Count;
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
    /// each alerting every score greater than or equal to it.
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
            points.Add(new PrPoint(s, (double)tp / alerts, positives == 0 ? 1.0 : (double)tp / positives));
        }
        return [.. points];
    }

    /// <summary>
    /// Area under the precision-recall curve as average precision: the mean, over positives, of the precision
    /// at the step where each is first alerted (ties alerted together). 0 when there are no positives.
    /// </summary>
    public static double AveragePrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        var curve = Curve(scores, labels);
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
    public static double ThresholdForPrecision(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels, double targetPrecision, out bool reached)
    {
        var curve = Curve(scores, labels);
        if (curve.Length == 0)
            throw new ArgumentException("no scores to choose a threshold from", nameof(scores));
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
