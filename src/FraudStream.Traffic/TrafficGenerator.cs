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
    /// <remarks>A cancelled run stops within 65,536 calls (or one sort) and leaves whatever it had written in the streams.</remarks>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static TrafficSummary Generate(TrafficOptions options, Stream calls, Stream labels, Action<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(calls);
        ArgumentNullException.ThrowIfNull(labels);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();

        var ctx = new GenContext(options, cancellationToken);
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

        int[] order = Arrange(ctx, Rng.For(options.Seed, "disorder"), cancellationToken);
        progress?.Invoke("sorted by arrival");
        new OutputWriter(ctx, Rng.For(options.Seed, "format")).Write(order, calls, labels, progress, cancellationToken);

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

    /// <summary>
    /// Writes <c>calls.ndjson</c> and <c>labels.csv</c> into the directory (created when missing). Both are written
    /// under temporary names in the directory and renamed only when complete, so a run that fails or is cancelled
    /// leaves no partial file under the final names (and removes its temporary files); files of an earlier run are
    /// replaced only by complete ones.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static TrafficSummary GenerateToDirectory(TrafficOptions options, string directory, Action<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(directory);
        string callsPath = Path.Combine(directory, CallsFileName), labelsPath = Path.Combine(directory, LabelsFileName);
        string callsTemp = TemporaryName(callsPath), labelsTemp = TemporaryName(labelsPath);
        try
        {
            TrafficSummary summary;
            using (var calls = new FileStream(callsTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var labels = new FileStream(labelsTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                summary = Generate(options, calls, labels, progress, cancellationToken);
            }
            cancellationToken.ThrowIfCancellationRequested();
            // Labels first: readers start from calls.ndjson, which appears (or is replaced) last.
            File.Move(labelsTemp, labelsPath, overwrite: true);
            File.Move(callsTemp, callsPath, overwrite: true);
            return summary;
        }
        finally
        {
            DeleteQuietly(callsTemp);
            DeleteQuietly(labelsTemp);
        }
    }

    /// <summary>A hidden name beside <paramref name="path"/>, unique to this run, that no reader takes for the finished file.</summary>
    private static string TemporaryName(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path); // no error when it is not there (renamed, or never created)
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Cleaning up after a failure must not hide the failure.
        }
    }

    /// <summary>
    /// Stream order: each call's arrival is its start plus a delay (zero for most calls, otherwise exponential and
    /// capped below five seconds); sorting by arrival puts no record more than the cap after a later-starting one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] Arrange(GenContext ctx, Rng rng, CancellationToken cancellationToken)
    {
        TrafficOptions o = ctx.Options;
        int n = ctx.Calls.Count;
        CallRow[] rows = ctx.Calls.Rows;
        var keys = new long[n];
        var order = new int[n];
        double cap = o.MaxDisorder.TotalMilliseconds, mean = o.DisorderMean.TotalMilliseconds;
        for (int i = 0; i < n; i++)
        {
            if ((i & 0xFFFF) == 0)
                cancellationToken.ThrowIfCancellationRequested();
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
