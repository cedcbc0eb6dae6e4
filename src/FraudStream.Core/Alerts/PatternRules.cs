using FraudStream.Features;
using FraudStream.Records;

namespace FraudStream.Alerts;

/// <summary>
/// Names the likely scheme of an alerted call from documented rules over the record and its features
/// (not from the model, so an analyst can check them). The first rule that holds wins:
/// <list type="number">
/// <item><c>wangiri</c>: the caller's calling code is premium-rate or high-risk, and the call was not answered after
/// ringing less than <see cref="WangiriMaxRingMs"/> (one ring, then hung up).</item>
/// <item><c>government_impersonation</c>: the caller ID is on the do-not-originate list, or is a
/// Washington DC (202) number.</item>
/// <item><c>tech_support</c>: a toll-free caller ID.</item>
/// <item><c>government_impersonation</c>: a victim engaged (answered, 300 s or more) by a spoofed North American
/// caller ID from abroad: a caller ID whose country is not the one the call entered from.</item>
/// <item><c>neighbor_spoofing</c>: the caller ID shares the callee's area code (NPA), or at least a quarter
/// of the trunk's calls in the last hour shared the callee's NPA-NXX.</item>
/// <item><c>government_impersonation</c>: any other spoofed North American caller ID from abroad.</item>
/// <item><c>government_impersonation</c>: a call that entered in the US or Canada, not A-attested, from a caller ID
/// that made at least <see cref="CampaignCallerCalls10m"/> calls in the last 10 minutes: a campaign's small pool of
/// spoofed numbers, dialled through a US VoIP reseller.</item>
/// <item><c>robocall_burst</c>: any other call that entered in the US or Canada.</item>
/// <item><c>unknown</c>: anything else.</item>
/// </list>
/// </summary>
public sealed class PatternRules
{
    /// <summary>Share of a trunk's recent calls matching the callee's NPA-NXX that marks neighbour spoofing.</summary>
    public const float TrunkNpaNxxMatchShare = 0.25f;

    /// <summary>Wangiri calls ring once, under about 6 s (traffic-model.md), then hang up; longer ringing is someone waiting.</summary>
    public const int WangiriMaxRingMs = 10_000;

    /// <summary>Washington DC's area code: federal agencies' numbers, spoofed by impersonators.</summary>
    public const int WashingtonDcNpa = 202;

    /// <summary>
    /// Calls in the last 10 minutes (<c>caller_calls_10m</c>) that mark a caller ID as one of an impersonation
    /// campaign's few numbers: such a campaign dials tens of calls a minute from a pool of a few spoofed numbers, where
    /// a robocaller uses each number of a huge pool a handful of times a day (traffic-model.md). On the six traffic sets
    /// of docs/alerts.md, 3, 6 and 12 named impersonation calls alike (within 0.8 points), and 6 and 12 named every
    /// robocall as before; 3 named 0.4-2.1 points fewer robocalls rightly.
    /// </summary>
    public const float CampaignCallerCalls10m = 6;

    private readonly int _highRiskCode;
    private readonly int _doNotOriginate;
    private readonly int _sameNpaNxx;
    private readonly int _sameNpa;
    private readonly int _trunkNpaNxxShare;
    private readonly int _callerTollFree;
    private readonly int _nanpFromAbroad;
    private readonly int _callerCountryDisagrees;
    private readonly int _originOutsideUsCa;
    private readonly int _callerCalls10m;
    private readonly int _attestA;

    public PatternRules(FeatureSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _highRiskCode = Require(schema, "caller_high_risk_calling_code");
        _doNotOriginate = Require(schema, "caller_on_do_not_originate_list");
        _sameNpaNxx = Require(schema, "caller_callee_same_npa_nxx");
        _sameNpa = Require(schema, "caller_callee_same_npa");
        _trunkNpaNxxShare = Require(schema, "trunk_npa_nxx_match_share_1h");
        _callerTollFree = Require(schema, "caller_toll_free");
        _nanpFromAbroad = Require(schema, "nanp_caller_from_outside_us_ca");
        _callerCountryDisagrees = Require(schema, "caller_country_disagrees_with_origin");
        _originOutsideUsCa = Require(schema, "origin_outside_us_ca");
        _callerCalls10m = Require(schema, "caller_calls_10m");
        _attestA = Require(schema, "attest_a");
    }

    /// <param name="record">The call.</param>
    /// <param name="features">Its features (<see cref="FeatureSchema.Current"/>).</param>
    /// <param name="victimEngaged">Whether the alert says a victim is engaged (answered, 300 s or more).</param>
    public FraudPattern Classify(in CallRecord record, ReadOnlySpan<float> features, bool victimEngaged)
    {
        if (features[_highRiskCode] > 0 && record.Disposition != Disposition.Answered && record.RingMs < WangiriMaxRingMs)
        {
            return FraudPattern.Wangiri;
        }
        if (features[_doNotOriginate] > 0 || record.Caller.Npa == WashingtonDcNpa)
        {
            return FraudPattern.GovernmentImpersonation;
        }
        if (features[_callerTollFree] > 0)
        {
            // Brands' toll-free numbers, spoofed from abroad or through US VoIP resellers alike.
            return FraudPattern.TechSupport;
        }
        // A +1 number presented from a country other than its own (a Jamaican number from Jamaica is not spoofed).
        var spoofedNanpFromAbroad = features[_nanpFromAbroad] > 0 && features[_callerCountryDisagrees] > 0;
        if (spoofedNanpFromAbroad && victimEngaged)
        {
            // Impersonators call an engaged victim back for days, later as the "local police": a local number from
            // abroad with a victim on the line is that, not a neighbour-spoofing blast.
            return FraudPattern.GovernmentImpersonation;
        }
        if (features[_sameNpa] > 0 || features[_sameNpaNxx] > 0 || features[_trunkNpaNxxShare] >= TrunkNpaNxxMatchShare)
        {
            return FraudPattern.NeighborSpoofing;
        }
        if (spoofedNanpFromAbroad)
        {
            return FraudPattern.GovernmentImpersonation;
        }
        if (features[_originOutsideUsCa] > 0)
        {
            return FraudPattern.Unknown;
        }
        // Through a US VoIP reseller (B or C attestation): a number called from over and over is an impersonation
        // campaign's; a robocaller's numbers each call a handful of times a day.
        return features[_callerCalls10m] >= CampaignCallerCalls10m && features[_attestA] == 0
            ? FraudPattern.GovernmentImpersonation
            : FraudPattern.RobocallBurst;
    }

    private static int Require(FeatureSchema schema, string name)
    {
        var index = schema.IndexOf(name);
        return index >= 0 ? index : throw new ArgumentException($"the feature schema has no '{name}' feature", nameof(schema));
    }
}
