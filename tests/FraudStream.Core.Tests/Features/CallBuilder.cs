using FraudStream.Features;
using FraudStream.Records;

namespace FraudStream.Core.Tests.Features;

/// <summary>Builds call records field by field for featurizer tests (no parser involved).</summary>
internal static class CallBuilder
{
    public static readonly DateTime Monday = new(2026, 11, 23, 15, 0, 0, DateTimeKind.Utc);

    public static CallRecord Call(
        string caller,
        string callee,
        DateTime start,
        string trunk = "trunk-1",
        string origin = "US",
        Attestation attest = Attestation.A,
        Disposition disposition = Disposition.Answered,
        int ringMs = 8_000,
        double durationS = 60)
    {
        var record = default(CallRecord);
        record.CallId = AsciiId.From("c-1");
        record.StartText = AsciiId.From("2026-11-23T15:00:00Z");
        record.StartTicks = start.Ticks;
        record.Caller = PhoneNumber.Parse(caller);
        record.Callee = PhoneNumber.Parse(callee);
        record.OrigCountry = CountryCode.From(origin);
        record.Trunk = AsciiId.From(trunk);
        record.Attest = attest;
        record.Disposition = disposition;
        record.RingMs = ringMs;
        record.DurationS = disposition == Disposition.Answered ? durationS : 0;
        return record;
    }

    /// <summary>Featurizes one call and returns its vector.</summary>
    public static float[] Run(this Featurizer featurizer, CallRecord record)
    {
        var features = new float[FeatureSchema.Current.Count];
        featurizer.Featurize(in record, features);
        return features;
    }

    public static float Get(this float[] features, string name)
    {
        var i = FeatureSchema.Current.IndexOf(name);
        Assert.True(i >= 0, $"no feature {name}");
        return features[i];
    }

    public static Featurizer NewFeaturizer(FeaturizerOptions? options = null) =>
        new(ReferenceData.Embedded, options ?? new FeaturizerOptions
        {
            InitialCallers = 1_024,
            InitialCallees = 1_024,
            InitialPairs = 1_024,
            InitialTrunks = 64,
        });

    /// <summary>A US number in 212-555 with the given line number.</summary>
    public static string Nyc(int line) => $"+1212555{line:0000}";
}
