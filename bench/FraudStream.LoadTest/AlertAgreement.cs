using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;

namespace FraudStream.LoadTest;

/// <summary>
/// Which calls one processor and a group of processors alerted on, from their alerts topics: how much splitting the
/// trunk and callee history across processes changes the alerts.
/// </summary>
public static class AlertAgreement
{
    /// <summary>Partitions of a compared alerts topic.</summary>
    public const int Partitions = 64;

    /// <summary>
    /// Compares what two readers read and returns the summary line (also written to standard error). Alerts are keyed
    /// by caller, so a caller's alerts share a partition in both topics; a partition of which a reader missed records
    /// in either topic (the embedded broker dropped them before they were read) is left out of both.
    /// </summary>
    public static string Compare(AlertReader oneReader, AlertReader groupReader)
    {
        ArgumentNullException.ThrowIfNull(oneReader);
        ArgumentNullException.ThrowIfNull(groupReader);
        var kept = Enumerable.Range(0, Partitions).Where(p => !oneReader.Missed[p] && !groupReader.Missed[p]).ToList();
        var one = kept.SelectMany(p => oneReader.Ids[p]).ToHashSet(StringComparer.Ordinal);
        var group = kept.SelectMany(p => groupReader.Ids[p]).ToHashSet(StringComparer.Ordinal);
        var both = one.Intersect(group).Count();
        var left = Partitions - kept.Count;
        static string Share(int part, int whole) => whole == 0 ? "NA" : (part / (double)whole).ToString("F4", CultureInfo.InvariantCulture);
        var line = $"alerts_one={one.Count} alerts_group={group.Count} alerts_both={both} " +
            $"share_of_one_in_group={Share(both, one.Count)} share_of_group_in_one={Share(both, group.Count)} alert_partitions_left_out={left}";
        Console.Error.WriteLine($"alerts: one processor {one.Count:N0}, the group {group.Count:N0}, both {both:N0}: the group alerted on " +
            $"{Share(both, one.Count)} of the calls one processor alerted on, and {group.Count - both:N0} others" +
            (left > 0 ? $" ({left} of {Partitions} alerts partitions left out: the broker dropped records of theirs before they were read)" : ""));
        return line;
    }

    /// <summary>The alert's <c>call_id</c> (its first property at the top level), or null.</summary>
    public static string? CallId(byte[] alert)
    {
        var reader = new Utf8JsonReader(alert);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("call_id"u8))
            {
                reader.Read();
                return reader.GetString();
            }
        }
        return null;
    }
}

/// <summary>
/// Reads an alerts topic while a mode writes it: the embedded broker keeps only about 5 MiB a partition, and one busy
/// caller's alerts (all in one partition, keyed by caller) can pass that in a drain, so a reader that only starts
/// afterwards finds the oldest gone. <see cref="Finish"/> reads on to the topic's end.
/// </summary>
public sealed class AlertReader : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(30);
    private readonly IConsumer<Ignore, byte[]> _consumer;
    private readonly Thread _thread;
    private readonly long[] _firstRead = Enumerable.Repeat(-1L, AlertAgreement.Partitions).ToArray();
    private readonly long[] _lastRead = Enumerable.Repeat(-1L, AlertAgreement.Partitions).ToArray();
    private readonly bool[] _gap = new bool[AlertAgreement.Partitions];
    private readonly string _topic;
    private volatile bool _finish; // set by Finish: read up to the topic's end, then stop
    private volatile bool _stop;
    private long[]? _ends; // the reading thread's own
    private Exception? _failure;

    private AlertReader(string bootstrap, string topic)
    {
        _topic = topic;
        _consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "loadtest-alert-agreement",
            EnableAutoCommit = false,
            // Records dropped before they were read are seen as a jump in the offsets (Missed), not skipped silently.
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Alerts come at a few tens of thousands a second: a longer wait than the modes' keeps the reader light.
            FetchWaitMaxMs = 100,
            FetchMaxBytes = ClientSettings.FetchMaxBytes,
        }).Build();
        _consumer.Assign(Enumerable.Range(0, AlertAgreement.Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        _thread = new Thread(Read) { Name = "alert-reader", IsBackground = true };
        _thread.Start();
    }

    /// <summary>The <c>call_id</c>s read, by partition (once <see cref="Finish"/> has returned).</summary>
    public HashSet<string>[] Ids { get; } = [.. Enumerable.Range(0, AlertAgreement.Partitions).Select(_ => new HashSet<string>(StringComparer.Ordinal))];

    /// <summary>Partitions with records gone before they were read: at the start, or between two read (once <see cref="Finish"/> has returned).</summary>
    public bool[] Missed { get; } = new bool[AlertAgreement.Partitions];

    public static AlertReader Start(string bootstrap, string topic) => new(bootstrap, topic);

    /// <summary>Reads on to the topic's current end (the mode has finished writing), then stops.</summary>
    /// <exception cref="LoadTestException">Nothing came for 30 s before the end was reached.</exception>
    public void Finish()
    {
        _finish = true;
        _thread.Join();
        if (_failure is not null)
        {
            throw new LoadTestException($"reading {_topic}: {_failure.Message}");
        }
        for (var p = 0; p < AlertAgreement.Partitions; p++)
        {
            Missed[p] = _firstRead[p] > 0 || _gap[p] || (_firstRead[p] < 0 && _ends![p] > 0);
        }
    }

    private void Read()
    {
        try
        {
            var quietSince = DateTime.UtcNow;
            while (!_stop)
            {
                if (_finish && _ends is null)
                {
                    _ends = [.. Enumerable.Range(0, AlertAgreement.Partitions)
                        .Select(p => _consumer.QueryWatermarkOffsets(new TopicPartition(_topic, p), TimeSpan.FromSeconds(10)).High.Value)];
                    quietSince = DateTime.UtcNow;
                }
                if (_ends is { } ends && Enumerable.Range(0, AlertAgreement.Partitions).All(p => _lastRead[p] >= ends[p] - 1))
                {
                    return;
                }
                var result = _consumer.Consume(100);
                if (result is null)
                {
                    if (_ends is not null && DateTime.UtcNow - quietSince > Quiet)
                    {
                        throw new TimeoutException($"nothing for {Quiet.TotalSeconds:F0} s short of the topic's end");
                    }
                    continue;
                }
                quietSince = DateTime.UtcNow;
                var p = result.Partition.Value;
                var offset = result.Offset.Value;
                if (_firstRead[p] < 0)
                {
                    _firstRead[p] = offset;
                }
                else if (offset != _lastRead[p] + 1)
                {
                    _gap[p] = true;
                }
                _lastRead[p] = offset;
                if (AlertAgreement.CallId(result.Message.Value) is { } id)
                {
                    Ids[p].Add(id);
                }
            }
        }
        catch (Exception ex)
        {
            _failure = ex; // reported by Finish: a plain thread's exception would end the harness
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _consumer.Close();
        _consumer.Dispose();
    }
}
