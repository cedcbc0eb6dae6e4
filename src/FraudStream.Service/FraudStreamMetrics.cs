using FraudStream.Alerts;
using FraudStream.Features;
using FraudStream.Kafka.Processing;
using FraudStream.Records;
using Prometheus;

namespace FraudStream.Service;

/// <summary>
/// Every Prometheus metric FraudStream exports, defined here and nowhere else (contracts.md section 6 is
/// binding: add, never rename). Labels never carry a phone number, call id or other unbounded value.
/// </summary>
public sealed class FraudStreamMetrics : IProcessorMetrics
{
    private readonly Counter _consumed;
    private readonly Counter _invalid;
    private readonly Counter _alerts;
    private readonly Counter _victimEngaged;
    private readonly Counter _produceErrors;
    private readonly Histogram _processing;
    private readonly Gauge _eventLag;
    private readonly Gauge _consumerLag;
    private readonly Histogram _score;
    private readonly Gauge _modelInfo;
    private readonly Gauge _modelLoaded;
    private readonly Counter _modelReloadFailures;
    private readonly Gauge _stateKeys;
    private readonly Gauge _stateBytes;
    private readonly Counter _stateEvictions;
    private readonly Gauge _buildInfo;
    private readonly Gauge _ready;
    private readonly Counter _clientErrors;
    private readonly Counter _commitFailures;
    private readonly Counter.Child[] _invalidByError;
    private readonly Counter.Child[] _alertsByPattern;
    private readonly Lock _modelGate = new();
    private string? _modelId;

