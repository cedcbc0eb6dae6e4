namespace FraudStream.Traffic.Internal;

/// <summary>
/// The simulated North American numbering plan: real US area codes by time zone, a set of active exchanges
/// per area code, and the carrier's subscriber lines (grouped by area code).
/// </summary>
internal sealed class NumberPlan
{
    // Real geographic area codes, by the zone most of their area lies in. Our own table (the featurizer has its own).
    private static readonly string[] AreaCodesByZone =
    [
        // Eastern
        "201 202 203 207 212 215 216 239 240 248 267 301 302 304 305 313 315 321 330 336 347 352 386 404 407 410 412 413 "
        + "434 440 443 470 478 484 502 513 516 518 540 551 561 585 603 609 610 614 617 631 646 678 703 704 716 717 718 "
        + "727 732 754 757 770 786 802 803 804 813 843 845 856 857 859 860 862 864 904 908 910 914 917 919 937 941 954 "
        + "973 978 980 984",
        // Central
        "205 210 214 217 218 224 225 251 254 262 281 309 312 314 316 318 319 320 331 346 361 402 405 409 414 417 430 469 "
        + "479 501 504 507 512 515 563 573 601 608 612 615 618 629 630 636 651 682 708 713 731 737 773 779 785 815 816 "
        + "817 830 832 847 901 903 913 918 920 936 940 952 956 972 979 985",
        // Mountain
        "208 303 307 385 406 435 505 575 719 720 801 915 970",
        // Arizona (no daylight saving)
        "480 520 602 623 928",
        // Pacific
        "206 209 213 253 310 323 360 408 415 425 503 509 510 530 541 559 562 619 626 650 661 702 707 714 725 747 760 775 "
        + "805 818 831 858 909 916 925 949 951 971",
        // Alaska
        "907",
        // Hawaii (no daylight saving)
        "808",
    ];

    // Rough shares of the US population by zone (est.).
    private static readonly double[] ZoneWeights = [0.47, 0.29, 0.05, 0.022, 0.16, 0.002, 0.004];

    /// <summary>US toll-free prefixes.</summary>
    public static readonly int[] TollFree = [800, 833, 844, 855, 866, 877, 888];

    public const ulong NanpBase = 10_000_000_000UL; // +1 followed by ten digits

    private readonly int[] _npa;            // area code per index
    private readonly int[] _zoneOfIndex;
    private readonly double[] _npaCumulative;
    private readonly ushort[][] _exchanges;  // active NXX per area code index
    private static readonly sbyte[] ZoneByNpa = BuildZoneTable();
    private readonly short[] _indexByNpa = new short[1000];
    private readonly int[][] _indicesByZone;
    private readonly ulong[] _lines;         // subscriber lines grouped by area code index
    private readonly int[] _lineStart;       // first line of each area code index (+ end sentinel)

    public NumberPlan(Rng rng, int lineCount)
    {
        Array.Fill(_indexByNpa, (short)-1);
        var npas = new List<int>();
        var zones = new List<int>();
        var weights = new List<double>();
        for (int z = 0; z < AreaCodesByZone.Length; z++)
        {
            string[] codes = AreaCodesByZone[z].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // Uneven sizes inside a zone: metros are bigger than rural codes.
            double[] w = new double[codes.Length];
            double sum = 0;
            for (int i = 0; i < codes.Length; i++)
                sum += w[i] = rng.LogNormal(1, 0.55);
            for (int i = 0; i < codes.Length; i++)
            {
                int npa = int.Parse(codes[i], System.Globalization.CultureInfo.InvariantCulture);
                _indexByNpa[npa] = (short)npas.Count;
                npas.Add(npa);
                zones.Add(z);
                weights.Add(ZoneWeights[z] * w[i] / sum);
            }
        }
        _npa = [.. npas];
        _zoneOfIndex = [.. zones];
        _npaCumulative = new double[_npa.Length];
        double acc = 0;
        for (int i = 0; i < _npa.Length; i++)
            _npaCumulative[i] = acc += weights[i];
        _indicesByZone = new int[Zones.Count][];
        for (int z = 0; z < Zones.Count; z++)
            _indicesByZone[z] = [.. Enumerable.Range(0, _npa.Length).Where(i => _zoneOfIndex[i] == z)];

        _exchanges = new ushort[_npa.Length][];
        var seen = new HashSet<int>();
        for (int i = 0; i < _npa.Length; i++)
        {
            int count = (int)Math.Clamp(rng.LogNormal(45 * Math.Sqrt(weights[i] * _npa.Length), 0.3), 12, 400);
            seen.Clear();
            var list = new ushort[count];
            for (int k = 0; k < count; k++)
            {
                int nxx;
                do
                    nxx = RandomExchange(rng);
                while (!seen.Add(nxx));
                list[k] = (ushort)nxx;
            }
            _exchanges[i] = list;
        }

        _lines = new ulong[lineCount];
        _lineStart = new int[_npa.Length + 1];
        int pos = 0;
        for (int i = 0; i < _npa.Length; i++)
        {
            _lineStart[i] = pos;
            int end = i == _npa.Length - 1 ? lineCount : (int)Math.Round(lineCount * _npaCumulative[i] / acc);
            end = Math.Max(end, pos);
            for (; pos < end; pos++)
                _lines[pos] = Compose(_npa[i], _exchanges[i][rng.Next(_exchanges[i].Length)], rng.Next(10000));
        }
        _lineStart[_npa.Length] = lineCount;
    }

