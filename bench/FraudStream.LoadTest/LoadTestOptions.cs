using System.Globalization;
using FraudStream.Kafka;

namespace FraudStream.LoadTest;

/// <summary>The harness's command line (its own small parser: the harness has no other dependency on System.CommandLine).</summary>
public sealed record LoadTestOptions
{
    /// <summary>The modes the command runs, in the order each round runs them.</summary>
    public static readonly string[] AllModes = ["limit", "fraudstream", "naive", "streamiz"];

    /// <summary>
    /// The modes <c>--modes</c> accepts: <see cref="AllModes"/>, and <c>group</c>, <see cref="GroupSize"/> processors
    /// sharing one consumer group (scaling out, with each process's trunk and callee history split), run only when named.
    /// </summary>
    public static readonly string[] KnownModes = [.. AllModes, "group"];

    public int Calls { get; init; } = 2_000_000;

    public int Repeat { get; init; } = 5;

    /// <summary>
    /// Partitions of the input topic; null: as few as the generated calls need (<see cref="TopicLoader.PartitionsFor"/>),
    /// since the embedded broker keeps only ~5 MiB per partition and one busy caller's calls all go to one partition.
    /// </summary>
    public int? Partitions { get; init; }

    public IReadOnlyList<string> Modes { get; init; } = AllModes;

    /// <summary>Offered load of the latency run as a share of the measured limit (0 skips it).</summary>
    public double LatencyShare { get; init; } = 0.4;

    /// <summary>How long the latency run offers load.</summary>
    public double LatencySeconds { get; init; } = 20;

    /// <summary>Partitions of the latency run's input topic.</summary>
    public int LatencyPartitions { get; init; } = 64;

    public ulong Seed { get; init; } = 4;

    /// <summary>Child mode: run one measurement against <see cref="Bootstrap"/> and print its summary line.</summary>
    public string? Child { get; init; }

    public string? Bootstrap { get; init; }

    public string Topic { get; init; } = "calls";

    public string AlertsTopic { get; init; } = "fraud-alerts";

    public string DeadLetterTopic { get; init; } = "calls-dlq";

    public string Group { get; init; } = "loadtest";

    /// <summary>Child mode: records to settle before stopping.</summary>
    public long Expect { get; init; }

    /// <summary>
    /// Child mode (the processor's latency run, <c>--settle-times SECONDS</c>): note how long each record took from
    /// being consumed to being settled, leaving out the records consumed in the first this many seconds (the latency
    /// run's warm-up), and add the percentiles to the summary, which splits the produce-to-alert latency into the
    /// processor's share and the rest. Null in drains.
    /// </summary>
    public double? SettleWarmUpSeconds { get; init; }

    /// <summary>The processor's <see cref="Kafka.Processing.ProcessorOptions.AlertThread"/> (<c>--alert-thread on|off</c>); null leaves the processor's default.</summary>
    public bool? AlertThread { get; init; }

    /// <summary>
    /// The processor's stream threads (<c>--threads</c>, <see cref="Kafka.Processing.StreamThreads"/>), in the
    /// fraudstream mode and in each member of the group mode: like <c>fraudstream run --threads</c>.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>Mode <c>group</c>: processors in the consumer group, each in its own process.</summary>
    public int GroupSize { get; init; } = 2;

    /// <summary>
    /// Child mode <c>fraudstream</c> (<c>--member</c>): one processor of a group, which reads only its share of the topic,
    /// so it stops once idle rather than after <see cref="Expect"/> records, and reports when its first record was consumed
    /// and its last settled, for the group's drain time.
    /// </summary>
    public bool Member { get; init; }

    /// <summary>Child mode <c>echo</c>: one record in this many is copied to the alerts topic (<see cref="EchoMode"/>).</summary>
    public int EchoEvery { get; init; } = 12;

    /// <summary>What <c>--help</c> prints; the defaults are read from a default instance, so they cannot drift.</summary>
    public static string Usage { get; } = DescribeOptions(new LoadTestOptions());

