namespace FraudStream.Kafka.Processing;

/// <summary>
/// The in-order bookkeeping of one assigned input partition, on the consume thread: the records consumed but
/// not yet processed, which records still wait for their alert or dead letter, and so the highest offset that
/// may be stored (never past one in flight, never past one not yet processed).
/// </summary>
internal sealed class PartitionTracker(int partition)
{
    private readonly Queue<PendingDelivery> _inFlight = new();
    private long _lastDone = -1;

    public int Partition { get; } = partition;

    /// <summary>The client's name for it (topic and partition), made on first use and kept: asked for on every emptied buffer.</summary>
    public Confluent.Kafka.TopicPartition? InputPartition { get; set; }

    /// <summary>
    /// Where its assignment started reading: the offset given to the client, or -1 for the client's reset policy (no
    /// committed offset); and the processor's count of rebalance callbacks when it was assigned.
    /// </summary>
    public long AssignedFrom { get; set; } = -1;

    public long AssignedAtRebalance { get; set; }

    /// <summary>Offsets below this are re-read only to rebuild history (they were processed before).</summary>
    public long RebuildEnd { get; set; } = -1;

    /// <summary>The offset stored last (the next to read on a restart), or -1.</summary>
    public long Stored { get; set; } = -1;

    /// <summary>The position last committed by the processor's own commit (at a revocation or the stop); -1 before.</summary>
    public long Committed { get; set; } = -1;

    /// <summary>Records re-read for history so far, and when the rebuild began (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long Rebuilt { get; set; }

    public long RebuildStartedAt { get; set; }

    public bool RebuildReported { get; set; }

    /// <summary>The newest offset consumed (live or rebuild), or -1.</summary>
    public long LastConsumed { get; set; } = -1;

    /// <summary>Records whose settlement is pending, in offset order: each waits for its own delivery or an earlier one's.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>Of <see cref="InFlight"/>, the alerts and dead letters the broker has not acknowledged (waiting or failed).</summary>
    public int Unacknowledged
    {
        get
        {
            var count = 0;
            foreach (var pending in _inFlight)
            {
                if (pending.State != PendingDelivery.Delivered)
                {
                    count++;
                }
            }
            return count;
        }
    }

    /// <summary>
    /// Consumed records not yet processed, in offset order: the partition's side of the event-time merge. Each comes
    /// with its merge key, so that the merge orders the next one without loading the record from memory.
    /// </summary>
    public Queue<BufferedCall> Buffered { get; } = new();

    /// <summary>True after the client reported the end of the partition, until its next record arrives.</summary>
    public bool AtEnd { get; set; }

    /// <summary>True once the merge stopped waiting for this empty partition, until its next record arrives.</summary>
    public bool WaitExpired { get; set; }

    /// <summary>
    /// True while fetching is paused because <see cref="Buffered"/> is full, or is to be: the processor tells the client
    /// of pauses and resumes in batches, so for a while this may differ from <see cref="PauseApplied"/>.
    /// </summary>
    public bool Paused { get; set; }

    /// <summary>Whether the client has been told to pause fetching this partition (and not told to resume since).</summary>
    public bool PauseApplied { get; set; }

    /// <summary>True while a change of <see cref="Paused"/> is in the processor's batch, not yet told to the client.</summary>
    public bool PauseChangeQueued { get; set; }

    /// <summary>The merge key of the first buffered record (its buffer entry holds it too; the heap compares this copy, so that it need not read the queue), its place in the merge's heap, and in its waiting list (-1: none).</summary>
    public long HeadKey { get; set; }

    public int HeapIndex { get; set; } = -1;

    public int WaitIndex { get; set; } = -1;

    /// <summary>When <see cref="Buffered"/> last became empty (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long EmptySince { get; set; }

    /// <summary>The oldest record still in flight, if any.</summary>
    public PendingDelivery? Head => _inFlight.Count > 0 ? _inFlight.Peek() : null;

    /// <summary>A record that needed nothing sent (valid, not alerted) is done.</summary>
    public void Done(long offset) => _lastDone = offset;

    public void Add(PendingDelivery pending) => _inFlight.Enqueue(pending);

    /// <summary>Every pending delivery, oldest first.</summary>
    public Queue<PendingDelivery>.Enumerator GetEnumerator() => _inFlight.GetEnumerator();

    /// <summary>
    /// Removes the delivered records from the front (handing them to <paramref name="release"/>) and returns
    /// the offset to store: the oldest record still in flight, else one past the last done; -1 if none.
    /// </summary>
    public long Drain(Action<PendingDelivery> release)
    {
        while (_inFlight.Count > 0 && _inFlight.Peek().State == PendingDelivery.Delivered)
        {
            var done = _inFlight.Dequeue();
            if (done.Offset > _lastDone)
            {
                _lastDone = done.Offset;
            }
            release(done);
        }
        return _inFlight.Count > 0 ? _inFlight.Peek().Offset : _lastDone >= 0 ? _lastDone + 1 : -1;
    }
}

/// <summary>A buffered record and its <see cref="InboundCall.MergeKey"/>.</summary>
internal readonly record struct BufferedCall(long MergeKey, InboundCall Call);
