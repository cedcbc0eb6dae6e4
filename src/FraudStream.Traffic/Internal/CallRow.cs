namespace FraudStream.Traffic.Internal;

/// <summary>Call dispositions in the order of the contract.</summary>
internal enum Disposition : byte
{
    Answered,
    NoAnswer,
    Busy,
    Failed,
    Rejected,
}

/// <summary>STIR/SHAKEN attestation (None = unsigned).</summary>
internal enum Attest : byte
{
    None,
    A,
    B,
    C,
}

/// <summary>One generated call, compact enough to hold millions for sorting (48 bytes).</summary>
internal struct CallRow
{
    public long StartMs;
    /// <summary>Presented number as E.164 digits; 0 = withheld (<c>anonymous</c>).</summary>
    public ulong Caller;
    public ulong Callee;
    public int RingMs;
    /// <summary>Talk time in milliseconds.</summary>
    public int DurationMs;
    /// <summary>Index of the campaign, or -1.</summary>
    public int Campaign;
    public ushort Trunk;
    public ushort Country;
    public Attest Attest;
    public Disposition Disposition;
    public TrafficClass Class;
}

/// <summary>Growable array of <see cref="CallRow"/>; adding a call checks for cancellation every 65,536 calls.</summary>
internal sealed class CallBuffer(int capacity, CancellationToken cancellationToken = default)
{
    private const int CancellationCheckMask = (1 << 16) - 1;

    private CallRow[] _rows = new CallRow[Math.Max(capacity, 16)];

    public int Count { get; private set; }

    public CallRow[] Rows => _rows;

    public void Add(in CallRow row)
    {
        if (Count == _rows.Length)
            Array.Resize(ref _rows, _rows.Length * 2);
        if ((Count & CancellationCheckMask) == 0)
            cancellationToken.ThrowIfCancellationRequested(); // the class generators add every call here: the one place to look
        _rows[Count++] = row;
    }
}
