using System.CommandLine;
using FraudStream.Cli.Commands;
using FraudStream.IO;

namespace FraudStream.Cli;

/// <summary>The <c>fraudstream</c> program: one command per job, each with <c>--help</c>.</summary>
public static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("FraudStream: scores phone-call metadata for fraud (IRS/SSA impersonation, tech support, neighbour spoofing, wangiri, robocalls).");
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(ScoreCommand.Create());
        root.Subcommands.Add(BrokerCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        return root;
    }

    /// <summary>Runs the command line; parse errors and failures print one line on stderr and give exit code 2 or 1.</summary>
    public static int Run(string[] args)
    {
        var root = BuildRoot();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            if (parsed.CommandResult.Command == root && args.Length > 0 && !args[0].StartsWith('-'))
            {
                Console.Error.WriteLine($"error: '{args[0]}' is not a fraudstream command{Suggest(root, args[0])} (see 'fraudstream --help')");
                return 2;
            }
            var name = parsed.CommandResult.Command == root ? "fraudstream" : "fraudstream " + parsed.CommandResult.Command.Name;
            Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see '{name} --help')");
            return 2;
        }
        try
        {
            // No termination timeout: System.CommandLine then registers no SIGINT/SIGTERM handler of its own, which
            // would end the process with 130 (or 143) 2 s after the signal, before a command finished its clean stop.
            // Each command handles the signals itself (StopSignal): run, demo, replay and broker stop cleanly and
            // print their summary; score, train and evaluate drop what they were writing and end with "cancelled".
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("error: cancelled");
            return 130;
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return 1;
        }
        catch (UnauthorizedAccessException ex)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return 1;
        }
    }

    /// <summary>" (did you mean 'X'?)" for the command nearest to a mistyped one, if one is near; else empty.</summary>
    private static string Suggest(RootCommand root, string typed)
    {
        var best = root.Subcommands
            .Select(c => (c.Name, Distance: EditDistance(typed.ToLowerInvariant(), c.Name)))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).First();
        return best.Distance <= Math.Max(1, best.Name.Length / 3) ? $" (did you mean '{best.Name}'?)" : "";
    }

    /// <summary>Edits (insert, delete, replace, or swap two neighbours) that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}

/// <summary>A failure the user can act on: printed as one line, without a stack trace.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    /// <summary>The exit code of a wrong command line: an option value out of range, options that do not go together.</summary>
    public const int UsageExitCode = 2;

    public int ExitCode { get; } = exitCode;

    /// <summary>A wrong command line (exit code 2, as for a parse error): for checks the parser cannot make itself.</summary>
    public static CliException Usage(string message) => new(message, UsageExitCode);

    /// <summary>
    /// A file that cannot be written (exit code 1), named as the user gave it: a temporary file written in its place
    /// (<see cref="FileReplacement.TemporaryName"/>) is named by the final name in the system's message.
    /// </summary>
    public static CliException CannotWrite(string path, Exception reason) =>
        new($"cannot write {path}: " + FileReplacement.WithFinalName(reason.Message, path));
}
