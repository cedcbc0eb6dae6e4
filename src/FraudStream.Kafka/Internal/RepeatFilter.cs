using System.Globalization;

namespace FraudStream.Kafka.Internal;

/// <summary>
/// Keeps the Kafka clients' repeated complaints from flooding a log. While a broker is unreachable, librdkafka reports
/// every failed connection attempt (several a second, from each client) as an error and again as a log line. The
/// first report of a kind passes; the same kind again within the window is only counted, and the next one that passes
/// after it says how many were held back.
/// </summary>
/// <remarks>Thread-safe: librdkafka calls the log and error handlers from its own threads, and there are few reports.</remarks>
internal sealed class RepeatFilter(TimeProvider time, TimeSpan window)
{
    /// <summary>The most kinds remembered; past it the memory starts afresh (lines with names in them vary).</summary>
    private const int MaxKinds = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Kind> _kinds = new(StringComparer.Ordinal);
    private long _suppressed;

    /// <summary>Reports held back so far, all kinds together.</summary>
    public long Suppressed
    {
        get
        {
            lock (_gate)
            {
                return _suppressed;
            }
        }
    }

    /// <summary>
    /// Whether a report of <paramref name="kind"/> passes now; <paramref name="held"/> is how many of its kind were
    /// held back since the last one that passed (0 for the first).
    /// </summary>
    public bool ShouldPass(string kind, out long held)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_kinds.TryGetValue(kind, out var seen))
            {
                if (time.GetElapsedTime(seen.PassedAt, now) < window)
                {
                    seen.Held++;
                    _suppressed++;
                    held = 0;
                    return false;
                }
                held = seen.Held;
                seen.PassedAt = now;
                seen.Held = 0;
                return true;
            }
            if (_kinds.Count >= MaxKinds)
            {
                _kinds.Clear();
            }
            _kinds[kind] = new Kind { PassedAt = now };
            held = 0;
            return true;
        }
    }

    /// <summary>
    /// A log line to write now (with the count held back since the last one of its kind), or null to hold it back.
    /// Lines that differ only in their numbers are of one kind ("after 0ms", "5 identical error(s) suppressed").
    /// </summary>
    public string? Pass(string line) => ShouldPass(Shape(line), out var held) ? line + Describe(held) : null;

    /// <summary>Forgets what passed (the problem cleared), so that the next report of any kind passes at once.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _kinds.Clear();
        }
    }

    /// <summary>What to append to a report that passed about the <paramref name="held"/> held back before it ("" for none).</summary>
    public static string Describe(long held) => held == 0 ? ""
        : string.Create(CultureInfo.InvariantCulture, $" ({held} more like it since the last one logged)");

    /// <summary>
    /// The line with every run of digits replaced by <c>#</c>, and without librdkafka's own count of the repeats it
    /// held back (<c>, 4 identical error(s) suppressed</c>).
    /// </summary>
    private static string Shape(string line)
    {
        var shape = new System.Text.StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            if (char.IsAsciiDigit(line[i]))
            {
                if (i == 0 || !char.IsAsciiDigit(line[i - 1]))
                {
                    shape.Append('#');
                }
            }
            else
            {
                shape.Append(line[i]);
            }
        }
        return shape.Replace(", # identical error(s) suppressed", "").ToString();
    }

    private sealed class Kind
    {
        public long PassedAt;
        public long Held;
    }
}
