using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using FraudStream.Records;

namespace FraudStream.Alerts;

/// <summary>
/// Writes alerts as contracts.md section 2 JSON, one object per call, into a buffer writer.
/// The writer is reused: <see cref="Write"/> allocates nothing once warm.
/// </summary>
public sealed class AlertWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Keep '+' in phone numbers as is; the output is UTF-8 JSON for machines, not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly Utf8JsonWriter _json;
    private readonly IReadOnlyList<string> _featureNames;
    private readonly JsonEncodedText[] _encodedFeatureNames;

    public AlertWriter(IBufferWriter<byte> output, IReadOnlyList<string> featureNames)
    {
        _json = new Utf8JsonWriter(output, Options);
        _featureNames = featureNames;
        _encodedFeatureNames = featureNames.Select(n => JsonEncodedText.Encode(n, Options.Encoder)).ToArray();
    }

    /// <summary>Decimals a reason's contribution is written with.</summary>
    public const int ContributionDecimals = 4;

    /// <summary>Re-targets the writer at another buffer (one alert per Kafka message, say).</summary>
    public void Reset(IBufferWriter<byte> output) => _json.Reset(output);

    /// <summary>Writes one alert object (no line ending) and flushes it into the buffer writer.</summary>
    public void Write(in CallRecord record, in ScoredCall scored, string modelId, in AlertSource source, DateTime detectedAtUtc)
    {
        var json = _json;
        Span<byte> scratch = stackalloc byte[PhoneNumber.MaxDigits + 1];
        json.WriteStartObject();
        json.WriteString("alert_id"u8, record.CallId.Span);
        json.WriteString("call_id"u8, record.CallId.Span);
        json.WriteString("start"u8, record.StartText.Span);
        record.Caller.TryFormat(scratch, out var n);
        json.WriteString("caller"u8, scratch[..n]);
        record.Callee.TryFormat(scratch, out n);
        json.WriteString("callee"u8, scratch[..n]);
        scratch[0] = (byte)record.OrigCountry.First;
        scratch[1] = (byte)record.OrigCountry.Second;
        json.WriteString("orig_country"u8, scratch[..2]);
        json.WriteString("trunk"u8, record.Trunk.Span);
        // The threshold in force as a float, the shortest text that reads back as it (0.4397124, as train, evaluate
        // and the card print it), and the score as the float nearest to it: rounding to a float never passes the
        // threshold, itself a float, so a consumer comparing the two numbers finds score >= threshold in every alert.
        json.WriteNumber("score"u8, (float)scored.Score);
        json.WriteNumber("threshold"u8, scored.Threshold);
        json.WriteString("model"u8, modelId);
        json.WriteString("pattern"u8, FraudPatterns.Name(scored.Pattern));
        json.WriteBoolean("victim_engaged"u8, scored.VictimEngaged);
        json.WriteStartArray("reasons"u8);
        for (var i = 0; i < scored.ReasonCount; i++)
        {
            var reason = scored.Reasons[i];
            json.WriteStartObject();
            json.WriteString("feature"u8, _encodedFeatureNames[reason.Feature]);
            json.WriteNumber("value"u8, Math.Round(reason.Value, 4));
            json.WriteNumber("contribution"u8, Math.Round(reason.Contribution, ContributionDecimals));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("detected_at"u8, detectedAtUtc);
        json.WriteStartObject("source"u8);
        if (source.IsFile)
        {
            json.WriteString("file"u8, source.Name);
            json.WriteNumber("line"u8, source.Position);
        }
        else
        {
            json.WriteString("topic"u8, source.Name);
            json.WriteNumber("partition"u8, source.Partition);
            json.WriteNumber("offset"u8, source.Position);
        }
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        json.Reset();
    }

    /// <summary>The name of feature <paramref name="index"/> as alerts print it.</summary>
    public string FeatureName(int index) => _featureNames[index];
}
