namespace FraudStream.Features;

/// <summary>Size of one kind of featurizer state (caller, trunk, callee or pair).</summary>
/// <param name="Keys">Keys tracked now.</param>
/// <param name="MaxKeys">The hard cap on keys.</param>
/// <param name="Slots">Slots allocated (a power of two; at most 75% are used before the table doubles).</param>
/// <param name="EntryBytes">Bytes of one slot.</param>
/// <param name="Bytes">Bytes allocated for the table: slots times entry bytes.</param>
/// <param name="IdleEvictions">Keys forgotten because they were idle longer than their retention.</param>
/// <param name="CapEvictions">Keys forgotten to make room for a new key at the cap.</param>
public readonly record struct StateKindStats(
    int Keys, int MaxKeys, int Slots, int EntryBytes, long Bytes, long IdleEvictions, long CapEvictions)
{
    /// <summary>Allocated bytes per tracked key (0 when empty).</summary>
    public double BytesPerKey => Keys == 0 ? 0 : (double)Bytes / Keys;
}

/// <summary>A snapshot of the featurizer's state size.</summary>
/// <param name="Calls">Calls featurized.</param>
/// <param name="Callers">Per presented caller number.</param>
/// <param name="Trunks">Per ingress trunk.</param>
/// <param name="Callees">Per dialled number.</param>
/// <param name="Pairs">Per directed caller-callee pair.</param>
public readonly record struct FeaturizerStats(
    long Calls, StateKindStats Callers, StateKindStats Trunks, StateKindStats Callees, StateKindStats Pairs)
{
    /// <summary>Keys of all kinds.</summary>
    public long TotalKeys => (long)Callers.Keys + Trunks.Keys + Callees.Keys + Pairs.Keys;

    /// <summary>Bytes of all tables (the state; fixed-size reference data is not counted).</summary>
    public long TotalBytes => Callers.Bytes + Trunks.Bytes + Callees.Bytes + Pairs.Bytes;
}
