using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FraudStream.Features;
using FraudStream.Scoring;

namespace FraudStream.Benchmarks.Core;

/// <summary>
/// Tree evaluation layouts for the default model on featurized generated calls (warm state), per vector: the
/// compiled trees of <see cref="TreeEnsemble.RawScore"/> (baseline) against the node-by-node descent it runs where code
/// cannot be compiled (<see cref="TreeEnsemble.DescentRawScore"/>), the descent that one replaced
/// (<see cref="LocalIndexWalk"/>), the QuickScorer bitmask layout and the packed-node layouts of
/// <see cref="PackedTrees"/> (all checked to give the same scores); and the cost of the per-feature contributions
/// of alerted calls, compiled to code, against the two walks they replaced (checked to give the same contributions).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class EnsembleBenchmarks
{
    private const int Batch = 1024;

    private float[][] _vectors = [];
    private float[] _rows = [];
    private float[][] _alerted = [];
    private readonly double[] _out = new double[8];
    private readonly float[] _contributions = new float[FeatureSchema.Current.Count];
    private FraudModel _model = null!;
    private TreeEnsemble _ensemble = null!;
    private PackedTrees _packed = null!;
    private QuickScorerTrees _quick = null!;
    private LocalIndexWalk _before = null!;
    private int _index;

    [GlobalSetup]
    public void Setup()
    {
        var model = BenchData.LoadDefaultModel();
        _model = model;
        _ensemble = model.Ensemble;
        _packed = new PackedTrees(_ensemble);
        _before = new LocalIndexWalk(_ensemble);
        var expectedContributions = new float[FeatureSchema.Current.Count];
        if (!_ensemble.IsCompiled || _ensemble.TreesWalkedForContributions > 0)
        {
            throw new InvalidOperationException("the default model's trees or contributions were not compiled");
        }
        _quick = QuickScorerTrees.TryCreate(_ensemble) ?? throw new InvalidOperationException("the default model does not fit the bitmask layout");
        var records = BenchData.ParseAll();
        var featurizer = BenchData.WarmFeaturizer(new DateTime(2026, 11, 2, 12, 0, 0, DateTimeKind.Utc));
        var count = FeatureSchema.Current.Count;
        _vectors = new float[records.Length][];
        _rows = new float[records.Length * count];
        var alerted = new List<float[]>();
        for (var i = 0; i < records.Length; i++)
        {
            _vectors[i] = new float[count];
            featurizer.Featurize(records[i], _vectors[i]);
            _vectors[i].CopyTo(_rows, i * count);
            var expected = _ensemble.RawScore(_vectors[i]);
            if (_ensemble.DescentRawScore(_vectors[i]) != expected || _quick.RawScore(_vectors[i]) != expected || _packed.RawScoreBranchy(_vectors[i]) != expected
                || _packed.RawScoreBranchFree(_vectors[i]) != expected || !Close(_packed.RawScoreTreesInterleaved(_vectors[i]), expected)
                || _before.RawScore(_vectors[i]) != expected)
            {
                throw new InvalidOperationException($"layouts disagree on vector {i}");
            }
            if (_ensemble.Calibrate(expected) >= model.Threshold)
            {
                alerted.Add(_vectors[i]);
                _ensemble.Contributions(_vectors[i], _contributions);
                _before.Contributions(_vectors[i], expectedContributions);
                if (!_contributions.AsSpan().SequenceEqual(expectedContributions))
                {
                    throw new InvalidOperationException($"contributions disagree on vector {i}");
                }
                _ensemble.WalkContributions(_vectors[i], expectedContributions);
                if (!_contributions.AsSpan().SequenceEqual(expectedContributions))
                {
                    throw new InvalidOperationException($"contributions disagree on vector {i}");
                }
            }
        }
        _alerted = [.. alerted];
        Console.WriteLine($"// {_vectors.Length:N0} vectors, {_alerted.Length:N0} alerted");
    }

    /// <summary><see cref="TreeEnsemble.RawScore"/>: the trees compiled to code, a compare-and-branch per split.</summary>
    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    [BenchmarkCategory("score")]
    public double Compiled()
    {
        var sum = 0.0;
        for (var i = 0; i < Batch; i++)
        {
            sum += _ensemble.RawScore(NextVector());
        }
        return sum;
    }

    /// <summary>The node-by-node descent, what <see cref="TreeEnsemble.RawScore"/> runs where code cannot be compiled.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("score")]
    public double Descent()
    {
        var sum = 0.0;
        for (var i = 0; i < Batch; i++)
        {
            sum += _ensemble.DescentRawScore(NextVector());
        }
        return sum;
    }

    /// <summary>The descent <see cref="TreeEnsemble.RawScore"/> used before (per-tree indices, bounds-checked).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("score")]
    public double DescentBefore()
    {
        var sum = 0.0;
        for (var i = 0; i < Batch; i++)
        {
            sum += _before.RawScore(NextVector());
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("score")]
    public double QuickScorer()
    {
        var sum = 0.0;
        for (var i = 0; i < Batch; i++)
        {
            sum += _quick.RawScore(NextVector());
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("score")]
    public double PackedBranchy()
    {
        var sum = 0.0;
        for (var i = 0; i < Batch; i++)
        {
            sum += _packed.RawScoreBranchy(NextVector());
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("score")]
    public double PackedBranchFree()
    {
        var sum = 0.0;
        for (var i = 0; i < Batch; i++)
        {
            sum += _packed.RawScoreBranchFree(NextVector());
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("score")]
    public double PackedEightTreesInterleaved()
    {
        var sum = 0.0;
        for (var i = 0; i < Batch; i++)
        {
            sum += _packed.RawScoreTreesInterleaved(NextVector());
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("score")]
    public double PackedEightRowsInterleaved()
    {
        var sum = 0.0;
        var count = FeatureSchema.Current.Count;
        var rows = _rows.AsSpan();
        for (var i = 0; i < Batch; i += 8)
        {
            if (_index + 8 > _vectors.Length)
            {
                _index = 0;
            }
            _packed.RawScores8(rows.Slice(_index * count, 8 * count), _out);
            _index += 8;
            sum += _out[0] + _out[7];
        }
        return sum;
    }

    /// <summary>What an alerted call's reasons cost: the per-feature contributions over every tree.</summary>
    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    [BenchmarkCategory("contributions")]
    public float Contributions()
    {
        var sum = 0f;
        for (var i = 0; i < Batch; i++)
        {
            _ensemble.Contributions(_alerted[i % _alerted.Length], _contributions);
            sum += _contributions[0];
        }
        return sum;
    }

    /// <summary>
    /// An alerted call's reasons as the alert thread works them out (<see cref="Pipeline.CallScorer.FillReasons"/>): the
    /// contributions, then the strongest five that the alert writes above 0.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("contributions")]
    public int Reasons()
    {
        var count = 0;
        for (var i = 0; i < Batch; i++)
        {
            var scored = default(Alerts.ScoredCall);
            Pipeline.CallScorer.FillReasons(_model, _alerted[i % _alerted.Length], _contributions, ref scored);
            count += scored.ReasonCount;
        }
        return count;
    }

    /// <summary>
    /// The contributions by the walk the compiled code replaced (still run where the trees cannot be compiled): the path
    /// walked once, recording each split, a fresh walk from each child not taken.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("contributions")]
    public float ContributionsWalk()
    {
        var sum = 0f;
        for (var i = 0; i < Batch; i++)
        {
            _ensemble.WalkContributions(_alerted[i % _alerted.Length], _contributions);
            sum += _contributions[0];
        }
        return sum;
    }

    /// <summary>The contributions as computed before the walk: the path walked twice, a fresh walk from each child not taken.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("contributions")]
    public float ContributionsBefore()
    {
        var sum = 0f;
        for (var i = 0; i < Batch; i++)
        {
            _before.Contributions(_alerted[i % _alerted.Length], _contributions);
            sum += _contributions[0];
        }
        return sum;
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(b));

    private float[] NextVector()
    {
        var v = _vectors[_index];
        _index = (_index + 1) % _vectors.Length;
        return v;
    }
}
