using FraudStream.Cli;

return CliApp.Run(args);