    /// <summary>Creates the metrics in <paramref name="registry"/> (one registry per service instance).</summary>
    public FraudStreamMetrics(CollectorRegistry registry, string inputTopic)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Registry = registry;
        var f = Metrics.WithCustomRegistry(registry);
        _consumed = f.CreateCounter("fraudstream_records_consumed_total", "Records consumed from the input topic (not counting records re-read to rebuild history).", ["topic"]);
        _invalid = f.CreateCounter("fraudstream_records_invalid_total", "Invalid records sent to the dead-letter topic, by error code.", ["error"]);
        _alerts = f.CreateCounter("fraudstream_alerts_total", "Alerts produced, by likely scheme.", ["pattern"]);
        _victimEngaged = f.CreateCounter("fraudstream_victim_engaged_alerts_total", "Alerts on calls answered and talked to for 300 s or more.");
        _produceErrors = f.CreateCounter("fraudstream_produce_errors_total", "Failed deliveries of alerts and dead letters, by topic and error.", ["topic", "error"]);
        _processing = f.CreateHistogram("fraudstream_processing_seconds", "Seconds from consuming a record to its alert or dead letter being acknowledged (to scoring when nothing is sent).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 18) });
        _eventLag = f.CreateGauge("fraudstream_event_lag_seconds", "Now minus the start of the newest record processed.");
        _consumerLag = f.CreateGauge("fraudstream_consumer_lag_records", "Records in the partition not consumed yet (high watermark minus position).", ["partition"]);
        _score = f.CreateHistogram("fraudstream_score", "Scores of the valid calls.", new HistogramConfiguration { Buckets = Histogram.LinearBuckets(0.05, 0.05, 20) });
        _modelInfo = f.CreateGauge("fraudstream_model_info", "1 for the model in force.", ["model"]);
        _modelLoaded = f.CreateGauge("fraudstream_model_loaded_timestamp_seconds", "Unix time the model in force was loaded.");
        _modelReloadFailures = f.CreateCounter("fraudstream_model_reload_failures_total", "Model files refused on reload (corrupt or incompatible); the running model stayed.");
        _stateKeys = f.CreateGauge("fraudstream_state_keys", "Keys of featurizer state, by kind.", ["kind"]);
        _stateBytes = f.CreateGauge("fraudstream_state_bytes", "Bytes of featurizer state tables.");
        _stateEvictions = f.CreateCounter("fraudstream_state_evictions_total",
            "Keys of featurizer state forgotten, by kind and reason: idle (past their retention) or cap (to make room at the cap).", ["kind", "reason"]);
        _buildInfo = f.CreateGauge("fraudstream_build_info", "1, labelled with FraudStream's version.", ["version"]);
        _ready = f.CreateGauge("fraudstream_ready", "1 when ready (partitions assigned, model loaded, producing), else 0.");
        _clientErrors = f.CreateCounter("fraudstream_kafka_client_errors_total", "Errors the Kafka clients reported outside deliveries (brokers down, authorization...), by error.", ["error"]);
        _commitFailures = f.CreateCounter("fraudstream_offset_commit_failures_total",
            "Offset commits that failed or that the group refused, by error; records after the last commit taken are read again after a restart or a rebalance.", ["error"]);

        // Children created up front so every series shows from the start, at 0.
        _consumed.WithLabels(inputTopic);
        foreach (var code in CommonCommitErrors)
        {
            _commitFailures.WithLabels(code.ToString());
        }
        var codes = RecordErrors.AllCodes;
        _invalidByError = new Counter.Child[codes.Length];
        for (var i = 1; i < codes.Length; i++)
        {
            _invalidByError[i] = _invalid.WithLabels(codes[i]);
        }
        var patterns = FraudPatterns.AllNames;
        _alertsByPattern = new Counter.Child[patterns.Length];
        for (var i = 0; i < patterns.Length; i++)
        {
            _alertsByPattern[i] = _alerts.WithLabels(patterns[i]);
        }
        _buildInfo.WithLabels(ServiceAssembly.Version).Set(1);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>
    /// The commit errors whose series start at 0, so that <c>increase()</c> sees their first failure: those of a
    /// rebalance and those that last. Any other error gets its series at its first failure.
    /// </summary>
    public static IReadOnlyList<Confluent.Kafka.ErrorCode> CommonCommitErrors { get; } =
    [
        Confluent.Kafka.ErrorCode.RebalanceInProgress, Confluent.Kafka.ErrorCode.IllegalGeneration,
        Confluent.Kafka.ErrorCode.UnknownMemberId, Confluent.Kafka.ErrorCode.GroupAuthorizationFailed,
        Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, Confluent.Kafka.ErrorCode.NotCoordinatorForGroup,
        Confluent.Kafka.ErrorCode.RequestTimedOut,
    ];

    /// <summary>The fifteen metric names of contracts.md section 6; FraudStream's additions (readiness, client errors, evictions, commit failures) are not listed here.</summary>
    public static IReadOnlyList<string> ContractNames { get; } =
    [
        "fraudstream_records_consumed_total", "fraudstream_records_invalid_total", "fraudstream_alerts_total",
        "fraudstream_victim_engaged_alerts_total", "fraudstream_produce_errors_total", "fraudstream_processing_seconds",
        "fraudstream_event_lag_seconds", "fraudstream_consumer_lag_records", "fraudstream_score", "fraudstream_model_info",
        "fraudstream_model_loaded_timestamp_seconds", "fraudstream_model_reload_failures_total", "fraudstream_state_keys",
        "fraudstream_state_bytes", "fraudstream_build_info",
    ];

    public void RecordsConsumed(string topic, long count) => _consumed.WithLabels(topic).Inc(count);

    public void RecordsInvalid(RecordError error, long count) => _invalidByError[(int)error].Inc(count);

    public void Alerts(FraudPattern pattern, long count) => _alertsByPattern[(int)pattern].Inc(count);

    public void VictimEngagedAlerts(long count) => _victimEngaged.Inc(count);

    public void ProduceError(string topic, string error) => _produceErrors.WithLabels(topic, error).Inc();

    public void ClientError(string error) => _clientErrors.WithLabels(error).Inc();

    public void OffsetCommitFailed(string error) => _commitFailures.WithLabels(error).Inc();

    // One histogram for all three: the contract gives it no labels (docs/contracts.md section 6).
    public void ObserveProcessing(Settlement settlement, double seconds) => _processing.Observe(seconds);

    public void ObserveScore(double score) => _score.Observe(score);

    public void SetEventLag(double seconds) => _eventLag.Set(seconds);

    public void SetConsumerLag(int partition, long records) => _consumerLag.WithLabels(PartitionLabel(partition)).Set(records);

    public void RemoveConsumerLag(int partition) => _consumerLag.RemoveLabelled(PartitionLabel(partition));

    public void SetState(in FeaturizerStats stats)
    {
        _stateKeys.WithLabels("caller").Set(stats.Callers.Keys);
        _stateKeys.WithLabels("trunk").Set(stats.Trunks.Keys);
        _stateKeys.WithLabels("callee").Set(stats.Callees.Keys);
        _stateKeys.WithLabels("pair").Set(stats.Pairs.Keys);
        _stateBytes.Set(stats.TotalBytes);
        SetEvictions("caller", stats.Callers);
        SetEvictions("trunk", stats.Trunks);
        SetEvictions("callee", stats.Callees);
        SetEvictions("pair", stats.Pairs);
    }

    private void SetEvictions(string kind, in StateKindStats stats)
    {
        _stateEvictions.WithLabels(kind, "idle").IncTo(stats.IdleEvictions);
        _stateEvictions.WithLabels(kind, "cap").IncTo(stats.CapEvictions);
    }

    public void SetReady(bool ready) => _ready.Set(ready ? 1 : 0);

    /// <summary>Shows <paramref name="modelId"/> as the model in force, loaded at <paramref name="loadedUtc"/>.</summary>
    public void SetModel(string modelId, DateTimeOffset loadedUtc)
    {
        lock (_modelGate)
        {
            if (_modelId is not null && _modelId != modelId)
            {
                _modelInfo.RemoveLabelled(_modelId);
            }
            _modelId = modelId;
            _modelInfo.WithLabels(modelId).Set(1);
            _modelLoaded.Set(loadedUtc.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    public void ModelReloadFailed() => _modelReloadFailures.Inc();

    private static string PartitionLabel(int partition) => partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
