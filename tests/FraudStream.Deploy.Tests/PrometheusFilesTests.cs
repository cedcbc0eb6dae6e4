using System.Text.Json;

namespace FraudStream.Deploy.Tests;

/// <summary>The Prometheus config, the alert rules and the Grafana dashboard: valid, and reading only FraudStream's metrics.</summary>
public sealed class PrometheusFilesTests
{
    private const string Rules = "deploy/prometheus/alerts.yml";
    private const string Dashboard = "deploy/grafana/dashboards/fraudstream.json";

    [Fact]
    public void Promtool_accepts_the_shipped_config_and_rules()
    {
        var promtool = Tool.Require("promtool", "prometheus");
        var (exit, output) = Tool.Run(promtool, ["check", "config", Repository.PathOf("deploy/prometheus/prometheus.yml")], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        Assert.Contains("1 rule files found", output, StringComparison.Ordinal);
        (exit, output) = Tool.Run(promtool, ["check", "rules", Repository.PathOf(Rules)], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, output);
        (exit, output) = Tool.Run(promtool, ["check", "rules", Repository.PathOf("deploy/kubernetes/prometheusrule.yaml")], TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, exit); // a Kubernetes object, not a rules file: promtool must not pass anything
    }

    [Fact]
    public void Alert_rules_fire_on_their_conditions_and_not_otherwise()
    {
        var promtool = Tool.Require("promtool", "prometheus");
        var temp = Directory.CreateTempSubdirectory("fraudstream-rules-");
        try
        {
            File.Copy(Repository.PathOf(Rules), Path.Combine(temp.FullName, "alerts.yml"));
            File.Copy(Repository.PathOf("tests/FraudStream.Deploy.Tests/alert-rules.test.yml"), Path.Combine(temp.FullName, "alert-rules.test.yml"));
            var (exit, output) = Tool.Run(promtool, ["test", "rules", "alert-rules.test.yml"], TimeSpan.FromSeconds(60), workingDirectory: temp.FullName);
            Assert.True(exit == 0, output);
            Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public void Alert_rules_cover_the_required_conditions_and_use_only_contract_metrics()
    {
        var contract = Repository.ContractMetrics;
        var rules = Yaml.List(Assert.Single(Yaml.List(Yaml.Document(Rules), "groups")), "rules");
        var byName = rules.ToDictionary(r => Yaml.Text(r, "alert"), r => Yaml.Text(r, "expr"));
        foreach (var (name, expr) in byName)
        {
            Assert.True(PromQl.NotInContract(expr, contract) is [], $"{name} reads metrics outside contracts.md section 6: {string.Join(", ", PromQl.NotInContract(expr, contract))}");
            Assert.NotEmpty(PromQl.MetricNames(expr));
        }
        Assert.Contains("fraudstream_consumer_lag_records", PromQl.MetricNames(byName["FraudStreamConsumerLagGrowing"]));
        Assert.Contains("fraudstream_records_invalid_total", PromQl.MetricNames(byName["FraudStreamDeadLetterRateHigh"]));
        Assert.Contains("fraudstream_records_consumed_total", PromQl.MetricNames(byName["FraudStreamProcessingStalled"]));
        Assert.Contains("fraudstream_model_info", PromQl.MetricNames(byName["FraudStreamNoModelLoaded"]));
        Assert.Contains("fraudstream_alerts_total", PromQl.MetricNames(byName["FraudStreamAlertRateAnomaly"]));
        foreach (var rule in rules)
        {
            Assert.Contains(Yaml.Text(rule, "labels", "severity"), new[] { "warning", "critical" });
            var anchor = Yaml.Text(rule, "annotations", "runbook").Split('#')[1];
            Assert.True(Repository.Read("docs/deployment.md").Split('\n').Any(l => l.StartsWith('#') && Anchor(l) == anchor),
                $"docs/deployment.md has no heading for the runbook link #{anchor}");
        }
    }

    [Fact]
    public void Metric_name_check_catches_names_outside_the_contract()
    {
        var contract = Repository.ContractMetrics;
        Assert.Equal(["fraudstream_records_total"], PromQl.NotInContract("sum by (job) (rate(fraudstream_records_total{job=~\"$job\"}[5m])) > 0", contract));
        Assert.Equal(["up"], PromQl.NotInContract("up{job=\"fraudstream\"} == 0 and on (instance) fraudstream_build_info", contract));
        Assert.Empty(PromQl.NotInContract("histogram_quantile(0.99, sum by (le) (rate(fraudstream_processing_seconds_bucket[$__rate_interval]))) offset 1d", contract));
        Assert.Equal(["fraudstream_state_keys_bucket"], PromQl.NotInContract("fraudstream_state_keys_bucket", contract)); // a gauge has no buckets
        Assert.Equal(["fraudstream_alerts_total", "fraudstream_records_consumed_total"],
            PromQl.MetricNames("sum(rate(fraudstream_alerts_total[1d] offset 30m)) / 1e3 / sum(rate(fraudstream_records_consumed_total[30m])) > 0.33"));
    }

    [Fact]
    public void Dashboard_is_well_formed_and_shows_what_operators_need_from_contract_metrics_only()
    {
        using var json = JsonDocument.Parse(Repository.Read(Dashboard));
        var root = json.RootElement;
        Assert.Equal("fraudstream", root.GetProperty("uid").GetString());
        var panels = root.GetProperty("panels").EnumerateArray().ToList();
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var contract = Repository.ContractMetrics;
        var used = new HashSet<string>(StringComparer.Ordinal);
        var titles = new List<string>();
        foreach (var panel in panels.Where(p => p.GetProperty("type").GetString() != "row"))
        {
            var title = panel.GetProperty("title").GetString()!;
            titles.Add(title);
            var grid = panel.GetProperty("gridPos");
            Assert.InRange(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32(), 1, 24);
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.NotEmpty(targets);
            foreach (var target in targets)
            {
                var expr = target.GetProperty("expr").GetString()!;
                Assert.True(PromQl.NotInContract(expr, contract) is [], $"panel '{title}' reads metrics outside contracts.md section 6: {expr}");
                Assert.Contains("job=~\"$job\"", expr, StringComparison.Ordinal);
                used.UnionWith(PromQl.ContractMetricsRead(expr, contract));
            }
        }
        foreach (var required in new[] { "Throughput", "Consumer lag by partition", "Processing latency percentiles", "Alerts by pattern", "Score distribution", "Invalid records by reason", "Tracked state (keys)" })
        {
            Assert.Contains(required, titles);
        }
        // Every contract metric is on the dashboard somewhere.
        var missing = contract.Keys.Except(used).ToList();
        Assert.True(missing.Count == 0, "not on the dashboard: " + string.Join(", ", missing));
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToList();
        Assert.Equal(["datasource", "job"], variables);
    }

    internal static string Anchor(string heading) =>
        new string(heading.TrimStart('#').Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray()).Replace(' ', '-');
}
