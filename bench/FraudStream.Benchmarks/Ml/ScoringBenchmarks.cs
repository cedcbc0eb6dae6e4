using BenchmarkDotNet.Attributes;
using FraudStream.Features;
using FraudStream.Records;
using FraudStream.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace FraudStream.Benchmarks.Ml;

/// <summary>
/// Scoring one feature vector with the default model: the flat evaluator the hot path uses, against
/// ML.NET's <c>PredictionEngine</c> (the reference) as the baseline. Vectors are featurized generated calls.
/// </summary>
[MemoryDiagnoser]
public class ScoringBenchmarks
{
    private const int Batch = 1024;

    private float[][] _vectors = [];
    private FraudModel _model = null!;
    private PredictionEngine<Input, Output> _engine = null!;
    private readonly Input _input = new();
    private int _index;

    public sealed class Input
    {
        public float[] Features { get; set; } = [];
    }

    public sealed class Output
    {
        public float Probability { get; set; }
    }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchData.LoadDefaultModel();
        var records = BenchData.ParseAll();
        var featurizer = Featurizer.CreateDefault();
        _vectors = new float[records.Length][];
        for (var i = 0; i < records.Length; i++)
        {
            _vectors[i] = new float[FeatureSchema.Current.Count];
            featurizer.Featurize(records[i], _vectors[i]);
        }
        var context = new MLContext(seed: 1);
        var transformer = context.Model.Load(FraudModel.DefaultPath(), out _);
        var schema = SchemaDefinition.Create(typeof(Input));
        schema[nameof(Input.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureSchema.Current.Count);
        _engine = context.Model.CreatePredictionEngine<Input, Output>(transformer, inputSchemaDefinition: schema);
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public double PredictionEngine()
    {
        var sum = 0.0;
        for (var i = 0; i < Batch; i++)
        {
            _input.Features = _vectors[_index];
            sum += _engine.Predict(_input).Probability;
            _index = (_index + 1) % _vectors.Length;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public double FlatEvaluator()
    {
        var sum = 0.0;
        var ensemble = _model.Ensemble;
        for (var i = 0; i < Batch; i++)
        {
            sum += ensemble.Probability(_vectors[_index]);
            _index = (_index + 1) % _vectors.Length;
        }
        return sum;
    }
}
