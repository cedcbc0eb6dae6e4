using System.CommandLine;

namespace FraudStream.Cli.Commands;

// PLACEHOLDER: replaced by the work item that implements 'fraudstream generate'.
internal static class GenerateCommand
{
    public static Command Create()
    {
        var command = new Command("generate", "not yet implemented");
        command.SetAction(new Func<ParseResult, int>(_ => throw new CliException("'generate' is not implemented yet")));
        return command;
    }
}
