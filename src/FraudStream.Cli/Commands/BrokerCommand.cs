using System.CommandLine;
using System.Globalization;
using Confluent.Kafka;
using FraudStream.Kafka;

namespace FraudStream.Cli.Commands;

/// <summary>
/// <c>fraudstream broker</c>: a Kafka cluster on loopback for demos and tests (the embedded broker), driven
/// by one-line commands on standard input.
/// </summary>
internal static class BrokerCommand
{
    private const string DefaultTopics = "calls:64,fraud-alerts:8,calls-dlq:4";
    private const string CommandSummary =
        "down <broker-id|all>, up <broker-id|all>, error <api-key> <error-code> <count>, topic <name> <partitions>";

    public static Command Create()
    {
        var brokers = new Option<int>("--brokers")
        {
            Description = $"Number of brokers, 1 to {EmbeddedBroker.MaxBrokers} (ids 1..N).",
            DefaultValueFactory = _ => 1,
        };
        var topics = new Option<string>("--topics")
        {
            Description = "Topics to create, as name:partitions pairs separated by commas (\"\" for none).",
            DefaultValueFactory = _ => DefaultTopics,
        };
        var rebalanceDelay = new Option<int>("--rebalance-delay-ms")
        {
            Description = "The brokers' group.initial.rebalance.delay.ms: how long a new consumer group waits for members.",
            DefaultValueFactory = _ => 0,
        };
        var ignoreStdin = new Option<bool>("--ignore-stdin")
        {
            Description = "Do not read commands from standard input; run until SIGINT or SIGTERM (for background use).",
        };
        var command = new Command("broker",
            "Run an embedded Kafka cluster (librdkafka's mock brokers) on loopback until SIGINT, SIGTERM or the end of "
            + "standard input. The first line of output is bootstrap=HOST:PORT[,HOST:PORT...]; then each command read "
            + $"on standard input ({CommandSummary}) is answered with 'ok' or 'error: ...'. For tests and demos only: "
            + "each partition keeps about 5 MiB; no transactions, OffsetsForTimes or admin topic creation.")
        {
            brokers, topics, rebalanceDelay, ignoreStdin,
        };
        command.SetAction(new Func<ParseResult, int>(parse => Run(
            parse.GetValue(brokers), parse.GetValue(topics) ?? "", parse.GetValue(rebalanceDelay), parse.GetValue(ignoreStdin))));
        return command;
    }

    private static int Run(int brokerCount, string topicList, int rebalanceDelayMs, bool ignoreStdin)
    {
        if (brokerCount is < 1 or > EmbeddedBroker.MaxBrokers)
        {
            throw CliException.Usage($"--brokers must be 1 to {EmbeddedBroker.MaxBrokers}");
        }
        if (rebalanceDelayMs < 0)
        {
            throw CliException.Usage("--rebalance-delay-ms must be 0 or more");
        }
        var topics = ParseTopics(topicList);
        using var stop = new StopSignal();
        EmbeddedBroker broker;
        try
        {
            broker = new EmbeddedBroker(brokerCount);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(ex.Message);
        }
        using (broker)
        {
            broker.SetInitialRebalanceDelay(rebalanceDelayMs);
            foreach (var (name, partitions) in topics)
            {
                try
                {
                    broker.CreateTopic(name, partitions);
                }
                catch (InvalidOperationException ex)
                {
                    throw new CliException(ex.Message);
                }
            }
            Console.Out.WriteLine("bootstrap=" + broker.Bootstrap);
            Console.Out.Flush();
            Console.Error.WriteLine(
                $"embedded broker: {brokerCount} broker(s) at {broker.Bootstrap}; topics: "
                + (topics.Count == 0 ? "none" : string.Join(", ", topics.Select(t => $"{t.Name} ({t.Partitions} partitions)"))));
            var session = new Session(broker);
            if (ignoreStdin)
            {
                Console.Error.WriteLine("running until SIGINT or SIGTERM");
                stop.Token.WaitHandle.WaitOne();
            }
            else
            {
                Console.Error.WriteLine($"commands on standard input: {CommandSummary}; end of input, SIGINT or SIGTERM stops");
                var reading = Task.Factory.StartNew(() => session.ReadCommands(stop.Token),
                    CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                try
                {
                    reading.Wait(stop.Token);
                }
                catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
                {
                    // A signal does not wait for the blocked read of standard input: that thread ends with the process.
                }
            }
            Console.Error.WriteLine(stop.Received is { } signal ? $"stopping on {signal}" : "stopping: end of standard input");
            Console.Out.WriteLine($"brokers={brokerCount} topics={broker.CreatedTopics.Count} commands={session.Commands} failed={session.Failed}");
        }
        return 0;
    }

    private static List<(string Name, int Partitions)> ParseTopics(string list)
    {
        var topics = new List<(string Name, int Partitions)>();
        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = item.LastIndexOf(':');
            var name = colon < 0 ? item : item[..colon];
            if (colon < 0 || !int.TryParse(item.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partitions)
                || partitions is < 1 or > EmbeddedBroker.MaxPartitions)
            {
                throw CliException.Usage($"--topics: '{item}' is not name:partitions with 1 to {EmbeddedBroker.MaxPartitions} partitions");
            }
            if (!EmbeddedBroker.IsLegalTopicName(name))
            {
                throw CliException.Usage($"--topics: '{name}' is not a legal topic name (a-z A-Z 0-9 . _ -, at most {EmbeddedBroker.MaxTopicNameLength})");
            }
            if (topics.Exists(t => t.Name == name))
            {
                throw CliException.Usage($"--topics: '{name}' is listed twice");
            }
            topics.Add((name, partitions));
        }
        return topics;
    }

