using BenchmarkDotNet.Attributes;
using FraudStream.Kafka.Processing;

namespace FraudStream.Benchmarks.Kafka;

/// <summary>
/// The processor's event-time merge on its own, per record: take the earliest head of <see cref="Partitions"/>
/// buffers (<see cref="PartitionMerge.TakeNext"/>), then buffer the record again at the end of its partition, so that
/// every buffer stays at <see cref="BufferedPerPartition"/> records. <see cref="TakeAndBuffer"/> does only that;
/// <see cref="TakeReadAndBuffer"/> also reads the record taken (its caller, trunk and ring time), as processing does. With
/// 256 partitions that is one of 65,536 instances of about 400 bytes, more than the caches hold, but taken in the order
/// they were allocated, which the CPU's prefetcher follows; the processor's pooled records are not in that order.
/// </summary>
[MemoryDiagnoser]
public class MergeBenchmarks
{
    private const int Batch = 1024;
    private const int BufferedPerPartition = 256;

    private PartitionMerge _merge = null!;
    private PartitionTracker[] _trackers = [];

    [Params(16, 256)]
    public int Partitions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _merge = new PartitionMerge();
        _trackers = Enumerable.Range(0, Partitions).Select(p => new PartitionTracker(p)).ToArray();
        foreach (var tracker in _trackers)
        {
            _merge.Add(tracker, 0);
        }
        // Calls a second apart, dealt round robin: the merge takes them from every partition in turn.
        var calls = ProcessorWarmUp.SyntheticCalls(Partitions * BufferedPerPartition);
        for (var i = 0; i < calls.Length; i++)
        {
            var call = new InboundCall(); // each is valid (ProcessorWarmUpTests), so its merge key is its start
            call.SetValue(calls[i], isNull: false);
            call.SetSource("calls", i % Partitions, i / Partitions, headers: null);
            _merge.Buffer(_trackers[call.Partition], call);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public long TakeAndBuffer()
    {
        long sum = 0;
        for (var i = 0; i < Batch; i++)
        {
            var call = _merge.TakeNext(0);
            sum += call.Offset;
            _merge.Buffer(_trackers[call.Partition], call);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long TakeReadAndBuffer()
    {
        long sum = 0;
        for (var i = 0; i < Batch; i++)
        {
            var call = _merge.TakeNext(0);
            ref readonly var record = ref call.Record;
            sum += record.Caller.GetHashCode() + record.Trunk.Length + record.RingMs;
            _merge.Buffer(_trackers[call.Partition], call);
        }
        return sum;
    }
}
