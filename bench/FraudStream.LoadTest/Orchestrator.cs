using System.Diagnostics;
using System.Globalization;
using FraudStream.Kafka;
using FraudStream.Kafka.Processing;

namespace FraudStream.LoadTest;

/// <summary>
/// The parent process: starts the embedded broker, loads the topic, runs each mode in a child process K times
/// interleaved (each with a fresh consumer group, so each reads everything), then the latency runs (the processor,
/// then an echo consumer in its place at the same rate: the broker's floor); prints the
/// figures on standard error and the summary as the last line of standard output.
/// </summary>
public static class Orchestrator
{
    private const string Calls = "calls", Alerts = "fraud-alerts", Dlq = "calls-dlq";
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(15);

    public static int Run(LoadTestOptions options)
    {
        var folder = Directory.CreateTempSubdirectory("fraudstream-loadtest-");
        try
        {
            return Run(options, Path.Combine(folder.FullName, "calls.ndjson"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static int Run(LoadTestOptions options, string file)
    {
        using var broker = new EmbeddedBroker(brokerCount: 1);
        broker.SetInitialRebalanceDelay(0);
        TopicLoader.Generate(file, options.Calls, options.Seed);
        var partitions = options.Partitions ?? TopicLoader.PartitionsFor(file);
        var members = options.Threads * (options.Modes.Contains("group") ? options.GroupSize : 1);
        if (members > partitions)
        {
            // A thread without a partition reads nothing: the group mode would count its member as idle, and a drain
            // would measure fewer threads than asked for.
            throw new LoadTestException($"{members} consumers ({(options.Modes.Contains("group") ? "--group-size times " : "")}--threads) for {partitions} partitions: some would read nothing");
        }
        broker.CreateTopic(Calls, partitions);
        broker.CreateTopic(Alerts, 8);
        broker.CreateTopic(Dlq, 4);
        Console.Error.WriteLine($"broker {broker.Bootstrap}; {Environment.ProcessorCount} cores; topic {Calls} with {partitions} partitions" +
            (options.Threads > 1 ? $"; each processor with {options.Threads} stream threads" : ""));
        var expect = TopicLoader.Load(broker.Bootstrap, Calls, file, partitions);

        var rates = options.Modes.ToDictionary(m => m, _ => new List<double>());
        var peaks = options.Modes.ToDictionary(m => m, _ => new List<double>());
        var alerts = options.Modes.ToDictionary(m => m, _ => new List<long>());
        var settledRates = new List<double>(); // the processor's, to its last record settled (the group's basis)
        // With the group mode and the processor both run, their first round's alerts go to topics of their own, large
        // enough to keep them all, and are compared: what splitting the history across processes changes.
        var compare = options.Modes.Contains("group") && options.Modes.Contains("fraudstream");
        var readers = new Dictionary<string, AlertReader>(); // the compared modes' first round, once read
        // A mode whose first run fails is taken to be unable to run here (a run may take up to ChildTimeout): it is not
        // tried again. One that failed after completing runs (a crash, say) goes on in the later rounds; its median is of
        // the runs that completed.
        var failures = options.Modes.ToDictionary(m => m, _ => 0);
        var reruns = options.Modes.ToDictionary(m => m, _ => 0); // runs that read some records twice and were run again
        bool CannotRun(string mode) => failures[mode] > 0 && rates[mode].Count == 0;
        for (var round = 1; round <= options.Repeat; round++)
        {
            foreach (var mode in options.Modes)
            {
                if (CannotRun(mode))
                {
                    continue;
                }
                // Where several consumers join one group (the group mode, stream threads), a run that read some records
                // twice is run again with a group of its own, at most twice a round: when members join together, the
                // embedded broker may refuse one's SyncGroup and then the others' commits while they join again
                // (docs/broker.md), which Kafka does not, so such a drain measures the broker. With one consumer it
                // cannot happen that way, and the run fails.
                var maxRuns = mode == "group" || (mode == "fraudstream" && options.Threads > 1) ? RunsForReadTwice : 1;
                Dictionary<string, string>? summary = null;
                string? problem = null;
                for (var attempt = 1; attempt <= maxRuns; attempt++)
                {
                    readers.Remove(mode); // only the run kept is compared
                    Console.Error.WriteLine($"round {round}/{options.Repeat}: {mode}{(mode == "group" ? $" of {options.GroupSize} processors" : "")}" +
                        (mode is "fraudstream" or "group" && options.Threads > 1 ? $", {options.Threads} stream threads each" : "") +
                        (attempt > 1 ? $", run {attempt} of at most {maxRuns}" : ""));
                    // Each run has a group of its own, and a compared run an alerts topic of its own.
                    var run = $"{mode}-{round}" + (attempt > 1 ? $"-{attempt}" : "");
                    var compared = compare && round == 1 && mode is "fraudstream" or "group";
                    var alertsTopic = compared ? $"{Alerts}-{run}" : Alerts;
                    if (compared)
                    {
                        broker.CreateTopic(alertsTopic, AlertAgreement.Partitions);
                    }
                    var group = $"loadtest-{run}";
                    using var reader = compared ? AlertReader.Start(broker.Bootstrap, alertsTopic) : null;
                    summary = mode == "group" ? RunGroup(options, broker, alertsTopic, group, expect)
                        : mode == "fraudstream" ? HoldingFirstJoin(broker, options, () => RunChild(mode, options, broker, alertsTopic, group, expect))
                        : RunChild(mode, options, broker, alertsTopic, group, expect);
                    if (reader is not null)
                    {
                        try
                        {
                            reader.Finish();
                            readers[mode] = reader;
                        }
                        catch (LoadTestException ex)
                        {
                            Console.Error.WriteLine($"alerts: not compared: {ex.Message}");
                        }
                    }
                    var read = -1L;
                    problem = summary is null || !summary.ContainsKey("rate") ? "the run failed"
                        : !long.TryParse(summary.GetValueOrDefault("calls"), CultureInfo.InvariantCulture, out read) ? "the run's summary has no count of calls"
                        : read < expect ? $"the run read only {read} of the topic's {expect} records"
                        : read > expect ? $"the run read {read} records for the topic's {expect}: some were read twice (a rebalance during the drain)"
                        : null;
                    if (read <= expect || attempt == maxRuns)
                    {
                        break;
                    }
                    reruns[mode]++;
                    Console.Error.WriteLine($"{mode}: {problem}; run again");
                }
                if (problem is not null)
                {
                    failures[mode]++;
                    Console.Error.WriteLine($"{mode}: {problem}; {(CannotRun(mode) ? "reported as NA" : "left out of its median")}");
                    continue;
                }
                var rate = summary!["rate"];
                Console.Error.WriteLine($"  {mode}: {summary["calls"]} calls in {summary["seconds"]} s = {rate} calls/s, " +
                    $"alerts {summary["alerts"]}, invalid {summary["invalid"]}, peak {summary["peak_mb"]} MB, " +
                    $"GCs {summary["gc0"]}/{summary["gc1"]}/{summary["gc2"]} (gen 0/1/2) pausing {summary["gc_pause_ms"]} ms, allocated {summary["allocated_mb"]} MB");
                if (mode == "limit")
                {
                    ReportSpread(summary, partitions);
                }
                rates[mode].Add(double.Parse(rate, CultureInfo.InvariantCulture));
                if (mode == "fraudstream" && summary.TryGetValue("settled_rate", out var settled))
                {
                    settledRates.Add(double.Parse(settled, CultureInfo.InvariantCulture));
                }
                peaks[mode].Add(double.Parse(summary["peak_mb"], CultureInfo.InvariantCulture));
                alerts[mode].Add(long.Parse(summary["alerts"], CultureInfo.InvariantCulture));
            }
        }

        double? Median(string mode) => rates.TryGetValue(mode, out var r) && r.Count > 0 ? Stats.Median(r) : null;
        Console.Error.WriteLine();
        Console.Error.WriteLine($"{"mode",-12} {"calls/s (median)",18} {"runs",24} {"peak MB",8} {"alerts",8}");
        foreach (var mode in options.Modes)
        {
            var runs = string.Join(",", rates[mode].Select(r => r.ToString("F0", CultureInfo.InvariantCulture)));
            var median = Median(mode) is { } m ? m.ToString("F0", CultureInfo.InvariantCulture) : "NA";
            var peak = peaks[mode].Count > 0 ? Stats.Median(peaks[mode]).ToString("F0", CultureInfo.InvariantCulture) : "NA";
            // Alerts of every run: one number when they agree, else the lowest and highest.
            var alerted = alerts[mode].Count == 0 ? "NA"
                : alerts[mode].Min() == alerts[mode].Max() ? alerts[mode][0].ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{alerts[mode].Min()}-{alerts[mode].Max()}");
            var failedRuns = failures[mode] > 0 ? $" ({failures[mode]} failed)" : "";
            Console.Error.WriteLine($"{mode,-12} {median,18} {runs + failedRuns,24} {peak,8} {alerted,8}");
            Console.Out.WriteLine($"mode={mode} rate={median} runs={runs} failed_runs={failures[mode]} reruns={reruns[mode]} peak_mb={peak} alerts={alerted}");
        }

        if (options.LatencyShare > 0 && options.Modes.Contains("fraudstream"))
        {
            // At the share of the limit (the target), then at the same share of the processor's own throughput.
            foreach (var (name, baseline) in new[] { ("limit", Median("limit")), ("fraudstream", Median("fraudstream")) })
            {
                if (baseline is { } b)
                {
                    var latency = HoldingFirstJoin(broker, options, () => LatencyRun.Run(options, broker, name, file, b * options.LatencyShare, ChildTimeout));
                    Console.Out.WriteLine($"latency_of={name} {latency}");
                    // The floor at the same rate: a plain consumer in the processor's place, copying records unchanged, as
                    // many as the processor produced alerts and dead letters for.
                    var echo = options with { EchoEvery = AlertedOneIn(latency) ?? options.EchoEvery };
                    var floor = LatencyRun.Run(echo, broker, "echo-" + name, file, b * options.LatencyShare, ChildTimeout, mode: "echo");
                    Console.Out.WriteLine($"latency_of=echo_{name} {floor}");
                }
            }
        }
        using (var self = Process.GetCurrentProcess())
        {
            Console.Out.WriteLine($"harness_peak_mb={self.PeakWorkingSet64 / 1048576.0:F0}");
        }

        // One in how many records the processor produced an alert or a dead letter for in a latency run (from its
        // settle counts), if known.
        static int? AlertedOneIn(string latency)
        {
            var pairs = ChildRun.Pairs(latency);
            long? Count(string name) => pairs.TryGetValue(name + "_n", out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out var n) ? n : null;
            return Count("settle_scored") is { } scored && Count("settle_alerted") is { } alerted && Count("settle_dead_letter") is { } dead
                && alerted + dead > 0
                ? (int)Math.Clamp(Math.Round((scored + alerted + dead) / (double)(alerted + dead)), 1, 1_000)
                : null;
        }

        static string Format(double? v) => v is { } x ? x.ToString("F0", CultureInfo.InvariantCulture) : "NA";
        static string Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? (x / y).ToString("F2", CultureInfo.InvariantCulture) : "NA";
        if (compare)
        {
            // Only when both first runs completed and were read (the drains' figures stand without it).
            Console.Out.WriteLine(rates["fraudstream"].Count > 0 && rates["group"].Count > 0
                && readers.TryGetValue("fraudstream", out var one) && readers.TryGetValue("group", out var group)
                ? AlertAgreement.Compare(one, group)
                : "alerts_one=NA alerts_group=NA alerts_both=NA share_of_one_in_group=NA share_of_group_in_one=NA alert_partitions_left_out=NA");
        }
        if (options.Modes.Contains("group"))
        {
            // Against the processor's rate to its last record settled, as the group's is measured (its members stop
            // once idle); the processor's drain, whose time also takes in its commit and leaving, is slightly slower.
            double? processorSettled = settledRates.Count > 0 ? Stats.Median(settledRates) : null;
            Console.Out.WriteLine($"group_size={options.GroupSize} group={Format(Median("group"))} ratio_limit_group={Ratio(Median("group"), Median("limit"))} " +
                $"fraudstream_settled={Format(processorSettled)} ratio_group_fraudstream={Ratio(Median("group"), processorSettled)}");
        }
        var fs = Median("fraudstream");
        Console.Out.WriteLine($"limit={Format(Median("limit"))} fraudstream={Format(fs)} naive={Format(Median("naive"))} streamiz={Format(Median("streamiz"))} " +
            $"ratio_limit={Ratio(fs, Median("limit"))} ratio_naive={Ratio(fs, Median("naive"))} ratio_streamiz={Ratio(fs, Median("streamiz"))}");
        return 0;
    }

    /// <summary>How many times a round runs a mode whose runs read some records twice (a rebalance during the drain).</summary>
    private const int RunsForReadTwice = 3;

    private static Dictionary<string, string>? RunChild(string mode, LoadTestOptions options, EmbeddedBroker broker, string alerts, string group, long expect)
    {
        using var child = new ChildProcess(mode, options, broker.Bootstrap, Calls, alerts, Dlq, group, expect);
        return child.Finish(ChildTimeout);
    }

    /// <summary>
    /// Runs a processor of several stream threads (<see cref="LoadTestOptions.Threads"/>) with the group's first
    /// rebalance held for <see cref="GroupJoinWindow"/>, as the group mode does, so that every thread joins it and none
    /// takes over partitions from another while it reads (the threads start together, after their warm-up). One thread
    /// runs as it is.
    /// </summary>
    private static T HoldingFirstJoin<T>(EmbeddedBroker broker, LoadTestOptions options, Func<T> run)
    {
        if (options.Threads == 1)
        {
            return run();
        }
        broker.SetInitialRebalanceDelay((int)GroupJoinWindow.TotalMilliseconds);
        try
        {
            return run();
        }
        finally
        {
            broker.SetInitialRebalanceDelay(0);
        }
    }

    /// <summary>
    /// The group mode: <see cref="LoadTestOptions.GroupSize"/> processors, each in its own process, share one consumer
    /// group and so the topic's partitions. The broker holds the group's first rebalance for
    /// <see cref="GroupJoinWindow"/>, so that every member joins it and each record is read once. The group's summary:
    /// the members' counts, memory and collections added up, and its drain from the first record any member consumed to
    /// the last any settled.
    /// </summary>
    private static Dictionary<string, string>? RunGroup(LoadTestOptions options, EmbeddedBroker broker, string alerts, string group, long expect)
    {
        broker.SetInitialRebalanceDelay((int)GroupJoinWindow.TotalMilliseconds);
        var members = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < options.GroupSize; i++)
            {
                members.Add(new ChildProcess("fraudstream", options, broker.Bootstrap, Calls, alerts, Dlq, group, expect, member: true));
            }
            var deadline = DateTime.UtcNow + ChildTimeout; // one for all the members
            var summaries = members.Select(m => m.Finish(TimeSpan.FromTicks(Math.Max(0, (deadline - DateTime.UtcNow).Ticks)))).ToList();
            if (summaries.Any(s => s is null || !s.ContainsKey("first_at")))
            {
                return null;
            }
            long Sum(string key) => summaries.Sum(s => long.Parse(s![key], CultureInfo.InvariantCulture));
            Console.Error.WriteLine($"  group: {string.Join(", ", summaries.Select(s => $"{s!["calls"]} calls at {s["rate"]}/s"))}");
            var idle = summaries.Count(s => s!["calls"] == "0");
            if (idle > 0)
            {
                // A member that joined after the others had the partitions, or one the group gave none: not a group of
                // GroupSize processors.
                Console.Error.WriteLine($"  group: {idle} of {options.GroupSize} members read no record");
                return null;
            }
            var first = summaries.Min(s => long.Parse(s!["first_at"], CultureInfo.InvariantCulture));
            var last = summaries.Max(s => long.Parse(s!["last_at"], CultureInfo.InvariantCulture));
            var seconds = ChildRun.Seconds(first, last);
            string[] added = ["calls", "alerts", "invalid", "peak_mb", "gc0", "gc1", "gc2", "gc_pause_ms", "allocated_mb"];
            var summary = added.ToDictionary(key => key, key => Sum(key).ToString(CultureInfo.InvariantCulture));
            summary["seconds"] = seconds.ToString("F3", CultureInfo.InvariantCulture);
            summary["rate"] = (Sum("calls") / seconds).ToString("F0", CultureInfo.InvariantCulture);
            return summary;
        }
        finally
        {
            foreach (var member in members)
            {
                member.Dispose();
            }
            broker.SetInitialRebalanceDelay(0);
        }
    }

    /// <summary>
    /// How long the group mode's first rebalance waits for members: a member joins once it has started, loaded the model
    /// and warmed up (up to the processor's default warm-up), and members start together.
    /// </summary>
    private static readonly TimeSpan GroupJoinWindow = new ProcessorOptions { BootstrapServers = "-" }.WarmUp + TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long into its drain the limit's plain consumer had read from every partition. A broker that serves some
    /// partitions only late (the embedded broker's capped fetch responses, docs/performance.md "Method") makes the
    /// processor's event-time merge wait for them, and past its wait (<see cref="StreamProcessor.MergeWait"/>) go on
    /// without them, so the drains would measure that rather than the modes: warned.
    /// </summary>
    private static void ReportSpread(Dictionary<string, string> summary, int partitions)
    {
        if (!summary.TryGetValue("partitions_read", out var readText) || !summary.TryGetValue("every_partition_after", out var afterText)
            || !summary.TryGetValue("every_partition_seconds", out var secondsText))
        {
            return;
        }
        var read = int.Parse(readText, CultureInfo.InvariantCulture);
        var after = long.Parse(afterText, CultureInfo.InvariantCulture);
        var seconds = double.Parse(secondsText, CultureInfo.InvariantCulture);
        Console.Error.WriteLine($"  limit: read from {read} of {partitions} partitions, from the last of them first after {after:N0} records, {seconds:F2} s into the drain");
        if (read < partitions || seconds > StreamProcessor.MergeWait.TotalSeconds)
        {
            Console.Error.WriteLine("  warning: the broker served some partitions late, and the processor's event-time merge may have waited for " +
                "them; check the consumers' fetch.max.bytes against the topic's batch sizes (docs/performance.md, Method)");
        }
    }
}

/// <summary>Medians and percentiles.</summary>
public static class Stats
{
    public static double Median(IReadOnlyList<double> values) => Percentile([.. values], 0.5);

    /// <summary>The nearest-rank percentile of <paramref name="values"/> (sorted here).</summary>
    public static double Percentile(double[] values, double share)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }
        Array.Sort(values);
        var rank = (int)Math.Ceiling(share * values.Length) - 1;
        return values[Math.Clamp(rank, 0, values.Length - 1)];
    }
}
