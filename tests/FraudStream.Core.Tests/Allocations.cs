namespace FraudStream.Core.Tests;

/// <summary>Bytes a piece of code allocates on this thread, for the tests that hold a path to 0.</summary>
internal static class Allocations
{
    /// <summary>
    /// The least that <paramref name="round"/> allocated in three runs. A real allocation on the path recurs in every
    /// run, while the runtime's own one-off work (tiered compilation replacing a method mid-run, seen now and then in
    /// a full parallel test run) lands in one run at most.
    /// </summary>
    public static long LeastOfThree(Action round)
    {
        var least = long.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            round();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
