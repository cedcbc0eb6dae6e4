using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using FraudStream.Scoring;
using FraudStream.TestSupport;

namespace FraudStream.Cli.Tests;

/// <summary>A small generated day and a small model trained on it with <c>fraudstream train</c>, shared by the tests of a class.</summary>
public sealed class TrainedCliModelFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public TrainedCliModelFixture()
    {
        var generated = CliRunner.Run(null, "generate", "--calls", "40000", "--seed", "8101", "--out", Data);
        if (generated.ExitCode != 0)
            throw new InvalidOperationException("generate failed: " + generated.StdErr);
        Train = CliRunner.Run(null, "train", "--data", Data, "--out", Model, "--trees", "20", "--leaves", "8", "--target-precision", "0.95");
    }

    public string Data => _dir.File("day");

    public string Model => _dir.File("models/small.zip");

    /// <summary>The result of the one <c>train</c> run.</summary>
    internal CliRunner.Result Train { get; }

    public string File(string name) => _dir.File(name);

    public void Dispose() => _dir.Dispose();
}

public sealed class TrainEvaluateCommandTests(TrainedCliModelFixture fixture) : IClassFixture<TrainedCliModelFixture>
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    [Fact]
    public void Train_writes_the_model_its_card_and_its_plot_and_prints_the_summary_line()
    {
        var train = fixture.Train;
        Assert.True(train.ExitCode == 0, train.StdErr);
        Assert.Matches(@"^model=fraud-gbt-\d{8}-[0-9a-f]{6} threshold=0\.\d+(E-\d+)? precision=\d\.\d{4} recall=\d\.\d{4} pr_auc=\d\.\d{4} rows=40000 seconds=\d+\.\d$", train.LastLine);

        var zip = File.ReadAllBytes(fixture.Model);
        var sha = Convert.ToHexStringLower(SHA256.HashData(zip));
        var card = File.ReadAllText(fixture.File("models/small.card.md"));
        Assert.Contains($"| SHA-256 | `{sha}` |", card, StringComparison.Ordinal);
        Assert.Contains($"# Model card: {train.Summary["model"]}", card, StringComparison.Ordinal);
        Assert.Contains("## Hold-out calibration", card, StringComparison.Ordinal);
        Assert.Contains("trees 20, leaves 8", card, StringComparison.Ordinal);

        var png = File.ReadAllBytes(fixture.File("models/small.png"));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.True(png.Length > 10_000, $"the plot is only {png.Length} bytes");

        // The zip holds ML.NET's model and the manifest with the trained threshold and the fitted calibrator.
        using var archive = ZipFile.OpenRead(fixture.Model);
        var manifest = ReadManifest(archive);
        Assert.Equal(train.Summary["model"], manifest["id"]!.GetValue<string>());
        Assert.Equal(float.Parse(train.Summary["threshold"], Inv), manifest["threshold"]!.GetValue<float>());
        var slope = manifest["calibrator"]!["slope"]!.GetValue<double>();
        Assert.True(slope < 0, $"calibrator slope {slope}");
        Assert.Contains(archive.Entries, e => e.FullName.StartsWith("Model/", StringComparison.Ordinal) || e.FullName.StartsWith("TransformerChain/", StringComparison.Ordinal));
    }

    [Fact]
    public void Score_evaluate_and_train_warn_when_a_models_trees_cannot_be_compiled_and_only_then()
    {
        const string Warning = " trees are walked node by node for the score";
        Assert.DoesNotContain(Warning, fixture.Train.StdErr, StringComparison.Ordinal);
        var compiled = CliRunner.Run(null, "evaluate", "--data", fixture.Data, "--model", fixture.Model);
        Assert.True(compiled.ExitCode == 0, compiled.StdErr);
        Assert.DoesNotContain(Warning, compiled.StdErr, StringComparison.Ordinal);
        var calls = Path.Combine(fixture.Data, "calls.ndjson");
        var scoredCompiled = CliRunner.Run(null, "score", "--input", calls, "--alerts", fixture.File("compiled-alerts.ndjson"), "--model", fixture.Model);
        Assert.True(scoredCompiled.ExitCode == 0, scoredCompiled.StdErr);
        Assert.DoesNotContain(Warning, scoredCompiled.StdErr, StringComparison.Ordinal);

        // The trained model and a tree of 600 splits that adds 0: the same scores, walked node by node.
        var walkedPath = fixture.File("walked.zip");
        TestModels.Write(walkedPath, TestModels.WithLargeTree(FraudModel.Load(fixture.Model), "walked-model-2"));
        var evaluated = CliRunner.Run(null, "evaluate", "--data", fixture.Data, "--model", walkedPath);
        Assert.True(evaluated.ExitCode == 0, evaluated.StdErr);
        var walkedWarning = $"warning: model walked-model-2: 1 of {FraudModel.Load(walkedPath).Ensemble.TreeCount}" + Warning;
        Assert.Contains(walkedWarning, evaluated.StdErr, StringComparison.Ordinal);
        Assert.Equal(compiled.Summary["precision"], evaluated.Summary["precision"]);
        Assert.Equal(compiled.Summary["alerts"], evaluated.Summary["alerts"]);

        var scored = CliRunner.Run(null, "score", "--input", calls, "--alerts", fixture.File("walked-alerts.ndjson"), "--model", walkedPath);
        Assert.True(scored.ExitCode == 0, scored.StdErr);
        Assert.Contains(walkedWarning, scored.StdErr, StringComparison.Ordinal);
        Assert.Equal(scoredCompiled.Summary["alerts"], scored.Summary["alerts"]);

        // Training trees of 600 leaves (1,199 splits and leaves) says so before the model is written.
        var trained = CliRunner.Run(null, "train", "--data", fixture.Data, "--out", fixture.File("models/wide.zip"), "--trees", "1", "--leaves", "600", "--target-precision", "0.5");
        Assert.True(trained.ExitCode == 0, trained.StdErr);
        Assert.Matches(@"warning: model fraud-gbt-\d{8}-[0-9a-f]{6}: 1 of 1" + System.Text.RegularExpressions.Regex.Escape(Warning), trained.StdErr);
    }

    [Fact]
    public void Evaluate_prints_a_table_then_the_summary_line()
    {
        var result = CliRunner.Run(null, "evaluate", "--data", fixture.Data, "--model", fixture.Model);

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Matches(@"^precision=\d\.\d{4} recall=\d\.\d{4} pr_auc=\d\.\d{4} alerts=\d+ calls=40000 missed_campaigns=\d+$", result.LastLine);
        Assert.Contains("legit_domestic", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("Brier score", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("calls before first alert", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_json_holds_per_class_alert_rates_and_per_campaign_first_alerts()
    {
        var result = CliRunner.Run(null, "evaluate", "--data", fixture.Data, "--model", fixture.Model, "--json");

        Assert.True(result.ExitCode == 0, result.StdErr);
        var summary = result.Summary;
        var json = result.StdOut[..result.StdOut.TrimEnd().LastIndexOf('\n')];
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(40000, root.GetProperty("calls").GetInt64());
        Assert.Equal(long.Parse(summary["alerts"], Inv), root.GetProperty("alerts").GetInt64());
        Assert.Equal(summary["precision"], root.GetProperty("precision").GetDouble().ToString("0.0000", Inv));
        Assert.Equal(long.Parse(summary["missed_campaigns"], Inv), root.GetProperty("missed_campaigns").GetInt64());

        var labels = File.ReadAllLines(Path.Combine(fixture.Data, "labels.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var classes = root.GetProperty("classes").EnumerateArray().ToList();
        Assert.Equal(labels.Select(l => l[2]).Distinct().Order(StringComparer.Ordinal), classes.Select(c => c.GetProperty("scheme").GetString()));
        foreach (var c in classes)
        {
            var scheme = c.GetProperty("scheme").GetString();
            var calls = c.GetProperty("calls").GetInt64();
            Assert.Equal(labels.Count(l => l[2] == scheme), calls);
            Assert.Equal(scheme!.StartsWith("legit_", StringComparison.Ordinal), !c.GetProperty("is_fraud").GetBoolean());
            Assert.Equal((double)c.GetProperty("alerts").GetInt64() / calls, c.GetProperty("alert_rate").GetDouble(), 12);
        }

        var campaigns = root.GetProperty("campaigns").EnumerateArray().ToList();
        Assert.Equal(labels.Where(l => l[3].Length > 0).Select(l => l[3]).Distinct().Order(StringComparer.Ordinal), campaigns.Select(c => c.GetProperty("campaign").GetString()));
        foreach (var c in campaigns)
        {
            var before = c.GetProperty("calls_before_first_alert");
            if (c.GetProperty("alerts").GetInt64() == 0)
            {
                Assert.Equal(JsonValueKind.Null, before.ValueKind);
            }
            else
            {
                Assert.InRange(before.GetInt64(), 0, c.GetProperty("calls").GetInt64() - 1);
            }
        }

        var bins = root.GetProperty("reliability").EnumerateArray().ToList();
        Assert.Equal(10, bins.Count);
        Assert.Equal(40000, bins.Sum(b => b.GetProperty("calls").GetInt64()));
        Assert.InRange(root.GetProperty("brier").GetDouble(), 0, 1);
    }

    [Fact]
    public void Evaluate_help_says_the_summary_line_follows_the_json_document()
    {
        var help = CliRunner.Run(null, "evaluate", "--help").StdOut;

        Assert.Contains("take all but the last line (sed '$d')", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_reports_recall_and_pr_auc_as_undefined_on_data_without_fraud()
    {
        var day = fixture.File("legit-only");
        Directory.CreateDirectory(day);
        var labels = File.ReadAllLines(Path.Combine(fixture.Data, "labels.csv"));
        var legit = labels.Skip(1).Where(l => l.Split(',')[1] == "0").ToList();
        var ids = legit.Select(l => "\"call_id\":\"" + l.Split(',')[0] + "\"").ToHashSet();
        File.WriteAllLines(Path.Combine(day, "labels.csv"), [labels[0], .. legit]);
        File.WriteAllLines(Path.Combine(day, "calls.ndjson"),
            File.ReadLines(Path.Combine(fixture.Data, "calls.ndjson")).Where(l => ids.Contains(l[..(l.IndexOf("\",", StringComparison.Ordinal) + 1)][1..])));

        var table = CliRunner.Run(null, "evaluate", "--data", day, "--model", fixture.Model);
        var json = CliRunner.Run(null, "evaluate", "--data", day, "--model", fixture.Model, "--json");

        Assert.True(table.ExitCode == 0, table.StdErr);
        Assert.Matches($@"^precision=\d\.\d{{4}} recall=NA pr_auc=NA alerts=\d+ calls={legit.Count} missed_campaigns=0$", table.LastLine);
        Assert.Contains("no fraudulent call", table.StdErr, StringComparison.Ordinal);
        Assert.True(json.ExitCode == 0, json.StdErr);
        using var doc = JsonDocument.Parse(json.StdOut[..json.StdOut.TrimEnd().LastIndexOf('\n')]);
        Assert.Equal(0, doc.RootElement.GetProperty("fraud_calls").GetInt64());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("recall").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("pr_auc").ValueKind);
    }

    [Fact]
    public void Ctrl_C_stops_train_with_cancelled_and_exit_code_130_and_writes_no_model()
    {
        var output = fixture.File("cancelled/m.zip");

        var result = CliRunner.Interrupt("", "training FastTree", "train", "--data", fixture.Data, "--out", output, "--trees", "100000", "--leaves", "8");

        Assert.True(result.ExitCode == 130, result.StdErr);
        Assert.Equal("error: cancelled", result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal("", result.StdOut);
        Assert.False(Directory.Exists(fixture.File("cancelled")), "the model's folder, made by the run, was left behind");
    }

    [Fact]
    public void Score_and_evaluate_refuse_a_model_trained_for_another_feature_schema_with_one_line()
    {
        var tampered = fixture.File("tampered.zip");
        File.Copy(fixture.Model, tampered, overwrite: true);
        string hash;
        using (var archive = ZipFile.Open(tampered, ZipArchiveMode.Update))
        {
            var manifest = ReadManifest(archive);
            hash = manifest["feature_schema_hash"]!.GetValue<string>();
            manifest["feature_schema_hash"] = "0000" + hash[4..];
            archive.GetEntry("fraudstream/model.json")!.Delete();
            using var writer = new StreamWriter(archive.CreateEntry("fraudstream/model.json").Open());
            writer.Write(manifest.ToJsonString());
        }

        var calls = Path.Combine(fixture.Data, "calls.ndjson");
        var score = CliRunner.Run(null, "score", "--input", calls, "--alerts", fixture.File("alerts.ndjson"), "--model", tampered);
        var evaluate = CliRunner.Run(null, "evaluate", "--data", fixture.Data, "--model", tampered);

        foreach (var result in new[] { score, evaluate })
        {
            Assert.NotEqual(0, result.ExitCode);
            var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error:", error, StringComparison.Ordinal);
            Assert.Contains($"was trained for feature schema 0000{hash[4..]}, this build's featurizer has {hash}", error, StringComparison.Ordinal);
            Assert.Equal("", result.StdOut.Trim());
        }
    }

    [Fact]
    public void Train_and_evaluate_fail_with_one_line_when_a_data_folder_is_missing()
    {
        var missing = fixture.File("no-such-folder");
        var train = CliRunner.Run(null, "train", "--data", fixture.Data, "--data", missing, "--out", fixture.File("never.zip"));
        var evaluate = CliRunner.Run(null, "evaluate", "--data", missing, "--model", fixture.Model);

        foreach (var result in new[] { train, evaluate })
        {
            Assert.NotEqual(0, result.ExitCode);
            var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"error: data folder not found: {missing}", error.TrimEnd());
        }
        Assert.False(File.Exists(fixture.File("never.zip")));
    }

    [Fact]
    public void Train_fails_with_one_line_and_writes_no_model_when_the_hold_out_has_no_fraud()
    {
        // Every fraudulent call of the hold-out (the latest 20% by start) relabelled legitimate: no threshold means anything there.
        var holdOut = HoldOutCallIds();
        var day = WriteDay("hold-out-without-fraud", (id, fraud) => fraud && holdOut.Contains(id) ? false : fraud);
        var output = fixture.File("hold-out-without-fraud-model/m.zip");

        var result = CliRunner.Run(null, "train", "--data", day, "--out", output, "--trees", "20", "--leaves", "8");

        Assert.True(result.ExitCode == 1, result.StdErr);
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("hold-out rows", error, StringComparison.Ordinal);
        Assert.Contains("need both fraudulent and legitimate calls", error, StringComparison.Ordinal);
        Assert.Equal("", result.StdOut);
        Assert.False(Directory.Exists(fixture.File("hold-out-without-fraud-model")), "the model's folder, made by the run, was left behind");
    }

    [Fact]
    public void Train_warns_on_one_line_and_exits_0_when_the_target_precision_is_not_reached()
    {
        // In the hold-out, every scam is labelled legitimate and 50 legitimate calls fraudulent: no threshold gets near 0.95.
        var holdOut = HoldOutCallIds();
        var relabelled = 0;
        var day = WriteDay("unreachable-precision", (id, fraud) => holdOut.Contains(id) ? !fraud && relabelled++ < 50 : fraud);
        var output = fixture.File("unreachable-precision-model/m.zip");

        var result = CliRunner.Run(null, "train", "--data", day, "--out", output, "--trees", "20", "--leaves", "8", "--target-precision", "0.95");

        Assert.True(result.ExitCode == 0, result.StdErr);
        var warning = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("warning:", StringComparison.Ordinal));
        Assert.StartsWith("warning: target precision 0.95 not reached on the tuning hold-out: the most precise threshold, ", warning, StringComparison.Ordinal);
        Assert.Contains($"{result.Summary["threshold"]}, gives precision {result.Summary["precision"]} and recall {result.Summary["recall"]}", warning, StringComparison.Ordinal);
        Assert.Matches(@"^model=fraud-gbt-\d{8}-[0-9a-f]{6} threshold=\S+ precision=\d\.\d{4} recall=\d\.\d{4} pr_auc=\d\.\d{4} rows=40000 seconds=\d+\.\d$", result.LastLine);
        Assert.Contains("NOT reached", File.ReadAllText(fixture.File("unreachable-precision-model/m.card.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Train_warns_when_the_tuning_hold_out_has_too_few_fraud_calls_to_measure()
    {
        // Only the first 10 scams of the hold-out keep their label: its precision and recall rest on 10 calls.
        var holdOut = HoldOutCallIds();
        var kept = 0;
        var day = WriteDay("few-fraud-hold-out", (id, fraud) => holdOut.Contains(id) ? fraud && kept++ < 10 : fraud);
        var output = fixture.File("few-fraud-model/m.zip");

        var result = CliRunner.Run(null, "train", "--data", day, "--out", output, "--trees", "20", "--leaves", "8");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("warning: the tuning hold-out has only 10 fraud calls, so its precision and recall move by whole points with one call; train on more calls or days",
            result.StdErr.Split('\n'), StringComparer.Ordinal);
        Assert.True(File.Exists(output), "the model is written anyway");
    }

    [Fact]
    public void The_card_and_the_help_say_the_hold_out_figures_are_measured_where_the_threshold_was_chosen()
    {
        var card = File.ReadAllText(fixture.File("models/small.card.md"));
        var help = CliRunner.Run(null, "train", "--help").StdOut;

        Assert.Contains("## Tuning hold-out quality (at the threshold)", card, StringComparison.Ordinal);
        Assert.Contains("run `fraudstream evaluate` on another day", card, StringComparison.Ordinal);
        Assert.Contains("tuning hold-out the threshold was chosen on", help, StringComparison.Ordinal);
        Assert.Contains("evaluate on another day", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_help_says_what_the_seed_does_not_change()
    {
        var help = CliRunner.Run(null, "train", "--help").StdOut;

        Assert.Contains("the seed changes neither the trees, the threshold, the metrics nor the model id", string.Join(' ', help.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_warns_about_label_rows_that_match_no_call()
    {
        var day = fixture.File("calls-cut-short");
        Directory.CreateDirectory(day);
        File.Copy(Path.Combine(fixture.Data, "labels.csv"), Path.Combine(day, "labels.csv"), overwrite: true);
        File.WriteAllLines(Path.Combine(day, "calls.ndjson"), File.ReadLines(Path.Combine(fixture.Data, "calls.ndjson")).Take(30_000));

        var result = CliRunner.Run(null, "evaluate", "--data", day, "--model", fixture.Model);

        Assert.True(result.ExitCode == 0, result.StdErr);
        var warning = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("warning:", StringComparison.Ordinal));
        Assert.Equal($"warning: {day}: 10000 of the 40000 rows of labels.csv match no valid call in calls.ndjson", warning.TrimEnd());
        Assert.Equal("30000", result.Summary["calls"]);
    }

    [Fact]
    public void Evaluate_uses_the_given_threshold_and_says_which_threshold_it_used()
    {
        var own = CliRunner.Run(null, "evaluate", "--data", fixture.Data, "--model", fixture.Model);
        var zero = CliRunner.Run(null, "evaluate", "--data", fixture.Data, "--model", fixture.Model, "--threshold", "0");
        var json = CliRunner.Run(null, "evaluate", "--data", fixture.Data, "--model", fixture.Model, "--threshold", "0", "--json");

        var threshold = fixture.Train.Summary["threshold"];
        Assert.True(own.ExitCode == 0, own.StdErr);
        Assert.StartsWith($"model {fixture.Train.Summary["model"]}, threshold {threshold} (the model's own)\n", own.StdOut, StringComparison.Ordinal);
        Assert.Contains($"at threshold {threshold} (the model's own)", own.StdErr, StringComparison.Ordinal);
        Assert.True(zero.ExitCode == 0, zero.StdErr);
        Assert.StartsWith($"model {fixture.Train.Summary["model"]}, threshold 0 (not the model's own, {threshold})\n", zero.StdOut, StringComparison.Ordinal);
        Assert.Contains($"at threshold 0 (not the model's own, {threshold})", zero.StdErr, StringComparison.Ordinal);
        Assert.Equal("40000", zero.Summary["alerts"]);
        Assert.NotEqual(own.Summary["alerts"], zero.Summary["alerts"]);
        using var doc = JsonDocument.Parse(json.StdOut[..json.StdOut.TrimEnd().LastIndexOf('\n')]);
        Assert.Equal(0, doc.RootElement.GetProperty("threshold").GetDouble());
        Assert.Equal(float.Parse(threshold, Inv), doc.RootElement.GetProperty("model_threshold").GetSingle());
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public void Evaluate_refuses_a_threshold_outside_0_to_1_with_exit_code_2(string threshold)
    {
        var result = CliRunner.Run(null, "evaluate", "--data", fixture.Data, "--model", fixture.Model, "--threshold", threshold);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --threshold must be a number from 0 to 1", Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Equal("", result.StdOut);
    }

    /// <summary>The call ids of the fixture day's hold-out: the calls at or after the start below which 80% of them lie, as train splits.</summary>
    private HashSet<string> HoldOutCallIds()
    {
        var calls = File.ReadLines(Path.Combine(fixture.Data, "calls.ndjson")).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return (Id: doc.RootElement.GetProperty("call_id").GetString()!, Start: doc.RootElement.GetProperty("start").GetDateTimeOffset().UtcTicks);
        }).ToList();
        var starts = calls.Select(c => c.Start).Order().ToList();
        var cut = starts[(int)(starts.Count * 0.8)];
        return calls.Where(c => c.Start >= cut).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A copy of the fixture day whose <c>is_fraud</c> column is rewritten by <paramref name="relabel"/> (call id, is fraud).</summary>
    private string WriteDay(string name, Func<string, bool, bool> relabel)
    {
        var day = fixture.File(name);
        Directory.CreateDirectory(day);
        File.Copy(Path.Combine(fixture.Data, "calls.ndjson"), Path.Combine(day, "calls.ndjson"), overwrite: true);
        var labels = File.ReadAllLines(Path.Combine(fixture.Data, "labels.csv"));
        File.WriteAllLines(Path.Combine(day, "labels.csv"), [labels[0], .. labels.Skip(1).Select(line =>
        {
            var fields = line.Split(',');
            fields[1] = relabel(fields[0], fields[1] == "1") ? "1" : "0";
            return string.Join(',', fields);
        })]);
        return day;
    }

    private static JsonObject ReadManifest(ZipArchive archive)
    {
        using var reader = new StreamReader(archive.GetEntry("fraudstream/model.json")!.Open());
        return JsonNode.Parse(reader.ReadToEnd())!.AsObject();
    }
}
