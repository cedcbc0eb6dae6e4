using FraudStream.Alerts;
using FraudStream.Features;
using FraudStream.Records;

namespace FraudStream.Kafka.Processing;

/// <summary>
/// Where the processor reports what it counts (the service exports it to Prometheus). Counts arrive as
/// increments, batched by the consume thread; observations may come from the producer's delivery thread.
/// </summary>
public interface IProcessorMetrics
{
    void RecordsConsumed(string topic, long count);

    void RecordsInvalid(RecordError error, long count);

    void Alerts(FraudPattern pattern, long count);

    void VictimEngagedAlerts(long count);

    /// <summary>A delivery (alert or dead letter) that failed; <paramref name="error"/> is a bounded code name.</summary>
    void ProduceError(string topic, string error);

    /// <summary>An error reported by a Kafka client outside any delivery (brokers down, authorization...).</summary>
    void ClientError(string error);

    /// <summary>
    /// An offset commit that failed or that the group refused, whether the processor's own or one the client made of its
    /// own (the periodic commit, and as it gives partitions up); <paramref name="error"/> is a bounded code name.
    /// </summary>
    void OffsetCommitFailed(string error);

    /// <summary>
    /// Seconds from consuming a record to its alert or dead letter being acknowledged (or to scoring, when neither is
    /// sent), once per record; <paramref name="settlement"/> says which of the three ended it.
    /// </summary>
    void ObserveProcessing(Settlement settlement, double seconds);

    void ObserveScore(double score);

    void SetEventLag(double seconds);

    void SetConsumerLag(int partition, long records);

    void RemoveConsumerLag(int partition);

    void SetState(in FeaturizerStats stats);

    /// <summary>1 when ready (assigned, model loaded, producing), else 0.</summary>
    void SetReady(bool ready);
}

/// <summary>What settled a consumed record, the end of the time <see cref="IProcessorMetrics.ObserveProcessing"/> observes.</summary>
public enum Settlement
{
    /// <summary>Scored without an alert: settled on the consume thread when its score was known.</summary>
    Scored,

    /// <summary>Its alert was acknowledged by the broker.</summary>
    Alerted,

    /// <summary>Invalid: its dead letter was acknowledged by the broker.</summary>
    DeadLettered,
}

/// <summary>Metrics that go nowhere; a sink that wants only some of them overrides those.</summary>
public class NullProcessorMetrics : IProcessorMetrics
{
    public static NullProcessorMetrics Instance { get; } = new();

    public virtual void RecordsConsumed(string topic, long count) { }

    public virtual void RecordsInvalid(RecordError error, long count) { }

    public virtual void Alerts(FraudPattern pattern, long count) { }

    public virtual void VictimEngagedAlerts(long count) { }

    public virtual void ProduceError(string topic, string error) { }

    public virtual void ClientError(string error) { }

    public virtual void OffsetCommitFailed(string error) { }

    public virtual void ObserveProcessing(Settlement settlement, double seconds) { }

    public virtual void ObserveScore(double score) { }

    public virtual void SetEventLag(double seconds) { }

    public virtual void SetConsumerLag(int partition, long records) { }

    public virtual void RemoveConsumerLag(int partition) { }

    public virtual void SetState(in FeaturizerStats stats) { }

    public virtual void SetReady(bool ready) { }
}
