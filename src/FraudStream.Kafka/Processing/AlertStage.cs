using System.Buffers;
using Confluent.Kafka;
using FraudStream.Alerts;
using FraudStream.Pipeline;
using FraudStream.Records;

namespace FraudStream.Kafka.Processing;

/// <summary>
/// Writes each alert (its reasons and its JSON) and hands it to the producer: on a thread of its own, so that the
/// consume thread only decides that a call alerts, or inline on the submitting thread. An alert's reasons descend,
/// in every tree, from each split on its path the way not taken: about twelve times the cost of scoring the call, even
/// compiled (docs/performance.md).
/// </summary>
/// <remarks>
/// One thread submits (the consume thread) and one writes, through a bounded ring that keeps the submission order.
/// The record an alert needs stays with its <see cref="PendingDelivery"/> until the delivery is released, so the
/// writer reads it while the consume thread goes on. When the ring is full the submitter waits: the alert thread is
/// behind, and so are the alerts' deliveries. An idle alert thread polls the ring every millisecond for a while before
/// it blocks, so that under load a submit wakes nobody.
/// </remarks>
internal sealed class AlertStage : IDisposable
{
    /// <summary>Alerts submitted and not yet written, at most (a power of two).</summary>
    public const int Capacity = 1024;

    /// <summary>
    /// 1 ms sleeps between looks at an empty ring before the alert thread blocks until woken (about 20-25 ms): while
    /// alerts come more often than that it never blocks, and an alert waits about a millisecond (one sleep) to be
    /// written; after the last alert it wakes this many times more than a blocked thread would.
    /// </summary>
    private const int PollsBeforeParking = 20;

    private readonly PendingDelivery?[] _ring;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly AlertWriter _writer;
    private readonly float[] _contributions;
    private readonly string _inputTopic;
    private readonly Action<PendingDelivery> _produce;
    private readonly Thread? _thread;
    private readonly Action? _beforeParking;
    private readonly ManualResetEventSlim _work = new(initialState: false);
    private int _parked; // 1 while the alert thread blocks on _work (after PollsBeforeParking idle polls)
    private long _wakes; // written by the submitting thread
    private long _taken;     // written by the alert thread
    private long _submitted; // written by the submitting thread
    private volatile bool _completing;
    private volatile bool _abandoned;
    private volatile Exception? _fault;

