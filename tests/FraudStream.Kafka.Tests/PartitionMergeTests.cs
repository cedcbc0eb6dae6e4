using System.Globalization;
using System.Text;
using FraudStream.Kafka.Processing;

namespace FraudStream.Kafka.Tests;

/// <summary>Unit tests of the processor's event-time merge over partition buffers, and of the pooled message's key (no broker).</summary>
public sealed class PartitionMergeTests
{
    private static readonly DateTime Day = new(2026, 11, 27, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Merge_takes_records_in_event_time_order_then_by_partition()
    {
        var random = new Random(17);
        for (var round = 0; round < 200; round++)
        {
            var partitions = random.Next(1, 40);
            var merge = new PartitionMerge();
            var trackers = Enumerable.Range(0, partitions).Select(p => new PartitionTracker(p)).ToArray();
            foreach (var t in trackers)
            {
                merge.Add(t, now: 0);
                merge.ReachedEnd(t);
            }
            // Each partition in its own time order (as consumed); few distinct times, so ties are common.
            var expected = new List<(long Ticks, int Partition, int Seq)>();
            var queues = new List<Queue<InboundCall>>();
            foreach (var t in trackers)
            {
                var queue = new Queue<InboundCall>();
                var second = 0;
                for (var i = random.Next(0, 30); i > 0; i--)
                {
                    second += random.Next(0, 3);
                    var call = Call(second, seq: expected.Count);
                    expected.Add((call.MergeKey, t.Partition, expected.Count));
                    queue.Enqueue(call);
                }
                queues.Add(queue);
            }
            // Records arrive interleaved across partitions, each partition's in its order.
            while (queues.Any(q => q.Count > 0))
            {
                var p = random.Next(partitions);
                if (queues[p].Count > 0)
                {
                    merge.Buffer(trackers[p], queues[p].Dequeue());
                }
            }
            var taken = new List<(long Ticks, int Partition)>();
            while (merge.Next is { } next)
            {
                var call = merge.TakeNext(now: 0);
                taken.Add((call.MergeKey, next.Partition));
            }
            var order = expected.OrderBy(e => e.Ticks).ThenBy(e => e.Partition).ThenBy(e => e.Seq).Select(e => (e.Ticks, e.Partition));
            Assert.Equal(order, taken);
            Assert.Equal(0, merge.Buffering);
        }
    }

    [Fact]
    public void Merge_puts_invalid_records_first_they_touch_no_history()
    {
        var merge = new PartitionMerge();
        var a = new PartitionTracker(0);
        var b = new PartitionTracker(1);
        merge.Add(a, 0);
        merge.Add(b, 0);
        merge.Buffer(a, Call(5, 0));
        merge.Buffer(b, Invalid());

        Assert.Same(b, merge.Next);
        Assert.Equal(long.MinValue, merge.TakeNext(0).MergeKey);
        Assert.Same(a, merge.Next);
    }

    [Fact]
    public void Merge_waits_for_an_empty_partition_until_its_end_is_reported_or_the_wait_passes()
    {
        var merge = new PartitionMerge();
        var a = new PartitionTracker(0);
        var b = new PartitionTracker(1);
        var c = new PartitionTracker(2);
        merge.Add(a, now: 100);
        merge.Add(b, now: 100);
        merge.Add(c, now: 100);
        Assert.Equal(3, merge.Waiting);

        merge.Buffer(a, Call(1, 0)); // a record: no longer waited for
        Assert.Equal(2, merge.Waiting);
        merge.ReachedEnd(b); // caught up: not waited for while empty
        Assert.Equal(1, merge.Waiting);
        Assert.Equal(0, merge.ExpireWaits(now: 150, wait: 100));
        Assert.Equal(1, merge.ExpireWaits(now: 200, wait: 100));
        Assert.True(c.WaitExpired);
        Assert.Equal(0, merge.Waiting);

        // Once a's buffer runs empty it is waited for again, from then on.
        merge.TakeNext(now: 300);
        Assert.Equal(1, merge.Waiting);
        Assert.Equal(300, a.EmptySince);
        Assert.Equal(0, merge.ExpireWaits(now: 350, wait: 100));

        // A partition whose end came after its records is not waited for when they are taken.
        merge.Buffer(b, Call(2, 1));
        merge.ReachedEnd(b);
        merge.TakeNext(now: 360);
        Assert.Equal(1, merge.Waiting);
    }

    [Fact]
    public void Removing_a_partition_releases_its_records_and_leaves_the_merge_consistent()
    {
        var merge = new PartitionMerge();
        var trackers = Enumerable.Range(0, 5).Select(p => new PartitionTracker(p)).ToArray();
        foreach (var t in trackers)
        {
            merge.Add(t, 0);
            merge.Buffer(t, Call(10 - t.Partition, 0));
            merge.Buffer(t, Call(20, 1));
        }
        var released = new List<InboundCall>();

        merge.Remove(trackers[4], released.Add); // the earliest head
        merge.Remove(trackers[1], released.Add);

        Assert.Equal(4, released.Count);
        Assert.Equal(-1, trackers[4].HeapIndex);
        var heads = new List<int>();
        while (merge.Next is { } next)
        {
            heads.Add(next.Partition);
            merge.TakeNext(0);
        }
        Assert.Equal([3, 2, 0, 0, 2, 3], heads);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(300)]
    public void Inbound_key_keeps_the_bytes_of_any_length(int length)
    {
        var call = new InboundCall();
        var key = Enumerable.Range(0, length).Select(i => (byte)('0' + (i % 10))).ToArray();

        call.SetKey(key, isNull: false);
        Assert.Equal(key, call.KeyToArray());
        call.SetKey("+14155550100"u8, isNull: false);
        Assert.Equal("+14155550100"u8.ToArray(), call.KeyToArray());
        call.SetKey(default, isNull: true);
        Assert.Null(call.KeyToArray());
    }

    private static InboundCall Call(int second, int seq)
    {
        var start = Day.AddSeconds(second).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var json = $"{{\"call_id\":\"c-{seq}\",\"start\":\"{start}\",\"caller\":\"+14155550100\",\"callee\":\"+14155550199\"," +
            "\"orig_country\":\"US\",\"trunk\":\"gw-1\",\"attest\":\"A\",\"disposition\":\"answered\",\"ring_ms\":1000,\"duration_s\":1}";
        var call = new InboundCall();
        call.SetValue(Encoding.UTF8.GetBytes(json), isNull: false);
        Assert.True(call.IsValid, call.Failure.Detail);
        return call;
    }

    private static InboundCall Invalid()
    {
        var call = new InboundCall();
        call.SetValue("{\"call_id\":"u8, isNull: false);
        Assert.False(call.IsValid);
        return call;
    }
}
