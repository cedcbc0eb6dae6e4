using System.CommandLine;
using System.Text.Json;
using FraudStream.Kafka;
using FraudStream.Ml;

namespace FraudStream.Cli.Commands;

/// <summary><c>fraudstream evaluate</c>: a model's precision, recall and per-class and per-campaign results on labelled data.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var data = new Option<string[]>("--data", "-d")
        {
            Description = "A labelled data folder (calls.ndjson + labels.csv); repeat for several.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var model = new Option<string?>("--model", "-m")
        {
            Description = "Model file [default: the model shipped in models/default.zip].",
        };
        var threshold = ThresholdOption.Create(
            "Alert threshold instead of the model's own (0-1); the table, the JSON and standard error say which was used.");
        var json = new Option<bool>("--json")
        {
            Description = "Print the report as one JSON document instead of a table; the summary line still follows it, "
                + "so take all but the last line (sed '$d') to read the document alone.",
        };
        var command = new Command("evaluate", "Evaluate a model at its own threshold (or --threshold) on labelled data; the last line of output is precision=P recall=R pr_auc=A alerts=N calls=N missed_campaigns=N "
            + "(recall and pr_auc are NA when the data holds no fraudulent call, precision when nothing is alerted).")
        {
            data, model, threshold, json,
        };
        command.SetAction(new Func<ParseResult, CancellationToken, Task<int>>((parse, ct) => RunAsync(
            parse.GetRequiredValue(data), parse.GetValue(model), parse.GetValue(threshold), parse.GetValue(json), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string[] dirs, string? modelPath, float? threshold, bool json, CancellationToken ct)
    {
        foreach (var dir in dirs)
        {
            if (!Directory.Exists(dir))
                throw new CliException($"data folder not found: {dir}");
        }
        var model = ModelFiles.Load(modelPath);
        Console.Error.WriteLine($"evaluating model {model.Id} at threshold {EvaluationReport.DescribeThreshold(threshold ?? model.Threshold, model.Threshold)}");
        using var stop = new StopSignal(ct);
        LabelledData data;
        try
        {
            data = await LabelledDataLoader.LoadAsync(dirs, Console.Error, stop.Token).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException(ex.Message);
        }
        var report = ModelEvaluator.Evaluate(data, model, threshold);
        stop.Token.ThrowIfCancellationRequested();
        if (report.Overall.Positives == 0)
            Console.Error.WriteLine("warning: the data holds no fraudulent call: recall and PR-AUC are undefined (NA)");
        if (json)
        {
            using var stdout = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
                report.WriteJson(writer);
            stdout.Flush();
            Console.Out.WriteLine();
        }
        else
        {
            Console.Out.Write(report.ToTable());
            Console.Out.WriteLine();
        }
        Console.Out.WriteLine(report.SummaryLine());
        return 0;
    }
}
