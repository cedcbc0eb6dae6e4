using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace FraudStream.Kafka.Tests;

/// <summary>Integration tests of replay (the command and <see cref="CallReplayer"/>) against an embedded broker each starts.</summary>
[Trait("Category", "Integration")]
public sealed class ReplayTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly DateTime T0 = new(2026, 11, 27, 14, 3, 11, 123, DateTimeKind.Utc);

    [Fact]
    public void Replay_command_produces_every_line_byte_for_byte_keyed_by_caller()
    {
        using var broker = TestBroker.Start();
        broker.CreateTopic("calls", 4);
        var valid = Enumerable.Range(0, 40)
            .Select(i => Records.Line($"c-{i}", Records.Start(T0.AddSeconds(i)), $"+1415555{i % 9:D4}"))
            .ToList();
        var lines = new List<(string Line, string? Key)>(valid.Select((l, i) => (l, (string?)$"+1415555{i % 9:D4}")))
        {
            // Escaped caller: the key is the caller after unescaping.
            (Records.Line("c-esc", Records.Start(T0), "\\u002B12125550100"), "+12125550100"),
            (Records.Line("c-anon", Records.Start(T0), "anonymous"), "anonymous"),
            // Invalid records go through unchanged: with the caller as key when it is valid, else null.
            (Records.Line("c-notrunk", Records.Start(T0), "+12125550101", trunkField: ""), "+12125550101"),
            (Records.Line("c-badcaller", Records.Start(T0), "12125550101"), null),
            ("{\"call_id\":\"c-trunc\",\"caller\":\"+12125550102\"", null),
            ("[1,2,3]", null),
            ("", null),
        };
        var content = new StringBuilder();
        foreach (var (line, _) in lines)
        {
            content.Append(line).Append(line.Contains("c-3\"", StringComparison.Ordinal) ? "\r\n" : "\n");
        }
        using var file = Records.WriteFile(content.ToString());

        var (exitCode, stdout, stderr) = CliProcess.Run(Timeout, "replay", "--bootstrap", broker.Bootstrap, "--topic", "calls", "--input", file.Path);

        Assert.True(exitCode == 0, stderr);
        Assert.Matches(@"^produced=47 failed=0 skipped=0 seconds=\d+\.\d\d rate=\d+\.\d$", stdout[^1]);
        var received = TopicReader.ReadAll(broker.Bootstrap, "calls", lines.Count, Timeout);
        Assert.Equal(
            lines.Select(l => (Key: l.Key ?? "<null>", Value: l.Line)).OrderBy(x => x.Value, StringComparer.Ordinal).ThenBy(x => x.Key, StringComparer.Ordinal),
            received.Select(r => (Key: r.Message.Key is null ? "<null>" : Encoding.UTF8.GetString(r.Message.Key),
                Value: Encoding.UTF8.GetString(r.Message.Value ?? []))).OrderBy(x => x.Value, StringComparer.Ordinal).ThenBy(x => x.Key, StringComparer.Ordinal));
        Assert.True(received.Select(r => r.Partition.Value).Distinct().Count() > 1, "keys spread over partitions");
        // Within a partition, one caller's records keep the file's order.
        foreach (var partition in received.GroupBy(r => r.Partition.Value))
        {
            var ids = partition.OrderBy(r => r.Offset.Value).Select(r => Encoding.UTF8.GetString(r.Message.Value ?? []))
                .Where(v => v.StartsWith("{\"call_id\":\"c-", StringComparison.Ordinal) && char.IsAsciiDigit(v[14]))
                .Select(v => int.Parse(v[14..v.IndexOf('"', 14)], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(ids.Order(), ids);
        }
    }

    [Fact]
    public async Task Replay_now_rebases_the_first_record_to_now_keeping_the_spacing()
    {
        using var broker = TestBroker.Start();
        broker.CreateTopic("calls", 1);
        var now = new DateTimeOffset(2027, 3, 1, 9, 0, 0, 500, TimeSpan.Zero);
        using var file = Records.WriteFile(string.Join('\n',
            "not json",
            Records.Line("a", "2026-11-27T14:03:11.123Z", "+14155550100"),
            Records.Line("b", "2026-11-27T14:03:12Z", "+14155550100"),
            Records.Line("c", "2026-11-27T14:05:00.000000001+00:00", "+14155550100")));

        var result = await new CallReplayer(new ReplayOptions
        {
            BootstrapServers = broker.Bootstrap, InputPath = file.Path, RebaseToNow = true, TimeProvider = new FixedTime(now),
        }).RunAsync();

        Assert.Equal(new ReplayResult(4, 4, 0, 0, 1, result.Elapsed, false), result);
        var values = Values(broker, "calls", 4);
        Assert.Equal("not json", values[0]);
        Assert.Equal(Records.Line("a", "2027-03-01T09:00:00.500Z", "+14155550100"), values[1]);
        Assert.Equal(Records.Line("b", "2027-03-01T09:00:01.377Z", "+14155550100"), values[2]);
        Assert.Equal(Records.Line("c", "2027-03-01T09:01:49.377000001+00:00", "+14155550100"), values[3]);
    }

    [Fact]
    public async Task Replay_loop_pass_two_appends_the_pass_to_call_id_and_shifts_start_by_the_time_span()
    {
        using var broker = TestBroker.Start();
        broker.CreateTopic("calls", 1);
        using var file = Records.WriteFile(string.Join('\n',
            Records.Line("a", Records.Start(T0), "+14155550100"),
            Records.Line("b", Records.Start(T0.AddSeconds(1)), "+14155550100"),
            "{\"call_id\":\"bad\"}",
            Records.Line("c", Records.Start(T0.AddSeconds(3)), "+14155550100")) + "\n");

        var result = await new CallReplayer(new ReplayOptions
        {
            BootstrapServers = broker.Bootstrap, InputPath = file.Path, Loop = true, MaxPasses = 3,
        }).RunAsync();

        Assert.Equal((12, 12, 0, 3), (result.Lines, result.Produced, result.Failed, result.Passes));
        var values = Values(broker, "calls", 12);
        // Span = earliest to latest start (3 s) plus the mean gap (1.5 s).
        Assert.Equal(
        [
            Records.Line("a", Records.Start(T0), "+14155550100"),
            Records.Line("b", Records.Start(T0.AddSeconds(1)), "+14155550100"),
            "{\"call_id\":\"bad\"}",
            Records.Line("c", Records.Start(T0.AddSeconds(3)), "+14155550100"),
            Records.Line("a~2", Records.Start(T0.AddSeconds(4.5)), "+14155550100"),
            Records.Line("b~2", Records.Start(T0.AddSeconds(5.5)), "+14155550100"),
            "{\"call_id\":\"bad\"}",
            Records.Line("c~2", Records.Start(T0.AddSeconds(7.5)), "+14155550100"),
            Records.Line("a~3", Records.Start(T0.AddSeconds(9)), "+14155550100"),
            Records.Line("b~3", Records.Start(T0.AddSeconds(10)), "+14155550100"),
            "{\"call_id\":\"bad\"}",
            Records.Line("c~3", Records.Start(T0.AddSeconds(12)), "+14155550100"),
        ], values);
    }

    [Fact]
    public void Replay_command_loop_with_now_rebases_every_pass()
    {
        using var broker = TestBroker.Start();
        broker.CreateTopic("calls", 1);
        using var file = Records.WriteFile(string.Join('\n',
            Records.Line("a", "2020-01-01T00:00:00Z", "+14155550100"),
            Records.Line("b", "2020-01-01T00:00:10Z", "+14155550100")));
        var before = DateTime.UtcNow;

        var (exitCode, stdout, stderr) = CliProcess.Run(Timeout,
            "replay", "-b", broker.Bootstrap, "-i", file.Path, "--now", "--loop", "--passes", "2");

        Assert.True(exitCode == 0, stderr);
        Assert.StartsWith("produced=4 failed=0 skipped=0 ", stdout[^1], StringComparison.Ordinal);
        var starts = Values(broker, "calls", 4).Select(v => JsonDocument.Parse(v).RootElement)
            .Select(r => (Id: r.GetProperty("call_id").GetString(), Start: r.GetProperty("start").GetDateTime())).ToList();
        Assert.Equal(["a", "b", "a~2", "b~2"], starts.Select(s => s.Id));
        Assert.InRange(starts[0].Start, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
        Assert.Equal([10.0, 20.0, 30.0], starts.Skip(1).Select(s => (s.Start - starts[0].Start).TotalSeconds));
    }

    [Fact]
    public async Task Replay_rate_paces_the_records()
    {
        using var broker = TestBroker.Start();
        broker.CreateTopic("calls", 4);
        using var file = Records.WriteFile(string.Concat(Enumerable.Range(0, 200)
            .Select(i => Records.Line($"c-{i}", Records.Start(T0), $"+1415555{i:D4}") + "\n")));

        var watch = Stopwatch.StartNew();
        var result = await new CallReplayer(new ReplayOptions
        {
            BootstrapServers = broker.Bootstrap, InputPath = file.Path, RatePerSecond = 100,
        }).RunAsync();
        watch.Stop();

        Assert.Equal(200, result.Produced);
        // 200 records at 100/s: 199 gaps of 10 ms after the first.
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.5, 30);
    }

    [Fact]
    public void Replay_command_reports_failed_deliveries_and_exits_non_zero()
    {
        using var broker = TestBroker.Start();
        broker.CreateTopic("calls", 1);
        broker.PushRequestErrors(0 /* Produce */, ErrorCode.TopicAuthorizationFailed, 1);
        using var file = Records.WriteFile(Records.Line("a", Records.Start(T0), "+14155550100") + "\n");

        var (exitCode, stdout, stderr) = CliProcess.Run(Timeout, "replay", "-b", broker.Bootstrap, "-i", file.Path);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("produced=0 failed=1 skipped=0 ", stdout[^1], StringComparison.Ordinal);
        Assert.Contains("delivery failed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_stops_cleanly_when_cancelled()
    {
        using var broker = TestBroker.Start();
        broker.CreateTopic("calls", 1);
        using var file = Records.WriteFile(Records.Line("a", Records.Start(T0), "+14155550100") + "\n");
        var replayer = new CallReplayer(new ReplayOptions
        {
            BootstrapServers = broker.Bootstrap, InputPath = file.Path, Loop = true, RatePerSecond = 50,
        });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // the bound, should the sender never start
        var clock = Stopwatch.StartNew();
        var run = replayer.RunAsync(stop.Token);
        while (replayer.Sent < 10 && !run.IsCompleted)
        {
            await Task.Delay(20);
        }
        await stop.CancelAsync(); // mid-loop, once it has sent some (a busy machine is slow to start the producer)

        var result = await run;
        clock.Stop();

        Assert.True(result.Stopped);
        Assert.Null(result.Error);
        Assert.Equal(0, result.Failed);
        Assert.Equal(replayer.Sent, result.Produced);
        // Paced: no more than the rate allows in the time it ran, and a bucket's worth more.
        Assert.InRange(result.Produced, 10, (long)(50 * clock.Elapsed.TotalSeconds) + 2);
        // The stop comes while the sender waits for its turn: that line is not sent, and not counted either.
        Assert.Equal(result.Produced + result.Failed + result.Skipped, result.Lines);
        Assert.Equal(result.Produced, Values(broker, "calls", (int)result.Produced).Count);
    }

    [Fact]
    public async Task Replay_gives_up_within_the_timeout_when_no_broker_can_be_reached()
    {
        using var file = Records.WriteFile(string.Concat(Enumerable.Range(0, 10)
            .Select(i => Records.Line($"c-{i}", Records.Start(T0), $"+1415555{i:D4}") + "\n")));
        using var log = new StringWriter();
        var replayer = new CallReplayer(new ReplayOptions
        {
            BootstrapServers = ClosedPort(), InputPath = file.Path, Log = log, UnreachableTimeout = TimeSpan.FromSeconds(2),
        });

        var watch = Stopwatch.StartNew();
        var result = await replayer.RunAsync();
        watch.Stop();

        Assert.StartsWith("no Kafka broker could be reached at 127.0.0.1:", result.Error, StringComparison.Ordinal);
        Assert.True(result.Stopped);
        Assert.Equal((10, 0, 10, 0), (result.Lines, result.Produced, result.Failed, result.Skipped));
        Assert.InRange(watch.Elapsed.TotalSeconds, 2, 15);
        // librdkafka logs each failed connection attempt; repeats are held back.
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 1, 6);
        Assert.Equal(lines.Length, lines.Distinct().Count());
    }

    [Fact]
    public void Replay_command_unreachable_bootstrap_fails_fast_with_one_error_line()
    {
        using var file = Records.WriteFile(string.Concat(Enumerable.Range(0, 10)
            .Select(i => Records.Line($"c-{i}", Records.Start(T0), $"+1415555{i:D4}") + "\n")));

        var (exitCode, stdout, stderr) = CliProcess.Run(Timeout, "replay", "-b", ClosedPort(), "-i", file.Path, "--timeout", "2");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("produced=0 failed=10 skipped=0 ", stdout[^1], StringComparison.Ordinal);
        var errors = stderr.Split('\n');
        Assert.StartsWith("error: no Kafka broker could be reached at 127.0.0.1:", errors[^1], StringComparison.Ordinal);
        Assert.Single(errors, e => e.StartsWith("error: ", StringComparison.Ordinal));
        Assert.InRange(errors.Count(e => e.StartsWith("kafka: ", StringComparison.Ordinal)), 1, 6);
    }

    [Fact]
    public void Replay_command_on_ctrl_c_says_how_many_records_it_waits_for_and_a_second_ctrl_c_ends_it()
    {
        using var file = Records.WriteFile(string.Concat(Enumerable.Range(0, 5)
            .Select(i => Records.Line($"c-{i}", Records.Start(T0), $"+1415555{i:D4}") + "\n")));
        // Through env, which gives SIGINT its default action back: a background job of a shell without job control
        // (CI started with `&`) ignores SIGINT, its children inherit that, and .NET then leaves it ignored.
        var start = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "fraudstream.dll"), "replay", "-b", ClosedPort(), "-i", file.Path, "--timeout", "60" })
        {
            start.ArgumentList.Add(arg);
        }
        using var replay = Process.Start(start)!;
        var stderr = new List<string>();
        replay.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.Add(e.Data ?? "");
            }
        };
        replay.BeginErrorReadLine();
        try
        {
            WaitFor(stderr, "replaying "); // printed once the command listens for signals
            Thread.Sleep(1000); // the five records are handed to the producer, which cannot deliver them

            // Twice in a row, as `timeout` sends it (to the process, then to its group): one stop, not an abort. (Two
            // from one `kill` would not do: a signal sent while the same one is still pending is delivered once.)
            Signal(replay, "INT");
            Signal(replay, "INT");
            WaitFor(stderr, "stopping: waiting for 5 record(s) in flight to be acknowledged or to fail; press Ctrl+C again to abort");
            Assert.False(replay.WaitForExit(StopSignal.SameStopWindow * 2), "two signals in a row ended it");
            Signal(replay, "INT");

            Assert.True(replay.WaitForExit(Timeout), "a second Ctrl+C did not end it");
            Assert.NotEqual(0, replay.ExitCode);
        }
        finally
        {
            if (!replay.HasExited)
            {
                replay.Kill();
            }
        }
    }

    [Fact]
    public void Replay_command_passes_kafka_properties_to_the_producer()
    {
        using var broker = TestBroker.Start();
        broker.CreateTopic("calls", 1);
        using var file = Records.WriteFile(Records.Line("a", Records.Start(T0), "+14155550100") + "\n");

        var (exitCode, stdout, stderr) = CliProcess.Run(Timeout, "replay", "-b", broker.Bootstrap, "-i", file.Path,
            "-X", "linger.ms=0", "--kafka", "message.timeout.ms=10000");
        Assert.True(exitCode == 0, stderr);
        Assert.StartsWith("produced=1 failed=0 skipped=0 ", stdout[^1], StringComparison.Ordinal);

        (exitCode, stdout, stderr) = CliProcess.Run(Timeout, "replay", "-b", broker.Bootstrap, "-i", file.Path, "-X", "no.such.property=1");
        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.StartsWith("error: --kafka: a producer setting is not valid", stderr.Split('\n')[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--rate", "0")]
    [InlineData("--rate", "-1")]
    [InlineData("--passes", "0")]
    [InlineData("--topic", "no/topic")]
    [InlineData("--timeout", "0")]
    [InlineData("--timeout", "-5")]
    [InlineData("--timeout", "NaN")]
    [InlineData("--timeout", "86401")]
    [InlineData("--kafka", "linger.ms")]
    [InlineData("-X", "=5")]
    [InlineData("--loop", "true")] // with standard input, which can be read only once
    public void Replay_command_rejects_bad_options_with_exit_code_2(string option, string value)
    {
        var (exitCode, stdout, stderr) = CliProcess.Run(Timeout, "replay", "-b", "127.0.0.1:1", "-i", "-", option, value);
        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_command_rejects_an_empty_bootstrap_with_exit_code_2()
    {
        var (exitCode, stdout, stderr) = CliProcess.Run(Timeout, "replay", "-b", " ", "-i", "-");
        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.Equal("error: --bootstrap must name at least one HOST:PORT", stderr);
    }

    /// <summary>A loopback address nothing listens on: connections to it are refused at once.</summary>
    private static string ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
    }

    private static void WaitFor(List<string> stderr, string line)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            lock (stderr)
            {
                if (stderr.Exists(l => l.StartsWith(line, StringComparison.Ordinal)))
                {
                    return;
                }
                Assert.True(DateTime.UtcNow < deadline, $"no line '{line}' on stderr within {Timeout.TotalSeconds} s; stderr: {string.Join('\n', stderr)}");
            }
            Thread.Sleep(50);
        }
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static List<string> Values(EmbeddedBroker broker, string topic, int expected)
    {
        var received = TopicReader.ReadAll(broker.Bootstrap, topic, expected, Timeout);
        Assert.Equal(expected, received.Count);
        return [.. received.OrderBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value).Select(r => Encoding.UTF8.GetString(r.Message.Value ?? []))];
    }
}
