using FraudStream.LoadTest;

try
{
    var options = LoadTestOptions.Parse(args);
    if (options.Child is { } mode)
    {
        return ChildRun.Run(mode, options);
    }
    return Orchestrator.Run(options);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("loadtest: " + ex.Message);
    return 2;
}
