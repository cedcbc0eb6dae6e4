using FraudStream.Records;

namespace FraudStream.Benchmarks.Core;

/// <summary>
/// An endless stream of realistic records for the stateful benchmarks: the generated records replayed in
/// passes, each pass starting where the previous one ended in event time (so the clock moves on at the
/// generated rate and the warm keys stay within their windows for hundreds of passes), and one call in
/// <see cref="NewCallerEvery"/> from a caller never seen before (so the tables keep taking new keys, and
/// evict at their caps as in production).
/// </summary>
public sealed class RecordStream
{
    public const int NewCallerEvery = 8;

    private readonly CallRecord[] _records;
    private readonly long[] _offsets;
    private readonly long _passTicks;
    private long _passStart;
    private ulong _nextNewCaller = 1_646_000_0000UL;
    private int _index;

    public RecordStream(CallRecord[] records, DateTime start)
    {
        _records = records;
        _offsets = new long[records.Length];
        var first = records.Min(r => r.StartTicks);
        _passTicks = records.Max(r => r.StartTicks) - first + TimeSpan.TicksPerSecond;
        for (var i = 0; i < records.Length; i++)
        {
            _offsets[i] = records[i].StartTicks - first;
        }
        _passStart = start.Ticks;
    }

    public void Next(out CallRecord record)
    {
        record = _records[_index];
        record.StartTicks = _passStart + _offsets[_index];
        if (_index % NewCallerEvery == 0)
        {
            record.Caller = new PhoneNumber(_nextNewCaller++, 11);
        }
        if (++_index == _records.Length)
        {
            _index = 0;
            _passStart += _passTicks;
        }
    }
}
