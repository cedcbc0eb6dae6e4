using System.Diagnostics;

namespace FraudStream.Kafka.Internal;

/// <summary>
/// A token bucket that paces a loop at a steady rate: tokens accrue continuously, and the bucket holds
/// only 10 ms worth (at least one and a half), so there is no burst after a pause longer than that.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _ratePerTick;
    private readonly double _capacity;
    private double _tokens;
    private long _last;

    /// <summary>A bucket for <paramref name="perSecond"/> takes a second, starting full.</summary>
    public TokenBucket(double perSecond)
    {
        if (!double.IsFinite(perSecond) || perSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(perSecond), perSecond, "the rate must be a positive number");
        }
        _ratePerTick = perSecond / Stopwatch.Frequency;
        _capacity = Math.Max(1.5, perSecond / 100); // 1.5: a late wake-up's extra half token is not lost
        _tokens = 1.0;
        _last = Stopwatch.GetTimestamp();
    }

    /// <summary>Takes one token, sleeping until there is one; false when <paramref name="cancellationToken"/> fired first.</summary>
    public bool Take(CancellationToken cancellationToken)
    {
        while (true)
        {
            Refill();
            if (_tokens >= 1.0)
            {
                _tokens -= 1.0;
                return true;
            }
            // Sleep until the next token is due (at least 1 ms: the timer's grain); tokens earned meanwhile are kept.
            var waitMs = Math.Max(1, (int)Math.Ceiling((1.0 - _tokens) / _ratePerTick * 1000 / Stopwatch.Frequency));
            if (cancellationToken.WaitHandle.WaitOne(waitMs))
            {
                return false;
            }
        }
    }

    private void Refill()
    {
        var now = Stopwatch.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + ((now - _last) * _ratePerTick));
        _last = now;
    }
}