    /// <summary>Reads the commands on standard input and answers each on standard output.</summary>
    private sealed class Session(EmbeddedBroker broker)
    {
        private int _commands;
        private int _failed;

        public int Commands => Volatile.Read(ref _commands);

        public int Failed => Volatile.Read(ref _failed);

        public void ReadCommands(CancellationToken stop)
        {
            try
            {
                ReadCommandsCore(stop);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine("standard input or output failed: " + ex.Message); // the reader went away: stop
            }
        }

        private void ReadCommandsCore(CancellationToken stop)
        {
            using var input = new StreamReader(Console.OpenStandardInput());
            while (!stop.IsCancellationRequested && input.ReadLine() is { } line)
            {
                if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
                {
                    continue;
                }
                Interlocked.Increment(ref _commands);
                string reply;
                try
                {
                    reply = Execute(line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
                {
                    reply = "error: " + ex.Message;
                }
                if (reply != "ok")
                {
                    Interlocked.Increment(ref _failed);
                }
                Console.Out.WriteLine(reply);
                Console.Out.Flush();
            }
        }

        private string Execute(string[] words)
        {
            switch (words[0].ToLowerInvariant())
            {
                case "down" or "up" when words.Length == 2:
                    var down = words[0].Equals("down", StringComparison.OrdinalIgnoreCase);
                    if (words[1].Equals("all", StringComparison.OrdinalIgnoreCase))
                    {
                        (down ? (Action)broker.SetAllBrokersDown : broker.SetAllBrokersUp)();
                        return "ok";
                    }
                    if (!int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1 || id > broker.BrokerCount)
                    {
                        return $"error: broker id must be 1 to {broker.BrokerCount} or 'all'";
                    }
                    (down ? (Action<int>)broker.SetBrokerDown : broker.SetBrokerUp)(id);
                    return "ok";
                case "down" or "up":
                    return $"error: usage: {words[0].ToLowerInvariant()} <broker-id|all>";
                case "error" when words.Length == 4:
                    if (!EmbeddedBroker.TryParseApiKey(words[1], out var apiKey))
                    {
                        return $"error: unknown api key '{words[1]}'; the embedded broker serves "
                            + string.Join(", ", EmbeddedBroker.ApiKeys.Select(k => $"{k.Key} {k.Value}"));
                    }
                    if (!TryParseErrorCode(words[2], out var code))
                    {
                        return "error: error code must be a Kafka error code above 0 (a number such as 6, or a name such as NotLeaderForPartition) or Local_Transport";
                    }
                    if (!int.TryParse(words[3], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                        || count is < 1 or > EmbeddedBroker.MaxInjectedErrors)
                    {
                        return $"error: count must be 1 to {EmbeddedBroker.MaxInjectedErrors}";
                    }
                    broker.PushRequestErrors(apiKey, code, count);
                    return "ok";
                case "error":
                    return "error: usage: error <api-key> <error-code> <count>";
                case "topic" when words.Length == 3:
                    if (!EmbeddedBroker.IsLegalTopicName(words[1]))
                    {
                        return $"error: not a legal topic name (a-z A-Z 0-9 . _ -, at most {EmbeddedBroker.MaxTopicNameLength})";
                    }
                    if (!int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var partitions)
                        || partitions is < 1 or > EmbeddedBroker.MaxPartitions)
                    {
                        return $"error: partitions must be 1 to {EmbeddedBroker.MaxPartitions}";
                    }
                    broker.CreateTopic(words[1], partitions);
                    return "ok";
                case "topic":
                    return "error: usage: topic <name> <partitions>";
                default:
                    return $"error: unknown command; commands: {CommandSummary}";
            }
        }

        private static bool TryParseErrorCode(string text, out ErrorCode code)
        {
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                code = (ErrorCode)number;
            }
            else if (!char.IsAsciiLetter(text[0]) || text.Contains(',', StringComparison.Ordinal) // "A,B" would OR two codes
                || !Enum.TryParse(text, ignoreCase: true, out code))
            {
                code = ErrorCode.NoError;
                return false;
            }
            return EmbeddedBroker.IsInjectableError(code);
        }
    }
}
