using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Confluent.Kafka;
using FraudStream.Alerts;
using FraudStream.Features;
using FraudStream.Pipeline;
using FraudStream.Records;
using FraudStream.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace FraudStream.LoadTest;

/// <summary>
/// (c) The naive .NET approach: string values, System.Text.Json deserialisation to a class, FraudStream's featurizer,
/// the same model through ML.NET's <c>PredictionEngine</c> (one, reused: one consume thread), alerts serialised with
/// System.Text.Json and produced with the same producer settings. Offsets are auto-stored and auto-committed (at most
/// once for alerts in flight: the usual shape of such a consumer), then committed at the end.
/// </summary>
public static class NaiveMode
{
    public static DrainResult Run(LoadTestOptions options)
    {
        var modelPath = FraudModel.DefaultPath();
        var model = FraudModel.Load(modelPath); // threshold, id and feature names for the alert
        var context = new MLContext(seed: 1);
        var transformer = context.Model.Load(modelPath, out _);
        var schema = SchemaDefinition.Create(typeof(ModelInput));
        schema[nameof(ModelInput.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureSchema.Current.Count);
        var engine = context.Model.CreatePredictionEngine<ModelInput, ModelOutput>(transformer, inputSchemaDefinition: schema);
        var featurizer = Featurizer.CreateDefault();
        var patterns = new PatternRules(FeatureSchema.Current);

        using var consumer = new ConsumerBuilder<string?, string>(ClientSettings.Consumer(options.Bootstrap!, options.Group)).Build();
        using var producer = new ProducerBuilder<string?, string>(ClientSettings.Producer(options.Bootstrap!)).Build();
        long pending = 0, delivered = 0, failed = 0;
        void OnDelivery(DeliveryReport<string?, string> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref failed);
            }
            else
            {
                Interlocked.Increment(ref delivered);
            }
            Interlocked.Decrement(ref pending);
        }

