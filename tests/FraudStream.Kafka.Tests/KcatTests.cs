using System.Diagnostics;

namespace FraudStream.Kafka.Tests;

/// <summary>
/// Integration test: kcat, a standard Kafka client, against the embedded broker the test starts. kcat is a
/// test dependency (Debian package <c>kcat</c>, installed by scripts/test.sh): without it the test fails.
/// </summary>
[Trait("Category", "Integration")]
public sealed class KcatTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void Broker_serves_kcat_producing_and_consuming_keyed_records()
    {
        var kcat = FindKcat();
        using var broker = new EmbeddedBroker();
        broker.CreateTopic("calls", 4);
        var records = new[]
        {
            ("+14155550100", Records.Line("k-1", "2026-11-27T14:03:11.123Z", "+14155550100")),
            ("+14155550101", Records.Line("k-2", "2026-11-27T14:03:12.123Z", "+14155550101")),
            ("+14155550100", Records.Line("k-3", "2026-11-27T14:03:13.123Z", "+14155550100")),
        };

        var (produced, _, produceErrors) = RunKcat(kcat,
            string.Concat(records.Select(r => $"{r.Item1}:{r.Item2}\n")),
            "-b", broker.Bootstrap, "-t", "calls", "-P", "-K:");
        Assert.True(produced == 0, $"kcat -P exited with {produced}: {produceErrors}");

        var (consumed, output, consumeErrors) = RunKcat(kcat, "",
            "-b", broker.Bootstrap, "-t", "calls", "-C", "-e", "-o", "beginning", "-q", "-f", "%k\t%s\n");
        Assert.True(consumed == 0, $"kcat -C exited with {consumed}: {consumeErrors}");
        Assert.Equal(
            records.Select(r => $"{r.Item1}\t{r.Item2}").Order(StringComparer.Ordinal),
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    private static string FindKcat()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "kcat"))
            .FirstOrDefault(File.Exists);
        Assert.True(found is not null,
            "kcat is not on PATH: install the Debian package 'kcat' (apt-get install --no-install-recommends kcat), "
            + "or run scripts/test.sh, which installs it");
        return found;
    }

    private static (int ExitCode, string Stdout, string Stderr) RunKcat(string kcat, string input, params string[] args)
    {
        var start = new ProcessStartInfo(kcat)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill();
            Assert.Fail($"kcat {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds} s");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