    /// <param name="featureNames">The model's feature names, for the reasons.</param>
    /// <param name="inputTopic">The source topic written into an alert whose record does not name one.</param>
    /// <param name="produce">Hands a written alert to the producer (it must not throw for a delivery error).</param>
    /// <param name="threaded">A thread of its own; otherwise <see cref="Submit"/> writes the alert at once.</param>
    /// <param name="beforeParking">Tests: runs on the alert thread when it has found the ring empty and is about to block.</param>
    public AlertStage(IReadOnlyList<string> featureNames, string inputTopic, Action<PendingDelivery> produce, bool threaded, Action? beforeParking = null)
    {
        _beforeParking = beforeParking;
        _writer = new AlertWriter(_buffer, featureNames);
        _contributions = new float[featureNames.Count];
        _inputTopic = inputTopic;
        _produce = produce;
        _ring = threaded ? new PendingDelivery?[Capacity] : [];
        if (threaded)
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = "fraudstream-alerts" };
            _thread.Start();
        }
    }

    /// <summary>Whether alerts are written on a thread of their own.</summary>
    public bool Threaded => _thread is not null;

    /// <summary>What stopped the alert thread, if anything did; no alert is written after it.</summary>
    public Exception? Fault => _fault;

    /// <summary>True once <see cref="Complete"/> gave up waiting: the producer stops retrying a full queue.</summary>
    public bool Abandoned => _abandoned;

    /// <summary>Whether the alert thread is blocked until the next submit wakes it (idle for a while).</summary>
    public bool Parked => Volatile.Read(ref _parked) != 0;

    /// <summary>How many submits woke the alert thread (it had blocked); the others cost no wake-up.</summary>
    public long Wakes => Volatile.Read(ref _wakes);

    /// <summary>Alerts submitted and not yet written.</summary>
    public int Queued => (int)(Volatile.Read(ref _submitted) - Volatile.Read(ref _taken));

    /// <summary>
    /// On the consume thread: an alert started with <see cref="PendingDelivery.StartAlert"/>, to write and produce.
    /// False when the stage has stopped (<see cref="Fault"/>, or completed): the alert stays unsettled, so its record
    /// is not committed.
    /// </summary>
    public bool Submit(PendingDelivery pending)
    {
        if (_thread is null)
        {
            Write(pending);
            return true;
        }
        var submitted = _submitted;
        if (Stopped || (submitted - Volatile.Read(ref _taken) >= Capacity && !WaitForRoom(submitted)))
        {
            return false;
        }
        _ring[submitted & (Capacity - 1)] = pending;
        // A full fence: the alert thread says it parks and then reads this count, so one of the two sees the other.
        Interlocked.Exchange(ref _submitted, submitted + 1);
        if (Volatile.Read(ref _parked) != 0)
        {
            _wakes++;
            _work.Set();
        }
        return true;
    }

    private bool Stopped => _fault is not null || _completing;

    // Rare path: the ring is full, so the alert thread is behind (and so are the alerts' deliveries). A short spin,
    // then 1 ms sleeps, as the inline producer waits for room in its queue: a waiting consume thread must not take
    // the core the alert thread and the Kafka client need to make room.
    private bool WaitForRoom(long submitted)
    {
        for (var spins = 0; submitted - Volatile.Read(ref _taken) >= Capacity; spins++)
        {
            if (Stopped)
            {
                return false;
            }
            if (spins < 20)
            {
                Thread.SpinWait(64);
            }
            else
            {
                Thread.Sleep(1);
            }
        }
        return true;
    }

    /// <summary>
    /// Lets the alert thread write what was submitted and stop, waiting up to <paramref name="timeout"/> for that;
    /// after it, the rest is abandoned: the thread ends once the alert it is writing is handed over (a producer with
    /// a full queue stops retrying it), and the alerts not written stay unsettled, so their records are not
    /// committed. Returns only once the thread has ended, so the producer can be disposed.
    /// </summary>
    /// <returns>True when everything submitted was written and handed to the producer.</returns>
    public bool Complete(TimeSpan timeout)
    {
        if (_thread is null)
        {
            return true;
        }
        _completing = true;
        _work.Set();
        if (!_thread.Join(timeout))
        {
            _abandoned = true;
            _work.Set();
            _thread.Join();
        }
        return Queued == 0 && _fault is null;
    }

    public void Dispose()
    {
        Complete(TimeSpan.Zero);
    }

    private void Loop()
    {
        try
        {
            var idle = 0;
            while (!_abandoned)
            {
                var taken = _taken;
                if (taken != Volatile.Read(ref _submitted))
                {
                    idle = 0;
                    var slot = taken & (Capacity - 1);
                    var pending = _ring[slot]!;
                    _ring[slot] = null;
                    Write(pending);
                    Volatile.Write(ref _taken, taken + 1);
                    continue;
                }
                if (_completing)
                {
                    return;
                }
                if (++idle <= PollsBeforeParking)
                {
                    // Under load the next alert is near: poll for it, so that submitting one costs the consume thread
                    // no wake-up (a futex call, about as dear as writing the alert's JSON).
                    Thread.Sleep(1);
                    continue;
                }
                _beforeParking?.Invoke();
                _work.Reset();
                Interlocked.Exchange(ref _parked, 1); // a full fence: then the submitted count is read again
                if (taken != Volatile.Read(ref _submitted) || _completing)
                {
                    _parked = 0; // submitted meanwhile, and the submitter may not have seen it parked
                    continue;
                }
                _work.Wait();
                _parked = 0;
                idle = 0;
            }
        }
        catch (Exception ex)
        {
            _fault = ex;
        }
    }

    /// <summary>The reasons, the alert's JSON and its message; then the producer.</summary>
    private void Write(PendingDelivery pending)
    {
        var call = pending.Call ?? throw new InvalidOperationException("an alert was submitted without its record");
        var model = pending.Model!;
        ref readonly var record = ref call.Record;
        CallScorer.FillReasons(model, pending.Features, _contributions, ref pending.Scored);
        _buffer.ResetWrittenCount();
        _writer.Write(record, pending.Scored, model.Id, AlertSource.Kafka(call.Topic ?? _inputTopic, call.Partition, call.Offset), DateTime.UtcNow);
        Span<byte> caller = stackalloc byte[PhoneNumber.MaxDigits + 1];
        record.Caller.TryFormat(caller, out var callerLength);
        pending.SetMessage(new Message<byte[]?, byte[]?>
        {
            Key = caller[..callerLength].ToArray(),
            Value = _buffer.WrittenSpan.ToArray(),
        });
        _produce(pending);
    }
}
