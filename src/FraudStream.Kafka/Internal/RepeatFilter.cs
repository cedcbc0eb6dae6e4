using System.Globalization;

namespace FraudStream.Kafka.Internal;

/// <summary>
/// Holds back client log lines that repeat: a line passes the first time, then at most once per window, saying
/// how many like it were held back meanwhile. Lines that differ only in their numbers count as the same
/// ("after 0ms", "5 identical error(s) suppressed"): an unreachable broker otherwise logs several lines a second.
/// </summary>
/// <remarks>Thread-safe: librdkafka calls the log and error handlers from its own threads.</remarks>
internal sealed class RepeatFilter(TimeProvider time, TimeSpan window)
{
    /// <summary>The most kinds of line remembered; past it the memory starts afresh (lines with names in them vary).</summary>
    private const int MaxKinds = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Kind> _kinds = new(StringComparer.Ordinal);
    private long _suppressed;

    /// <summary>Lines held back so far, all kinds together.</summary>
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

    /// <summary>The line to write now (with the count held back since the last one of its kind), or null to hold it back.</summary>
    public string? Pass(string line)
    {
        var key = Shape(line);
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_kinds.TryGetValue(key, out var kind))
            {
                if (time.GetElapsedTime(kind.Shown, now) < window)
                {
                    kind.Held++;
                    _suppressed++;
                    return null;
                }
                var held = kind.Held;
                kind.Shown = now;
                kind.Held = 0;
                return held == 0 ? line : string.Create(CultureInfo.InvariantCulture, $"{line} (and {held} like it before, not shown)");
            }
            if (_kinds.Count >= MaxKinds)
            {
                _kinds.Clear();
            }
            _kinds[key] = new Kind { Shown = now };
            return line;
        }
    }

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
        public long Shown;
        public long Held;
    }
}
