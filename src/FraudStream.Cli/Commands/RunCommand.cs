using System.CommandLine;
using System.Globalization;
using FraudStream.Kafka;
using FraudStream.Kafka.Processing;
using FraudStream.Scoring;
using FraudStream.Service;
using Microsoft.Extensions.Logging;

namespace FraudStream.Cli.Commands;

/// <summary>
/// <c>fraudstream run</c>: the streaming service. Consumes call records from Kafka, produces alerts and dead
/// letters, serves Prometheus metrics and health, reloads the model when its file changes.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var bootstrap = new Option<string?>("--bootstrap", "-b") { Description = "Kafka bootstrap servers (host:port,...)." };
        var group = new Option<string?>("--group") { Description = "Consumer group [default: fraudstream]." };
        var input = new Option<string?>("--input", "-i") { Description = "Input topic of call records [default: calls]." };
        var alerts = new Option<string?>("--alerts", "-a") { Description = "Alert topic [default: fraud-alerts]." };
        var dlq = new Option<string?>("--dlq") { Description = "Dead-letter topic [default: calls-dlq]." };
        var model = new Option<string?>("--model", "-m") { Description = "Model file, watched for replacement [default: the model shipped in models/default.zip]." };
        // Numbers are taken as text and checked with the settings of the other sources, so that a wrong one is reported
        // as they are (naming the setting and the option) rather than as a .NET type the parser expected.
        var threshold = new Option<string?>("--threshold") { Description = "Alert threshold instead of the model's own (0-1)." };
        var metricsPort = new Option<string?>("--metrics-port") { Description = "Port of /metrics, /healthz, /readyz [default: 9464]; 0 picks a free one." };
        var metricsHost = new Option<string?>("--metrics-host") { Description = "Address the metrics endpoint binds [default: 0.0.0.0]." };
        var stopWhenIdle = new Option<string?>("--stop-when-idle") { Description = "After the first partition assignment, stop once this many seconds pass without a new record (not between a revocation and the next assignment)." };
        var rebuild = new Option<string?>("--rebuild-records") { Description = "Records re-read per newly assigned partition, before its committed offset, to rebuild history [default: 100000]." };
        var fatalTimeout = new Option<string?>("--fatal-timeout") { Description = "How long an error that does not clear may last before exiting non-zero [default: 30s]." };
        var drainTimeout = new Option<string?>("--drain-timeout") { Description = "At a stop, how long to wait for the broker to acknowledge the alerts and dead letters in flight before committing what is settled [default: 30s]." };
        var deliveryStall = new Option<string?>("--delivery-stall") { Description = "Not ready (/readyz 503, event 3026) while an alert or dead letter in flight has waited this long for the broker [default: 30s]." };
        var summaryInterval = new Option<string?>("--summary-interval") { Description = "How often to log what was done since the last time (event 3027); 0 for never [default: 2m]." };
        var threads = new Option<string?>("--threads") { Description = "Stream threads, each with its own consumer in the group and its own history of the partitions it is given; the caller and pair caps are shared out over them, the trunk and callee caps apply to each [default: 1]." };
        var logFormat = new Option<string?>("--log-format") { Description = "Log format on standard error: plain or json [default: plain]." };
        var config = new Option<string?>("--config") { Description = "Settings file [default: appsettings.json in the working directory, if any]." };
        var kafka = new KafkaPropertyOption(
            "A librdkafka property for both clients, as name=value (repeatable), e.g. -X security.protocol=SASL_SSL; prefixed consumer. or producer., for that client only (-X consumer.fetch.max.bytes=1048576).");
        var caps = new StateCapOptions();
        var command = new Command("run", "Run the streaming service: consume call records, produce alerts and dead letters, serve metrics. Stops on SIGTERM or SIGINT (or with --stop-when-idle), and then its last line of output is consumed=N valid=N invalid=N alerts=N (and its exit code 1 when the broker had not acknowledged every alert and dead letter by the end of --drain-timeout); a second signal ends it at once, committing nothing more.")
        {
            bootstrap, group, input, alerts, dlq, model, threshold, metricsPort, metricsHost, stopWhenIdle, rebuild, fatalTimeout, drainTimeout,
            deliveryStall, summaryInterval, threads, logFormat, config, kafka.Option,
        };
        caps.AddTo(command);
        command.SetAction(new Func<ParseResult, CancellationToken, Task<int>>((parse, _) =>
        {
            var overrides = new List<KeyValuePair<string, string?>>();
            void Add(string key, string? value)
            {
                if (value is not null)
                {
                    overrides.Add(new(key, value));
                }
            }
            Add("Bootstrap", parse.GetValue(bootstrap));
            Add("Group", parse.GetValue(group));
            Add("Input", parse.GetValue(input));
            Add("Alerts", parse.GetValue(alerts));
            Add("Dlq", parse.GetValue(dlq));
            Add("Model", parse.GetValue(model));
            Add("Threshold", parse.GetValue(threshold));
            Add("MetricsPort", parse.GetValue(metricsPort));
            Add("MetricsHost", parse.GetValue(metricsHost));
            Add("StopWhenIdle", parse.GetValue(stopWhenIdle));
            Add("RebuildRecords", parse.GetValue(rebuild));
            Add("FatalTimeout", parse.GetValue(fatalTimeout));
            Add("DrainTimeout", parse.GetValue(drainTimeout));
            Add("DeliveryStall", parse.GetValue(deliveryStall));
            Add("SummaryInterval", parse.GetValue(summaryInterval));
            Add("Threads", parse.GetValue(threads));
            Add("LogFormat", parse.GetValue(logFormat));
            overrides.AddRange(caps.Overrides(parse));
            foreach (var (name, value) in kafka.Properties(parse))
            {
                Add("Kafka:" + name, value);
            }
            return RunAsync(parse.GetValue(config), overrides);
        }));
        return command;
    }

    private static async Task<int> RunAsync(string? configFile, List<KeyValuePair<string, string?>> overrides)
    {
        ServiceSettings settings;
        try
        {
            var configuration = ServiceSettings.BuildConfiguration(configFile, overrides);
            settings = ServiceSettings.From(configuration, ModelFiles.Resolve);
            settings.CheckKafkaSettings();
        }
        catch (Exception ex) when (ex is FormatException or FileNotFoundException or InvalidDataException)
        {
            throw new CliException(ex.Message, 2);
        }
        if (!File.Exists(settings.ModelPath))
        {
            // A wrong setting like the others (exit code 2), named as they are: the path may come from the settings file
            // or the environment.
            throw new CliException($"{ServiceSettings.Named("Model")}: model file not found: {settings.ModelPath}", 2);
        }
        // Kestrel failing to bind logs a stack trace; the command says it in one line instead (see below), as demo does.
        using var loggerFactory = LoggerFactory.Create(builder =>
        {
            ServiceLogging.Configure(builder, settings.LogFormat);
            builder.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        });
        ProcessorService service;
        try
        {
            service = new ProcessorService(settings, loggerFactory);
        }
        catch (ModelLoadException ex)
        {
            throw new CliException($"{ServiceSettings.Named("Model")}: {ex.Message}", 2);
        }
        using var stop = new StopSignal();
        var run = service.RunAsync(stop.Token);
        try
        {
            var uri = await service.MetricsUri.ConfigureAwait(false);
            await Console.Error.WriteLineAsync("metrics=" + uri).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new CliException(ex.Message); // "cannot listen on HOST:PORT: why" (ProcessorService)
        }
        var result = await run.ConfigureAwait(false);
        await Console.Out.WriteLineAsync(result.SummaryLine).ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        if (result.Reason == StopReason.Fatal)
        {
            throw new CliException(result.FatalMessage ?? "the processor gave up");
        }
        if (result.Unacknowledged > 0)
        {
            // Nothing is lost (those records are not committed), but the stop did not finish its work: a job run with
            // --stop-when-idle, or a supervisor, must not take it for a clean one.
            throw new CliException(string.Create(CultureInfo.InvariantCulture,
                $"stopped with {result.Unacknowledged} alerts or dead letters the broker had not acknowledged (a stop waits up to {settings.Processor.DrainTimeout.TotalSeconds:0.###} s for them, DrainTimeout or --drain-timeout): their records were not committed and will be processed again"));
        }
        return 0;
    }
}
