using System.CommandLine;
using System.Globalization;
using FraudStream.Kafka;

namespace FraudStream.Cli.Commands;

/// <summary><c>fraudstream replay</c>: produces an NDJSON file of call records to a Kafka topic as live traffic.</summary>
internal static class ReplayCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var bootstrap = new Option<string>("--bootstrap", "-b")
        {
            Description = "Kafka bootstrap servers (HOST:PORT[,HOST:PORT...]), for example the first line of 'fraudstream broker'.",
            Required = true,
        };
        var topic = new Option<string>("--topic", "-t")
        {
            Description = "Topic to produce to.",
            DefaultValueFactory = _ => "calls",
        };
        var input = new Option<string>("--input", "-i")
        {
            Description = "Call records, one JSON object per line; - reads standard input (not with --loop).",
            Required = true,
        };
        var rate = new Option<double?>("--rate")
        {
            Description = "Records per second, paced smoothly [default: as fast as possible].",
        };
        var loop = new Option<bool>("--loop")
        {
            Description = "Replay the file again and again until stopped; pass N shifts start by N-1 times the file's time span and appends ~N to call_id.",
        };
        var passes = new Option<int?>("--passes")
        {
            Description = "Stop after this many passes over the file (implies --loop).",
        };
        var now = new Option<bool>("--now")
        {
            Description = "Shift every start so that the first record starts now, keeping the spacing between calls.",
        };
        var command = new Command("replay",
            "Produce a file of call records to Kafka, one message per line (key = caller, value = the line; invalid lines "
            + "unchanged, for the dead-letter topic) with an idempotent producer (acks=all). Ctrl+C stops after flushing. "
            + "The last line of output is produced=N failed=N skipped=N seconds=S rate=R; the exit code is 1 when a record failed.")
        {
            bootstrap, topic, input, rate, loop, passes, now,
        };
        command.SetAction(new Func<ParseResult, int>(parse => Run(
            parse.GetRequiredValue(bootstrap), parse.GetValue(topic) ?? "calls", parse.GetRequiredValue(input),
            parse.GetValue(rate), parse.GetValue(loop), parse.GetValue(passes), parse.GetValue(now))));
        return command;
    }

    private static int Run(string bootstrap, string topic, string input, double? rate, bool loop, int? passes, bool now)
    {
        if (rate is { } r && (!double.IsFinite(r) || r <= 0))
        {
            throw new CliException("--rate must be a positive number of records per second", 2);
        }
        if (passes is < 1)
        {
            throw new CliException("--passes must be at least 1", 2);
        }
        if (!EmbeddedBroker.IsLegalTopicName(topic))
        {
            throw new CliException($"--topic: '{topic}' is not a legal topic name", 2);
        }
        loop |= passes > 1;
        if (loop && input == "-")
        {
            throw new CliException("--loop needs a file: standard input can be read only once", 2);
        }
        if (input != "-" && !File.Exists(input))
        {
            throw new CliException($"input file not found: {input}");
        }
        var replayer = new CallReplayer(new ReplayOptions
        {
            BootstrapServers = bootstrap,
            Topic = topic,
            InputPath = input,
            RatePerSecond = rate,
            Loop = loop,
            MaxPasses = passes,
            RebaseToNow = now,
            Log = Console.Error,
        });
        Console.Error.WriteLine(
            $"replaying {input} to {topic} at {bootstrap}, "
            + (rate is null ? "as fast as possible" : $"{rate} records/s")
            + (loop ? passes is null ? ", looping until stopped" : $", {passes} passes" : "")
            + (now ? ", start rebased to now" : ""));
        using var stop = new StopSignal();
        var started = DateTime.UtcNow;
        using var progress = new Timer(_ =>
        {
            var seconds = (DateTime.UtcNow - started).TotalSeconds;
            Console.Error.WriteLine(
                $"  pass {replayer.Pass}: {replayer.Sent:N0} sent, {replayer.Produced:N0} produced, {replayer.Failed:N0} failed "
                + $"({replayer.Produced / Math.Max(seconds, 1e-9):N0}/s)");
        }, null, ProgressInterval, ProgressInterval);
        var result = replayer.RunAsync(stop.Token).GetAwaiter().GetResult();
        progress.Change(Timeout.Infinite, Timeout.Infinite);

        var elapsed = result.Elapsed.TotalSeconds;
        if (result.Stopped)
        {
            Console.Error.WriteLine(stop.Received is { } signal ? $"stopped on {signal} after flushing" : "stopped after a fatal producer error");
        }
        if (result.Skipped > 0)
        {
            Console.Error.WriteLine($"warning: {result.Skipped:N0} line(s) longer than 65,536 bytes were not sent");
        }
        Console.Error.WriteLine($"{result.Lines:N0} lines in {result.Passes} pass(es)");
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"produced={result.Produced} failed={result.Failed} skipped={result.Skipped} seconds={elapsed:F2} rate={result.Produced / Math.Max(elapsed, 1e-9):F1}"));
        return result.Failed > 0 || (result.Stopped && stop.Received is null) ? 1 : 0;
    }
}
