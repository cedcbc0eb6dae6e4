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
    /// <summary>
    /// Partitions of a compared alerts topic: room on the embedded broker, which keeps about 5 MiB a partition, for the
    /// alerts of 2,000,000 calls (about 160,000 of about 1 KB), but for the partition of a caller with more alerts than
    /// that (withheld caller IDs, "anonymous"), which the comparison leaves out.
    /// </summary>
    public const int Partitions = 64;

    /// <summary>
    /// Reads both topics to their ends and returns the summary line (also written to standard error). Alerts are keyed
    /// by caller, so a caller's alerts share a partition in both topics; a partition from which the embedded broker
    /// dropped records in either topic (one busy caller's alerts can pass what it keeps) is left out of both.
    /// </summary>
    public static string Compare(string bootstrap, string oneTopic, string groupTopic)
    {
        var (oneByPartition, oneDropped) = CallIds(bootstrap, oneTopic);
        var (groupByPartition, groupDropped) = CallIds(bootstrap, groupTopic);
        var kept = Enumerable.Range(0, Partitions).Where(p => !oneDropped[p] && !groupDropped[p]).ToList();
        var one = kept.SelectMany(p => oneByPartition[p]).ToHashSet(StringComparer.Ordinal);
        var group = kept.SelectMany(p => groupByPartition[p]).ToHashSet(StringComparer.Ordinal);
        var both = one.Intersect(group).Count();
        var left = Partitions - kept.Count;
        static string Share(int part, int whole) => whole == 0 ? "NA" : (part / (double)whole).ToString("F4", CultureInfo.InvariantCulture);
        var line = $"alerts_one={one.Count} alerts_group={group.Count} alerts_both={both} " +
            $"share_of_one_in_group={Share(both, one.Count)} share_of_group_in_one={Share(both, group.Count)} alert_partitions_left_out={left}";
        Console.Error.WriteLine($"alerts: one processor {one.Count:N0}, the group {group.Count:N0}, both {both:N0}: the group alerted on " +
            $"{Share(both, one.Count)} of the calls one processor alerted on, and {group.Count - both:N0} others" +
            (left > 0 ? $" ({left} of {Partitions} alerts partitions left out: the broker dropped some of their records)" : ""));
        return line;
    }

    /// <summary>
    /// The <c>call_id</c> of every alert in <paramref name="topic"/>, by partition, read from its start to its current
    /// end; and which partitions the broker dropped records from (their log no longer starts at 0).
    /// </summary>
    private static (HashSet<string>[] Ids, bool[] Dropped) CallIds(string bootstrap, string topic)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "loadtest-alert-agreement",
            EnableAutoCommit = false,
            FetchWaitMaxMs = ClientSettings.FetchWaitMaxMs,
            FetchMaxBytes = ClientSettings.FetchMaxBytes,
        };
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
        var ends = new long[Partitions];
        var dropped = new bool[Partitions];
        for (var p = 0; p < Partitions; p++)
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            ends[p] = marks.High.Value;
            dropped[p] = marks.Low.Value > 0;
        }
        var left = ends.Count(e => e > 0);
        consumer.Assign(Enumerable.Range(0, Partitions).Where(p => ends[p] > 0).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var ids = Enumerable.Range(0, Partitions).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        var quietSince = DateTime.UtcNow;
        while (left > 0)
        {
            var result = consumer.Consume(100);
            if (result is null)
            {
                if (DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(30))
                {
                    throw new LoadTestException($"reading {topic}: nothing for 30 s with {left} partitions short of their ends");
                }
                continue;
            }
            quietSince = DateTime.UtcNow;
            if (CallId(result.Message.Value) is { } id)
            {
                ids[result.Partition.Value].Add(id);
            }
            if (result.Offset.Value == ends[result.Partition.Value] - 1)
            {
                left--;
            }
        }
        consumer.Close();
        return (ids, dropped);
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
