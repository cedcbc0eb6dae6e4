using System.CommandLine;

namespace FraudStream.Cli.Commands;

// PLACEHOLDER: replaced by the work item that implements 'fraudstream evaluate'.
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var command = new Command("evaluate", "not yet implemented");
        command.SetAction(new Func<ParseResult, int>(_ => throw new CliException("'evaluate' is not implemented yet")));
        return command;
    }
}
