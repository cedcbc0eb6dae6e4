using System.Runtime.CompilerServices;
using FraudStream.Features.Internal;

namespace FraudStream.Core.Tests.Features;

public sealed class StateTableTests
{
    [Fact]
    public void Table_agrees_with_a_dictionary_through_growth_and_sweeps()
    {
        var random = new Random(42);
        var table = new StateTable<PairEntry>(initialKeys: 4, maxKeys: 1_000_000);
        var model = new Dictionary<ulong, int>();
        var now = 0;
        for (var step = 0; step < 50_000; step++)
        {
            now += random.Next(3);
            // A small key universe, including 0, so keys collide, repeat and get removed and re-added.
            var key = StateTable<PairEntry>.NormalizeKey((ulong)random.Next(5_000) * (random.Next(2) == 0 ? 1UL : 0x1_0000_0000UL));
            ref var entry = ref table.GetOrAdd(key, out var added);
            Assert.Equal(!model.ContainsKey(key), added);
            entry.LastSeen = now;
            model[key] = now;

            if (step % 997 == 0)
            {
                // A partial sweep removes some idle entries and nothing else.
                var cutoff = now - 500;
                table.Sweep(cutoff, random.Next(64));
                foreach (var k in model.Keys.ToList())
                {
                    if (Unsafe.IsNullRef(ref table.Find(k)))
                    {
                        Assert.True(model[k] < cutoff, "only idle entries are swept");
                        model.Remove(k);
                    }
                }
                Assert.Equal(model.Count, table.Count);
            }
            if (step % 5_000 == 4_999)
            {
                var cutoff = now - 2_000;
                table.SweepAll(cutoff);
                foreach (var stale in model.Where(p => p.Value < cutoff).Select(p => p.Key).ToList())
                {
                    model.Remove(stale);
                }
                Assert.Equal(model.Count, table.Count);
                foreach (var (k, lastSeen) in model)
                {
                    ref var found = ref table.Find(k);
                    Assert.False(Unsafe.IsNullRef(ref found));
                    Assert.Equal(lastSeen, found.LastSeen);
                }
            }
        }
        Assert.True(table.Slots > 16); // it grew
        Assert.True(table.IdleEvictions > 0);
        Assert.True(Unsafe.IsNullRef(ref table.Find(StateTable<PairEntry>.NormalizeKey(123_456_789))));
    }

    [Fact]
    public void Table_never_exceeds_its_cap_and_counts_cap_evictions()
    {
        var table = new StateTable<PairEntry>(initialKeys: 8, maxKeys: 50);
        for (var i = 1; i <= 500; i++)
        {
            ref var entry = ref table.GetOrAdd((ulong)i, out var added);
            Assert.True(added);
            entry.LastSeen = i;
            Assert.True(table.Count <= 50);
        }
        Assert.Equal(50, table.Count);
        Assert.Equal(450, table.CapEvictions);
        Assert.Equal(128, table.Slots); // the cap's slot count: next power of two of 50 / 0.75
        // The newest key is never the oldest of a 16-entry sample.
        Assert.False(Unsafe.IsNullRef(ref table.Find(500)));
    }

    [Fact]
    public void Zero_is_never_a_stored_key()
    {
        Assert.NotEqual(0UL, StateTable<PairEntry>.NormalizeKey(0));
        Assert.Equal(42UL, StateTable<PairEntry>.NormalizeKey(42));
    }
}
