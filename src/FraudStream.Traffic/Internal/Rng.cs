namespace FraudStream.Traffic.Internal;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: a fixed, documented algorithm, so a seed
/// gives the same stream on every .NET version (System.Random's algorithm is unspecified).
/// </summary>
internal sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpare;

    public Rng(ulong seed, ulong stream = 0)
    {
        ulong x = seed ^ (stream * 0xD1B54A32D192ED03UL);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
            _s0 = 1;
    }

    /// <summary>A generator for a named sub-stream, independent of how much this one has been used.</summary>
    public static Rng For(ulong seed, string stream)
    {
        // FNV-1a of the stream name: stable across runs and platforms (string.GetHashCode is randomised).
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in stream)
        {
            h ^= c;
            h *= 0x100000001B3UL;
        }
        return new Rng(seed, h);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) (Lemire's multiply-shift with rejection; no modulo bias).</summary>
    public int Next(int n)
    {
        if (n <= 1)
            return 0;
        return (int)NextBelow((ulong)n);
    }

    /// <summary>Uniform integer in [lo, hi] inclusive.</summary>
    public int Between(int lo, int hi) => lo + Next(hi - lo + 1);

    public ulong NextBelow(ulong n)
    {
        ulong x = NextULong();
        UInt128 m = (UInt128)x * n;
        ulong l = (ulong)m;
        if (l < n)
        {
            ulong t = (0 - n) % n;
            while (l < t)
            {
                x = NextULong();
                m = (UInt128)x * n;
                l = (ulong)m;
            }
        }
        return (ulong)(m >> 64);
    }

    public bool Chance(double p) => NextDouble() < p;

    public double Uniform(double lo, double hi) => lo + ((hi - lo) * NextDouble());

    /// <summary>Standard normal (Marsaglia's polar method).</summary>
    public double Normal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareNormal;
        }
        double u, v, s;
        do
        {
            u = (2 * NextDouble()) - 1;
            v = (2 * NextDouble()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);
        double f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareNormal = v * f;
        _hasSpare = true;
        return u * f;
    }

    public double Normal(double mean, double sd) => mean + (sd * Normal());

    /// <summary>Log-normal given its median and the sigma of the underlying normal.</summary>
    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * Normal());

    /// <summary>Log-normal, redrawn a few times when outside [lo, hi], then folded into the range.</summary>
    public double LogNormalIn(double median, double sigma, double lo, double hi)
    {
        for (int i = 0; i < 8; i++)
        {
            double x = LogNormal(median, sigma);
            if (x >= lo && x <= hi)
                return x;
        }
        return Uniform(lo, hi);
    }

    public double Exponential(double mean) => -mean * Math.Log(1 - NextDouble());

    /// <summary>Poisson variate (Knuth for small means, rounded normal for large ones).</summary>
    public int Poisson(double mean)
    {
        if (mean <= 0)
            return 0;
        if (mean > 40)
            return Math.Max(0, (int)Math.Round(Normal(mean, Math.Sqrt(mean))));
        double l = Math.Exp(-mean), p = 1;
        int k = 0;
        do
        {
            k++;
            p *= NextDouble();
        }
        while (p > l);
        return k - 1;
    }

    /// <summary>Index drawn from a cumulative weight table (last entry = total).</summary>
    public int Pick(ReadOnlySpan<double> cumulative)
    {
        double x = NextDouble() * cumulative[^1];
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > x)
                hi = mid;
            else
                lo = mid + 1;
        }
        return lo;
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}
