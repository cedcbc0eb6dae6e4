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

    [Theory]
    [InlineData("tech support through a US VoIP reseller", "+18885550123", "+12125550100", "US", Attestation.C, 60, FraudPattern.TechSupport)]
    [InlineData("an agency's toll-free number is caught before", "+18008291040", "+12125550100", "US", Attestation.C, 60, FraudPattern.GovernmentImpersonation)]
    [InlineData("the 'local police' follow-up of an engaged victim, from India", "+12129871234", "+12125550100", "IN", Attestation.None, 1_200, FraudPattern.GovernmentImpersonation)]
    [InlineData("the same number from India on a short blast leg", "+12129871234", "+12125550100", "IN", Attestation.None, 12, FraudPattern.NeighborSpoofing)]
    [InlineData("a long press-1 transfer through a US network", "+12129871234", "+12125550100", "US", Attestation.C, 1_200, FraudPattern.NeighborSpoofing)]
    [InlineData("a Jamaican number calling from Jamaica is not spoofed", "+18765550123", "+14155550100", "JM", Attestation.None, 900, FraudPattern.Unknown)]
    [InlineData("the same Jamaican number from India is", "+18765550123", "+14155550100", "IN", Attestation.None, 900, FraudPattern.GovernmentImpersonation)]
    public void Answered_calls_get_the_first_rule_that_holds(string why, string caller, string callee, string origin, Attestation attest,
        double durationS, FraudPattern expected)
    {
        var call = CallBuilder.Call(caller, callee, CallBuilder.Monday, origin: origin, attest: attest, durationS: durationS);
        var actual = Classify(call);
        Assert.True(expected == actual, $"{why}: expected {expected}, got {actual}");
    }

    [Fact]
    public void Other_us_caller_from_abroad_is_government_impersonation()
    {
        var call = CallBuilder.Call("+12025550123", "+14155550100", CallBuilder.Monday, origin: "IN", attest: Attestation.None);
        Assert.Equal(FraudPattern.GovernmentImpersonation, Classify(call));
    }

    [Fact]
    public void A_domestic_caller_id_calling_over_and_over_through_a_reseller_is_government_impersonation()
    {
        // A campaign's few spoofed numbers through a US VoIP reseller: each calls every few seconds. The same with A
        // attestation (a known customer's broadcast) or a number that called only a few times stays robocall_burst.
        FraudPattern LastOf(int calls, Attestation attest)
        {
            var featurizer = Featurizer.CreateDefault();
            var rules = new PatternRules(FeatureSchema.Current);
            var pattern = FraudPattern.Unknown;
            for (var i = 0; i < calls; i++)
            {
                var call = CallBuilder.Call("+13125550123", $"+1415555{i:D4}", CallBuilder.Monday.AddSeconds(10 * i), attest: attest);
                pattern = rules.Classify(call, featurizer.Run(call), CallScorer.IsVictimEngaged(call));
            }
            return pattern;
        }

        Assert.Equal(FraudPattern.GovernmentImpersonation, LastOf(12, Attestation.B));
        Assert.Equal(FraudPattern.GovernmentImpersonation, LastOf(12, Attestation.C));
        Assert.Equal(FraudPattern.RobocallBurst, LastOf(12, Attestation.A));
        Assert.Equal(FraudPattern.RobocallBurst, LastOf(3, Attestation.B));
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
