using System.Runtime.InteropServices;

namespace FraudStream.Kafka;

/// <summary>
/// Turns the first SIGINT (Ctrl+C) or SIGTERM into a cancelled <see cref="Token"/> so a command can stop
/// cleanly (flush, print its summary); a second signal ends the process as usual.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _signals;

    /// <summary>Starts listening for SIGINT and SIGTERM.</summary>
    public StopSignal()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled by the first signal.</summary>
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
        if (Interlocked.Increment(ref _signals) != 1)
        {
            return; // the second one terminates as if nobody listened
        }
        context.Cancel = true;
        Received = context.Signal;
        _source.Cancel();
    }
}
