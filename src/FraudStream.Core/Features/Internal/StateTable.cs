using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FraudStream.Features.Internal;

/// <summary>An entry of a <see cref="StateTable{TEntry}"/>: a 64-bit key (0 = empty slot) and its last event time.</summary>
internal interface IStateEntry
{
    /// <summary>The key; 0 marks an empty slot (keys are remapped so that 0 never occurs).</summary>
    ulong Key { get; set; }

    /// <summary>Event time of the newest call folded in, in seconds since the featurizer epoch.</summary>
    int LastSeen { get; set; }
}

/// <summary>
/// A bounded open-addressing hash table (linear probing, backward-shift deletion, no tombstones) of
/// struct entries keyed by <see cref="ulong"/>. Grows by doubling up to the slot count its key cap
/// needs; when the cap is reached, inserting a new key first evicts the least recently seen of a
/// bounded sample of entries at a clock hand. Idle entries are removed by an incremental sweep.
/// </summary>
internal sealed class StateTable<TEntry>
    where TEntry : struct, IStateEntry
{
    /// <summary>Most occupied slots per slot before the table doubles (and the cap's sizing).</summary>
    public const double MaxLoad = 0.75;

    /// <summary>Occupied entries compared when evicting for the cap.</summary>
    public const int CapSample = 16;

    /// <summary>Most slots scanned to find <see cref="CapSample"/> occupied ones.</summary>
    private const int CapScanLimit = 1024;

    /// <summary>The x64 cache line, the step of <see cref="PrefetchSlots"/>.</summary>
    private const int CacheLineBytes = 64;

    /// <summary>Most slots <see cref="Sweep"/> prefetches for its next pass.</summary>
    private const int MaxPrefetchSlots = 64;

    private const ulong KeyMultiplier = 0x9E3779B97F4A7C15UL;

    private const ulong ZeroKeySubstitute = 0x5851F42D4C957F2DUL;

    private TEntry[] _slots;
    private int _shift;
    private int _mask;
    private int _growAt;
    private int _sweepCursor;
    private int _clockHand;

    public StateTable(int initialKeys, int maxKeys)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialKeys, 1);
        MaxKeys = maxKeys;
        MaxSlots = SlotsFor(maxKeys);
        var slots = Math.Min(SlotsFor(Math.Min(initialKeys, maxKeys)), MaxSlots);
        _slots = new TEntry[slots];
        SetGeometry(slots);
    }

    /// <summary>The hard cap on keys.</summary>
    public int MaxKeys { get; }

    /// <summary>Slots at the cap (a power of two).</summary>
    public int MaxSlots { get; }

    public int Count { get; private set; }

    public int Slots => _slots.Length;

    /// <summary>Entries removed by the idle sweep.</summary>
    public long IdleEvictions { get; private set; }

    /// <summary>Entries removed to make room for a new key at the cap.</summary>
    public long CapEvictions { get; private set; }

    /// <summary>Bytes held by the slot array.</summary>
    public long Bytes => (long)_slots.Length * Unsafe.SizeOf<TEntry>();

    public static int EntryBytes => Unsafe.SizeOf<TEntry>();

    /// <summary>Maps a raw key to a stored key (never 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong NormalizeKey(ulong key) => key == 0 ? ZeroKeySubstitute : key;

    /// <summary>
    /// Asks the CPU to start loading the home slot of <paramref name="key"/> (normalized) into cache, so that
    /// the misses of several tables' lookups overlap instead of following one another. Only a hint: a no-op
    /// without SSE, and harmless if the table changes (or the collector moves it) before the lookup, since a
    /// prefetch of a stale address never faults.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(ulong key)
    {
        if (Sse.IsSupported)
        {
            ref var slot = ref _slots[Home(key)];
            var start = (byte*)Unsafe.AsPointer(ref slot);
            Sse.Prefetch0(start);
            // An entry that straddles a cache line needs its second line too (the probe reads the key, the
            // update the whole entry); the address of the entry's last byte is in that line.
            Sse.Prefetch0(start + (Unsafe.SizeOf<TEntry>() - 1));
        }
    }

    /// <summary>The entry for <paramref name="key"/> (normalized), or a null reference.</summary>
    public ref TEntry Find(ulong key)
    {
        var slots = _slots;
        var i = Home(key);
        while (true)
        {
            ref var entry = ref slots[i];
            var k = entry.Key;
            if (k == key)
            {
                return ref entry;
            }
            if (k == 0)
            {
                return ref Unsafe.NullRef<TEntry>();
            }
            i = (i + 1) & _mask;
        }
    }

    /// <summary>
    /// The entry for <paramref name="key"/> (normalized); when absent, a zeroed entry with the key set
    /// and <paramref name="added"/> true. The reference is valid until the next call that adds or removes.
    /// </summary>
    public ref TEntry GetOrAdd(ulong key, out bool added)
    {
        ref var found = ref Find(key);
        if (!Unsafe.IsNullRef(ref found))
        {
            added = false;
            return ref found;
        }
        added = true;
        return ref AddNew(key);
    }

    /// <summary>Removes up to one pass of <paramref name="slotCount"/> slots' idle entries (last seen before <paramref name="cutoff"/>).</summary>
    public void Sweep(int cutoff, int slotCount)
    {
        var slots = _slots;
        var i = _sweepCursor & _mask;
        for (var n = 0; n < slotCount; n++)
        {
            ref var entry = ref slots[i];
            if (entry.Key != 0 && entry.LastSeen < cutoff)
            {
                // The backward shift may move a later entry into slot i: look at slot i again.
                RemoveAt(i);
                IdleEvictions++;
                continue;
            }
            i = (i + 1) & _mask;
        }
        _sweepCursor = i;
        // The next pass of the per-call sweep (a few slots); not the rest of a table after a full pass.
        PrefetchSlots(i, Math.Min(slotCount, MaxPrefetchSlots));
    }

    /// <summary>
    /// Asks the CPU to start loading <paramref name="count"/> slots from <paramref name="first"/> (up to the end of the
    /// array): the next pass of <see cref="Sweep"/>, which then finds them in cache instead of waiting for memory. The
    /// sweep's few slots per call are too far apart in time for the CPU's own sequential prefetcher. Only a hint, as
    /// <see cref="Prefetch"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void PrefetchSlots(int first, int count)
    {
        if (Sse.IsSupported)
        {
            var slots = _slots;
            var last = Math.Min(first + count, slots.Length) - 1;
            if (last < first)
            {
                return;
            }
            var start = (byte*)Unsafe.AsPointer(ref slots[first]);
            var end = (byte*)Unsafe.AsPointer(ref slots[last]) + (Unsafe.SizeOf<TEntry>() - 1);
            for (var line = start; line <= end; line += CacheLineBytes)
            {
                Sse.Prefetch0(line);
            }
            // The loop's steps may skip the line holding the last byte.
            Sse.Prefetch0(end);
        }
    }

    /// <summary>Removes every idle entry (a full pass); returns how many.</summary>
    public int SweepAll(int cutoff)
    {
        var before = IdleEvictions;
        // Two passes over the slots: a backward shift can move an entry from the start of the array
        // (wrapped probe run) into the last slots after the first pass has gone by.
        _sweepCursor = 0;
        Sweep(cutoff, _slots.Length);
        Sweep(cutoff, _slots.Length);
        return (int)(IdleEvictions - before);
    }

    // Rare path: growth or eviction for the cap, kept out of GetOrAdd's inlined body.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ref TEntry AddNew(ulong key)
    {
        if (Count + 1 > _growAt)
        {
            if (_slots.Length < MaxSlots)
            {
                Grow();
            }
        }
        if (Count >= MaxKeys)
        {
            EvictForCap();
        }
        var slots = _slots;
        var i = Home(key);
        while (slots[i].Key != 0)
        {
            i = (i + 1) & _mask;
        }
        ref var entry = ref slots[i];
        entry = default;
        entry.Key = key;
        Count++;
        return ref entry;
    }

    private void EvictForCap()
    {
        var slots = _slots;
        var hand = _clockHand & _mask;
        var victim = -1;
        var oldest = int.MaxValue;
        var seen = 0;
        for (var n = 0; n < CapScanLimit && seen < CapSample; n++)
        {
            ref var entry = ref slots[hand];
            if (entry.Key != 0)
            {
                seen++;
                if (entry.LastSeen < oldest)
                {
                    oldest = entry.LastSeen;
                    victim = hand;
                }
            }
            hand = (hand + 1) & _mask;
        }
        _clockHand = hand;
        if (victim < 0)
        {
            // Only for a sparse table (a tiny cap): the table holds MaxKeys >= 1 entries, find one.
            for (victim = 0; slots[victim].Key == 0; victim++)
            {
            }
        }
        RemoveAt(victim);
        CapEvictions++;
    }

    private void Grow()
    {
        var old = _slots;
        var slots = new TEntry[old.Length * 2];
        _slots = slots;
        SetGeometry(slots.Length);
        for (var j = 0; j < old.Length; j++)
        {
            ref var entry = ref old[j];
            if (entry.Key == 0)
            {
                continue;
            }
            var i = Home(entry.Key);
            while (slots[i].Key != 0)
            {
                i = (i + 1) & _mask;
            }
            slots[i] = entry;
        }
    }

    /// <summary>Backward-shift deletion: keeps every probe run unbroken without tombstones.</summary>
    private void RemoveAt(int hole)
    {
        var slots = _slots;
        var j = hole;
        while (true)
        {
            j = (j + 1) & _mask;
            var key = slots[j].Key;
            if (key == 0)
            {
                break;
            }
            var home = Home(key);
            // Move the entry at j into the hole when its home is not cyclically in (hole, j].
            var distanceToHole = (hole - home) & _mask;
            var distanceToJ = (j - home) & _mask;
            if (distanceToHole < distanceToJ)
            {
                slots[hole] = slots[j];
                hole = j;
            }
        }
        slots[hole] = default;
        Count--;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(ulong key) => (int)((key * KeyMultiplier) >> _shift);

    private void SetGeometry(int slots)
    {
        _mask = slots - 1;
        _shift = 64 - BitOperations.Log2((uint)slots);
        _growAt = (int)(slots * MaxLoad);
    }

    private static int SlotsFor(int keys)
    {
        var needed = (long)Math.Ceiling(keys / MaxLoad);
        var slots = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(needed, 16));
        if (slots > 1 << 30)
        {
            throw new ArgumentOutOfRangeException(nameof(keys), "too many keys for one table");
        }
        return (int)slots;
    }
}
