using Microsoft.Extensions.Configuration;
using ServiceSettings = FraudStream.Service.ServiceSettings;

namespace FraudStream.Deploy.Tests;

/// <summary>The Kubernetes manifests under deploy/kubernetes: they parse, and agree with each other and with FraudStream.</summary>
public sealed class KubernetesTests
{
    private const string Dir = "deploy/kubernetes";

    /// <summary>Every manifest document, by kind.</summary>
    private static readonly Dictionary<string, Dictionary<object, object?>> ByKind = Directory.GetFiles(Repository.PathOf(Dir), "*.yaml")
        .Where(f => Path.GetFileName(f) != "kustomization.yaml")
        .SelectMany(f => Yaml.Documents(Path.GetRelativePath(Repository.Root, f)))
        .ToDictionary(d => Yaml.Text(d, "kind"));

    private static Dictionary<string, string> ConfigData => Yaml.Strings(ByKind["ConfigMap"], "data");

    private static Dictionary<object, object?> Container => Yaml.Map(Assert.Single(Yaml.List(ByKind["Deployment"], "spec", "template", "spec", "containers")));

    [Fact]
    public void Manifests_have_the_expected_kinds_and_api_versions_and_kustomize_lists_them_all()
    {
        var expected = new Dictionary<string, string>
        {
            ["ConfigMap"] = "v1",
            ["Secret"] = "v1",
            ["Service"] = "v1",
            ["Deployment"] = "apps/v1",
            ["ServiceMonitor"] = "monitoring.coreos.com/v1",
            ["PrometheusRule"] = "monitoring.coreos.com/v1",
            ["ScaledObject"] = "keda.sh/v1alpha1",
            ["TriggerAuthentication"] = "keda.sh/v1alpha1",
        };
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), ByKind.Keys.Order(StringComparer.Ordinal));
        foreach (var (kind, document) in ByKind)
        {
            Assert.Equal(expected[kind], Yaml.Text(document, "apiVersion"));
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", Yaml.Text(document, "metadata", "name"));
        }
        var kustomization = Yaml.Document($"{Dir}/kustomization.yaml");
        var listed = Yaml.List(kustomization, "resources").Cast<string>().Order(StringComparer.Ordinal);
        var files = Directory.GetFiles(Repository.PathOf(Dir), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order(StringComparer.Ordinal);
        Assert.Equal(files, listed);
    }

    [Fact]
    public void Deployment_probes_use_the_paths_and_port_fraudstream_serves()
    {
        var port = Assert.Single(Yaml.List(Container, "ports"));
        Assert.Equal("metrics", Yaml.Text(port, "name"));
        Assert.Equal(ConfigData["FRAUDSTREAM__METRICSPORT"], Yaml.Text(port, "containerPort"));
        Assert.Equal("0.0.0.0", ConfigData["FRAUDSTREAM__METRICSHOST"]); // probes come from the kubelet, not loopback
        Assert.Equal("/healthz", Yaml.Text(Container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("/readyz", Yaml.Text(Container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("metrics", Yaml.Text(Container, "livenessProbe", "httpGet", "port"));
        Assert.Equal("metrics", Yaml.Text(Container, "readinessProbe", "httpGet", "port"));
        Assert.Equal(["run"], Yaml.List(Container, "args"));

        var podLabels = Yaml.Strings(ByKind["Deployment"], "spec", "template", "metadata", "labels");
        Assert.Equal(Yaml.Strings(ByKind["Deployment"], "spec", "selector", "matchLabels"), podLabels);
        var service = ByKind["Service"];
        Assert.All(Yaml.Strings(service, "spec", "selector"), l => Assert.Equal(l.Value, podLabels[l.Key]));
        var servicePort = Assert.Single(Yaml.List(service, "spec", "ports"));
        Assert.Equal("metrics", Yaml.Text(servicePort, "targetPort"));
        Assert.Equal("true", Yaml.Text(service, "spec", "publishNotReadyAddresses"));
        var monitor = ByKind["ServiceMonitor"];
        Assert.All(Yaml.Strings(monitor, "spec", "selector", "matchLabels"), l => Assert.Equal(l.Value, Yaml.Strings(service, "metadata", "labels")[l.Key]));
        var endpoint = Assert.Single(Yaml.List(monitor, "spec", "endpoints"));
        Assert.Equal(Yaml.Text(servicePort, "name"), Yaml.Text(endpoint, "port"));
        Assert.Equal("/metrics", Yaml.Text(endpoint, "path"));
    }

    [Fact]
    public void Deployment_runs_as_non_root_and_its_grace_period_outlasts_the_drain()
    {
        var pod = Yaml.Map(ByKind["Deployment"], "spec", "template", "spec");
        Assert.Equal("true", Yaml.Text(pod, "securityContext", "runAsNonRoot"));
        Assert.NotEqual("0", Yaml.Text(pod, "securityContext", "runAsUser"));
        Assert.Equal("true", Yaml.Text(Container, "securityContext", "readOnlyRootFilesystem"));
        var grace = TimeSpan.FromSeconds(int.Parse(Yaml.Text(pod, "terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture));
        var drain = ServiceSettings.ParseDuration(ConfigData["FRAUDSTREAM__DRAINTIMEOUT"]);
        Assert.True(grace >= drain + TimeSpan.FromSeconds(10), $"terminationGracePeriodSeconds {grace.TotalSeconds} leaves the drain ({drain.TotalSeconds} s) and the commit");
    }

    [Fact]
    public void Configuration_is_read_by_fraudstream_settings_and_credentials_come_from_the_secret()
    {
        var env = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in ConfigData)
        {
            Assert.StartsWith(ServiceSettings.EnvironmentPrefix, k, StringComparison.Ordinal);
            env[k[ServiceSettings.EnvironmentPrefix.Length..]] = v;
        }
        var secret = Yaml.Strings(ByKind["Secret"], "stringData");
        foreach (var e in Yaml.List(Container, "env"))
        {
            var name = Yaml.Text(e, "name");
            if (Yaml.Find(e, "valueFrom", "secretKeyRef") is { } secretRef)
            {
                Assert.Equal(Yaml.Text(ByKind["Secret"], "metadata", "name"), Yaml.Text(secretRef, "name"));
                env[name[ServiceSettings.EnvironmentPrefix.Length..]] = secret[Yaml.Text(secretRef, "key")];
            }
            else if (name.StartsWith(ServiceSettings.EnvironmentPrefix, StringComparison.Ordinal) && Yaml.Find(e, "value") is string value)
            {
                env[name[ServiceSettings.EnvironmentPrefix.Length..]] = value;
            }
        }
        Assert.Equal(Yaml.Text(ByKind["ConfigMap"], "metadata", "name"), Yaml.Text(Assert.Single(Yaml.List(Container, "envFrom")), "configMapRef", "name"));

        // Environment variables as the service reads them: FRAUDSTREAM__A__B is the key A:B.
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(env.Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)))
            .Build();
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Bootstrap", "Group", "Input", "Alerts", "Dlq", "Model", "Threshold", "MetricsHost", "MetricsPort", "StopWhenIdle",
            "RebuildRecords", "FatalTimeout", "DrainTimeout", "LogFormat", "ModelCheckInterval", "Kafka",
        };
        Assert.All(config.GetChildren(), c => Assert.Contains(c.Key, known));
        var settings = ServiceSettings.From(config, m => m ?? "models/default.zip");
        Assert.Equal(ConfigData["FRAUDSTREAM__GROUP"], settings.Processor.GroupId);
        Assert.Equal(9464, settings.MetricsPort);
        Assert.Null(settings.Processor.StopWhenIdle); // a service runs until told to stop
        var kafka = settings.Processor.KafkaSettings;
        Assert.Equal("$(POD_NAME)", kafka["consumer.group.instance.id"]); // static membership, consumer only
        Assert.Equal(secret["sasl-password"], kafka["sasl.password"]);
        Assert.Equal(secret["security-protocol"], kafka["security.protocol"]);
        var caPath = kafka["ssl.ca.location"];
        var mount = Yaml.List(Container, "volumeMounts").Single(m => caPath.StartsWith(Yaml.Text(m, "mountPath") + "/", StringComparison.Ordinal));
        var volume = Yaml.List(ByKind["Deployment"], "spec", "template", "spec", "volumes").Single(v => Yaml.Text(v, "name") == Yaml.Text(mount, "name"));
        var item = Assert.Single(Yaml.List(volume, "secret", "items"));
        Assert.Equal(Path.GetFileName(caPath), Yaml.Text(item, "path"));
        Assert.True(secret.ContainsKey(Yaml.Text(item, "key")));
        var podName = Assert.Single(Yaml.List(Container, "env"), e => Yaml.Text(e, "name") == "POD_NAME");
        Assert.Equal("metadata.name", Yaml.Text(podName, "valueFrom", "fieldRef", "fieldPath"));
    }

    [Fact]
    public void ScaledObject_scales_the_deployment_on_the_lag_of_the_configured_topic_and_group()
    {
        var scaled = ByKind["ScaledObject"];
        Assert.Equal("Deployment", Yaml.Text(scaled, "spec", "scaleTargetRef", "kind"));
        Assert.Equal(Yaml.Text(ByKind["Deployment"], "metadata", "name"), Yaml.Text(scaled, "spec", "scaleTargetRef", "name"));
        var trigger = Assert.Single(Yaml.List(scaled, "spec", "triggers"));
        Assert.Equal("kafka", Yaml.Text(trigger, "type"));
        var metadata = Yaml.Strings(trigger, "metadata");
        Assert.Equal(ConfigData["FRAUDSTREAM__INPUT"], metadata["topic"]);
        Assert.Equal(ConfigData["FRAUDSTREAM__GROUP"], metadata["consumerGroup"]);
        Assert.Equal(ConfigData["FRAUDSTREAM__BOOTSTRAP"], metadata["bootstrapServers"]);
        Assert.Equal("false", metadata["allowIdleConsumers"]); // replicas beyond the partition count would sit idle
        Assert.True(long.Parse(metadata["lagThreshold"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.InRange(int.Parse(Yaml.Text(scaled, "spec", "minReplicaCount"), System.Globalization.CultureInfo.InvariantCulture), 1,
            int.Parse(Yaml.Text(scaled, "spec", "maxReplicaCount"), System.Globalization.CultureInfo.InvariantCulture));

        var auth = ByKind["TriggerAuthentication"];
        Assert.Equal(Yaml.Text(auth, "metadata", "name"), Yaml.Text(trigger, "authenticationRef", "name"));
        var secret = Yaml.Strings(ByKind["Secret"], "stringData");
        var parameters = Yaml.List(auth, "spec", "secretTargetRef").ToDictionary(r => Yaml.Text(r, "parameter"), r => secret[Yaml.Text(r, "key")]);
        Assert.Equal(["ca", "password", "sasl", "tls", "username"], parameters.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(parameters["sasl"], new[] { "plaintext", "scram_sha256", "scram_sha512", "oauthbearer" });
    }

    [Fact]
    public void PrometheusRule_carries_the_same_rules_as_the_prometheus_rules_file()
    {
        var rules = Yaml.Document("deploy/prometheus/alerts.yml");
        var spec = Yaml.Map(ByKind["PrometheusRule"], "spec");
        Assert.Equal(Flatten(rules), Flatten(spec));
    }

    private static string Flatten(object? node) => node switch
    {
        Dictionary<object, object?> map => "{" + string.Join(",", map.OrderBy(e => (string)e.Key, StringComparer.Ordinal).Select(e => e.Key + ":" + Flatten(e.Value))) + "}",
        List<object?> list => "[" + string.Join(",", list.Select(Flatten)) + "]",
        _ => node?.ToString() ?? "null",
    };
}
