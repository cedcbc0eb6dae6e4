using System.CommandLine;
using System.Globalization;
using FraudStream.Features;
using FraudStream.IO;
using FraudStream.Kafka;
using FraudStream.Ml;

namespace FraudStream.Cli.Commands;

/// <summary><c>fraudstream train</c>: trains the model from labelled data folders and writes it with its card and plot.</summary>
internal static class TrainCommand
{
    /// <summary>Below this many fraud calls in the tuning hold-out, one call moves its recall by more than 2 points.</summary>
    internal const int ReliableHoldOutFraudCalls = 50;

    public static Command Create()
    {
        var defaults = new TrainingOptions();
        var data = new Option<string[]>("--data", "-d")
        {
            Description = "A labelled data folder (calls.ndjson + labels.csv); repeat for several.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "The model file to write, e.g. models/NAME.zip; NAME.card.md and NAME.png are written beside it. A complete file is renamed over it: a symbolic link there is replaced, and the file it pointed to is left as it was.",
            Required = true,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed handed to ML.NET and FastTree and recorded in the card. FastTree as train configures it (no bagging, "
                + "no row or feature sampling, one thread) draws nothing at random: the seed changes neither the trees, the threshold, "
                + "the metrics nor the model id.",
            DefaultValueFactory = _ => defaults.Seed,
        };
        var precision = new Option<double>("--target-precision")
        {
            Description = "The alert threshold is the lowest reaching this precision on the tuning hold-out (latest 20% of each folder). "
                + "The precision and recall printed are measured on those same rows, so they are optimistic: evaluate on another day "
                + "for an unbiased figure. Not reached: a warning, the most precise threshold, exit code 0.",
            DefaultValueFactory = _ => defaults.TargetPrecision,
        };
        var trees = new Option<int>("--trees") { Description = "Number of boosted trees.", DefaultValueFactory = _ => defaults.Trees };
        var leaves = new Option<int>("--leaves") { Description = "Leaves per tree.", DefaultValueFactory = _ => defaults.Leaves };
        var command = new Command("train", "Train the fraud model (FastTree, deterministic) and pick its alert threshold; the last line of output is model=ID threshold=T precision=P recall=R pr_auc=A rows=N seconds=S "
            + "(precision and recall on the tuning hold-out the threshold was chosen on).")
        {
            data, output, seed, precision, trees, leaves,
        };
        command.SetAction(new Func<ParseResult, CancellationToken, Task<int>>((parse, ct) => RunAsync(
            parse.GetRequiredValue(data), parse.GetRequiredValue(output),
            defaults with
            {
                Seed = parse.GetValue(seed),
                TargetPrecision = parse.GetValue(precision),
                Trees = parse.GetValue(trees),
                Leaves = parse.GetValue(leaves),
            },
            ct)));
        return command;
    }

    private static async Task<int> RunAsync(string[] dirs, string output, TrainingOptions options, CancellationToken ct)
    {
        if (!(options.TargetPrecision > 0 && options.TargetPrecision <= 1))
            throw CliException.Usage("--target-precision must be a number above 0 and at most 1");
        if (options.Trees < 1)
            throw CliException.Usage("--trees must be at least 1");
        if (options.Leaves < 2)
            throw CliException.Usage("--leaves must be at least 2");
        if (!output.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            throw CliException.Usage("--out must name a .zip file");
        foreach (var dir in dirs)
        {
            if (!Directory.Exists(dir))
                throw new CliException($"data folder not found: {dir}");
        }
        var stem = Path.Combine(Path.GetDirectoryName(output) ?? "", Path.GetFileNameWithoutExtension(output));
        var plot = stem + ".png";
        var card = stem + ".card.md";
        // Before minutes of featurizing and training, not after.
        var created = CheckWritable(output);
        var written = false;
        try
        {
            var exitCode = await TrainAsync(dirs, output, plot, card, options, ct).ConfigureAwait(false);
            written = true;
            return exitCode;
        }
        finally
        {
            if (!written)
                RemoveIfEmpty(created); // a failed or cancelled run leaves no empty folder of its own behind
        }
    }

    private static async Task<int> TrainAsync(string[] dirs, string output, string plot, string card, TrainingOptions options, CancellationToken ct)
    {
        using var stop = new StopSignal(ct);
        var started = DateTime.UtcNow;
        LabelledData data;
        try
        {
            data = await LabelledDataLoader.LoadAsync(dirs, Console.Error, stop.Token).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new CliException(ex.Message);
        }
        Console.Error.WriteLine($"featurized {data.Count} labelled calls in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");

        TrainingResult result;
        try
        {
            // The trainer stops at its next tree when cancelled; the command does not wait for that tree.
            result = await Task.Run(() => FraudModelTrainer.Train(data, FeatureSchema.Current.Hash, options, Console.Error, stop.Token), stop.Token)
                .WaitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(ex.Message);
        }
        if (!result.TargetReached)
        {
            // A legitimate outcome (the data decides what precision is reachable): the model is written and the exit code is 0.
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warning: target precision {options.TargetPrecision} not reached on the tuning hold-out: the most precise threshold, {result.Model.Threshold.ToString("R", CultureInfo.InvariantCulture)}, gives precision {result.HoldOut.Precision:0.0000} and recall {result.HoldOut.Recall:0.0000}; the model is written anyway, check its card before serving it"));
        }
        ModelFiles.WarnIfTreesNotCompiled(result.Model);
        if (result.HoldOut.Positives < ReliableHoldOutFraudCalls)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warning: the tuning hold-out has only {result.HoldOut.Positives} fraud calls, so its precision and recall move by whole points with one call; train on more calls or days"));
        }

        stop.Token.ThrowIfCancellationRequested();
        string sha;
        try
        {
            sha = ModelFile.Save(result, output);
            ModelReport.WritePlot(plot, result);
            ModelReport.WriteCard(card, output, sha, plot, result, data, options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw CliException.CannotWrite(output, ex);
        }
        Console.Error.WriteLine($"wrote {output} (sha256 {sha}), {card}, {plot}");

        var h = result.HoldOut;
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model={result.Model.Id} threshold={result.Model.Threshold.ToString("R", CultureInfo.InvariantCulture)} precision={h.Precision:0.0000} recall={h.Recall:0.0000} pr_auc={result.PrAuc:0.0000} rows={data.Count} seconds={seconds:0.0}"));
        return 0;
    }

    /// <summary>
    /// Creates the model's folder and checks a file can be created there, naming the user's path if not. Returns the
    /// folders it had to create, the outermost first.
    /// </summary>
    private static List<string> CheckWritable(string output)
    {
        if (Directory.Exists(output))
            throw new CliException($"cannot write {output}: it is a folder");
        var probe = FileReplacement.TemporaryName(output); // where ModelFile.Save will write
        var directory = Path.GetDirectoryName(Path.GetFullPath(output));
        var created = new List<string>();
        for (var missing = directory; !string.IsNullOrEmpty(missing) && !Directory.Exists(missing); missing = Path.GetDirectoryName(missing))
            created.Insert(0, missing);
        try
        {
            if (!string.IsNullOrEmpty(directory))
                Directory.CreateDirectory(directory);
            using (File.Create(probe))
            {
            }
            FileReplacement.DeleteQuietly(probe);
        }
        catch (FileNotFoundException)
        {
            // The folder exists but refuses new files without a reason of its own (e.g. /proc): the system's
            // "Could not find file" would name the model file as if it were expected to exist.
            RemoveIfEmpty(created);
            throw new CliException($"cannot write {output}: the folder {directory} does not accept new files");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RemoveIfEmpty(created);
            throw CliException.CannotWrite(output, ex);
        }
        return created;
    }

    /// <summary>Removes the folders <see cref="CheckWritable"/> created, innermost first, as long as they are empty.</summary>
    private static void RemoveIfEmpty(List<string> created)
    {
        for (var i = created.Count - 1; i >= 0; i--)
        {
            try
            {
                if (Directory.Exists(created[i]) && !Directory.EnumerateFileSystemEntries(created[i]).Any())
                    Directory.Delete(created[i]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return; // cleaning up must not hide why the run failed
            }
        }
    }
}
