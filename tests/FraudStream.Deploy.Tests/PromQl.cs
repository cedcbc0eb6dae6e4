using System.Text.RegularExpressions;

namespace FraudStream.Deploy.Tests;

/// <summary>The metric names a PromQL expression (of an alert rule or a Grafana panel) reads.</summary>
internal static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "unless", "offset", "bool", "inf", "nan",
    };

    public static SortedSet<string> MetricNames(string expr)
    {
        var text = StringLiteral().Replace(expr, " ");
        text = GrafanaVariable().Replace(text, " ");
        text = LabelMatchers().Replace(text, " ");
        text = RangeOrSubquery().Replace(text, " ");
        text = LabelList().Replace(text, " ");
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match m in Identifier().Matches(text))
        {
            if (!Keywords.Contains(m.Value) && !m.Groups["call"].Success)
            {
                names.Add(m.Groups["name"].Value);
            }
        }
        return names;
    }

    /// <summary>The names not among the contract's metrics (a histogram's <c>_bucket</c>, <c>_sum</c>, <c>_count</c> count as it).</summary>
    public static List<string> NotInContract(string expr, IReadOnlyDictionary<string, string> contract) =>
        MetricNames(expr).Where(name => !contract.ContainsKey(name) && !(HistogramSeries().Match(name) is { Success: true } h
            && contract.TryGetValue(h.Groups[1].Value, out var type) && type == "histogram")).ToList();

    /// <summary>The contract metrics an expression reads (histogram series mapped to their histogram).</summary>
    public static IEnumerable<string> ContractMetricsRead(string expr, IReadOnlyDictionary<string, string> contract) =>
        MetricNames(expr).Select(n => contract.ContainsKey(n) ? n : HistogramSeries().Match(n) is { Success: true } h ? h.Groups[1].Value : n)
            .Where(contract.ContainsKey);

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]|\boffset\s+-?[0-9][0-9a-z]*")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex LabelList();

    [GeneratedRegex(@"(?<![\w.:])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();

    [GeneratedRegex("^(.+)_(?:bucket|sum|count)$")]
    private static partial Regex HistogramSeries();
}
