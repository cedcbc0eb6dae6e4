using BenchmarkDotNet.Running;

// A benchmark that could not be built, failed its set-up or did not run makes the exit code 1, and so does a run in
// which no benchmark ran (a filter that matches none, an unknown job), so a smoke run (BenchmarkDotNet's dry job, in
// the test script) fails rather than prints an error and exits 0. Listing and help run no benchmark and exit 0.
var summaries = BenchmarkSwitcher.FromAssembly(typeof(FraudStream.Benchmarks.BenchData).Assembly).Run(args);
var failed = summaries.Where(s => s.HasCriticalValidationErrors).Select(s => s.Title)
    .Concat(summaries.SelectMany(s => s.Reports).Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo))
    .ToList();
foreach (var name in failed)
{
    Console.Error.WriteLine($"benchmarks: {name} failed");
}
var informational = args.Any(a => a is "--help" or "-h" or "--info" or "--version" || a.StartsWith("--list", StringComparison.Ordinal));
if (!informational && !summaries.SelectMany(s => s.Reports).Any())
{
    Console.Error.WriteLine("benchmarks: none ran (check --filter and --job)");
    return 1;
}
return failed.Count == 0 ? 0 : 1;
