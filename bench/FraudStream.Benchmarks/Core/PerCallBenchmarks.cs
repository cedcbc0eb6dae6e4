using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FraudStream.Alerts;
using FraudStream.Features;
using FraudStream.Pipeline;
using FraudStream.Records;

namespace FraudStream.Benchmarks.Core;

/// <summary>
/// The per-call path, piece by piece and whole, against warm state of realistic size. Each benchmark
/// processes <see cref="Batch"/> calls per invocation; results are per call. FraudStream's own path is
/// held to 0 bytes allocated per call. Each benchmark keeps a loop of its own: one loop shared between them would share
/// its JIT profile too, trained by whichever ran first (docs/performance.md, "Per-call micro-benchmarks").
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PerCallBenchmarks
{
    private const int Batch = 1024;

    private byte[][] _lines = [];
    private CallRecord[] _records = [];
    private Featurizer _featurizer = null!;
    private CallScorer _scorer = null!;
    private RecordStream _featureStream = null!;
    private RecordStream _pathStream = null!;
    private float[] _features = [];
    private CallRecord _featureAhead;
    private CallRecord _pathAhead;
    private int _lineIndex;
    private long _pathCalls;
    private long _pathAlerts;

    [GlobalSetup]
    public void Setup()
    {
        _lines = BenchData.Lines;
        _records = BenchData.ParseAll();
        var start = new DateTime(2026, 11, 2, 12, 0, 0, DateTimeKind.Utc);
        _featurizer = BenchData.WarmFeaturizer(start);
        _featureStream = new RecordStream(_records, start);
        _scorer = new CallScorer(BenchData.WarmFeaturizer(start), BenchData.LoadDefaultModel());
        _pathStream = new RecordStream(_records, start);
        _features = new float[FeatureSchema.Current.Count];
        _featureStream.Next(out _featureAhead);
        TakePathRecord();
        var stats = _featurizer.GetStats();
        Console.WriteLine($"// warm state: {stats.Callers.Keys:N0} callers, {stats.Trunks.Keys:N0} trunks, {stats.Callees.Keys:N0} callees, {stats.Pairs.Keys:N0} pairs");
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    [BenchmarkCategory("parse")]
    public int Parse()
    {
        var valid = 0;
        for (var i = 0; i < Batch; i++)
        {
            var line = _lines[_lineIndex];
            _lineIndex = (_lineIndex + 1) % _lines.Length;
            if (CallRecordParser.TryParse(line, out _, out _))
            {
                valid++;
            }
        }
        return valid;
    }

    /// <summary>Each call featurized after the next one's state was asked for (<see cref="Featurizer.Prefetch"/>), as the processor does.</summary>
    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    [BenchmarkCategory("features")]
    public float Featurize()
    {
        var sum = 0f;
        for (var i = 0; i < Batch; i++)
        {
            var record = _featureAhead;
            _featureStream.Next(out _featureAhead);
            _featurizer.Prefetch(_featureAhead);
            _featurizer.Featurize(record, _features);
            sum += _features[0];
        }
        return sum;
    }

    /// <summary>Each call featurized on its own: its state's cache misses start when it does.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("features")]
    public float FeaturizeWithoutLookahead()
    {
        var sum = 0f;
        for (var i = 0; i < Batch; i++)
        {
            _featureStream.Next(out var record);
            _featurizer.Featurize(record, _features);
            sum += _features[0];
        }
        return sum;
    }

    /// <summary>
    /// Parse, features, score and an alerted call's reasons, with the next record parsed and its state asked for before
    /// the current one is scored, as in the processor, where records wait parsed in the event-time merge.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    [BenchmarkCategory("path")]
    public int WholePath()
    {
        var alerts = 0;
        for (var i = 0; i < Batch; i++)
        {
            var record = TakePathRecord();
            _scorer.Score(record, out ScoredCall scored);
            if (scored.Alerted)
            {
                alerts++;
            }
        }
        _pathCalls += Batch;
        _pathAlerts += alerts;
        return alerts;
    }

    /// <summary>
    /// <see cref="WholePath"/> less an alerted call's reasons: what the processor's consume thread does for a call, where
    /// an alert thread works out the reasons (its contributions, <c>AlertStage</c>).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("path")]
    public int ConsumeThreadPath()
    {
        var alerts = 0;
        for (var i = 0; i < Batch; i++)
        {
            var record = TakePathRecord();
            _scorer.Score(record, out ScoredCall scored, reasons: false);
            if (scored.Alerted)
            {
                alerts++;
            }
        }
        return alerts;
    }

    /// <summary><see cref="WholePath"/> one record at a time: parsed, then scored, nothing asked for ahead.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("path")]
    public int WholePathWithoutLookahead()
    {
        var alerts = 0;
        for (var i = 0; i < Batch; i++)
        {
            NextValidPathRecord(out var record);
            _scorer.Score(record, out ScoredCall scored);
            if (scored.Alerted)
            {
                alerts++;
            }
        }
        return alerts;
    }

    /// <summary>
    /// The whole path up to the features (parse, featurize; no scoring), with the same lookahead: subtracted from
    /// <see cref="WholePath"/>, what scoring and the alerted calls' reasons cost inside the path.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("path")]
    public int PathWithoutScoring()
    {
        var valid = 0;
        for (var i = 0; i < Batch; i++)
        {
            var record = TakePathRecord();
            _scorer.Score(record, out ScoredCall _, alerting: false);
            valid++;
        }
        return valid;
    }

    /// <summary>
    /// The record parsed ahead; parses the next valid one in its place and asks for its state, as the processor's
    /// merge has the next record parsed while it scores the current one.
    /// </summary>
    private CallRecord TakePathRecord()
    {
        var record = _pathAhead;
        NextValidPathRecord(out _pathAhead);
        _scorer.Prefetch(_pathAhead);
        return record;
    }

    /// <summary>The next line that parses, moved onto the stream as <see cref="NextPathRecord"/> does; invalid lines are parsed and passed over.</summary>
    private void NextValidPathRecord(out CallRecord record)
    {
        while (!NextPathRecord(out record))
        {
        }
    }

    /// <summary>
    /// Parses the next line, then moves the record onto the stream's clock and caller mix (as in
    /// <see cref="Featurize"/>); false for a line that does not parse.
    /// </summary>
    private bool NextPathRecord(out CallRecord record)
    {
        var line = _lines[_lineIndex];
        _lineIndex = (_lineIndex + 1) % _lines.Length;
        if (!CallRecordParser.TryParse(line, out record, out _))
        {
            return false;
        }
        _pathStream.Next(out var timed);
        record.StartTicks = timed.StartTicks;
        record.Caller = timed.Caller;
        return true;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_pathCalls > 0)
        {
            // Alerted calls take the slow path (contributions for the reasons): say how many there were.
            Console.WriteLine($"// whole path: {_pathCalls:N0} calls, {100.0 * _pathAlerts / _pathCalls:F1}% alerted");
        }
    }
}
