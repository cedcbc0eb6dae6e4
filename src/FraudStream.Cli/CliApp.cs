using System.CommandLine;
using FraudStream.Cli.Commands;

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
            var name = parsed.CommandResult.Command == root ? "fraudstream" : "fraudstream " + parsed.CommandResult.Command.Name;
            Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see '{name} --help')");
            return 2;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
}

/// <summary>A failure the user can act on: printed as one line, without a stack trace.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    /// <summary>The exit code of a wrong command line: an option value out of range, options that do not go together.</summary>
    public const int UsageExitCode = 2;

    public int ExitCode { get; } = exitCode;

    /// <summary>A wrong command line (exit code 2, as for a parse error): for checks the parser cannot make itself.</summary>
    public static CliException Usage(string message) => new(message, UsageExitCode);
}
