namespace FraudStream.Traffic.Internal;

/// <summary>A set of active intervals inside the window, addressable as one continuous stretch of time.</summary>
internal sealed class Timeline
{
    private readonly long[] _starts;
    private readonly long[] _ends;
    private readonly long[] _cumulative; // active milliseconds before each segment

    private Timeline(List<(long Start, long End)> segments)
    {
        _starts = [.. segments.Select(s => s.Start)];
        _ends = [.. segments.Select(s => s.End)];
        _cumulative = new long[segments.Count + 1];
        for (int i = 0; i < segments.Count; i++)
            _cumulative[i + 1] = _cumulative[i] + (_ends[i] - _starts[i]);
    }

    /// <summary>Total active milliseconds.</summary>
    public long Length => _cumulative[^1];

    public bool IsEmpty => Length == 0;

    /// <summary>Builds the timeline of window minutes for which <paramref name="active"/> holds (tested at each minute's start).</summary>
    public static Timeline Build(long windowStart, long windowEnd, Func<long, bool> active)
    {
        const long Step = 60_000;
        var segments = new List<(long, long)>();
        long open = -1;
        for (long t = windowStart; t < windowEnd; t += Step)
        {
            bool on = active(t);
            if (on && open < 0)
                open = t;
            else if (!on && open >= 0)
            {
                segments.Add((open, t));
                open = -1;
            }
        }
        if (open >= 0)
            segments.Add((open, windowEnd));
        return new Timeline(segments);
    }

    public static Timeline Whole(long windowStart, long windowEnd) => new([(windowStart, windowEnd)]);

    /// <summary>The instant at active offset <paramref name="position"/> (0 to <see cref="Length"/>).</summary>
    public long Map(long position)
    {
        position = Math.Clamp(position, 0, Math.Max(0, Length - 1));
        int i = Array.BinarySearch(_cumulative, position);
        i = i >= 0 ? i : ~i - 1;
        i = Math.Min(i, _starts.Length - 1);
        return _starts[i] + (position - _cumulative[i]);
    }

    /// <summary>The first active instant at or after <paramref name="t"/>, or -1 when there is none.</summary>
    public long NextActive(long t)
    {
        for (int i = 0; i < _starts.Length; i++)
        {
            if (_ends[i] > t)
                return Math.Max(t, _starts[i]);
        }
        return -1;
    }

    public bool Contains(long t)
    {
        for (int i = 0; i < _starts.Length; i++)
        {
            if (t >= _starts[i] && t < _ends[i])
                return true;
        }
        return false;
    }
}
