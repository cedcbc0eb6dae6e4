using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace FraudStream.Deploy.Tests;

/// <summary>
/// The real Prometheus server, with the shipped scrape config and rules, scraping a running <c>fraudstream run</c>
/// on the embedded broker; then the service is stopped with SIGTERM as Kubernetes and Docker stop it.
/// </summary>
public sealed partial class PrometheusServerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(55);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("fraudstream-prometheus-");
    private readonly List<ChildProcess> _processes = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Prometheus_scrapes_fraudstream_run_loads_the_rules_and_answers_the_dashboard_queries_Integration()
    {
        var prometheusPath = Tool.Require("prometheus", "prometheus");
        var clock = Stopwatch.StartNew();

        // Kafka (the embedded broker), a little generated traffic, and the service.
        var broker = Track(ChildProcess.Fraudstream("broker", "--ignore-stdin", "--topics", "calls:4,fraud-alerts:2,calls-dlq:2"));
        var bootstrap = broker.ReadLine(TimeSpan.FromSeconds(30));
        Assert.StartsWith("bootstrap=", bootstrap, StringComparison.Ordinal);
        bootstrap = bootstrap["bootstrap=".Length..];
        var data = Path.Combine(_temp.FullName, "traffic");
        var (exit, log) = Tool.Run("dotnet", [Repository.Program, "generate", "--calls", "3000", "--seed", "17", "--out", data], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, log);
        (exit, log) = Tool.Run("dotnet", [Repository.Program, "replay", "--bootstrap", bootstrap, "--input", Path.Combine(data, "calls.ndjson")], TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, log);
        var produced = long.Parse(ReplaySummary().Match(log).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(3000, produced);

        var metricsUri = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Track(ChildProcess.Fraudstream("run", "--bootstrap", bootstrap, "--metrics-port", "0", "--metrics-host", "127.0.0.1", "--log-format", "json"));
        run.StderrLine += line =>
        {
            if (MetricsLine().Match(line) is { Success: true } m)
            {
                metricsUri.TrySetResult(m.Groups[1].Value);
            }
        };
        var target = await metricsUri.Task.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(
            t => t.IsCompletedSuccessfully ? t.Result : throw new Xunit.Sdk.XunitException("fraudstream run did not print metrics=...:\n" + run.Output), TaskScheduler.Default);

        // The shipped prometheus.yml with its rules beside it; only the target and the intervals change.
        var prometheusPort = FreePort();
        var config = new YamlStream();
        using (var reader = new StringReader(Repository.Read("deploy/prometheus/prometheus.yml")))
        {
            config.Load(reader);
        }
        var root = (YamlMappingNode)config.Documents[0].RootNode;
        var global = (YamlMappingNode)root["global"];
        global.Children[new YamlScalarNode("scrape_interval")] = new YamlScalarNode("1s");
        global.Children[new YamlScalarNode("evaluation_interval")] = new YamlScalarNode("1s");
        var job = ((YamlSequenceNode)root["scrape_configs"]).Cast<YamlMappingNode>().Single(j => j["job_name"].ToString() == "fraudstream");
        var targets = (YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)job["static_configs"]).Single())["targets"];
        Assert.Equal("fraudstream:9464", Assert.Single(targets).ToString());
        targets.Children[0] = new YamlScalarNode(target);
        var configFile = Path.Combine(_temp.FullName, "prometheus.yml");
        using (var writer = new StreamWriter(configFile))
        {
            config.Save(writer, assignAnchors: false);
        }
        File.Copy(Repository.PathOf("deploy/prometheus/alerts.yml"), Path.Combine(_temp.FullName, "alerts.yml"));
        Track(ChildProcess.Start(prometheusPath,
        [
            "--config.file=" + configFile,
            "--storage.tsdb.path=" + Path.Combine(_temp.FullName, "tsdb"),
            $"--web.listen-address=127.0.0.1:{prometheusPort}",
            "--log.level=warn",
        ]));
        var api = new Uri($"http://127.0.0.1:{prometheusPort}/api/v1/");

        // Prometheus has scraped every record the service consumed.
        JsonElement consumed = default;
        var seen = false;
        while (!seen && clock.Elapsed < Budget)
        {
            await Task.Delay(500);
            var result = await TryQueryAsync(api, "sum(fraudstream_records_consumed_total{job=\"fraudstream\"})");
            if (result is { } r && r.GetArrayLength() == 1)
            {
                consumed = r[0];
                seen = double.Parse(consumed.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) >= produced;
            }
        }
        Assert.True(seen, $"Prometheus did not see {produced} consumed records in time (last: {consumed}); fraudstream:\n{run.Output}");

        // FraudStream's series, by name, as Prometheus stores them. The gauges are set once a second (the consumer
        // lag once a fetch has reported the partitions' ends), so they may come a scrape after the last record.
        var contract = Repository.ContractMetrics;
        var expected = contract.Where(m => m.Key != "fraudstream_produce_errors_total") // no delivery failed
            .Select(m => m.Value == "histogram" ? m.Key + "_bucket" : m.Key).ToList();
        List<string> missing;
        while (true)
        {
            using var series = await GetAsync(api, "label/__name__/values");
            var names = series.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).Where(n => n.StartsWith("fraudstream_", StringComparison.Ordinal)).ToHashSet();
            missing = expected.Except(names).ToList();
            if (missing.Count == 0 || clock.Elapsed >= Budget)
            {
                break;
            }
            await Task.Delay(500);
        }
        Assert.Empty(missing);

        // The rules are loaded and healthy; with a model in force, no model alert is pending.
        using var rules = await GetAsync(api, "rules");
        var loaded = rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
        var shipped = Yaml.List(Assert.Single(Yaml.List(Yaml.Document("deploy/prometheus/alerts.yml"), "groups")), "rules").Select(r => Yaml.Text(r, "alert"));
        Assert.Equal(shipped.Order(StringComparer.Ordinal), loaded.Select(r => r.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(loaded, r => Assert.Equal("ok", r.GetProperty("health").GetString()));
        var noModel = loaded.Single(r => r.GetProperty("name").GetString() == "FraudStreamNoModelLoaded");
        Assert.Equal(0, (await TryQueryAsync(api, noModel.GetProperty("query").GetString()!))!.Value.GetArrayLength());

        // Every dashboard query is valid PromQL for this Prometheus; the throughput one has data.
        using var dashboard = JsonDocument.Parse(Repository.Read("deploy/grafana/dashboards/fraudstream.json"));
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.TryGetProperty("targets", out _)))
        {
            foreach (var t in panel.GetProperty("targets").EnumerateArray())
            {
                var expr = t.GetProperty("expr").GetString()!.Replace("$__rate_interval", "30s", StringComparison.Ordinal).Replace("$job", ".*", StringComparison.Ordinal);
                var result = await TryQueryAsync(api, expr);
                Assert.True(result is not null, $"panel '{panel.GetProperty("title").GetString()}': Prometheus refused {expr}");
                if (panel.GetProperty("title").GetString() == "Model in force")
                {
                    Assert.Equal(1, result.Value.GetArrayLength());
                }
            }
        }

        // SIGTERM, as Kubernetes sends it: the service drains, commits and exits 0 well within its grace period.
        var stopping = Stopwatch.StartNew();
        run.Terminate();
        Assert.Equal(0, run.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(45), $"stopping took {stopping.Elapsed.TotalSeconds:F1} s");
        Assert.Matches(@"^consumed=\d+ valid=\d+ invalid=\d+ alerts=\d+$", run.RemainingLines().Last());
        output.WriteLine($"SIGTERM to exit: {stopping.Elapsed.TotalSeconds:F1} s; whole test: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the test took {clock.Elapsed.TotalSeconds:F0} s");
    }

    private ChildProcess Track(ChildProcess process)
    {
        _processes.Add(process);
        return process;
    }

    /// <summary>An instant query's result array, or null when Prometheus refuses the query.</summary>
    private async Task<JsonElement?> TryQueryAsync(Uri api, string query)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(api, "query?query=" + Uri.EscapeDataString(query)));
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
            {
                return null; // still starting: until its storage is ready the API answers "Service Unavailable" in plain text
            }
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.GetProperty("status").GetString() == "success"
                ? json.RootElement.GetProperty("data").GetProperty("result").Clone()
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null; // not listening yet
        }
    }

    private async Task<JsonDocument> GetAsync(Uri api, string path)
    {
        var json = JsonDocument.Parse(await _http.GetStringAsync(new Uri(api, path)));
        Assert.Equal("success", json.RootElement.GetProperty("status").GetString());
        return json;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            _processes[i].Dispose();
        }
        _http.Dispose();
        _temp.Delete(recursive: true);
    }

    [GeneratedRegex(@"(?m)^produced=(\d+) failed=0 ")]
    private static partial Regex ReplaySummary();

    [GeneratedRegex(@"^metrics=(?:http://)?([0-9.]+:\d+)/metrics$")]
    private static partial Regex MetricsLine();
}
