using System.CommandLine;
using FraudStream.Kafka;
using FraudStream.Kafka.Processing;
using FraudStream.Scoring;
using FraudStream.Service;
using FraudStream.Service.Demo;
using Microsoft.Extensions.Logging;

namespace FraudStream.Cli.Commands;

/// <summary>
/// <c>fraudstream demo</c>: one process with an embedded broker, live generated traffic at a steady rate, the
/// streaming service with the shipped model and its metrics, and a live console view of what it finds.
/// </summary>
internal static class DemoCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var rate = new Option<double>("--rate")
        {
            Description = "Calls per second.",
            DefaultValueFactory = _ => DemoOptions.DefaultRate,
        };
        var duration = new Option<double?>("--duration")
        {
            Description = "Run this many seconds of traffic, then stop [default: until Ctrl+C].",
        };
        var model = new Option<string?>("--model", "-m") { Description = "Model file [default: the model shipped in models/default.zip]." };
        var threshold = ThresholdOption.Create();
        var metricsPort = new Option<int>("--metrics-port")
        {
            Description = "Port of /metrics, /healthz, /readyz; 0 picks a free one.",
            DefaultValueFactory = _ => ServiceSettings.DefaultMetricsPort,
        };
        var metricsHost = new Option<string>("--metrics-host")
        {
            Description = "Address the metrics endpoint binds.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var invalidShare = new Option<double>("--invalid-share")
        {
            Description = "Share of calls followed by a broken copy, to show the dead-letter path (0-1).",
            DefaultValueFactory = _ => 0.001,
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generated traffic.", DefaultValueFactory = _ => 1UL };
        var noLive = new Option<bool>("--no-live") { Description = "No live view: a progress line on standard error every 5 s (also when output is not a terminal)." };
        var command = new Command("demo",
            "The demo: an embedded Kafka broker, realistic traffic generated live (start = now) at a steady rate, the streaming "
            + "service with the shipped model (metrics on :9464), and a live view of throughput, lag, alerts by pattern, "
            + "engaged victims and the latest alerts with their reasons. Ctrl+C stops it cleanly; the last line of output is "
            + "consumed=N valid=N invalid=N alerts=N.")
        {
            rate, duration, model, threshold, metricsPort, metricsHost, invalidShare, seed, noLive,
        };
        command.SetAction(new Func<ParseResult, CancellationToken, Task<int>>((parse, _) => RunAsync(
            new DemoOptions
            {
                Rate = parse.GetValue(rate),
                Duration = parse.GetValue(duration) is { } seconds ? CheckDuration(seconds) : null,
                ModelPath = ModelFiles.Resolve(parse.GetValue(model)),
                Threshold = parse.GetValue(threshold),
                MetricsPort = parse.GetValue(metricsPort),
                MetricsHost = parse.GetValue(metricsHost) ?? "127.0.0.1",
                InvalidShare = parse.GetValue(invalidShare),
                Seed = parse.GetValue(seed),
            },
            !parse.GetValue(noLive) && !Console.IsOutputRedirected)));
        return command;
    }

    private static TimeSpan CheckDuration(double seconds) =>
        double.IsFinite(seconds) && seconds > 0 && seconds <= TimeSpan.MaxValue.TotalSeconds / 2
            ? TimeSpan.FromSeconds(seconds)
            : throw CliException.Usage("--duration must be a positive number of seconds");

    private static async Task<int> RunAsync(DemoOptions options, bool live)
    {
        if (!double.IsFinite(options.Rate) || options.Rate <= 0)
        {
            throw CliException.Usage("--rate must be a positive number of calls per second");
        }
        if (!(options.InvalidShare >= 0 && options.InvalidShare <= 1))
        {
            throw CliException.Usage("--invalid-share must be a number from 0 to 1");
        }
        if (options.MetricsPort is < 0 or > 65535)
        {
            throw CliException.Usage("--metrics-port must be 0 to 65535");
        }
        if (!File.Exists(options.ModelPath))
        {
            throw new CliException($"model file not found: {options.ModelPath}");
        }
        using var log = live ? new DemoLog() : null;
        // Kestrel failing to bind logs a stack trace; the demo says it in one line instead (see CliApp).
        using var loggerFactory = LoggerFactory.Create(builder =>
        {
            if (log is null)
            {
                ServiceLogging.Configure(builder, LogFormat.Plain, LogLevel.Warning);
            }
            else
            {
                builder.AddFilter("Microsoft", LogLevel.Warning).AddProvider(log);
            }
            builder.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        });
        var runner = new DemoRunner(options, loggerFactory, log);
        runner.MetricsListening += uri => Console.Error.WriteLine("metrics=" + uri);
        runner.BrokerListening += bootstrap => Console.Error.WriteLine("bootstrap=" + bootstrap);
        using var stop = new StopSignal();
        DemoResult result;
        try
        {
            result = await runner.RunAsync(live, Console.Error, ProgressInterval, stop.Token).ConfigureAwait(false);
        }
        catch (ModelLoadException ex)
        {
            throw new CliException(ex.Message);
        }
        await Console.Error.WriteLineAsync(
            $"{(stop.Received is { } signal ? $"stopped on {signal}" : "done")}: produced {result.Produced:N0} records "
            + $"({result.Failed:N0} failed) in {result.Chunks} chunk(s) over {result.Elapsed.TotalSeconds:N1} s").ConfigureAwait(false);
        await Console.Out.WriteLineAsync(result.Processor.SummaryLine).ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        if (result.Processor.Reason == StopReason.Fatal)
        {
            throw new CliException(result.Processor.FatalMessage ?? "the processor gave up");
        }
        return result.Failed > 0 ? 1 : 0;
    }
}
