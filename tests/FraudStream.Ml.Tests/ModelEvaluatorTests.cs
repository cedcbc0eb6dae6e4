using System.Text.Json;
using FraudStream.Scoring;

namespace FraudStream.Ml.Tests;

public sealed class ModelEvaluatorTests
{
    // One stump on feature 0: x <= 0.5 -> raw -4, else raw +4; probability 1/(1+exp(-raw)).
    private static readonly FraudModel Stump = new("fraud-gbt-test-000000", 0.5f, "h", ["x"],
        new TreeEnsemble(1, [0, 1], [0, 2], [0], [0.5f], [~0], [~1], [-4, 4], 0, -1, 0));

    private static LabelledData Data()
    {
        var data = new LabelledData(["x"]);
        void Add(float x, bool fraud, string scheme, string? campaign) => data.Add([x], new CallLabel(fraud, scheme, campaign), 0);
        Add(0, false, "legit_domestic", null);
        Add(1, false, "legit_domestic", null);          // false alert
        Add(0, true, "wangiri", "w-1");                 // missed
        Add(0, true, "wangiri", "w-1");                 // missed
        Add(1, true, "wangiri", "w-1");                 // first alert after 2 calls
        Add(1, true, "wangiri", "w-1");
        Add(0, true, "tech_support", "t-1");            // never alerted
        Add(0, false, "legit_business", null);
        data.EndSource("d", 0, 0);
        return data;
    }

    [Fact]
    public void Counts_alerts_per_class_and_calls_before_each_campaigns_first_alert()
    {
        var r = ModelEvaluator.Evaluate(Data(), Stump);
        Assert.Equal(8, r.Overall.Count);
        Assert.Equal(3, r.Overall.Alerts);
        Assert.Equal(2.0 / 3.0, r.Overall.Precision, 12);
        Assert.Equal(2.0 / 5.0, r.Overall.Recall, 12);
        Assert.Equal(
            [
                new ClassResult("legit_business", false, 1, 0),
                new ClassResult("legit_domestic", false, 2, 1),
                new ClassResult("tech_support", true, 1, 0),
                new ClassResult("wangiri", true, 4, 2),
            ],
            r.Classes);
        Assert.Equal([new CampaignResult("t-1", "tech_support", 1, 0, null), new CampaignResult("w-1", "wangiri", 4, 2, 2)], r.Campaigns);
        Assert.Equal(1, r.MissedCampaigns);
        Assert.Equal("precision=0.6667 recall=0.4000 pr_auc=0.6417 alerts=3 calls=8 missed_campaigns=1", r.SummaryLine());
    }

    [Fact]
    public void Recall_and_pr_auc_are_undefined_without_a_fraudulent_call()
    {
        var data = new LabelledData(["x"]);
        data.Add([0], new CallLabel(false, "legit_domestic", null), 0);
        data.Add([1], new CallLabel(false, "legit_domestic", null), 0); // false alert
        data.EndSource("d", 0, 0);

        var r = ModelEvaluator.Evaluate(data, Stump);

        Assert.False(r.HasFraud);
        Assert.Equal("precision=0.0000 recall=NA pr_auc=NA alerts=1 calls=2 missed_campaigns=0", r.SummaryLine());
        Assert.Contains("recall NA  PR-AUC NA", r.ToTable(), StringComparison.Ordinal);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
            r.WriteJson(writer);
        using var doc = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("recall").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("pr_auc").ValueKind);
        Assert.Equal(0, doc.RootElement.GetProperty("precision").GetDouble());
    }

    [Fact]
    public void Precision_is_undefined_without_an_alert()
    {
        // 0 of 0 alerts: a model that alerts on nothing must not read as perfectly precise.
        var data = new LabelledData(["x"]);
        data.Add([0], new CallLabel(false, "legit_domestic", null), 0);
        data.Add([0], new CallLabel(true, "wangiri", "w-1"), 0); // missed
        data.EndSource("d", 0, 0);

        var r = ModelEvaluator.Evaluate(data, Stump);

        Assert.False(r.HasAlerts);
        Assert.Equal("precision=NA recall=0.0000 pr_auc=0.5000 alerts=0 calls=2 missed_campaigns=1", r.SummaryLine());
        Assert.Contains("precision NA  recall 0.0000", r.ToTable(), StringComparison.Ordinal);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
            r.WriteJson(writer);
        using var doc = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("precision").ValueKind);
        Assert.Equal(0, doc.RootElement.GetProperty("recall").GetDouble());
    }

    [Fact]
    public void Json_report_holds_the_same_numbers()
    {
        var r = ModelEvaluator.Evaluate(Data(), Stump);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
            r.WriteJson(w);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("alerts").GetInt64());
        Assert.Equal(1, root.GetProperty("missed_campaigns").GetInt32());
        Assert.Equal(4, root.GetProperty("classes").GetArrayLength());
        var campaigns = root.GetProperty("campaigns");
        Assert.Equal(JsonValueKind.Null, campaigns[0].GetProperty("calls_before_first_alert").ValueKind);
        Assert.Equal(2, campaigns[1].GetProperty("calls_before_first_alert").GetInt64());
    }
}
