using System.Runtime.CompilerServices;
using FraudStream.Traffic.Internal;

namespace FraudStream.Traffic;

/// <summary>Result of a generator run.</summary>
public sealed record TrafficSummary(int Calls, int Fraud, int Campaigns, IReadOnlyList<int> ClassCounts)
{
    /// <summary>Number of calls of one class.</summary>
    public int Count(TrafficClass c) => ClassCounts[(int)c];
}

/// <summary>
/// Generates synthetic call traffic (contract NDJSON) with ground-truth labels (CSV), following the traffic model.
/// The same options give byte-identical output.
/// </summary>
public static class TrafficGenerator
{
    /// <summary>File names written by <see cref="GenerateToDirectory"/>.</summary>
    public const string CallsFileName = "calls.ndjson", LabelsFileName = "labels.csv";

    /// <summary>Generates the traffic and writes the calls and the labels to the streams (left open).</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static TrafficSummary Generate(TrafficOptions options, Stream calls, Stream labels, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(calls);
        ArgumentNullException.ThrowIfNull(labels);
        options.Validate();

        var ctx = new GenContext(options);
        int[] quota = options.ClassQuotas();
        Rng For(TrafficClass c) => Rng.For(options.Seed, c.Name());

        // Offshore callbacks first: the customers' own calls to the company numbers come out of the domestic quota.
        int inbound = LegitTraffic.OffshoreService(ctx, For(TrafficClass.LegitOffshoreService), quota[(int)TrafficClass.LegitOffshoreService], quota[(int)TrafficClass.LegitDomestic]);
        LegitTraffic.Domestic(ctx, For(TrafficClass.LegitDomestic), quota[(int)TrafficClass.LegitDomestic] - inbound);
        LegitTraffic.Business(ctx, For(TrafficClass.LegitBusiness), quota[(int)TrafficClass.LegitBusiness]);
        LegitTraffic.Alerts(ctx, For(TrafficClass.LegitAlerts), quota[(int)TrafficClass.LegitAlerts]);
        LegitTraffic.Family(ctx, For(TrafficClass.LegitInternationalFamily), quota[(int)TrafficClass.LegitInternationalFamily]);
        ScamTraffic.Blast(ctx, For(TrafficClass.GovernmentImpersonation), quota[(int)TrafficClass.GovernmentImpersonation], TrafficClass.GovernmentImpersonation);
        ScamTraffic.Blast(ctx, For(TrafficClass.TechSupport), quota[(int)TrafficClass.TechSupport], TrafficClass.TechSupport);
        ScamTraffic.NeighborSpoofing(ctx, For(TrafficClass.NeighborSpoofing), quota[(int)TrafficClass.NeighborSpoofing]);
        ScamTraffic.Wangiri(ctx, For(TrafficClass.Wangiri), quota[(int)TrafficClass.Wangiri]);
        ScamTraffic.Robocall(ctx, For(TrafficClass.RobocallBurst), quota[(int)TrafficClass.RobocallBurst]);

        int n = ctx.Calls.Count;
        if (n != options.Calls)
            throw new InvalidOperationException($"generator made {n} calls instead of {options.Calls}");
        progress?.Invoke($"generated {n} calls in {ctx.Campaigns.Count} campaigns");

        int[] order = Arrange(ctx, Rng.For(options.Seed, "disorder"));
        progress?.Invoke("sorted by arrival");
        new OutputWriter(ctx, Rng.For(options.Seed, "format")).Write(order, calls, labels, progress);

        var counts = new int[TrafficClasses.All.Count];
        var used = new bool[ctx.Campaigns.Count];
        CallRow[] rows = ctx.Calls.Rows;
        for (int i = 0; i < n; i++)
        {
            counts[(int)rows[i].Class]++;
            if (rows[i].Campaign >= 0)
                used[rows[i].Campaign] = true;
        }
        int fraud = TrafficClasses.All.Where(c => c.IsFraud()).Sum(c => counts[(int)c]);
        return new TrafficSummary(n, fraud, used.Count(u => u), counts);
    }

    /// <summary>Writes <c>calls.ndjson</c> and <c>labels.csv</c> into the directory (created when missing).</summary>
    public static TrafficSummary GenerateToDirectory(TrafficOptions options, string directory, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(directory);
        using var calls = new FileStream(Path.Combine(directory, CallsFileName), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var labels = new FileStream(Path.Combine(directory, LabelsFileName), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        return Generate(options, calls, labels, progress);
    }

    /// <summary>
    /// Stream order: each call's arrival is its start plus a delay (zero for most calls, otherwise exponential and
    /// capped below five seconds); sorting by arrival puts no record more than the cap after a later-starting one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] Arrange(GenContext ctx, Rng rng)
    {
        TrafficOptions o = ctx.Options;
        int n = ctx.Calls.Count;
        CallRow[] rows = ctx.Calls.Rows;
        var keys = new long[n];
        var order = new int[n];
        double cap = o.MaxDisorder.TotalMilliseconds, mean = o.DisorderMean.TotalMilliseconds;
        for (int i = 0; i < n; i++)
        {
            double delay = 0;
            if (cap > 0 && rng.Chance(o.DisorderShare))
            {
                delay = rng.Exponential(mean);
                if (delay > cap)
                    delay = rng.Uniform(0, cap);
            }
            keys[i] = rows[i].StartMs + (long)delay;
            order[i] = i;
        }
        Array.Sort(keys, order);
        return order;
    }
}
