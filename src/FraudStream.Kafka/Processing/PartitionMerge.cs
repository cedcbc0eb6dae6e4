namespace FraudStream.Kafka.Processing;

/// <summary>
/// The event-time merge over the assigned partitions' buffers, on the consume thread: a binary min-heap of the
/// partitions that have records buffered, keyed by their first record's <see cref="InboundCall.MergeKey"/>, and the
/// list of empty partitions the merge still waits for (not at their end, wait not expired). Taking the next record
/// costs O(log partitions), whatever the number of partitions.
/// </summary>
internal sealed class PartitionMerge
{
    private PartitionTracker[] _heap = new PartitionTracker[16];
    private int _count;
    private readonly List<PartitionTracker> _waiting = [];

    /// <summary>Partitions with records buffered.</summary>
    public int Buffering => _count;

    /// <summary>Empty partitions that may still deliver an earlier record (after <see cref="ExpireWaits"/>).</summary>
    public int Waiting => _waiting.Count;

    /// <summary>The partition whose first buffered record is the earliest, or null when nothing is buffered.</summary>
    public PartitionTracker? Next => _count > 0 ? _heap[0] : null;

    /// <summary>Takes in a partition just assigned (empty, and waited for unless its end is known).</summary>
    public void Add(PartitionTracker tracker, long now)
    {
        tracker.EmptySince = now;
        UpdateWaiting(tracker);
    }

    /// <summary>Appends a consumed record to its partition's buffer.</summary>
    public void Buffer(PartitionTracker tracker, InboundCall call)
    {
        var key = call.MergeKey;
        tracker.Buffered.Enqueue(new BufferedCall(key, call));
        tracker.AtEnd = false;
        tracker.WaitExpired = false;
        if (tracker.Buffered.Count == 1)
        {
            StopWaiting(tracker);
            tracker.HeadKey = key;
            Insert(tracker);
        }
    }

    /// <summary>The record <see cref="TakeNext"/> would hand out now, or null when nothing is buffered.</summary>
    public InboundCall? PeekNext() => _count > 0 ? _heap[0].Buffered.Peek().Call : null;

    /// <summary>Takes the first record of <see cref="Next"/> (which must not be null).</summary>
    public InboundCall TakeNext(long now)
    {
        var tracker = _heap[0];
        var call = tracker.Buffered.Dequeue().Call;
        if (tracker.Buffered.Count > 0)
        {
            tracker.HeadKey = tracker.Buffered.Peek().MergeKey; // the key without the record's cache lines
            SiftDown(0);
        }
        else
        {
            RemoveAt(0);
            tracker.EmptySince = now;
            UpdateWaiting(tracker);
        }
        return call;
    }

    /// <summary>The client reported the end of <paramref name="tracker"/>'s partition: it is not waited for while empty.</summary>
    public void ReachedEnd(PartitionTracker tracker)
    {
        tracker.AtEnd = true;
        StopWaiting(tracker);
    }

    /// <summary>Stops waiting for the empty partitions that have been empty for <paramref name="wait"/> ticks; returns how many.</summary>
    public int ExpireWaits(long now, long wait)
    {
        var expired = 0;
        for (var i = _waiting.Count - 1; i >= 0; i--)
        {
            var tracker = _waiting[i];
            if (now - tracker.EmptySince >= wait)
            {
                tracker.WaitExpired = true; // go on without it until its next record comes
                StopWaiting(tracker);
                expired++;
            }
        }
        return expired;
    }

    /// <summary>Drops a partition that is no longer assigned, with its buffered records (handed to <paramref name="release"/>).</summary>
    public void Remove(PartitionTracker tracker, Action<InboundCall> release)
    {
        StopWaiting(tracker);
        if (tracker.HeapIndex >= 0)
        {
            RemoveAt(tracker.HeapIndex);
        }
        while (tracker.Buffered.Count > 0)
        {
            release(tracker.Buffered.Dequeue().Call);
        }
    }

    private void UpdateWaiting(PartitionTracker tracker)
    {
        if (tracker.Buffered.Count == 0 && !tracker.AtEnd && !tracker.WaitExpired && tracker.WaitIndex < 0)
        {
            tracker.WaitIndex = _waiting.Count;
            _waiting.Add(tracker);
        }
    }

    private void StopWaiting(PartitionTracker tracker)
    {
        var index = tracker.WaitIndex;
        if (index < 0)
        {
            return;
        }
        var last = _waiting[^1];
        _waiting[index] = last;
        last.WaitIndex = index;
        _waiting.RemoveAt(_waiting.Count - 1);
        tracker.WaitIndex = -1;
    }

    private void Insert(PartitionTracker tracker)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }
        _heap[_count] = tracker;
        tracker.HeapIndex = _count;
        _count++;
        SiftUp(_count - 1);
    }

    private void RemoveAt(int index)
    {
        var removed = _heap[index];
        removed.HeapIndex = -1;
        _count--;
        if (index == _count)
        {
            _heap[_count] = null!;
            return;
        }
        var last = _heap[_count];
        _heap[_count] = null!;
        _heap[index] = last;
        last.HeapIndex = index;
        SiftDown(index);
        SiftUp(last.HeapIndex);
    }

    private void SiftUp(int index)
    {
        var item = _heap[index];
        while (index > 0)
        {
            var parent = (index - 1) >> 1;
            var above = _heap[parent];
            if (!Earlier(item, above))
            {
                break;
            }
            _heap[index] = above;
            above.HeapIndex = index;
            index = parent;
        }
        _heap[index] = item;
        item.HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        var item = _heap[index];
        while (true)
        {
            var child = (index << 1) + 1;
            if (child >= _count)
            {
                break;
            }
            var right = child + 1;
            if (right < _count && Earlier(_heap[right], _heap[child]))
            {
                child = right;
            }
            var below = _heap[child];
            if (!Earlier(below, item))
            {
                break;
            }
            _heap[index] = below;
            below.HeapIndex = index;
            index = child;
        }
        _heap[index] = item;
        item.HeapIndex = index;
    }

    /// <summary>Event-time order; equal times go by partition, so the merge's order does not depend on arrival.</summary>
    private static bool Earlier(PartitionTracker a, PartitionTracker b) =>
        a.HeadKey < b.HeadKey || (a.HeadKey == b.HeadKey && a.Partition < b.Partition);
}
