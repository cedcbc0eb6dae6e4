using System.CommandLine;
using System.Diagnostics;
using FraudStream.Features;
using FraudStream.Pipeline;
using FraudStream.Records;

namespace FraudStream.Cli.Commands;

/// <summary><c>fraudstream score</c>: the service's parse, features and score path over an NDJSON file.</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input", "-i")
        {
            Description = "Call records, one JSON object per line (contracts.md section 1); - reads standard input.",
            Required = true,
        };
        var alerts = new Option<string>("--alerts", "-a")
        {
            Description = "Where to write one alert per alerted call (NDJSON); - writes standard output.",
            Required = true,
        };
        var dlq = new Option<string?>("--dlq")
        {
            Description = "Where to write one dead letter per invalid line [default: dead-letters.ndjson beside the alerts file].",
        };
        var model = new Option<string?>("--model", "-m")
        {
            Description = "Model file [default: the model shipped in models/default.zip].",
        };
        var threshold = new Option<float?>("--threshold")
        {
            Description = "Alert threshold instead of the model's own (0-1).",
        };
        var caps = new StateCapOptions();
        var command = new Command("score", "Score a file of call records: writes alerts and dead letters; the last line of output is read=N valid=N invalid=N alerts=N.")
        {
            input, alerts, dlq, model, threshold,
        };
        caps.AddTo(command);
        command.SetAction(new Func<ParseResult, CancellationToken, Task<int>>((parse, ct) => RunAsync(
            parse.GetRequiredValue(input), parse.GetRequiredValue(alerts), parse.GetValue(dlq),
            parse.GetValue(model), parse.GetValue(threshold), caps.Read(parse), ct)));
        return command;
    }

    private static async Task<int> RunAsync(
        string input, string alertsPath, string? dlqPath, string? modelPath, float? threshold, FeaturizerOptions state, CancellationToken ct)
    {
        if (threshold is < 0 or > 1)
        {
            throw new CliException("--threshold must be between 0 and 1");
        }
        if (input != "-" && !File.Exists(input))
        {
            throw new CliException($"input file not found: {input}");
        }
        var model = ModelFiles.Load(modelPath);
        dlqPath ??= Path.Combine(alertsPath == "-" ? "." : Path.GetDirectoryName(Path.GetFullPath(alertsPath))!, "dead-letters.ndjson");
        var watch = Stopwatch.StartNew();
        var scorer = new CallScorer(new Featurizer(ReferenceData.Embedded, state), model, threshold);
        await using var alertStream = OpenOutput(alertsPath);
        await using var deadLetters = DeadLetterFileWriter.Create(dlqPath);
        using var fileScorer = new FileScorer(scorer, input, alertStream, deadLetters);
        Console.Error.WriteLine($"scoring {input} with model {model.Id} (threshold {scorer.Threshold})");
        using var progress = new Timer(_ => Console.Error.WriteLine(
            $"  read {fileScorer.Read:N0} lines, {fileScorer.Alerts:N0} alerts"), null, 5000, 5000);
        await NdjsonLineReader.ReadFileAsync(input, fileScorer, ct).ConfigureAwait(false);
        fileScorer.Flush();
        watch.Stop();
        var stats = scorer.Featurizer.GetStats();
        Console.Error.WriteLine(
            $"scored {fileScorer.Valid:N0} calls in {watch.Elapsed.TotalSeconds:F1} s " +
            $"({fileScorer.Read / Math.Max(watch.Elapsed.TotalSeconds, 1e-9):N0} lines/s)");
        Console.Error.WriteLine(
            $"state: {stats.TotalKeys:N0} keys in {stats.TotalBytes / 1048576.0:N1} MiB (callers {stats.Callers.Keys:N0}, " +
            $"trunks {stats.Trunks.Keys:N0}, callees {stats.Callees.Keys:N0}, pairs {stats.Pairs.Keys:N0})");
        WriteState("callers", stats.Callers);
        WriteState("trunks", stats.Trunks);
        WriteState("callees", stats.Callees);
        WriteState("pairs", stats.Pairs);
        using (var process = Process.GetCurrentProcess())
        {
            // Tables that doubled leave their old arrays to the collector: the peak is above the state's size.
            Console.Error.WriteLine($"memory: peak working set {process.PeakWorkingSet64 / 1048576.0:N1} MiB");
        }
        Console.Error.WriteLine($"alerts: {fileScorer.Alerts:N0} ({fileScorer.VictimEngaged:N0} with an engaged victim) -> {alertsPath}");
        Console.Error.WriteLine($"dead letters: {fileScorer.Invalid:N0} -> {dlqPath}");
        Console.Out.WriteLine($"read={fileScorer.Read} valid={fileScorer.Valid} invalid={fileScorer.Invalid} alerts={fileScorer.Alerts}");
        return 0;
    }

    /// <summary>One kind of state on standard error: keys against the cap, the table's size, bytes per key, evictions.</summary>
    private static void WriteState(string kind, StateKindStats s) => Console.Error.WriteLine(
        $"  {kind}: {s.Keys:N0} keys (cap {s.MaxKeys:N0}) in {s.Slots:N0} slots of {s.EntryBytes} B = {s.Bytes / 1048576.0:N1} MiB, " +
        $"{s.BytesPerKey:N1} B/key; evicted {s.CapEvictions:N0} at the cap, {s.IdleEvictions:N0} idle");

    private static Stream OpenOutput(string path) =>
        path == "-" ? Console.OpenStandardOutput() : new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
}
