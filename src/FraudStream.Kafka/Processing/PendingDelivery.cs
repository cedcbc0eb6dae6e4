using Confluent.Kafka;

namespace FraudStream.Kafka.Processing;

/// <summary>
/// One alert or dead letter handed to the producer for one consumed record, until the broker acknowledges it.
/// Pooled: each instance keeps its delivery callback, so producing one allocates nothing of ours.
/// </summary>
internal sealed class PendingDelivery
{
    public const int Waiting = 0, Delivered = 1, Failed = 2;

    private readonly StreamProcessor _owner;
    private int _state;

    public PendingDelivery(StreamProcessor owner)
    {
        _owner = owner;
        OnDelivered = Delivered_;
    }

    /// <summary>The callback given to <c>Produce</c>; runs on the producer's delivery thread.</summary>
    public Action<DeliveryReport<byte[]?, byte[]?>> OnDelivered { get; }

    /// <summary>The input record's offset.</summary>
    public long Offset { get; private set; }

    /// <summary><see cref="Stopwatch"/> timestamp when the record was consumed.</summary>
    public long ConsumedAt { get; private set; }

    /// <summary>What its acknowledgement settles: <see cref="Settlement.Alerted"/> or <see cref="Settlement.DeadLettered"/>.</summary>
    public Settlement Settlement { get; private set; }

    /// <summary>Where it goes (alerts or dead letters), and what, kept to retry after a failure.</summary>
    public string Topic { get; private set; } = "";

    public Message<byte[]?, byte[]?>? Message { get; private set; }

    /// <summary>The error of a failed delivery.</summary>
    public Error? Error { get; private set; }

    public int State => Volatile.Read(ref _state);

    public void Start(long offset, long consumedAt, Settlement settlement, string topic, Message<byte[]?, byte[]?> message)
    {
        Offset = offset;
        ConsumedAt = consumedAt;
        Settlement = settlement;
        Topic = topic;
        Message = message;
        Error = null;
        Volatile.Write(ref _state, Waiting);
    }

    /// <summary>Hands a failed delivery back to the producer.</summary>
    public void Retry()
    {
        Error = null;
        Volatile.Write(ref _state, Waiting);
    }

    /// <summary>Marks it failed without a delivery report (the producer refused it outright).</summary>
    public void Fail(Error error)
    {
        Error = error;
        Volatile.Write(ref _state, Failed);
        _owner.OnDeliveryFailed(this, error);
    }

    public void Reset()
    {
        Message = null;
        Error = null;
    }

    private void Delivered_(DeliveryReport<byte[]?, byte[]?> report)
    {
        if (report.Error.IsError)
        {
            Fail(report.Error);
            return;
        }
        Message = null;
        // Observed before it is marked delivered: from then on the consume thread may return it to the pool and reuse
        // it for another record, whose settlement and consumed time this would report.
        _owner.OnDelivered(this);
        Volatile.Write(ref _state, Delivered);
    }
}
