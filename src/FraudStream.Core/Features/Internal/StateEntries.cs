using System.Runtime.InteropServices;

namespace FraudStream.Features.Internal;

// Per-key state. Each decayed sum is an exponentially decayed count or total with the time constant
// in its name (see Featurizer): O(1) memory per key, no ring buffers. Sums that share a time
// constant share the entry's LastSeen.

/// <summary>State per presented caller number (56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CallerEntry : IStateEntry
{
    public ulong Key { get; set; }

    /// <summary>Callee of the caller's previous call (by arrival), for sequential dialling.</summary>
    public ulong LastCallee;

    public int LastSeen { get; set; }

    /// <summary>Low 32 bits of the hash of the trunk of the caller's previous call.</summary>
    public uint LastTrunk;

    public float Calls10m;
    public float Calls24h;
    public float NewCallees24h;
    public float Answered24h;
    public float Short24h;
    public float TalkSeconds24h;
    public float Sequential24h;
    public float Callbacks24h;
}

/// <summary>State per ingress trunk (88 bytes with padding).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TrunkEntry : IStateEntry
{
    public ulong Key { get; set; }

    /// <summary>Callee of the trunk's previous call (by arrival), for sequential dialling.</summary>
    public ulong LastCallee;

    public int LastSeen { get; set; }

    /// <summary>Event time of the trunk's first call, for the warm-up correction of its rates.</summary>
    public int FirstSeen;

    public float Calls1m;
    public float Calls1h;
    public float Calls24h;
    public float NewCallers1h;
    public float Answered1h;

    /// <summary>Calls not attested A, and those of them answered.</summary>
    public float NotA1h;
    public float NotAAnswered1h;

    /// <summary>Blast-like calls: not attested A and not answered for at least 30 s.</summary>
    public float Blast1h;
    public float Short1h;
    public float TalkSeconds1h;
    public float NpaNxxMatch1h;
    public float UnsignedOrC1h;
    public float Sequential1h;
    public float OriginMismatch1h;
    public float Callbacks1h;
}

/// <summary>State per dialled number (40 bytes with padding).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CalleeEntry : IStateEntry
{
    public ulong Key { get; set; }

    public int LastSeen { get; set; }

    public float Calls1h;
    public float Calls24h;
    public float NewCallers24h;
    public float ForeignOrigin24h;
    public float Unsigned24h;

    /// <summary>Exponentially decaying maximum of the suspicion of the trunks that called this number.</summary>
    public float SuspiciousTrunk24h;
}

/// <summary>State per directed caller-to-callee pair (24 bytes with padding).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PairEntry : IStateEntry
{
    public ulong Key { get; set; }

    public int LastSeen { get; set; }

    public float Calls7d;
    public float TalkSeconds7d;
}
