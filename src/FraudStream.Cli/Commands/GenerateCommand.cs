using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FraudStream.Kafka;
using FraudStream.Traffic;

namespace FraudStream.Cli.Commands;

/// <summary><c>fraudstream generate</c>: synthetic call traffic with ground-truth labels.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var calls = new Option<int>("--calls")
        {
            Description = $"Number of calls to generate (1 to {TrafficOptions.MaxCalls}).",
            Required = true,
            HelpName = "N",
        };
        var seed = new Option<ulong>("--seed")
        {
            Description = "Random seed; the same seed and options give byte-identical files.",
            Required = true,
            HelpName = "S",
        };
        var output = new Option<string>("--out")
        {
            Description = "Output directory (created if missing); receives calls.ndjson and labels.csv.",
            Required = true,
            HelpName = "DIR",
        };
        var scamShare = new Option<double?>("--scam-share")
        {
            Description = "Share of fraudulent calls, 0 to 1 (default 0.08); scam classes keep their proportions, legitimate classes fill the rest.",
            HelpName = "X",
        };
        var start = new Option<string>("--start")
        {
            Description = "Start of the simulated period, UTC, e.g. 2026-11-02T00:00:00Z.",
            DefaultValueFactory = _ => "2026-11-02T00:00:00Z",
            HelpName = "TIME",
        };
        var hours = new Option<double>("--hours")
        {
            Description = "Length of the simulated period in hours (up to 2208).",
            DefaultValueFactory = _ => 24,
            HelpName = "H",
        };

        var command = new Command("generate", "Generate synthetic call records (calls.ndjson) and their labels (labels.csv) from the traffic model.");
        command.Options.Add(calls);
        command.Options.Add(seed);
        command.Options.Add(output);
        command.Options.Add(scamShare);
        command.Options.Add(start);
        command.Options.Add(hours);
        // The work runs before the returned task, on the invoking thread, with StopSignal owning SIGINT and SIGTERM
        // meanwhile (as in replay and broker): the first signal cancels, and the temporary files are removed before
        // the process ends. The invocation's own token cancels it too.
        command.SetAction(new Func<ParseResult, CancellationToken, Task<int>>((parse, invocationToken) =>
        {
            int n = parse.GetValue(calls);
            if (n is < 1 or > TrafficOptions.MaxCalls)
                throw CliException.Usage($"--calls must be between 1 and {TrafficOptions.MaxCalls}");
            double? share = parse.GetValue(scamShare);
            if (share is { } s && !(s >= 0 && s <= 1))
                throw CliException.Usage("--scam-share must be between 0 and 1");
            double h = parse.GetValue(hours);
            if (!(h >= 1.0 / 60 && h <= TrafficOptions.MaxDuration.TotalHours))
                throw CliException.Usage($"--hours must be between 0.0167 (one minute) and {TrafficOptions.MaxDuration.TotalHours}");
            string dir = parse.GetValue(output) ?? "";
            if (dir.Length == 0)
                throw CliException.Usage("--out must name a folder");
            if (File.Exists(dir))
                throw CliException.Usage($"--out must be a folder: {dir} is a file");
            DateTime from = ParseStart(parse.GetValue(start) ?? "");

            var options = new TrafficOptions
            {
                Calls = n,
                Seed = parse.GetValue(seed),
                ScamShare = share ?? new TrafficOptions().ScamShare,
                Start = from,
                Duration = TimeSpan.FromHours(h),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                throw CliException.Usage(ex.Message); // the options come from the command line alone
            }

            using var stop = new StopSignal(invocationToken);
            var clock = Stopwatch.StartNew();
            Action<string>? progress = n >= 200_000 ? line => Console.Error.WriteLine("generate: " + line) : null;
            // Cancelled: the files are written under temporary names and removed, so nothing partial is left behind,
            // and OperationCanceledException reports the cancellation.
            TrafficSummary summary = TrafficGenerator.GenerateToDirectory(options, dir, progress, stop.Token);
            string seconds = clock.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"calls={summary.Calls} fraud={summary.Fraud} campaigns={summary.Campaigns} out={SummaryValue(dir)} seconds={seconds}"));
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>
    /// A value for the summary's <c>key=value</c> pairs, which single spaces separate: as it is, or, holding a space, a
    /// quote, a backslash or an equals sign, in double quotes with its quotes and backslashes escaped (as logfmt does).
    /// </summary>
    internal static string SummaryValue(string value) =>
        value.Length > 0 && !value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\' or '=')
            ? value
            : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static DateTime ParseStart(string text)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset value)
            || value.Year is < 1971 or > 9998)
            throw CliException.Usage("--start must be a UTC date and time such as 2026-11-02T00:00:00Z");
        return value.UtcDateTime;
    }
}
