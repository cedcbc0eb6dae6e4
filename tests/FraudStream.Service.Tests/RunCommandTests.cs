using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using FraudStream.Kafka.Processing;
using Microsoft.Extensions.Configuration;

namespace FraudStream.Service.Tests;

/// <summary>Tests of <c>fraudstream run</c>'s command line and settings.</summary>
public sealed partial class RunCommandTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public void Run_with_stop_when_idle_prints_the_summary_as_the_last_line_Integration()
    {
        using var kafka = new KafkaHarness();
        var messages = KafkaHarness.ToMessages(KafkaHarness.MakeLines(3_000, seed: 4));
        kafka.Produce(messages);
        var invalid = messages.Count(m => !Records.CallRecordParser.TryParse(m.Value, out _, out _));

        var (exit, stdout, stderr) = RunProgram(
            new Dictionary<string, string> { ["FRAUDSTREAM__KAFKA__SESSION_TIMEOUT_MS"] = "6000", ["FRAUDSTREAM__GROUP"] = "from-env" },
            "run", "--bootstrap", kafka.Broker.Bootstrap, "--model", KafkaHarness.DefaultModelPath, "--metrics-port", "0", "--metrics-host", "127.0.0.1", "--stop-when-idle", "2", "--log-format", "json");

        Assert.True(exit == 0, stderr);
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        Assert.Matches(Summary(), last);
        Assert.StartsWith($"consumed={messages.Count} valid={messages.Count - invalid} invalid={invalid} alerts=", last, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^metrics=http://127\.0\.0\.1:\d+/metrics$", stderr);
        Assert.Contains("\"EventId\":3011", stderr, StringComparison.Ordinal); // JSON logs on stderr
        Assert.Contains("\"EventId\":3017", stderr, StringComparison.Ordinal); // warmed up (on by default) before consuming
        Assert.Equal(messages.Count, kafka.Committed("from-env").Sum()); // the group came from the environment
    }

    [Fact]
    public void Settings_map_environment_style_kafka_keys_to_librdkafka_properties()
    {
        Assert.Equal("sasl.mechanism", ServiceSettings.KafkaPropertyName("SASL_MECHANISM"));
        Assert.Equal("ssl.ca.location", ServiceSettings.KafkaPropertyName("ssl.ca.location"));
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bootstrap"] = "b:9092",
            ["Kafka:SECURITY_PROTOCOL"] = "SASL_SSL",
            ["Kafka:sasl.mechanism"] = "PLAIN",
            ["StopWhenIdle"] = "1500ms",
            ["FatalTimeout"] = "2m",
            ["RebuildRecords"] = "5",
            ["WarmUp"] = "0",
        }).Build();
        var settings = ServiceSettings.From(config, m => m ?? "default.zip");
        Assert.Equal(TimeSpan.Zero, settings.Processor.WarmUp);
        Assert.Equal("SASL_SSL", settings.Processor.KafkaSettings["security.protocol"]);
        Assert.Equal("PLAIN", settings.Processor.KafkaSettings["sasl.mechanism"]);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), settings.Processor.StopWhenIdle);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Processor.FatalTimeout);
        Assert.Equal(5, settings.Processor.RebuildRecords);
        Assert.Equal("fraudstream", settings.Processor.GroupId);
        Assert.Equal(9464, settings.MetricsPort);
    }

    [Fact]
    public void Settings_refuse_a_missing_bootstrap_and_bad_values()
    {
        static ServiceSettings From(params (string, string)[] pairs) => ServiceSettings.From(
            new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Item1, p.Item2))).Build(), m => "x");
        Assert.Contains("bootstrap", Assert.Throws<FormatException>(() => From()).Message, StringComparison.Ordinal);
        Assert.Contains("FatalTimeout", Assert.Throws<FormatException>(() => From(("Bootstrap", "b"), ("FatalTimeout", "soon"))).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => From(("Bootstrap", "b"), ("Input", "bad topic")));
        Assert.Throws<FormatException>(() => From(("Bootstrap", "b"), ("LogFormat", "xml")));
        Assert.Throws<FormatException>(() => From(("Bootstrap", "b"), ("Threshold", "2")));
        Assert.Contains("WarmUp", Assert.Throws<FormatException>(() => From(("Bootstrap", "b"), ("WarmUp", "-1s"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_read_the_state_caps_and_the_service_sizes_its_featurizer_by_them()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bootstrap"] = "b:9092",
            ["MaxCallers"] = "12000000",
            ["maxcallees"] = "3000000",
            ["MaxPairs"] = "805306368",
            ["MaxTrunks"] = "1",
        }).Build();
        var settings = ServiceSettings.From(config, _ => KafkaHarness.DefaultModelPath);
        Assert.Equal(12_000_000, settings.Featurizer.MaxCallers);
        Assert.Equal(3_000_000, settings.Featurizer.MaxCallees);
        Assert.Equal(ServiceSettings.MaxStateKeys, settings.Featurizer.MaxPairs);
        Assert.Equal(1, settings.Featurizer.MaxTrunks);

        var logs = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        var stats = new ProcessorService(settings, logs).Scorer.Featurizer.GetStats();
        Assert.Equal(12_000_000, stats.Callers.MaxKeys);
        Assert.Equal(3_000_000, stats.Callees.MaxKeys);
        Assert.Equal(ServiceSettings.MaxStateKeys, stats.Pairs.MaxKeys);
        Assert.Equal(1, stats.Trunks.MaxKeys);

        var defaults = ServiceSettings.From(new ConfigurationBuilder().AddInMemoryCollection([new("Bootstrap", "b:9092")]).Build(), m => "x").Featurizer;
        var expected = new Features.FeaturizerOptions();
        Assert.Equal(
            (expected.MaxCallers, expected.MaxCallees, expected.MaxPairs, expected.MaxTrunks),
            (defaults.MaxCallers, defaults.MaxCallees, defaults.MaxPairs, defaults.MaxTrunks));
    }

    [Theory]
    [InlineData("MaxCallers", "0")]
    [InlineData("MaxCallees", "-3")]
    [InlineData("MaxPairs", "805306369")]
    [InlineData("MaxTrunks", "1e4")]
    [InlineData("MaxCallers", "ten")]
    public void Settings_refuse_a_state_cap_that_is_not_a_whole_number_in_range(string key, string value)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Bootstrap"] = "b", [key] = value }).Build();

        var error = Assert.Throws<FormatException>(() => ServiceSettings.From(config, m => "x"));

        Assert.StartsWith(key + " must be a whole number from 1 to 805306368", error.Message, StringComparison.Ordinal);
    }

    internal static (int Exit, string StdOut, string StdErr) RunProgram(Dictionary<string, string> env, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fraudstream.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env)
        {
            start.Environment[k] = v;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(50)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("fraudstream run did not stop");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [GeneratedRegex(@"^consumed=\d+ valid=\d+ invalid=\d+ alerts=\d+$")]
    private static partial Regex Summary();
}
