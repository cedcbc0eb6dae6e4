namespace FraudStream.Traffic.Tests;

public sealed class ScamClassTests
{
    private static GeneratedTraffic Default => GeneratedTraffic.Get(GeneratedTraffic.Default);
    private static GeneratedTraffic Heavy => GeneratedTraffic.Get(GeneratedTraffic.Heavy);

    /// <summary>Many short campaigns of every kind, so per-campaign properties can be checked across campaigns.</summary>
    private static GeneratedTraffic ManyCampaigns => GeneratedTraffic.Get(new TrafficOptions
    {
        Calls = 150_000,
        Seed = 21,
        ScamShare = 0.3,
        Duration = TimeSpan.FromHours(48),
        GovernmentImpersonation = new BlastCampaignOptions { CampaignHoursMin = 0.5, CampaignHoursMax = 1, CallsPerMinuteMax = 30, EngageRateMin = 0.04, EngageRateMax = 0.06 },
        NeighborSpoofing = new NeighborSpoofingOptions { CampaignHoursMax = 1.5 },
        Wangiri = new WangiriOptions { BurstMinutesMax = 30 },
    });

    private static double Share<T>(IReadOnlyCollection<T> items, Func<T, bool> predicate) => items.Count(predicate) / (double)items.Count;

    private static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Order()];
        return v[v.Length / 2];
    }

    private static readonly string[] Agencies = ["+18008291040", "+18007721213", "+18003755283"];

    [Fact]
    public void Government_impersonation_blasts_from_a_few_trunks_and_spoofed_agency_numbers()
    {
        GeneratedTraffic data = ManyCampaigns;
        Call[] calls = [.. data.Of(TrafficClass.GovernmentImpersonation)];
        var campaigns = calls.GroupBy(c => c.Campaign).ToList();
        Assert.True(campaigns.Count >= 5);
        foreach (var campaign in campaigns.Where(g => g.Count() >= 500))
        {
            Call[] blast = [.. campaign.Where(c => !c.Answered || c.Duration < 600)];
            Assert.InRange(Share(blast, c => c.Answered), 0.04, 0.16);
            Assert.InRange(campaign.Select(c => c.Trunk).Distinct().Count(), 1, 4);
            var victims = campaign.Where(c => c.Duration >= 600).Select(c => c.Callee).ToHashSet();
            Assert.InRange(campaign.Where(c => !victims.Contains(c.Callee)).Select(c => c.Caller).Distinct().Count(), 2, 13); // pool + anonymous
            Assert.Contains(campaign, c => Agencies.Contains(c.Caller));
            Assert.Single(campaign.Select(c => c.Orig).Distinct());
        }
        Assert.All(calls, c => Assert.Contains(c.Orig, new[] { "IN", "US" }));
        Assert.InRange(Share(calls, c => c.Attest is null), 0.45, 0.68);
        Assert.InRange(Share(calls, c => c.Attest == "C"), 0.25, 0.45);
        Assert.InRange(Share(calls, c => c.Attest == "B"), 0.0, 0.15);
        Assert.InRange(Share(calls, c => c.Attest == "A"), 0.0, 0.04);
        double blastTalk = Median(calls.Where(c => c.Answered && c.Duration < 300).Select(c => c.Duration));
        Assert.InRange(blastTalk, 7, 16);
        // US business hours on weekdays (the India night shift): 13:00-23:00 UTC, Monday to Friday.
        Assert.True(Share(calls, c =>
        {
            var t = DateTimeOffset.FromUnixTimeMilliseconds(c.StartMs);
            return t.Hour is >= 13 and < 23 && t.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
        }) > 0.97);
    }

    [Fact]
    public void Engaged_victims_are_called_again_from_a_different_caller_id()
    {
        int victims = 0, early = 0, earlyRecalled = 0;
        foreach (GeneratedTraffic data in new[] { ManyCampaigns, Heavy })
        {
            long end = new DateTimeOffset(data.Options.Start).ToUnixTimeMilliseconds() + (long)data.Options.Duration.TotalMilliseconds;
            var byVictim = data.Calls.Where(c => c.Scheme is "government_impersonation" or "tech_support")
                .GroupBy(c => (c.Campaign, c.Callee));
            foreach (var g in byVictim)
            {
                Call[] calls = [.. g.OrderBy(c => c.StartMs)];
                int first = Array.FindIndex(calls, c => c.Answered && c.Duration >= 600);
                if (first < 0)
                    continue;
                victims++;
                Assert.InRange(calls[first].Duration, 600, 3600);
                for (int i = first + 1; i < calls.Length; i++)
                {
                    Assert.NotEqual(calls[i - 1].Caller, calls[i].Caller);
                    Assert.True(calls[i].StartMs - calls[i - 1].StartMs > 3_600_000 / 2, "re-calls come hours or days later");
                }
                // Victims engaged early enough are called again inside the window (follow-ups come over the next days).
                if (calls[first].StartMs < end - (24 * 3_600_000L))
                {
                    early++;
                    if (calls.Length > first + 1)
                        earlyRecalled++;
                }
            }
        }
        Assert.True(victims >= 20, $"{victims} engaged victims");
        Assert.True(early >= 10 && earlyRecalled >= early * 0.75, $"{earlyRecalled} of {early} early victims re-called");
    }

    [Fact]
    public void Some_engaged_victims_are_called_by_a_live_agent_or_from_ids_with_no_blast_history()
    {
        int agentCallbacks = 0, fresh = 0;
        foreach (GeneratedTraffic data in new[] { ManyCampaigns, Heavy })
        {
            var firstSeen = new Dictionary<string, long>();
            foreach (Call c in data.Calls.OrderBy(c => c.StartMs))
                firstSeen.TryAdd(c.Caller, c.StartMs);
            var blast = data.Calls.Where(c => c.Scheme is "government_impersonation" or "tech_support").ToList();
            foreach (var g in blast.GroupBy(c => (c.Campaign, c.Callee)))
            {
                Call[] calls = [.. g.OrderBy(c => c.StartMs)];
                int engaged = Array.FindIndex(calls, c => c.Answered && c.Duration >= 300);
                if (engaged < 0)
                    continue;
                Call e = calls[engaged];
                // A live agent: a short answered blast leg minutes before, from another caller ID.
                if (engaged > 0 && calls[engaged - 1].Answered && calls[engaged - 1].Duration < 60 && calls[engaged - 1].Caller != e.Caller
                    && e.StartMs - calls[engaged - 1].StartMs is > 60_000 and < 45 * 60_000)
                    agentCallbacks++;
                // No earlier call of this caller ID anywhere in the stream, and no earlier call to the victim in this campaign.
                if (engaged == 0 && e.Caller != "anonymous" && firstSeen[e.Caller] == e.StartMs)
                    fresh++;
            }
        }
        Assert.True(agentCallbacks >= 5, $"{agentCallbacks} agent callbacks");
        Assert.True(fresh >= 5, $"{fresh} engaged calls from caller IDs with no history");
    }

    [Fact]
    public void Engaged_calls_are_a_small_share_of_answered_blast_calls()
    {
        Call[] answered = [.. Default.Of(TrafficClass.GovernmentImpersonation).Concat(Default.Of(TrafficClass.TechSupport)).Where(c => c.Answered)];
        var firstPerVictim = answered.GroupBy(c => (c.Campaign, c.Callee)).Select(g => g.OrderBy(c => c.StartMs).First()).ToList();
        double engaged = firstPerVictim.Count(c => c.Duration >= 600) / (double)firstPerVictim.Count;
        Assert.InRange(engaged, 0.003, 0.05);
    }

    [Fact]
    public void Tech_support_presents_brand_toll_free_or_random_us_numbers_from_offshore()
    {
        Call[] calls = [.. ManyCampaigns.Of(TrafficClass.TechSupport)];
        Assert.All(calls, c => Assert.True(c.Caller == "anonymous" || c.Caller.StartsWith("+1", StringComparison.Ordinal)));
        Assert.Contains(calls, c => c.Caller is "+18006427676" or "+18002752273" or "+18882804331");
        Assert.True(Share(calls, c => c.Orig is "IN" or "PH") > 0.5);
        Assert.InRange(Share(calls.Where(c => !c.Answered || c.Duration < 600).ToList(), c => c.Answered), 0.04, 0.16);
    }

    [Fact]
    public void Neighbor_spoofing_presents_a_fresh_caller_id_near_the_callee()
    {
        Call[] calls = [.. ManyCampaigns.Of(TrafficClass.NeighborSpoofing)];
        Assert.True(calls.Select(c => c.Caller).Distinct().Count() > calls.Length * 0.97, "fresh caller IDs");
        Assert.InRange(Share(calls, c => c.Answered), 0.05, 0.17);
        Assert.True(Median(calls.Where(c => c.Answered).Select(c => c.Duration)) < 30);
        var strengths = new List<double>();
        foreach (var campaign in calls.GroupBy(c => c.Campaign).Where(g => g.Count() >= 200))
        {
            Call[] cc = [.. campaign];
            double match = Share(cc, c => Call.NpaNxx(c.Caller) == Call.NpaNxx(c.Callee));
            double sameArea = Share(cc, c => Call.AreaCode(c.Caller) == Call.AreaCode(c.Callee));
            Assert.True(match >= 0.8 || match <= 0.15, $"match share {match:F2}");
            Assert.True(sameArea >= 0.2);
            Assert.InRange(cc.Select(c => c.Trunk).Distinct().Count(), 1, 3);
            strengths.Add(match);
        }
        Assert.Contains(strengths, m => m >= 0.8);
        Assert.Contains(strengths, m => m <= 0.15);
        Assert.DoesNotContain(calls, c => c.Caller == c.Callee);
    }

    [Fact]
    public void Wangiri_rings_once_from_premium_numbers_overnight_to_sequential_callees()
    {
        Call[] calls = [.. ManyCampaigns.Of(TrafficClass.Wangiri).Select(c => c with { Campaign = "many-" + c.Campaign }), .. Default.Of(TrafficClass.Wangiri)];
        string[] prefixes = ["+222", "+882", "+373", "+1809", "+1876", "+1649", "+1284"];
        Assert.All(calls, c =>
        {
            Assert.Equal("no_answer", c.Disposition);
            Assert.Equal(0, c.Duration);
            Assert.InRange(c.RingMs, 1, 5999);
            Assert.Contains(prefixes, p => c.Caller.StartsWith(p, StringComparison.Ordinal));
        });
        Assert.True(calls.Select(c => c.RingMs).Distinct().Count() > 500, "ring times vary");
        Assert.True(Share(calls, c => LocalTime.Hour(c.Callee, c.StartMs) is < 6) > 0.95, "overnight local");
        foreach (var campaign in calls.GroupBy(c => c.Campaign))
        {
            Assert.Single(campaign.Select(c => Call.AreaCode(c.Callee)).Distinct());
            Call[] ordered = [.. campaign.OrderBy(c => c.StartMs)];
            int sequential = 0;
            for (int i = 1; i < ordered.Length; i++)
            {
                long step = long.Parse(ordered[i].Callee.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)
                    - long.Parse(ordered[i - 1].Callee.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
                if (step is >= 1 and <= 3)
                    sequential++;
            }
            if (ordered.Length >= 100)
                Assert.True(sequential > ordered.Length * 0.5, "sequential dialling");
        }
    }

    [Fact]
    public void Robocalls_rotate_a_huge_pool_of_caller_ids_signed_b_or_c()
    {
        Call[] calls = [.. Default.Of(TrafficClass.RobocallBurst)];
        Assert.True(Share(calls, c => c.Attest is "B" or "C") > 0.75);
        Assert.InRange(Share(calls, c => c.Answered), 0.05, 0.13);
        var uses = calls.GroupBy(c => c.Caller).Select(g => g.Count()).ToList();
        Assert.True(uses.Count > calls.Length / 10);
        Assert.True(uses.Count(u => u <= 8) > uses.Count * 0.99);
        Call[] answered = [.. calls.Where(c => c.Answered)];
        Assert.True(Share(answered, c => c.Duration is >= 8 and <= 34) > 0.85);
        Assert.Contains(answered, c => c.Duration > 60);
        Assert.All(calls, c => Assert.Equal("US", c.Orig));
    }

    [Fact]
    public void Scam_trunks_are_shared_with_legitimate_traffic()
    {
        GeneratedTraffic data = ManyCampaigns;
        var legitTrunks = data.Calls.Where(c => !c.Fraud).Select(c => c.Trunk).ToHashSet();
        Call[] fraud = [.. data.Calls.Where(c => c.Fraud)];
        Assert.True(Share(fraud, c => legitTrunks.Contains(c.Trunk)) > 0.8);
        // Gateways carrying Indian scams also carry family calls and service callbacks.
        var inScamTrunks = fraud.Where(c => c.Orig == "IN").Select(c => c.Trunk).ToHashSet();
        Assert.Contains(data.Calls, c => !c.Fraud && c.Orig == "IN" && inScamTrunks.Contains(c.Trunk));
    }
}