        consumer.Subscribe(options.Topic);
        long count = 0, alerts = 0, invalid = 0, first = 0;
        while (count < options.Expect)
        {
            var result = consumer.Consume(100);
            if (result is null)
            {
                continue;
            }
            if (count++ == 0)
            {
                first = Stopwatch.GetTimestamp();
            }
            CallDto? dto;
            string? error = null;
            try
            {
                dto = JsonSerializer.Deserialize<CallDto>(result.Message.Value);
            }
            catch (JsonException)
            {
                dto = null;
                error = "invalid_json";
            }
            if (dto is null || !dto.TryToRecord(out var record))
            {
                invalid++;
                var headers = new Headers { { "fraudstream-error", Encoding.UTF8.GetBytes(error ?? "bad_value") } };
                Interlocked.Increment(ref pending);
                producer.Produce(options.DeadLetterTopic, new Message<string?, string> { Key = result.Message.Key, Value = result.Message.Value, Headers = headers }, OnDelivery);
                continue;
            }
            var features = new float[FeatureSchema.Current.Count];
            featurizer.Featurize(record, features);
            var prediction = engine.Predict(new ModelInput { Features = features });
            if (prediction.Probability < model.Threshold)
            {
                continue;
            }
            alerts++;
            var alert = NaiveAlert.Create(dto, record, features, prediction.Probability, model, patterns, result);
            Interlocked.Increment(ref pending);
            producer.Produce(options.AlertsTopic, new Message<string?, string> { Key = dto.Caller, Value = JsonSerializer.Serialize(alert) }, OnDelivery);
        }
        producer.Flush(TimeSpan.FromSeconds(60));
        consumer.Commit();
        var end = Stopwatch.GetTimestamp();
        consumer.Close();
        if (Interlocked.Read(ref failed) > 0 || Interlocked.Read(ref pending) > 0)
        {
            Console.Error.WriteLine($"naive: {failed} deliveries failed, {pending} unacknowledged");
        }
        return new DrainResult(count, alerts, invalid, ChildRun.Seconds(first, end));
    }

    /// <summary>The model's input row.</summary>
    public sealed class ModelInput
    {
        public float[] Features { get; set; } = [];
    }

    /// <summary>The model's output row (the calibrated probability).</summary>
    public sealed class ModelOutput
    {
        public float Probability { get; set; }
    }

    /// <summary>A call record as a plain class, bound by System.Text.Json.</summary>
    public sealed class CallDto
    {
        [JsonPropertyName("call_id")] public string? CallId { get; set; }
        [JsonPropertyName("start")] public string? Start { get; set; }
        [JsonPropertyName("caller")] public string? Caller { get; set; }
        [JsonPropertyName("callee")] public string? Callee { get; set; }
        [JsonPropertyName("orig_country")] public string? OrigCountry { get; set; }
        [JsonPropertyName("trunk")] public string? Trunk { get; set; }
        [JsonPropertyName("attest")] public string? Attest { get; set; }
        [JsonPropertyName("disposition")] public string? Disposition { get; set; }
        [JsonPropertyName("ring_ms")] public int RingMs { get; set; }
        [JsonPropertyName("duration_s")] public double DurationS { get; set; }

        /// <summary>The featurizer's record, or false when a field is missing or malformed (checked the usual way: parse and catch).</summary>
        public bool TryToRecord(out CallRecord record)
        {
            record = default;
            if (CallId is null || Start is null || Caller is null || Callee is null || OrigCountry is not { Length: 2 } || Trunk is null || Disposition is null)
            {
                return false;
            }
            try
            {
                var start = DateTime.Parse(Start, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                record.StartTicks = start.Ticks;
                record.Caller = Caller == "anonymous" ? PhoneNumber.Anonymous : PhoneNumber.Parse(Caller);
                record.Callee = PhoneNumber.Parse(Callee);
            }
            catch (FormatException)
            {
                return false;
            }
            record.OrigCountry = CountryCode.From(OrigCountry);
            record.Attest = Attest switch { null => Attestation.None, "A" => Attestation.A, "B" => Attestation.B, "C" => Attestation.C, _ => (Attestation)255 };
            record.Disposition = Disposition switch
            {
                "answered" => Records.Disposition.Answered,
                "no_answer" => Records.Disposition.NoAnswer,
                "busy" => Records.Disposition.Busy,
                "failed" => Records.Disposition.Failed,
                "rejected" => Records.Disposition.Rejected,
                _ => (Disposition)255,
            };
            record.RingMs = RingMs;
            record.DurationS = DurationS;
            return (byte)record.Attest != 255 && (byte)record.Disposition != 255
                && record.CallId.TrySet(Encoding.UTF8.GetBytes(CallId))
                && record.StartText.TrySet(Encoding.UTF8.GetBytes(Start))
                && record.Trunk.TrySet(Encoding.UTF8.GetBytes(Trunk));
        }
    }

    /// <summary>An alert as a plain class (contracts.md section 2), serialised by System.Text.Json.</summary>
    public sealed class NaiveAlert
    {
        [JsonPropertyName("alert_id")] public string AlertId { get; set; } = "";
        [JsonPropertyName("call_id")] public string CallId { get; set; } = "";
        [JsonPropertyName("start")] public string? Start { get; set; }
        [JsonPropertyName("caller")] public string? Caller { get; set; }
        [JsonPropertyName("callee")] public string? Callee { get; set; }
        [JsonPropertyName("orig_country")] public string? OrigCountry { get; set; }
        [JsonPropertyName("trunk")] public string? Trunk { get; set; }
        [JsonPropertyName("score")] public double Score { get; set; }
        [JsonPropertyName("threshold")] public double Threshold { get; set; }
        [JsonPropertyName("model")] public string Model { get; set; } = "";
        [JsonPropertyName("pattern")] public string Pattern { get; set; } = "";
        [JsonPropertyName("victim_engaged")] public bool VictimEngaged { get; set; }
        [JsonPropertyName("reasons")] public List<Reason> Reasons { get; set; } = [];
        [JsonPropertyName("detected_at")] public DateTime DetectedAt { get; set; }
        [JsonPropertyName("source")] public Dictionary<string, object> Source { get; set; } = [];

        /// <summary>One contribution toward fraud.</summary>
        public sealed record Reason(
            [property: JsonPropertyName("feature")] string Feature,
            [property: JsonPropertyName("value")] double Value,
            [property: JsonPropertyName("contribution")] double Contribution);

        public static NaiveAlert Create(CallDto call, in CallRecord record, float[] features, float score, FraudModel model, PatternRules patterns,
            ConsumeResult<string?, string> source)
        {
            var contributions = new float[features.Length];
            model.Ensemble.Contributions(features, contributions);
            var victimEngaged = CallScorer.IsVictimEngaged(record);
            return new NaiveAlert
            {
                AlertId = call.CallId!,
                CallId = call.CallId!,
                Start = call.Start,
                Caller = call.Caller,
                Callee = call.Callee,
                OrigCountry = call.OrigCountry,
                Trunk = call.Trunk,
                Score = score,
                Threshold = model.Threshold,
                Model = model.Id,
                Pattern = FraudPatterns.Name(patterns.Classify(record, features, victimEngaged)),
                VictimEngaged = victimEngaged,
                Reasons = [.. contributions.Select((c, i) => new Reason(model.FeatureNames[i], features[i], c))
                    .Where(r => r.Contribution > 0).OrderByDescending(r => r.Contribution).Take(5)],
                DetectedAt = DateTime.UtcNow,
                Source = new() { ["topic"] = source.Topic, ["partition"] = source.Partition.Value, ["offset"] = source.Offset.Value },
            };
        }
    }
}
