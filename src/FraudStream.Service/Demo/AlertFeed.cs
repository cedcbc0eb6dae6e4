using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;

namespace FraudStream.Service.Demo;

/// <summary>One alert as the demo shows it: what an analyst reads first.</summary>
/// <param name="CallId">The call (and alert) id.</param>
/// <param name="Start">The call's start as received.</param>
/// <param name="Pattern">The likely scheme.</param>
/// <param name="Score">The model's score.</param>
/// <param name="VictimEngaged">Answered and talked to for 300 s or more.</param>
/// <param name="OrigCountry">Where the call entered the network.</param>
/// <param name="Trunk">The ingress trunk.</param>
/// <param name="Reasons">The strongest reasons, as <c>feature=value</c>.</param>
public sealed record AlertSummary(
    string CallId, string Start, string Pattern, double Score, bool VictimEngaged, string OrigCountry, string Trunk, IReadOnlyList<string> Reasons)
{
    /// <summary>Reads the fields the demo shows from an alert (contracts.md section 2); null when it is not one.</summary>
    public static AlertSummary? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            string Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
            var reasons = new List<string>();
            if (root.TryGetProperty("reasons", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var reason in list.EnumerateArray())
                {
                    if (reason.ValueKind == JsonValueKind.Object && reason.TryGetProperty("feature", out var feature))
                    {
                        var value = reason.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number
                            ? "=" + v.GetDouble().ToString("0.###", CultureInfo.InvariantCulture)
                            : "";
                        reasons.Add(feature.GetString() + value);
                    }
                }
            }
            return new AlertSummary(
                Text("call_id"),
                Text("start"),
                Text("pattern"),
                root.TryGetProperty("score", out var score) && score.ValueKind == JsonValueKind.Number ? score.GetDouble() : double.NaN,
                root.TryGetProperty("victim_engaged", out var engaged) && engaged.ValueKind == JsonValueKind.True,
                Text("orig_country"),
                Text("trunk"),
                reasons);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Follows the alert topic from its beginning, as an analyst's consumer would, and keeps the latest alerts and
/// the latest victim-engaged alerts for the demo's view. Reads without a consumer group (nothing is committed).
/// </summary>
public sealed class AlertFeed : IDisposable
{
    private readonly IConsumer<Ignore, byte[]> _consumer;
    private readonly int _keep;
    private readonly int _keepEngaged;
    private readonly Queue<byte[]> _latest = new();
    private readonly Queue<byte[]> _engaged = new();
    private readonly Lock _gate = new();
    private long _read;

    /// <summary>
    /// Assigns every partition of <paramref name="topic"/> (with <paramref name="partitions"/> partitions) from the
    /// beginning; keeps the latest <paramref name="keep"/> alerts and <paramref name="keepEngaged"/> victim-engaged ones.
    /// </summary>
    public AlertFeed(string bootstrap, string topic, int partitions, int keep = 8, int keepEngaged = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepEngaged, 1);
        _keep = keep;
        _keepEngaged = keepEngaged;
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "fraudstream-demo-view", // required by the client; never joined (assign, no commits)
            EnableAutoCommit = false,
            ClientId = "fraudstream-demo-view",
        };
        _consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        _consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
    }

    /// <summary>Alerts read so far.</summary>
    public long Read => Interlocked.Read(ref _read);

    /// <summary>Reads until <paramref name="cancellationToken"/> fires; blocks (run it on its own thread).</summary>
    public void Run(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ConsumeResult<Ignore, byte[]>? result;
            try
            {
                result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
            }
            catch (ConsumeException)
            {
                continue; // a transient fetch error: the view just shows older alerts a while
            }
            if (result?.Message?.Value is not { } value)
            {
                continue;
            }
            Interlocked.Increment(ref _read);
            lock (_gate)
            {
                Keep(_latest, value, _keep);
                if (value.AsSpan().IndexOf("\"victim_engaged\":true"u8) >= 0)
                {
                    Keep(_engaged, value, _keepEngaged);
                }
            }
        }
    }

    /// <summary>The latest alerts, newest first.</summary>
    public IReadOnlyList<AlertSummary> Latest() => Snapshot(_latest);

    /// <summary>The latest victim-engaged alerts, newest first.</summary>
    public IReadOnlyList<AlertSummary> LatestEngaged() => Snapshot(_engaged);

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }

    private static void Keep(Queue<byte[]> queue, byte[] value, int keep)
    {
        queue.Enqueue(value);
        while (queue.Count > keep)
        {
            queue.Dequeue();
        }
    }

    private List<AlertSummary> Snapshot(Queue<byte[]> queue)
    {
        byte[][] values;
        lock (_gate)
        {
            values = [.. queue];
        }
        var alerts = new List<AlertSummary>(values.Length);
        for (var i = values.Length - 1; i >= 0; i--)
        {
            if (AlertSummary.TryParse(values[i]) is { } alert)
            {
                alerts.Add(alert);
            }
        }
        return alerts;
    }
}
