using System.Globalization;
using System.Text;

namespace FraudStream.Traffic.Internal;

/// <summary>What kind of network a trunk connects to (never written out; only its name and country are).</summary>
internal enum TrunkRole : byte
{
    /// <summary>Direct interconnects with large US carriers.</summary>
    Interconnect,
    /// <summary>US tandem/transit providers carrying many carriers' traffic.</summary>
    Transit,
    /// <summary>US VoIP wholesalers and resellers (cloud PBX, notification platforms, small providers).</summary>
    Voip,
    /// <summary>International gateways (country = where the call entered this carrier).</summary>
    International,
}

/// <summary>One ingress trunk.</summary>
internal sealed class Trunk(string name, string country, TrunkRole role, double weight, double unsignedRank)
{
    public string Name { get; } = name;
    public byte[] NameUtf8 { get; } = Encoding.ASCII.GetBytes(name);
    public string Country { get; } = country;
    public ushort CountryCode { get; } = CountryCodes.Pack(country);
    public TrunkRole Role { get; } = role;
    /// <summary>Relative legitimate volume (trunks differ a lot in size).</summary>
    public double Weight { get; } = weight;
    /// <summary>Where this trunk sits (0 to 1) in the range of unsigned shares of legitimate calls.</summary>
    public double UnsignedRank { get; } = unsignedRank;
}

/// <summary>Two-letter country codes packed in 16 bits.</summary>
internal static class CountryCodes
{
    public static ushort Pack(string cc) => (ushort)((cc[0] << 8) | cc[1]);

    public static readonly ushort US = Pack("US");
}

/// <summary>
/// The carrier's ingress trunks. Names follow the naming habits of their operator, never the traffic they carry:
/// scam and legitimate calls entering from the same country share gateways and naming schemes.
/// </summary>
internal sealed class TrunkPlan
{
    private static readonly string[] UsCities =
        ["nyc", "chi", "dal", "atl", "lax", "sea", "den", "mia", "phx", "bos", "ash", "sjc", "hou", "stl", "msp", "clt", "det", "phl"];

    private static readonly string[] InterconnectCarriers =
        ["att", "vzn", "tmo", "lumen", "frontier", "windstream", "cox", "charter", "comcast", "altice", "uscc", "cincibell"];

    private static readonly string[] TransitProviders = ["iqnt", "peerless", "bics-us", "zayo", "lvl3", "gci-tx"];

    private static readonly string[] VoipProviders =
    [
        "bandwv", "telnyx", "vonage", "plivo", "skyswitch", "flowroute", "callcentric", "sipstation", "wavix", "didlogic",
        "voipms", "anveo", "commio", "teli", "thinq", "voxtelesys", "netfone", "clearfly", "vitcom", "siptrunkz",
    ];

    // International gateways: (operator style, country). Some use a plain "gw-cc-NNN" scheme like the contract example.
    private static readonly (string Name, string Country)[] Gateways =
    [
        ("gw-in", "IN"), ("tata-mum", "IN"), ("vsnl-chn", "IN"), ("bharti-del", "IN"), ("reliance-mum", "IN"), ("sify-blr", "IN"),
        ("gw-ph", "PH"), ("pldt-mnl", "PH"), ("globe-ceb", "PH"),
        ("gw-gb", "GB"), ("bt-lon", "GB"), ("tata-lon", "GB"), ("ibasis-ams", "NL"), ("bics-bru", "BE"), ("dtag-fra", "DE"),
        ("orange-par", "FR"), ("telus-yyz", "CA"), ("bell-mtl", "CA"), ("telmex-mex", "MX"), ("gw-mx", "MX"),
        ("flow-kin", "JM"), ("gw-jm", "JM"), ("claro-sdq", "DO"), ("gw-do", "DO"),
    ];

    private readonly Trunk[] _trunks;
    private readonly Dictionary<TrunkRole, int[]> _byRole = [];
    private readonly Dictionary<string, int[]> _byCountry = [];
    private readonly Dictionary<TrunkRole, double[]> _cumulativeByRole = [];

