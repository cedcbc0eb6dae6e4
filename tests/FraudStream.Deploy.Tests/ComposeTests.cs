using System.Text.RegularExpressions;
using ServiceSettings = FraudStream.Service.ServiceSettings;

namespace FraudStream.Deploy.Tests;

/// <summary>docker-compose.yml: valid for Debian's docker-compose 1.29, and its services wired to each other.</summary>
public sealed partial class ComposeTests
{
    private static readonly Dictionary<object, object?> Compose = Yaml.Document("docker-compose.yml");

    private static Dictionary<object, object?> Service(string name) => Yaml.Map(Compose, "services", name);

    [Fact]
    public void Compose_file_validates_with_docker_compose()
    {
        var docker = Tool.Require("docker-compose", "docker-compose");
        var (exit, output) = Tool.Run(docker, ["--project-directory", Repository.Root, "-f", Repository.PathOf("docker-compose.yml"), "config", "-q"],
            TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("WARNING", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_runs_kafka_in_kraft_mode_and_creates_the_topics_fraudstream_uses()
    {
        var kafka = Service("kafka");
        Assert.StartsWith("apache/kafka:", Yaml.Text(kafka, "image"), StringComparison.Ordinal);
        var kafkaEnv = Yaml.Strings(kafka, "environment");
        Assert.Equal("broker,controller", kafkaEnv["KAFKA_PROCESS_ROLES"]);
        Assert.Contains("@kafka:9093", kafkaEnv["KAFKA_CONTROLLER_QUORUM_VOTERS"], StringComparison.Ordinal);
        Assert.Equal("false", kafkaEnv["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]);

        var topics = Service("topics");
        Assert.Equal("service_healthy", Yaml.Text(topics, "depends_on", "kafka", "condition"));
        var script = string.Join('\n', Yaml.List(topics, "command").Cast<string>());
        var created = TopicSpec().Matches(TopicLoop().Match(script).Groups[1].Value).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("--create --if-not-exists", script, StringComparison.Ordinal);

        var env = Yaml.Strings(Service("fraudstream"), "environment");
        Assert.Equal(["calls", "calls-dlq", "fraud-alerts"], created.Keys.Order(StringComparer.Ordinal));
        Assert.True(created.ContainsKey(env["FRAUDSTREAM__INPUT"]) && created.ContainsKey(env["FRAUDSTREAM__ALERTS"]) && created.ContainsKey(env["FRAUDSTREAM__DLQ"]));
        Assert.InRange(created[env["FRAUDSTREAM__INPUT"]], 2, 64);
        Assert.Equal("kafka:9092", env["FRAUDSTREAM__BOOTSTRAP"]);
        Assert.Equal("service_completed_successfully", Yaml.Text(Service("fraudstream"), "depends_on", "topics", "condition"));
    }

    [Fact]
    public void Compose_runs_the_service_and_a_replayer_of_generated_traffic_from_the_image()
    {
        var fraudstream = Service("fraudstream");
        Assert.Equal(".", Yaml.Text(fraudstream, "build"));
        Assert.Equal(["run"], Yaml.List(fraudstream, "command"));
        var env = Yaml.Strings(fraudstream, "environment");
        Assert.Contains($"{env["FRAUDSTREAM__METRICSPORT"]}:{env["FRAUDSTREAM__METRICSPORT"]}", Yaml.List(fraudstream, "ports"));
        var drain = ServiceSettings.ParseDuration(env["FRAUDSTREAM__DRAINTIMEOUT"]);
        Assert.True(ServiceSettings.ParseDuration(Yaml.Text(fraudstream, "stop_grace_period")) > drain + TimeSpan.FromSeconds(5),
            "the stop grace period leaves the drain time and the commit");

        var generator = Yaml.List(Service("traffic"), "command").Cast<string>().ToList();
        Assert.Equal("generate", generator[0]);
        var replayer = Yaml.List(Service("replayer"), "command").Cast<string>().ToList();
        Assert.Equal("replay", replayer[0]);
        Assert.Equal(env["FRAUDSTREAM__INPUT"], replayer[replayer.IndexOf("--topic") + 1]);
        Assert.Equal(env["FRAUDSTREAM__BOOTSTRAP"], replayer[replayer.IndexOf("--bootstrap") + 1]);
        Assert.Equal(generator[generator.IndexOf("--out") + 1] + "/calls.ndjson", replayer[replayer.IndexOf("--input") + 1]);
        Assert.Contains("--loop", replayer);
        foreach (var name in new[] { "fraudstream", "traffic", "replayer" })
        {
            Assert.Equal(Yaml.Text(fraudstream, "image"), Yaml.Text(Service(name), "image"));
        }
    }

    [Fact]
    public void Compose_prometheus_scrapes_the_service_and_grafana_mounts_existing_provisioning()
    {
        var env = Yaml.Strings(Service("fraudstream"), "environment");
        var prometheus = Yaml.Document("deploy/prometheus/prometheus.yml");
        var job = Assert.Single(Yaml.List(prometheus, "scrape_configs"), j => Yaml.Text(j, "job_name") == "fraudstream");
        var target = Assert.Single(Yaml.List(Assert.Single(Yaml.List(job, "static_configs")), "targets"));
        Assert.Equal($"fraudstream:{env["FRAUDSTREAM__METRICSPORT"]}", target);
        Assert.Equal("/metrics", Yaml.Text(job, "metrics_path"));

        foreach (var service in new[] { "prometheus", "grafana" })
        {
            foreach (var volume in Yaml.List(Service(service), "volumes").Cast<string>().Where(v => v.StartsWith("./", StringComparison.Ordinal)))
            {
                var host = volume.Split(':')[0];
                Assert.True(File.Exists(Repository.PathOf(host)) || Directory.Exists(Repository.PathOf(host)), $"{service} mounts {host}, which does not exist");
            }
        }
        var grafanaEnv = Yaml.Strings(Service("grafana"), "environment");
        var home = grafanaEnv["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"];
        var mount = Yaml.List(Service("grafana"), "volumes").Cast<string>().Single(v => v.Contains(":/etc/grafana/dashboards", StringComparison.Ordinal));
        Assert.True(File.Exists(Repository.PathOf(mount.Split(':')[0] + "/" + Path.GetFileName(home))), "the home dashboard is in the mounted folder");
        var provider = Yaml.Map(Assert.Single(Yaml.List(Yaml.Document("deploy/grafana/provisioning/dashboards/fraudstream.yml"), "providers")));
        Assert.Equal("/etc/grafana/dashboards", Yaml.Text(provider, "options", "path"));
        var datasource = Assert.Single(Yaml.List(Yaml.Document("deploy/grafana/provisioning/datasources/prometheus.yml"), "datasources"));
        Assert.Equal("http://prometheus:9090", Yaml.Text(datasource, "url"));
        Assert.Contains("9090:9090", Yaml.List(Service("prometheus"), "ports"));
    }

    [GeneratedRegex(@"for spec in ([^;]+);")]
    private static partial Regex TopicLoop();

    [GeneratedRegex(@"\b([a-z][a-z-]*):(\d+)\b")]
    private static partial Regex TopicSpec();
}
