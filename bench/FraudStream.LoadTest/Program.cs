using FraudStream.LoadTest;

if (args.Any(a => a is "--help" or "-h"))
{
    Console.WriteLine(LoadTestOptions.Usage);
    return 0;
}
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
catch (LoadTestException ex)
{
    Console.Error.WriteLine("loadtest: " + ex.Message);
    return 1;
}
