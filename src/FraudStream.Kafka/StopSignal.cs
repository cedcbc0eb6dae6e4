using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FraudStream.Kafka;

/// <summary>
/// Turns the first SIGINT (Ctrl+C) or SIGTERM into a cancelled <see cref="Token"/> so a command can stop
/// cleanly (flush, print its summary); a second signal ends the process as usual, unless it comes within
/// <see cref="SameStopWindow"/> of the first.
/// </summary>
public sealed class StopSignal : IDisposable
{
    /// <summary>
    /// A second signal this soon after the first is the same stop, not a request to abort: <c>timeout</c> and some
    /// supervisors signal the process and then its whole process group, so one stop can arrive twice at once.
    /// </summary>
    internal static readonly TimeSpan SameStopWindow = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _source;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private long _firstAt;

    /// <summary>Starts listening for SIGINT and SIGTERM; <paramref name="alsoOn"/> (a caller's own token) cancels <see cref="Token"/> too.</summary>
    public StopSignal(CancellationToken alsoOn = default)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(alsoOn);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled by the first signal, or by the token given to the constructor.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The signal that stopped the command, if any.</summary>
    public PosixSignal? Received { get; private set; }

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        var now = Stopwatch.GetTimestamp();
        var first = Interlocked.CompareExchange(ref _firstAt, now, 0);
        if (first == 0)
        {
            context.Cancel = true;
            Received = context.Signal;
            _source.Cancel();
            return;
        }
        if (Stopwatch.GetElapsedTime(first, now) < SameStopWindow)
        {
            context.Cancel = true; // the same stop, delivered twice
        }
        // A later one terminates as if nobody listened.
    }
}