    public TrunkPlan(Rng rng)
    {
        var list = new List<Trunk>();
        var names = new HashSet<string>();
        void Add(string name, string country, TrunkRole role, double unsignedRank)
        {
            if (names.Add(name))
                list.Add(new Trunk(name, country, role, rng.LogNormal(1, 0.8), unsignedRank));
        }

        // Interconnects: each carrier has its own naming style.
        foreach (string carrier in InterconnectCarriers)
        {
            int style = rng.Next(4);
            int n = rng.Between(2, 5);
            for (int i = 0; i < n; i++)
            {
                string city = rng.Pick(UsCities);
                int k = rng.Between(1, 24);
                string name = style switch
                {
                    0 => F($"{carrier}-{city}-ic{k:00}"),
                    1 => F($"{carrier.ToUpperInvariant()}_{city.ToUpperInvariant()}_TG{k:00}"),
                    2 => F($"{carrier}.{city}.peer{k:00}"),
                    _ => F($"{carrier}-{city}-{k}{(char)('a' + rng.Next(4))}"),
                };
                Add(name, "US", TrunkRole.Interconnect, rng.NextDouble());
            }
        }
        foreach (string provider in TransitProviders)
        {
            int n = rng.Between(1, 3);
            for (int i = 0; i < n; i++)
                Add(F($"tdm-{provider}-{rng.Pick(UsCities)}-{rng.Between(1, 12):00}"), "US", TrunkRole.Transit, rng.NextDouble());
        }
        foreach (string provider in VoipProviders)
        {
            int n = rng.Between(1, 2);
            for (int i = 0; i < n; i++)
            {
                string name = rng.Next(3) switch
                {
                    0 => F($"sip-{provider}-{rng.Pick(UsCities)}-{rng.Between(1, 9)}"),
                    1 => F($"{provider}.sbc{rng.Between(1, 30):00}"),
                    _ => F($"vw-{provider}-{rng.Between(100, 999)}"),
                };
                Add(name, "US", TrunkRole.Voip, rng.NextDouble());
            }
        }
        foreach (var (prefix, country) in Gateways)
        {
            int n = country is "IN" ? rng.Between(2, 4) : rng.Between(1, 3);
            for (int i = 0; i < n; i++)
            {
                string name = prefix.StartsWith("gw-", StringComparison.Ordinal)
                    ? F($"{prefix}-{rng.Between(1, 60):000}")
                    : F($"{prefix}-{rng.Between(1, 16):00}");
                Add(name, country, TrunkRole.International, rng.NextDouble());
            }
        }
        _trunks = [.. list];
        foreach (TrunkRole role in Enum.GetValues<TrunkRole>())
        {
            int[] ids = [.. Enumerable.Range(0, _trunks.Length).Where(i => _trunks[i].Role == role)];
            _byRole[role] = ids;
            var cum = new double[ids.Length];
            double acc = 0;
            for (int i = 0; i < ids.Length; i++)
                cum[i] = acc += _trunks[ids[i]].Weight;
            _cumulativeByRole[role] = cum;
        }
        foreach (var group in Enumerable.Range(0, _trunks.Length).GroupBy(i => _trunks[i].Country))
            _byCountry[group.Key] = [.. group];
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public Trunk this[int index] => _trunks[index];

    public int Count => _trunks.Length;

    /// <summary>A trunk of the role, drawn by its legitimate volume.</summary>
    public int ByRole(Rng rng, TrunkRole role)
    {
        int[] ids = _byRole[role];
        return ids[rng.Pick(_cumulativeByRole[role])];
    }

    /// <summary>A trunk of the role drawn uniformly (campaigns do not care how big a trunk is).</summary>
    public int AnyByRole(Rng rng, TrunkRole role) => rng.Pick(_byRole[role]);

    /// <summary>An international gateway entering from the country, drawn by its size (big gateways carry most of a
    /// route's traffic, legitimate and not), or any international one.</summary>
    public int FromCountry(Rng rng, string country)
    {
        if (!_byCountry.TryGetValue(country, out int[]? ids))
            return AnyByRole(rng, TrunkRole.International);
        double total = 0;
        foreach (int id in ids)
            total += _trunks[id].Weight;
        double u = rng.NextDouble() * total;
        foreach (int id in ids)
        {
            if ((u -= _trunks[id].Weight) < 0)
                return id;
        }
        return ids[^1];
    }

    /// <summary>An international gateway of a transit country (not India or the Philippines).</summary>
    public int InternationalTransit(Rng rng)
    {
        while (true)
        {
            int t = AnyByRole(rng, TrunkRole.International);
            if (_trunks[t].Country is not ("IN" or "PH"))
                return t;
        }
    }

    /// <summary>A few distinct trunks chosen by <paramref name="pick"/>.</summary>
    public static int[] Several(Rng rng, int count, Func<Rng, int> pick)
    {
        var set = new List<int>(count);
        for (int tries = 0; set.Count < count && tries < count * 20; tries++)
        {
            int t = pick(rng);
            if (!set.Contains(t))
                set.Add(t);
        }
        return [.. set];
    }
}
