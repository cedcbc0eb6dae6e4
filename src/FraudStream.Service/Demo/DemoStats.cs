using System.Globalization;
using System.Text;
using Prometheus;

namespace FraudStream.Service.Demo;

/// <summary>
/// What the processor's metrics say at one moment, read from its Prometheus registry (the same numbers
/// <c>/metrics</c> serves, by their contract names).
/// </summary>
public sealed record DemoStats
{
    /// <summary>Records consumed from the input topic.</summary>
    public double Consumed { get; init; }

    /// <summary>Invalid records, sent to the dead-letter topic.</summary>
    public double Invalid { get; init; }

    /// <summary>Invalid records by error code (only codes seen).</summary>
    public IReadOnlyDictionary<string, double> InvalidByError { get; init; } = new Dictionary<string, double>();

    /// <summary>Alerts produced, all patterns.</summary>
    public double Alerts { get; init; }

    /// <summary>Alerts by pattern (every pattern, zeros included).</summary>
    public IReadOnlyDictionary<string, double> AlertsByPattern { get; init; } = new Dictionary<string, double>();

    /// <summary>Alerts on calls answered and talked to for 300 s or more.</summary>
    public double VictimEngaged { get; init; }

    /// <summary>Records in the input partitions not consumed yet, all partitions.</summary>
    public double ConsumerLag { get; init; }

    /// <summary>Now minus the start of the newest record processed, in seconds.</summary>
    public double EventLagSeconds { get; init; }

    /// <summary>Failed deliveries of alerts and dead letters.</summary>
    public double ProduceErrors { get; init; }

    /// <summary>1 when the processor is ready.</summary>
    public double Ready { get; init; }

    /// <summary>The model in force.</summary>
    public string Model { get; init; } = "";

    /// <summary>Valid records: consumed minus invalid.</summary>
    public double Valid => Consumed - Invalid;

    /// <summary>Reads the registry's current values.</summary>
    public static async Task<DemoStats> ReadAsync(CollectorRegistry registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        using var buffer = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Parse(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Reads the samples of Prometheus text exposition format that the demo shows.</summary>
    public static DemoStats Parse(string exposition)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        double consumed = 0, invalid = 0, alerts = 0, engaged = 0, lag = 0, eventLag = 0, produceErrors = 0, ready = 0;
        var invalidByError = new Dictionary<string, double>(StringComparer.Ordinal);
        var byPattern = new Dictionary<string, double>(StringComparer.Ordinal);
        var model = "";
        foreach (var raw in exposition.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }
            var space = line.LastIndexOf(' ');
            if (space <= 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }
            var series = line[..space];
            var brace = series.IndexOf('{');
            var name = brace < 0 ? series : series[..brace];
            var labels = brace < 0 ? [] : series[(brace + 1)..];
            switch (name)
            {
                case "fraudstream_records_consumed_total":
                    consumed += value;
                    break;
                case "fraudstream_records_invalid_total":
                    invalid += value;
                    if (value > 0)
                    {
                        invalidByError[Label(labels, "error")] = value;
                    }
                    break;
                case "fraudstream_alerts_total":
                    alerts += value;
                    byPattern[Label(labels, "pattern")] = value;
                    break;
                case "fraudstream_victim_engaged_alerts_total":
                    engaged = value;
                    break;
                case "fraudstream_consumer_lag_records":
                    lag += value;
                    break;
                case "fraudstream_event_lag_seconds":
                    eventLag = value;
                    break;
                case "fraudstream_produce_errors_total":
                    produceErrors += value;
                    break;
                case "fraudstream_ready":
                    ready = value;
                    break;
                case "fraudstream_model_info" when value > 0:
                    model = Label(labels, "model");
                    break;
            }
        }
        return new DemoStats
        {
            Consumed = consumed,
            Invalid = invalid,
            InvalidByError = invalidByError,
            Alerts = alerts,
            AlertsByPattern = byPattern,
            VictimEngaged = engaged,
            ConsumerLag = lag,
            EventLagSeconds = eventLag,
            ProduceErrors = produceErrors,
            Ready = ready,
            Model = model,
        };
    }

    /// <summary>The value of label <paramref name="key"/> in <c>a="x",b="y"}</c> (label values here never hold quotes).</summary>
    private static string Label(ReadOnlySpan<char> labels, string key)
    {
        var at = labels.IndexOf(key + "=\"", StringComparison.Ordinal);
        if (at < 0)
        {
            return "";
        }
        var rest = labels[(at + key.Length + 2)..];
        var end = rest.IndexOf('"');
        return end < 0 ? "" : rest[..end].ToString();
    }
}
