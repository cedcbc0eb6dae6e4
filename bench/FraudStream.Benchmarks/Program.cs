using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(FraudStream.Benchmarks.BenchData).Assembly).Run(args);
