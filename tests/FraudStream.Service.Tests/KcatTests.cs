using System.Diagnostics;
using System.Text;
using FraudStream.Kafka.Processing;
using FraudStream.Records;
using Xunit.Abstractions;

namespace FraudStream.Service.Tests;

/// <summary>A third-party Kafka client (kcat) feeds the processor through the embedded broker and reads its alerts.</summary>
[Trait("Category", "Integration")]
public sealed class KcatTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Calls_produced_by_kcat_are_scored_and_kcat_reads_the_alerts_Integration()
    {
        using var kafka = new KafkaHarness(inputPartitions: 2);
        var lines = KafkaHarness.MakeLines(4_000, seed: 81, invalidEvery: int.MaxValue);
        var input = new StringBuilder();
        Span<byte> caller = stackalloc byte[PhoneNumber.MaxDigits + 1];
        foreach (var line in lines)
        {
            Assert.True(CallRecordParser.TryParse(line, out var record, out _));
            record.Caller.TryFormat(caller, out var n);
            input.Append(Encoding.ASCII.GetString(caller[..n])).Append('|').Append(Encoding.UTF8.GetString(line)).Append('\n');
        }

        // kcat produces the calls keyed by caller (-K: key, delimiter, value per line).
        var (produced, _) = await Kcat(input.ToString(), "-b", kafka.Broker.Bootstrap, "-t", KafkaHarness.Input, "-P", "-K|");
        Assert.Equal(0, produced);

        var result = await new ProcessorService(kafka.Settings(stopWhenIdle: TimeSpan.FromSeconds(2)), KafkaHarness.Logs(null)).RunAsync(CancellationToken.None);
        Assert.Equal(lines.Count, result.Valid);

        // kcat consumes the alerts: key, a tab, the alert JSON.
        var (consumed, text) = await Kcat(null, "-b", kafka.Broker.Bootstrap, "-t", KafkaHarness.Alerts, "-C", "-e", "-o", "beginning", "-q", "-f", "%k\t%s\n");
        Assert.Equal(0, consumed);
        var alerts = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t', 2)).ToList();
        Assert.Equal(result.Alerts, alerts.Count);
        foreach (var alert in alerts)
        {
            using var json = System.Text.Json.JsonDocument.Parse(alert[1]);
            Assert.Equal(json.RootElement.GetProperty("caller").GetString(), alert[0]); // key = caller
        }
        var streamIds = KafkaHarness.AlertIds(alerts.Select(a => Encoding.UTF8.GetBytes(a[1])));
        var fileIds = KafkaHarness.FileScorerAlertIds(lines);
        var agreement = ProcessingTests.Agreement(streamIds, fileIds);
        output.WriteLine($"kcat in, kcat out: {lines.Count} calls, {alerts.Count} alerts, file scoring {fileIds.Count}, agreement {agreement:P2}");
        Assert.True(alerts.Count > 0);
        Assert.True(agreement >= 0.99, $"agreement {agreement:P2}");
    }

    private static async Task<(int Exit, string StdOut)> Kcat(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("kcat")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("kcat is not installed: install the Debian package kcat (apt-get install kcat)", ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, await stderr);
            return (process.ExitCode, await stdout);
        }
    }
}
