using System.Diagnostics;
using System.Globalization;

namespace FraudStream.Kafka.Processing;

/// <summary>
/// Keeps the Kafka clients' repeated complaints from flooding the log. While a broker is unreachable, librdkafka reports
/// every failed connection attempt (several a second, from each client) as an error and again as a log line. The first
/// report of a kind (a client and an error code, or a client and a log facility) is logged; the same kind again within
/// the interval is only counted, and the next one logged after it says how many were not.
/// </summary>
/// <remarks>The clients report from their own threads: the few reports there are take a lock.</remarks>
internal sealed class RepeatFilter(TimeSpan interval, Func<long>? clock = null)
{
    private readonly long _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
    private readonly Func<long> _clock = clock ?? Stopwatch.GetTimestamp;
    private readonly Dictionary<(string Client, string Kind), Seen> _seen = [];
    private readonly Lock _lock = new();

    /// <summary>
    /// Whether to log this report now; <paramref name="repeats"/> is how many of its kind were not logged since the last
    /// one that was (0 for the first).
    /// </summary>
    public bool ShouldLog(string client, string kind, out long repeats)
    {
        var now = _clock();
        lock (_lock)
        {
            if (_seen.TryGetValue((client, kind), out var seen))
            {
                if (now - seen.LoggedAt < _intervalTicks)
                {
                    seen.Repeats++;
                    repeats = 0;
                    return false;
                }
                repeats = seen.Repeats;
                seen.LoggedAt = now;
                seen.Repeats = 0;
                return true;
            }
            _seen[(client, kind)] = new Seen { LoggedAt = now };
            repeats = 0;
            return true;
        }
    }

    /// <summary>Forgets what was logged (the problem cleared), so that the next report of any kind is logged at once.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _seen.Clear();
        }
    }

    /// <summary>What to append to a logged report about the <paramref name="repeats"/> not logged before it ("" for none).</summary>
    public static string Describe(long repeats) => repeats == 0 ? ""
        : string.Create(CultureInfo.InvariantCulture, $" ({repeats} more like it since the last one logged)");

    private sealed class Seen
    {
        public long LoggedAt;
        public long Repeats;
    }
}