    private static string DescribeOptions(LoadTestOptions d) => $$"""
        Usage: dotnet run -c Release --project bench/FraudStream.LoadTest -- [options]

        Starts the embedded broker, generates calls into a topic, drains it with each mode in turn, round by round,
        and measures latency at a fixed offered rate. Progress and the table go to standard error; the last line of
        standard output is
          limit=N fraudstream=N naive=N streamiz=N ratio_limit=R ratio_naive=R ratio_streamiz=R
        (medians of the rounds that completed; NA for a mode that did not run). With the group mode, the line before it
        is group_size=N group=N ratio_limit_group=R fraudstream_settled=N ratio_group_fraudstream=R, and with the
        fraudstream mode too, the line before that compares their first round's alerts: alerts_one=N alerts_group=N
        alerts_both=N share_of_one_in_group=R share_of_group_in_one=R alert_partitions_left_out=N. A run that read
        fewer records than the topic holds, or some twice, counts as failed; where several consumers share a group
        (group, --threads) one that read some twice is run again with a new group, at most three runs a round
        (reruns=N on the mode= line). docs/performance.md describes the method.

        Options:
          --calls N               calls generated into the topic (default {{d.Calls}})
          --repeat K              rounds, each mode once per round (default {{d.Repeat}})
          --partitions P          input partitions (default: the fewest, a power of two from {{TopicLoader.MinimumPartitions}} to {{EmbeddedBroker.MaxPartitions}},
                                  in which no partition gets more than 95% of the 5 MiB the embedded broker keeps)
          --modes LIST            comma-separated, from {{string.Join(',', KnownModes)}}
                                  (default: {{string.Join(',', AllModes)}}); group drains with several processors
                                  in one consumer group, each its own process (scaling out: each sees only its
                                  partitions' trunk and callee history)
          --group-size N          processors of the group mode (default {{d.GroupSize}})
          --threads N             stream threads of each processor, as fraudstream run --threads: each its own
                                  consumer in the group and its own history (default {{d.Threads}})
          --latency-share S       offered rate of the latency runs as a share of the measured limit, then of
                                  the processor's own rate; 0 skips them (default {{d.LatencyShare.ToString(CultureInfo.InvariantCulture)}})
          --latency-seconds T     how long the latency run offers load, at most: it offers no more records than
                                  its partitions keep on the embedded broker (default {{d.LatencySeconds.ToString(CultureInfo.InvariantCulture)}})
          --latency-partitions P  partitions of the latency run's input topic (default {{d.LatencyPartitions}})
          --seed N                the generator's seed (default {{d.Seed}})
          --alert-thread on|off   the processor's AlertThread setting (default: the processor's own, on where
                                  the process may use more than one processor)
          -h, --help              this text
        """;

    public static LoadTestOptions Parse(string[] args)
    {
        var options = new LoadTestOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            double Real() => double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture);
            options = name switch
            {
                "--calls" => options with { Calls = Int() },
                "--repeat" => options with { Repeat = Int() },
                "--partitions" => options with { Partitions = Int() },
                "--modes" => options with { Modes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--latency-share" => options with { LatencyShare = Real() },
                "--latency-seconds" => options with { LatencySeconds = Real() },
                "--latency-partitions" => options with { LatencyPartitions = Int() },
                "--seed" => options with { Seed = ulong.Parse(Value(), CultureInfo.InvariantCulture) },
                "--child" => options with { Child = Value() },
                "--bootstrap" => options with { Bootstrap = Value() },
                "--topic" => options with { Topic = Value() },
                "--alerts" => options with { AlertsTopic = Value() },
                "--dlq" => options with { DeadLetterTopic = Value() },
                "--group" => options with { Group = Value() },
                "--expect" => options with { Expect = long.Parse(Value(), CultureInfo.InvariantCulture) },
                "--settle-times" => options with { SettleWarmUpSeconds = Real() },
                "--echo-every" => options with { EchoEvery = Int() },
                "--group-size" => options with { GroupSize = Int() },
                "--threads" => options with { Threads = Int() },
                "--member" => options with { Member = true },
                "--alert-thread" => options with
                {
                    AlertThread = Value() switch
                    {
                        "on" => true,
                        "off" => false,
                        var v => throw new ArgumentException($"--alert-thread takes on or off, not {v}"),
                    },
                },
                _ => throw new ArgumentException($"unknown option {name} (--help lists them)"),
            };
        }
        if (options.Calls < 1 || options.Repeat < 1 || options.Partitions < 1 || options.LatencyPartitions < 1 || options.EchoEvery < 1
            || options.GroupSize < 1)
        {
            throw new ArgumentException("--calls, --repeat, --group-size and the partition counts must be positive");
        }
        if (options.Threads is < 1 or > Kafka.Processing.StreamThreads.MaxThreads)
        {
            throw new ArgumentException($"--threads must be from 1 to {Kafka.Processing.StreamThreads.MaxThreads}");
        }
        if (options.LatencyShare > 0 && options.Threads > options.LatencyPartitions)
        {
            // The latency run offers load once every thread has partitions.
            throw new ArgumentException("--threads must not be more than --latency-partitions");
        }
        foreach (var mode in options.Modes)
        {
            if (!KnownModes.Contains(mode))
            {
                throw new ArgumentException($"unknown mode {mode} (modes: {string.Join(',', KnownModes)})");
            }
        }
        return options;
    }
}
