using Confluent.Kafka;

namespace FraudStream.Kafka.Tests;

/// <summary>Integration tests of <c>fraudstream broker</c>, run as a child process that starts its own embedded broker.</summary>
[Trait("Category", "Integration")]
public sealed class BrokerCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void Broker_command_prints_bootstrap_first_answers_commands_and_exits_on_end_of_input()
    {
        using var broker = CliProcess.Start("broker", "--brokers", "2", "--topics", "calls:6,calls-dlq:2");

        var first = broker.ReadLine(Timeout);
        Assert.StartsWith("bootstrap=", first, StringComparison.Ordinal);
        var bootstrap = first["bootstrap=".Length..];
        Assert.Equal(2, bootstrap.Split(',').Length);

        broker.WriteLine("topic x 3");
        Assert.Equal("ok", broker.ReadLine(Timeout));
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var topics = admin.GetMetadata(Timeout).Topics.ToDictionary(t => t.Topic, t => t.Partitions.Count);
            Assert.Equal(6, topics["calls"]);
            Assert.Equal(2, topics["calls-dlq"]);
            Assert.Equal(3, topics["x"]);
        }

        broker.WriteLine("down 1");
        Assert.Equal("ok", broker.ReadLine(Timeout));
        broker.WriteLine("up all");
        Assert.Equal("ok", broker.ReadLine(Timeout));
        broker.WriteLine("error 0 NotEnoughReplicas 2");
        Assert.Equal("ok", broker.ReadLine(Timeout));

        broker.WriteLine("fly away");
        Assert.StartsWith("error: unknown command", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("down 3");
        Assert.Equal("error: broker id must be 1 to 2 or 'all'", broker.ReadLine(Timeout));
        broker.WriteLine("topic x 3");
        Assert.StartsWith("error: cannot create topic 'x'", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("topic bad/name 3");
        Assert.StartsWith("error: not a legal topic name", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("error 0 0 1");
        Assert.StartsWith("error: error code must be", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("error 0 6");
        Assert.Equal("error: usage: error <api-key> <error-code> <count>", broker.ReadLine(Timeout));

        broker.CloseInput();
        var rest = broker.ReadToEnd(Timeout);
        Assert.Equal(0, broker.WaitForExit(Timeout));
        Assert.Equal("brokers=2 topics=3 commands=10 failed=6", Assert.Single(rest));
    }

    [Fact]
    public void Broker_command_error_refuses_unknown_api_keys_and_bad_arguments()
    {
        using var broker = CliProcess.Start("broker", "--topics", "calls:1");
        Assert.StartsWith("bootstrap=", broker.ReadLine(Timeout), StringComparison.Ordinal);

        broker.WriteLine("error Produce 6 1");
        Assert.Equal("ok", broker.ReadLine(Timeout));
        broker.WriteLine("error 3 Local_Transport 1");
        Assert.Equal("ok", broker.ReadLine(Timeout));
        broker.WriteLine("error 999 6 1");
        Assert.StartsWith("error: unknown api key '999'; the embedded broker serves 0 Produce, 1 Fetch", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("error 4 6 1");
        Assert.StartsWith("error: unknown api key '4'", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("error Nonsense 6 1");
        Assert.StartsWith("error: unknown api key 'Nonsense'", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("error 0 Local_PartitionEOF 1");
        Assert.StartsWith("error: error code must be", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("error 0 UnknownTopicOrPart,LeaderNotAvailable 1");
        Assert.StartsWith("error: error code must be", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("error 0 31337 1");
        Assert.StartsWith("error: error code must be", broker.ReadLine(Timeout), StringComparison.Ordinal);
        broker.WriteLine("error 0 6 0");
        Assert.Equal("error: count must be 1 to 100000", broker.ReadLine(Timeout));
        broker.WriteLine("error 0 6 100001");
        Assert.Equal("error: count must be 1 to 100000", broker.ReadLine(Timeout));

        broker.CloseInput();
        var rest = broker.ReadToEnd(Timeout);
        Assert.Equal(0, broker.WaitForExit(Timeout));
        Assert.Equal("brokers=1 topics=1 commands=10 failed=8", Assert.Single(rest));
    }

    [Fact]
    public void Broker_command_down_makes_the_broker_unreachable_until_up()
    {
        using var broker = CliProcess.Start("broker", "--topics", "calls:1");
        var bootstrap = broker.ReadLine(Timeout)["bootstrap=".Length..];
        broker.WriteLine("down all");
        Assert.Equal("ok", broker.ReadLine(Timeout));

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap })
            .SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        Assert.Throws<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(1)));

        broker.WriteLine("up 1");
        Assert.Equal("ok", broker.ReadLine(Timeout));
        Assert.Contains(admin.GetMetadata(Timeout).Topics, t => t.Topic == "calls");
    }

    [Theory]
    [InlineData("--brokers", "4")]
    [InlineData("--topics", "calls:0")]
    [InlineData("--topics", "calls")]
    [InlineData("--topics", "a b:3")]
    [InlineData("--topics", "calls:2,calls:3")]
    [InlineData("--rebalance-delay-ms", "-1")]
    [InlineData("--topics", "bad/name:1")]
    public void Broker_command_rejects_bad_options_with_exit_code_2(string option, string value)
    {
        var (exitCode, stdout, stderr) = CliProcess.Run(Timeout, "broker", option, value);
        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
    }
}
