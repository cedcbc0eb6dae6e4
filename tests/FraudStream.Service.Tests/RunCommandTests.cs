using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using FraudStream.Kafka;
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
    [Trait("Category", "Integration")]
    public async Task Run_with_two_stream_threads_reads_every_record_once_and_stops_once_idle_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 4);
        kafka.Broker.SetInitialRebalanceDelay(StreamThreadsTests.JoinHold); // as Kafka holds a new group's first rebalance: both threads join it
        var messages = KafkaHarness.ToMessages(KafkaHarness.MakeLines(3_000, seed: 4));
        var invalid = messages.Count(m => !Records.CallRecordParser.TryParse(m.Value, out _, out _));

        // The records are produced once the group has settled, as the threads' logs tell it: each thread's partitions,
        // by its category, all four given (StreamThreadsTests.ProduceOnceSettledAsync says why).
        var shares = new Dictionary<string, int>();
        Task? produced = null;
        void OnLogLine(string line)
        {
            if (!line.StartsWith('{'))
            {
                return;
            }
            using var json = System.Text.Json.JsonDocument.Parse(line);
            var root = json.RootElement;
            var id = root.GetProperty("EventId").GetInt32();
            if (id is < 3001 or > 3003)
            {
                return;
            }
            var category = root.GetProperty("Category").GetString()!;
            var partitions = root.GetProperty("State").GetProperty("Partitions").GetString()!;
            shares[category] = id == 3001 && partitions != "none" ? partitions.Split(',').Length : 0;
            if (produced is null && shares.Count == 2 && shares.Values.All(n => n > 0) && shares.Values.Sum() == 4)
            {
                produced = Task.Factory.StartNew(() => kafka.Produce(messages), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
        }
        // 90 s: warm-up, the held join, and about 8 s more for each SyncGroup the embedded broker refuses.
        var (exit, stdout, stderr) = RunProgram(
            new Dictionary<string, string> { ["FRAUDSTREAM__KAFKA__SESSION_TIMEOUT_MS"] = "6000", ["FRAUDSTREAM__THREADS"] = "2" }, OnLogLine, TimeSpan.FromSeconds(90),
            "run", "--bootstrap", kafka.Broker.Bootstrap, "--model", KafkaHarness.DefaultModelPath, "--metrics-port", "0", "--metrics-host", "127.0.0.1",
            "--stop-when-idle", StreamThreadsTests.SettledIdle.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-format", "json");

        Assert.True(produced is not null, "the group never settled\n" + stderr);
        await produced;
        Assert.True(exit == 0, stderr);
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        Assert.True(last.StartsWith($"consumed={messages.Count} valid={messages.Count - invalid} invalid={invalid} alerts=", StringComparison.Ordinal),
            last + "\n" + stderr);
        // Each thread logs its own stop, under a category of its own.
        Assert.Contains("\"Category\":\"FraudStream.Processor.1\"", stderr, StringComparison.Ordinal);
        Assert.Contains("\"Category\":\"FraudStream.Processor.2\"", stderr, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(stderr, "\"EventId\":3011"));
        Assert.Equal(messages.Count, kafka.Committed("fraudstream").Sum());
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
            ["Kafka:SASL_USERNAME"] = "svc",
            ["Kafka:sasl.password"] = "secret",
            ["StopWhenIdle"] = "1500ms",
            ["FatalTimeout"] = "2m",
            ["RebuildRecords"] = "5",
            ["WarmUp"] = "0",
            ["AlertThread"] = "False",
            ["Threads"] = "3",
        }).Build();
        var settings = ServiceSettings.From(config, m => m ?? "default.zip");
        Assert.Equal(3, settings.Threads);
        Assert.Equal(1, ServiceSettings.From(new ConfigurationBuilder().AddInMemoryCollection([new("Bootstrap", "b")]).Build(), m => "x").Threads);
        Assert.Equal(TimeSpan.Zero, settings.Processor.WarmUp);
        Assert.False(settings.Processor.AlertThread);
        Assert.Equal(Environment.ProcessorCount > 1,
            ServiceSettings.From(new ConfigurationBuilder().AddInMemoryCollection([new("Bootstrap", "b")]).Build(), m => "x").Processor.AlertThread);
        Assert.Equal("SASL_SSL", settings.Processor.KafkaSettings["security.protocol"]);
        Assert.Equal("PLAIN", settings.Processor.KafkaSettings["sasl.mechanism"]);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), settings.Processor.StopWhenIdle);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Processor.FatalTimeout);
        Assert.Equal(5, settings.Processor.RebuildRecords);
        Assert.Equal("fraudstream", settings.Processor.GroupId);
        Assert.Equal(9464, settings.MetricsPort);
        Assert.Equal("svc", settings.Processor.KafkaSettings["sasl.username"]);
    }

    [Fact]
    public void A_kafka_property_set_under_its_alias_is_not_replaced_by_the_processors_default()
    {
        var options = new ProcessorOptions
        {
            BootstrapServers = "b:9092",
            KafkaSettings = new Dictionary<string, string> { ["fetch.message.max.bytes"] = "1048576", ["queue.buffering.max.ms"] = "20" },
        };

        var consumer = StreamProcessor.ConsumerConfigFor(options).ToDictionary(p => p.Key, p => p.Value);
        var producer = StreamProcessor.ProducerConfigFor(options).ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal("1048576", consumer["fetch.message.max.bytes"]);
        Assert.False(consumer.ContainsKey("max.partition.fetch.bytes"), "the default, set after the alias, would replace it");
        Assert.Equal("20", producer["queue.buffering.max.ms"]);
        Assert.False(producer.ContainsKey("linger.ms"));
        // Without the aliases, the defaults are there.
        Assert.Equal("65536", StreamProcessor.ConsumerConfigFor(options with { KafkaSettings = new Dictionary<string, string>() })
            .Single(p => p.Key == "max.partition.fetch.bytes").Value);
    }

    [Fact]
    public void The_consumer_fetches_ten_thousand_records_ahead_unless_a_pass_through_value_says_otherwise()
    {
        var options = new ProcessorOptions { BootstrapServers = "b:9092" };

        Assert.Equal("10000", StreamProcessor.ConsumerConfigFor(options).Single(p => p.Key == "queued.min.messages").Value);
        Assert.Equal("500", StreamProcessor.ConsumerConfigFor(options with
        {
            KafkaSettings = new Dictionary<string, string> { ["consumer.queued.min.messages"] = "500" },
        }).Single(p => p.Key == "queued.min.messages").Value);
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

        // With stream threads, each thread's caller and pair state gets its share of the caps, rounded up; trunks and
        // callees, which every thread sees most of, keep theirs.
        var threaded = new ProcessorService(settings with { Threads = 4 }, logs);
        Assert.Equal(4, threaded.Scorers.Count);
        Assert.Equal(4, threaded.Processor.Processors.Count);
        Assert.All(threaded.Scorers, s => Assert.Equal((3_000_000, 3_000_000, 201_326_592, 1),
            (s.Featurizer.GetStats().Callers.MaxKeys, s.Featurizer.GetStats().Callees.MaxKeys, s.Featurizer.GetStats().Pairs.MaxKeys, s.Featurizer.GetStats().Trunks.MaxKeys)));

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

        Assert.StartsWith($"{key} (--max-{key[3..].ToLowerInvariant()}) must be a whole number from 1 to 805306368", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Threshold", "NaN", "Threshold (--threshold): 'NaN' is not a number")]
    [InlineData("Threshold", "Infinity", "Threshold (--threshold): 'Infinity' is not a number")]
    [InlineData("Threshold", "-Infinity", "Threshold (--threshold): '-Infinity' is not a number")]
    [InlineData("Threshold", "1.5", "Threshold (--threshold) must be between 0 and 1, not '1.5'")]
    [InlineData("FatalTimeout", "1e300", "FatalTimeout (--fatal-timeout): '1e300' is not a duration")]
    [InlineData("DrainTimeout", "1e12h", "DrainTimeout (--drain-timeout): '1e12h' is not a duration")]
    [InlineData("WarmUp", "NaN", "WarmUp: 'NaN' is not a duration")]
    [InlineData("StopWhenIdle", "0", "StopWhenIdle (--stop-when-idle): the idle time must be positive")]
    [InlineData("DrainTimeout", "0", "DrainTimeout (--drain-timeout): the drain timeout must be positive")]
    [InlineData("ModelCheckInterval", "0", "ModelCheckInterval must be from 100ms to 24h, not '0'")]
    [InlineData("ModelCheckInterval", "50d", "ModelCheckInterval: '50d' is not a duration")]
    [InlineData("ModelCheckInterval", "1201h", "ModelCheckInterval must be from 100ms to 24h, not '1201h'")]
    [InlineData("Input", "bad topic", "Input (--input): 'bad topic' is not a legal topic name")]
    [InlineData("MetricsPort", "abc", "MetricsPort (--metrics-port): 'abc' is not a whole number")]
    [InlineData("MetricsHost", "example.com", "MetricsHost (--metrics-host) must be an IP address or localhost, not 'example.com'")]
    [InlineData("RebuildRecords", "-1", "RebuildRecords (--rebuild-records): the number of records to rebuild from must not be negative")]
    [InlineData("AlertThread", "yes", "AlertThread: 'yes' is not true or false")]
    [InlineData("Threads", "0", "Threads (--threads) must be from 1 to 64, not '0'")]
    [InlineData("Threads", "65", "Threads (--threads) must be from 1 to 64, not '65'")]
    [InlineData("Threads", "two", "Threads (--threads): 'two' is not a whole number")]
    public void Settings_refuse_values_out_of_range_or_not_finite_naming_the_setting_and_its_option(string key, string value, string expected)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Bootstrap"] = "b", [key] = value }).Build();

        var error = Assert.Throws<FormatException>(() => ServiceSettings.From(config, m => "x"));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("foo.bar", "1", "Kafka setting foo.bar refused: No such configuration property: \"foo.bar\"")]
    [InlineData("FOO_BAR", "1", "Kafka setting foo.bar refused")] // as FRAUDSTREAM__KAFKA__FOO_BAR
    [InlineData("linger.ms", "abc", "Kafka setting linger.ms refused: Invalid value")] // librdkafka names it queue.buffering.max.ms
    [InlineData("consumer.auto.offset.reset", "sideways", "Kafka setting consumer.auto.offset.reset refused")]
    [InlineData("producer.max.in.flight", "50", "Kafka setting producer.max.in.flight refused")] // more than idempotence allows
    public void Settings_refuse_a_kafka_property_or_value_librdkafka_refuses_before_anything_connects(string key, string value, string expected)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bootstrap"] = "127.0.0.1:1",
            ["Kafka:" + key] = value,
        }).Build();

        var error = Assert.Throws<FormatException>(() => ServiceSettings.From(config, m => "x").CheckKafkaSettings());

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Kafka_settings_that_need_each_other_pass_the_check_together_and_a_file_they_name_is_checked_only_by_it()
    {
        // SASL over TLS with SCRAM, as a production cluster asks: security.protocol alone would be refused (librdkafka's
        // default mechanism, GSSAPI, is not in every build), so it must not be blamed when the set is complete.
        var production = new Dictionary<string, string?>
        {
            ["Bootstrap"] = "127.0.0.1:1",
            ["Kafka:security.protocol"] = "SASL_SSL",
            ["Kafka:sasl.mechanism"] = "SCRAM-SHA-512",
            ["Kafka:sasl.username"] = "fraudstream",
            ["Kafka:sasl.password"] = "not-a-secret",
        };
        ServiceSettings.From(new ConfigurationBuilder().AddInMemoryCollection(production).Build(), m => "x").CheckKafkaSettings();

        // A CA file that is not here: reading the settings does not look for it (it exists where the service runs); the
        // check, which runs before the service starts, reports it.
        production["Kafka:ssl.ca.location"] = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "ca.crt");
        var settings = ServiceSettings.From(new ConfigurationBuilder().AddInMemoryCollection(production).Build(), m => "x");
        var error = Assert.Throws<FormatException>(settings.CheckKafkaSettings);
        Assert.Contains("ssl.ca.location", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("security.protocol refused", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Threshold (--threshold): 'NaN' is not a number", "--threshold", "NaN")]
    [InlineData("Threshold (--threshold): 'NaN' is not a number", "env:FRAUDSTREAM__THRESHOLD", "NaN")]
    [InlineData("Kafka setting foo.bar refused: No such configuration property", "-X", "foo.bar=1")]
    [InlineData("Kafka setting foo.bar refused: No such configuration property", "env:FRAUDSTREAM__KAFKA__FOO_BAR", "1")]
    [InlineData("Kafka setting linger.ms refused: Invalid value", "-X", "linger.ms=abc")]
    [InlineData("StopWhenIdle (--stop-when-idle): the idle time must be positive", "--stop-when-idle", "0")]
    [InlineData("MetricsPort (--metrics-port): 'abc' is not a whole number", "--metrics-port", "abc")]
    [InlineData("DrainTimeout (--drain-timeout): 'abc' is not a duration", "--drain-timeout", "abc")]
    [InlineData("DeliveryStall (--delivery-stall): the delivery stall time must be positive", "--delivery-stall", "0")]
    [InlineData("SummaryInterval (--summary-interval): '-1' is not a duration", "env:FRAUDSTREAM__SUMMARYINTERVAL", "-1")]
    [InlineData("SummaryInterval (--summary-interval): 'abc' is not a duration", "--summary-interval", "abc")]
    public void Run_refuses_a_wrong_setting_in_one_line_with_exit_code_2_before_it_starts(string expected, string option, string value)
    {
        var env = new Dictionary<string, string>();
        string[] args = ["run", "--bootstrap", "127.0.0.1:1", "--model", KafkaHarness.DefaultModelPath, "--metrics-host", "127.0.0.1"];
        if (option.StartsWith("env:", StringComparison.Ordinal))
        {
            env[option[4..]] = value;
        }
        else
        {
            args = [.. args, option, value];
        }
        if (option != "--metrics-port")
        {
            args = [.. args, "--metrics-port", "0"];
        }

        var (exit, stdout, stderr) = RunProgram(env, args);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: " + expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_with_a_model_file_that_is_not_there_names_the_setting_wherever_it_was_set()
    {
        var missing = Path.Combine(Path.GetTempPath(), "fraudstream-no-such-model-" + Guid.NewGuid().ToString("N") + ".zip");

        var (exit, stdout, stderr) = RunProgram(new Dictionary<string, string> { ["FRAUDSTREAM__MODEL"] = missing },
            "run", "--bootstrap", "127.0.0.1:1", "--metrics-host", "127.0.0.1", "--metrics-port", "0");

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal($"error: Model (--model): model file not found: {missing}", stderr.Trim());
    }

    [Fact]
    public void Run_with_a_settings_file_that_is_not_json_says_where_it_breaks()
    {
        var file = Path.Combine(Path.GetTempPath(), "fraudstream-settings-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, "{\n  \"Group\": \"g\",\n  \"Input\": \n}\n");
        try
        {
            var (exit, stdout, stderr) = RunProgram([], "run", "--config", file, "--bootstrap", "127.0.0.1:1");

            Assert.Equal(2, exit);
            Assert.Equal("", stdout);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith($"error: Failed to load configuration from file '{file}': ", line, StringComparison.Ordinal);
            // Where the value is missing: the closing brace, first on the fourth line (counted from 1, as editors do).
            Assert.EndsWith("Could not parse the JSON file: '}' is an invalid start of a value (line 4, byte 1 of the line)", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Run_on_a_metrics_host_not_of_this_machine_says_so_in_one_line()
    {
        // 192.0.2.1 (TEST-NET-1) is never a local address: the bind fails with a SocketException, not an IOException.
        var (exit, _, stderr) = RunProgram([], "run", "--bootstrap", "127.0.0.1:1", "--model", KafkaHarness.DefaultModelPath,
            "--metrics-host", "192.0.2.1", "--metrics-port", "0");

        Assert.True(exit == 1, stderr);
        Assert.Contains("error: cannot listen on 192.0.2.1:0: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at ", stderr); // no stack trace
    }

    [Fact]
    public void Settings_that_name_no_setting_are_kept_to_be_warned_of_and_the_delivery_stall_is_read()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bootstrap"] = "b:9092",
            ["StopWhenIlde"] = "5",
            ["Kafka:linger.ms"] = "5",
            ["DeliveryStall"] = "45s",
            ["Logging:LogLevel:Default"] = "Debug",
        }).Build();

        var settings = ServiceSettings.From(config, m => "x.zip");

        Assert.Equal(["Logging", "StopWhenIlde"], settings.UnknownKeys);
        Assert.Null(settings.Processor.StopWhenIdle);
        Assert.Equal(TimeSpan.FromSeconds(45), settings.Processor.DeliveryStall);
    }

    [Fact]
    public void Run_warns_of_a_setting_it_does_not_know_by_its_key()
    {
        // The metrics host makes the run end at once, after the settings are read and the model is loaded.
        var (exit, _, stderr) = RunProgram(new Dictionary<string, string> { ["FRAUDSTREAM__STOPWHENILDE"] = "5" },
            "run", "--bootstrap", "127.0.0.1:1", "--model", KafkaHarness.DefaultModelPath, "--metrics-host", "192.0.2.1");

        Assert.True(exit == 1, stderr);
        Assert.Contains("warn: FraudStream.Service[4006] Setting STOPWHENILDE is not one FraudStream knows, and is ignored", stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_second_signal_ends_a_run_whose_stop_waits_for_deliveries_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var messages = KafkaHarness.ToMessages(KafkaHarness.MakeLines(3_000, seed: 63));
        kafka.Produce(messages);
        // No alert or dead letter is acknowledged from now on, so the stop waits for them (up to its 30 s drain).
        kafka.Broker.PushRequestErrors(0, Confluent.Kafka.ErrorCode.NotEnoughReplicas, 100_000);
        using var run = new RunChild(kafka);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await run.WaitUntilConsumed(messages.Count, timeout.Token);

            Signal(run.Process, "INT");
            await EndpointTests.WaitUntil(() => run.StdErr.Any(l => l.Contains("\"EventId\":3010", StringComparison.Ordinal)), timeout.Token);
            var stopping = run.StdErr.First(l => l.Contains("\"EventId\":3010", StringComparison.Ordinal));
            Assert.DoesNotContain("waiting for 0 in-flight", stopping, StringComparison.Ordinal);
            // Past the window in which a second signal is the same stop delivered twice (StopSignal.SameStopWindow).
            Assert.False(run.Process.WaitForExit(StopSignal.SameStopWindow * 2), "the stop did not wait for the deliveries");
            Signal(run.Process, "INT");

            Assert.True(run.Process.WaitForExit(TimeSpan.FromSeconds(10)), "a second signal did not end the run\n" + run.Log);
            Assert.NotEqual(0, run.Process.ExitCode);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("timed out; standard error:\n" + run.Log);
        }
        finally
        {
            kafka.Broker.ClearRequestErrors(0);
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_stop_whose_drain_ends_with_deliveries_unacknowledged_says_how_many_and_exits_non_zero_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var messages = KafkaHarness.ToMessages(KafkaHarness.MakeLines(3_000, seed: 64));
        kafka.Produce(messages);
        kafka.Broker.PushRequestErrors(0, Confluent.Kafka.ErrorCode.NotEnoughReplicas, 100_000);
        using var run = new RunChild(kafka, "--drain-timeout", "4s", "--delivery-stall", "1");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await run.WaitUntilConsumed(messages.Count, timeout.Token);
            using var http = new HttpClient();
            var ready = new Uri(run.MetricsUri, "/readyz");
            // --delivery-stall reached the processor: not ready once a delivery has waited 1 s (30 s by default).
            await EndpointTests.WaitUntil(async () => (await http.GetAsync(ready)).StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, timeout.Token);
            Assert.Equal("not ready: alerts or dead letters unacknowledged for over 1 s\n", await (await http.GetAsync(ready)).Content.ReadAsStringAsync());

            Signal(run.Process, "INT");
            await EndpointTests.WaitUntil(() => run.StdErr.Any(l => l.Contains("\"EventId\":3010", StringComparison.Ordinal)), timeout.Token);
            // While it drains (4 s), readiness says why: the process is stopping (not that it lacks partitions), and the
            // problem that was there.
            await EndpointTests.WaitUntil(async () => await (await http.GetAsync(ready)).Content.ReadAsStringAsync()
                == "not ready: stopping: alerts or dead letters unacknowledged for over 1 s\n", timeout.Token);

            Assert.True(run.Process.WaitForExit(TimeSpan.FromSeconds(30)), "the run did not stop after its drain timeout\n" + run.Log);
            run.Process.WaitForExit(); // the output's last lines
            Assert.Equal(1, run.Process.ExitCode);
            // The summary line keeps the contract's form; the error line after it says what the stop left.
            var summary = Regex.Match(run.StdOut.Last(l => l.Length > 0), @"^consumed=(\d+) valid=\d+ invalid=\d+ alerts=(\d+)$");
            Assert.True(summary.Success, "summary line: " + run.StdOut.LastOrDefault());
            Assert.Equal(messages.Count, int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            var error = Regex.Match(run.StdErr.Last(l => l.Length > 0), @"^error: stopped with (\d+) alerts or dead letters the broker had not "
                + @"acknowledged \(a stop waits up to 4 s for them, DrainTimeout or --drain-timeout\): their records were not committed and will be processed again$");
            Assert.True(error.Success, "last line of standard error: " + run.StdErr.LastOrDefault());
            // Every alert and dead letter was refused: none acknowledged, so as many as the alerts and invalid records.
            var sent = long.Parse(summary.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)
                + messages.Count(m => !FraudStream.Records.CallRecordParser.TryParse(m.Value, out _, out _));
            Assert.Equal(sent, long.Parse(error.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("timed out; standard error:\n" + run.Log);
        }
        finally
        {
            kafka.Broker.ClearRequestErrors(0);
        }
    }

    /// <summary>
    /// <c>fraudstream run</c> as a child process against the harness's broker, logging JSON, with its output collected
    /// as it comes. Started through <c>env</c>, which gives SIGINT its default action back: a background job of a shell
    /// without job control (CI started with <c>&amp;</c>) ignores SIGINT, and its children inherit that.
    /// </summary>
    private sealed class RunChild : IDisposable
    {
        public RunChild(KafkaHarness kafka, params string[] args)
        {
            var start = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.Environment["FRAUDSTREAM__KAFKA__SESSION_TIMEOUT_MS"] = "6000";
            foreach (var arg in new[]
            {
                "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "fraudstream.dll"), "run", "--bootstrap", kafka.Broker.Bootstrap,
                "--model", KafkaHarness.DefaultModelPath, "--metrics-port", "0", "--metrics-host", "127.0.0.1", "--log-format", "json",
            }.Concat(args))
            {
                start.ArgumentList.Add(arg);
            }
            Process = Process.Start(start)!;
            Process.ErrorDataReceived += (_, e) => StdErr.Enqueue(e.Data ?? "");
            Process.OutputDataReceived += (_, e) => StdOut.Enqueue(e.Data ?? "");
            Process.BeginErrorReadLine();
            Process.BeginOutputReadLine();
        }

        public Process Process { get; }

        public System.Collections.Concurrent.ConcurrentQueue<string> StdErr { get; } = new();

        public System.Collections.Concurrent.ConcurrentQueue<string> StdOut { get; } = new();

        public string Log => string.Join('\n', StdErr);

        public Uri MetricsUri => new(StdErr.First(l => l.StartsWith("metrics=", StringComparison.Ordinal))["metrics=".Length..]);

        /// <summary>Waits for the endpoint, then until the processor has consumed <paramref name="count"/> records.</summary>
        public async Task WaitUntilConsumed(int count, CancellationToken cancellationToken)
        {
            await EndpointTests.WaitUntil(() => StdErr.Any(l => l.StartsWith("metrics=", StringComparison.Ordinal)), cancellationToken);
            using var http = new HttpClient();
            await EndpointTests.WaitUntil(async () => ConsumedTotal().Match(await http.GetStringAsync(MetricsUri)) is { Success: true } m
                && long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= count, cancellationToken);
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }
            Process.Dispose();
        }
    }

    [GeneratedRegex(@"(?m)^fraudstream_records_consumed_total\{topic=""calls""\} (\d+)$")]
    private static partial Regex ConsumedTotal();

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public void Run_on_a_metrics_port_in_use_says_so_in_one_line()
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;

        var (exit, _, stderr) = RunProgram([], "run", "--bootstrap", "127.0.0.1:1", "--model", KafkaHarness.DefaultModelPath,
            "--metrics-host", "127.0.0.1", "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, exit);
        Assert.Contains($"error: cannot listen on 127.0.0.1:{port}: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed", stderr, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at ", stderr); // no stack trace
    }

    [Fact]
    public void Run_help_says_the_summary_comes_at_every_stop_and_how_to_scope_a_kafka_property()
    {
        var (exit, stdout, _) = RunProgram([], "run", "--help");

        Assert.Equal(0, exit);
        var help = Regex.Replace(stdout, @"\s+", " "); // as wrapped to any width
        Assert.Contains("Stops on SIGTERM or SIGINT (or with --stop-when-idle), and then its last line of output is consumed=N", help, StringComparison.Ordinal);
        Assert.Contains("prefixed consumer. or producer., for that client only", help, StringComparison.Ordinal);
    }

    internal static (int Exit, string StdOut, string StdErr) RunProgram(Dictionary<string, string> env, params string[] args) =>
        RunProgram(env, onErrorLine: null, TimeSpan.FromSeconds(50), args);

    /// <summary>
    /// Runs <c>fraudstream</c> to its end (killed after <paramref name="limit"/>), handing each line of its standard error
    /// to <paramref name="onErrorLine"/> as it comes; what the handler throws is thrown once the program has ended.
    /// </summary>
    internal static (int Exit, string StdOut, string StdErr) RunProgram(
        Dictionary<string, string> env, Action<string>? onErrorLine, TimeSpan limit, params string[] args)
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
        Exception? handlerFailed = null;
        var stderr = Task.Run(async () =>
        {
            var text = new StringBuilder();
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                text.Append(line).Append('\n');
                try
                {
                    if (handlerFailed is null)
                    {
                        onErrorLine?.Invoke(line);
                    }
                }
                catch (Exception ex)
                {
                    handlerFailed = ex; // kept for the test; the pipe is still drained so the program is not held
                }
            }
            return text.ToString();
        });
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("fraudstream run did not stop");
        }
        var result = (process.ExitCode, stdout.Result, stderr.Result);
        if (handlerFailed is not null)
        {
            throw new InvalidOperationException("a line of standard error could not be handled", handlerFailed);
        }
        return result;
    }

    [GeneratedRegex(@"^consumed=\d+ valid=\d+ invalid=\d+ alerts=\d+$")]
    private static partial Regex Summary();
}
