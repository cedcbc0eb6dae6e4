using BenchmarkDotNet.Attributes;
using FraudStream.Scoring;

namespace FraudStream.Benchmarks.Core;

/// <summary>
/// What loading the default model costs the thread that loads it (at start and at each hot reload): the whole
/// <see cref="FraudModel.Load(string)"/>, and building its <see cref="TreeEnsemble"/> from the arrays, where the trees
/// are compiled to code and each compiled method is run once.
/// </summary>
[MemoryDiagnoser]
public class ModelLoadBenchmarks
{
    private TreeEnsemble _ensemble = null!;
    private string _path = "";

    [GlobalSetup]
    public void Setup()
    {
        _path = FraudModel.DefaultPath();
        _ensemble = FraudModel.Load(_path).Ensemble;
        if (!_ensemble.IsCompiled)
        {
            throw new InvalidOperationException("the default model's trees were not compiled");
        }
    }

    [Benchmark(Baseline = true)]
    public FraudModel Load() => FraudModel.Load(_path);

    [Benchmark]
    public TreeEnsemble BuildEnsemble()
    {
        var e = _ensemble;
        return new TreeEnsemble(e.FeatureCount, e.NodeStart.ToArray(), e.LeafStart.ToArray(), e.SplitFeature.ToArray(),
            e.Threshold.ToArray(), e.Left.ToArray(), e.Right.ToArray(), e.LeafValue.ToArray(), e.Bias, e.CalibratorSlope,
            e.CalibratorOffset);
    }
}
