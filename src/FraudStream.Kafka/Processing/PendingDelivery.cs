using Confluent.Kafka;
using FraudStream.Alerts;
using FraudStream.Scoring;

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

    /// <summary>
    /// An alert still to be written (<see cref="AlertStage"/>): the consumed record, which stays out of the record pool
    /// until this delivery is released, the model that scored it, its features and its score. Null otherwise.
    /// </summary>
    public InboundCall? Call { get; private set; }

    public FraudModel? Model { get; private set; }

    /// <summary>A copy of the alerted call's features (kept with the instance, so reuse allocates nothing).</summary>
    public float[] Features { get; private set; } = [];

    /// <summary>The alerted call's score, pattern and, once written, reasons.</summary>
    public ScoredCall Scored;

    /// <summary>The error of a failed delivery.</summary>
    public Error? Error { get; private set; }

    public int State => Volatile.Read(ref _state);

    public void Start(long offset, long consumedAt, Settlement settlement, string topic, Message<byte[]?, byte[]?>? message)
    {
        Offset = offset;
        ConsumedAt = consumedAt;
        Settlement = settlement;
        Topic = topic;
        Message = message;
        Error = null;
        Volatile.Write(ref _state, Waiting);
    }

    /// <summary>
    /// Starts an alert whose message <see cref="AlertStage"/> writes later: keeps <paramref name="call"/> (out of the
    /// record pool until <see cref="Reset"/>), the model, a copy of the features and the score.
    /// </summary>
    public void StartAlert(long offset, long consumedAt, string topic, InboundCall call, FraudModel model, ReadOnlySpan<float> features, in ScoredCall scored)
    {
        Start(offset, consumedAt, Settlement.Alerted, topic, message: null);
        Call = call;
        Model = model;
        if (Features.Length != features.Length)
        {
            Features = new float[features.Length];
        }
        features.CopyTo(Features);
        Scored = scored;
    }

    /// <summary>The alert's message, once written; set before it is produced.</summary>
    public void SetMessage(Message<byte[]?, byte[]?> message) => Message = message;

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

    /// <summary>Clears it for reuse; returns the record it kept, if any, for the caller to pool.</summary>
    public InboundCall? Reset()
    {
        var call = Call;
        Call = null;
        Model = null;
        Message = null;
        Error = null;
        return call;
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
