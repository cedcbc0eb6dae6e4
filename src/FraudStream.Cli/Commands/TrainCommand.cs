using System.CommandLine;

namespace FraudStream.Cli.Commands;

// PLACEHOLDER: replaced by the work item that implements 'fraudstream train'.
internal static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "not yet implemented");
        command.SetAction(new Func<ParseResult, int>(_ => throw new CliException("'train' is not implemented yet")));
        return command;
    }
}
