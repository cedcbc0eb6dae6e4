using FraudStream.Alerts;
using FraudStream.Core.Tests.Features;
using FraudStream.Features;
using FraudStream.Pipeline;
using FraudStream.Records;

namespace FraudStream.Core.Tests.Pipeline;

public sealed class PatternRulesTests
{
    private static FraudPattern Classify(CallRecord record)
    {
        var featurizer = Featurizer.CreateDefault();
        var features = featurizer.Run(record);
        return new PatternRules(FeatureSchema.Current).Classify(record, features, CallScorer.IsVictimEngaged(record));
    }

    [Fact]
    public void Unanswered_call_from_a_high_risk_code_is_wangiri()
    {
        var call = CallBuilder.Call("+22245123456", "+12125550100", CallBuilder.Monday, origin: "MR",
            attest: Attestation.None, disposition: Disposition.NoAnswer, ringMs: 3000);
        Assert.Equal(FraudPattern.Wangiri, Classify(call));
    }

    [Fact]
    public void A_call_from_a_high_risk_code_that_rang_for_long_is_not_wangiri()
    {
        // Someone let it ring 25 s: a family call from Jamaica nobody picked up, not a one-ring lure.
        var call = CallBuilder.Call("+18765550123", "+12125550100", CallBuilder.Monday, origin: "JM",
            attest: Attestation.None, disposition: Disposition.NoAnswer, ringMs: 25_000, durationS: 0);
        Assert.Equal(FraudPattern.Unknown, Classify(call));
    }

    [Fact]
    public void Do_not_originate_caller_is_government_impersonation()
    {
        var call = CallBuilder.Call("+18007721213", "+12125550100", CallBuilder.Monday, origin: "US", attest: Attestation.C);
        Assert.Equal(FraudPattern.GovernmentImpersonation, Classify(call));
    }

    [Fact]
    public void Caller_with_the_callees_npa_nxx_is_neighbor_spoofing()
    {
        var call = CallBuilder.Call("+12125554321", "+12125550100", CallBuilder.Monday, attest: Attestation.None);
        Assert.Equal(FraudPattern.NeighborSpoofing, Classify(call));
    }

    [Fact]
    public void Caller_in_the_callees_area_code_is_neighbor_spoofing()
    {
        var call = CallBuilder.Call("+12129871234", "+12125550100", CallBuilder.Monday, attest: Attestation.C);
        Assert.Equal(FraudPattern.NeighborSpoofing, Classify(call));
    }

    [Fact]
    public void Washington_dc_caller_is_government_impersonation_even_from_a_us_network()
    {
        var call = CallBuilder.Call("+12025550123", "+14155550100", CallBuilder.Monday, attest: Attestation.B);
        Assert.Equal(FraudPattern.GovernmentImpersonation, Classify(call));
    }

    [Fact]
    public void Toll_free_caller_from_abroad_is_tech_support()
    {
        var call = CallBuilder.Call("+18885550123", "+12125550100", CallBuilder.Monday, origin: "IN", attest: Attestation.None);
        Assert.Equal(FraudPattern.TechSupport, Classify(call));
    }

    [Fact]
    public void Toll_free_caller_through_a_us_network_is_tech_support_too()
    {
        // Tech-support campaigns also come through US VoIP resellers; agencies' toll-free numbers are caught first.
        var reseller = CallBuilder.Call("+18885550123", "+12125550100", CallBuilder.Monday, origin: "US", attest: Attestation.C);
        var agency = CallBuilder.Call("+18008291040", "+12125550100", CallBuilder.Monday, origin: "US", attest: Attestation.C);
        Assert.Equal(FraudPattern.TechSupport, Classify(reseller));
        Assert.Equal(FraudPattern.GovernmentImpersonation, Classify(agency));
    }

    [Fact]
    public void An_engaged_victim_called_from_abroad_by_a_local_number_is_government_impersonation()
    {
        // The "local police" follow-up of an impersonation: the callee's own area code, from India, 20 minutes.
        var followUp = CallBuilder.Call("+12129871234", "+12125550100", CallBuilder.Monday, origin: "IN",
            attest: Attestation.None, durationS: 1_200);
        var blastLeg = CallBuilder.Call("+12129871234", "+12125550100", CallBuilder.Monday, origin: "IN",
            attest: Attestation.None, durationS: 12);
        var domesticTransfer = CallBuilder.Call("+12129871234", "+12125550100", CallBuilder.Monday, origin: "US",
            attest: Attestation.C, durationS: 1_200);
        Assert.Equal(FraudPattern.GovernmentImpersonation, Classify(followUp));
        Assert.Equal(FraudPattern.NeighborSpoofing, Classify(blastLeg));
        Assert.Equal(FraudPattern.NeighborSpoofing, Classify(domesticTransfer));
    }

    [Fact]
    public void A_caribbean_number_calling_from_its_own_country_is_not_called_government_impersonation()
    {
        var jamaica = CallBuilder.Call("+18765550123", "+14155550100", CallBuilder.Monday, origin: "JM",
            attest: Attestation.None, durationS: 900);
        var spoofed = CallBuilder.Call("+18765550123", "+14155550100", CallBuilder.Monday, origin: "IN",
            attest: Attestation.None, durationS: 900);
        Assert.Equal(FraudPattern.Unknown, Classify(jamaica));
        Assert.Equal(FraudPattern.GovernmentImpersonation, Classify(spoofed));
    }

    [Fact]
    public void Other_us_caller_from_abroad_is_government_impersonation()
    {
        var call = CallBuilder.Call("+12025550123", "+14155550100", CallBuilder.Monday, origin: "IN", attest: Attestation.None);
        Assert.Equal(FraudPattern.GovernmentImpersonation, Classify(call));
    }

    [Fact]
    public void Domestic_call_is_robocall_burst_and_foreign_caller_from_abroad_is_unknown()
    {
        var domestic = CallBuilder.Call("+13125550123", "+14155550100", CallBuilder.Monday, attest: Attestation.B);
        var foreign = CallBuilder.Call("+919812345678", "+14155550100", CallBuilder.Monday, origin: "IN", attest: Attestation.None);
        Assert.Equal(FraudPattern.RobocallBurst, Classify(domestic));
        Assert.Equal(FraudPattern.Unknown, Classify(foreign));
    }
}