    private static sbyte[] BuildZoneTable()
    {
        var table = new sbyte[1000];
        Array.Fill(table, (sbyte)-1);
        for (int z = 0; z < AreaCodesByZone.Length; z++)
        {
            foreach (string code in AreaCodesByZone[z].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                table[int.Parse(code, System.Globalization.CultureInfo.InvariantCulture)] = (sbyte)z;
        }
        return table;
    }

    /// <summary>Zone of a US area code (Eastern for toll-free and unknown codes).</summary>
    public static int ZoneOfAreaCode(int npa) => npa is >= 0 and < 1000 && ZoneByNpa[npa] >= 0 ? ZoneByNpa[npa] : Zones.Eastern;

    public int AreaCodeCount => _npa.Length;

    public int AreaCode(int index) => _npa[index];

    public int ZoneOfIndex(int index) => _zoneOfIndex[index];

    public IReadOnlyList<int> IndicesInZone(int zone) => _indicesByZone[zone];

    /// <summary>A valid central-office code: NXX with N in 2-9, not N11, not 555 or 950/958/959/976.</summary>
    public static int RandomExchange(Rng rng)
    {
        while (true)
        {
            int nxx = rng.Between(200, 999);
            if (nxx % 100 == 11 || nxx is 555 or 950 or 958 or 959 or 976)
                continue;
            return nxx;
        }
    }

    public static ulong Compose(int npa, int nxx, int line) =>
        NanpBase + ((ulong)npa * 10_000_000UL) + ((ulong)nxx * 10_000UL) + (ulong)line;

    /// <summary>Area code of a NANP number (+1 and ten digits), or -1.</summary>
    public static int AreaCodeOf(ulong number) =>
        number is >= NanpBase and < 2 * NanpBase ? (int)(number / 10_000_000UL % 1000) : -1;

    public static int ExchangeOf(ulong number) => (int)(number / 10_000UL % 1000);

    /// <summary>Zone of a US number's area code (Eastern for toll-free and unknown codes).</summary>
    public int ZoneOf(ulong number)
    {
        return ZoneOfAreaCode(AreaCodeOf(number));
    }

    /// <summary>Index of the number's area code in this plan, or -1.</summary>
    public int IndexOf(ulong number)
    {
        int npa = AreaCodeOf(number);
        return npa < 0 ? -1 : _indexByNpa[npa];
    }

    /// <summary>Area code index drawn by population.</summary>
    public int RandomAreaIndex(Rng rng) => rng.Pick(_npaCumulative);

    /// <summary>Area code index in the zone, drawn by population.</summary>
    public int RandomAreaIndexInZone(Rng rng, int zone)
    {
        int[] ids = _indicesByZone[zone];
        for (int tries = 0; tries < 8; tries++)
        {
            int i = RandomAreaIndex(rng);
            if (_zoneOfIndex[i] == zone)
                return i;
        }
        return ids[rng.Next(ids.Length)];
    }

    /// <summary>One of the carrier's subscriber lines, drawn by population.</summary>
    public ulong RandomLine(Rng rng) => _lines[rng.Next(_lines.Length)];

    /// <summary>A subscriber line in the given area code (or anywhere when it has none).</summary>
    public ulong LineIn(Rng rng, int areaIndex)
    {
        int start = _lineStart[areaIndex], end = _lineStart[areaIndex + 1];
        return end > start ? _lines[start + rng.Next(end - start)] : RandomLine(rng);
    }

    /// <summary>An active exchange of the area code.</summary>
    public int ExchangeIn(Rng rng, int areaIndex) => _exchanges[areaIndex][rng.Next(_exchanges[areaIndex].Length)];

    /// <summary>A plausible US number: an active exchange most of the time, any valid exchange otherwise.</summary>
    public ulong RandomUsNumber(Rng rng)
    {
        int a = RandomAreaIndex(rng);
        int nxx = rng.Chance(0.6) ? ExchangeIn(rng, a) : RandomExchange(rng);
        return Compose(_npa[a], nxx, rng.Next(10000));
    }

    /// <summary>A number in the area code, on an active exchange.</summary>
    public ulong NumberIn(Rng rng, int areaIndex) => Compose(_npa[areaIndex], ExchangeIn(rng, areaIndex), rng.Next(10000));

    /// <summary>Another number on the same exchange (a neighbour, a local shop): same area code and NXX, other line.</summary>
    public static ulong Neighbour(Rng rng, ulong number)
    {
        ulong line = number % 10_000;
        return number - line + ((line + (ulong)rng.Between(1, 9999)) % 10_000);
    }

    public static ulong RandomTollFree(Rng rng) =>
        Compose(TollFree[rng.Next(TollFree.Length)], rng.Between(200, 999), rng.Next(10000));
}
