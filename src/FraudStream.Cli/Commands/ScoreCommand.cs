using System.CommandLine;

namespace FraudStream.Cli.Commands;

// PLACEHOLDER: replaced by the work item that implements 'fraudstream score'.
internal static class ScoreCommand
{
    public static Command Create()
    {
        var command = new Command("score", "not yet implemented");
        command.SetAction(new Func<ParseResult, int>(_ => throw new CliException("'score' is not implemented yet")));
        return command;
    }
}
