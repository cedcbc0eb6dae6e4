using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using FraudStream.Features.Internal;
using FraudStream.Records;

namespace FraudStream.Features;

/// <summary>What the featurizer knows about one NANP area code.</summary>
/// <param name="Npa">The three-digit area code.</param>
/// <param name="Country">The country it serves (US, CA, a US territory or a Caribbean country).</param>
/// <param name="UtcOffsetMinutes">Standard-time offset from UTC.</param>
/// <param name="ObservesDst">Whether US/Canadian daylight saving time applies.</param>
public readonly record struct AreaCodeInfo(int Npa, CountryCode Country, int UtcOffsetMinutes, bool ObservesDst);

/// <summary>
/// The reference tables the featurizer reads: NANP area codes (country, time zone), the
/// do-not-originate list, premium-rate and high-risk calling codes, and E.164 country calling codes.
/// Loaded from CSV files embedded in this assembly, or from a directory holding files of the same names.
/// Immutable and safe to share between threads.
/// </summary>
public sealed class ReferenceData
{
    /// <summary>File name of the NANP area-code table.</summary>
    public const string AreaCodesFile = "area_codes.csv";

    /// <summary>File name of the do-not-originate list.</summary>
    public const string DoNotOriginateFile = "do_not_originate.csv";

    /// <summary>File name of the premium-rate and high-risk calling-code list.</summary>
    public const string HighRiskCallingCodesFile = "high_risk_calling_codes.csv";

    /// <summary>File name of the E.164 country-calling-code table.</summary>
    public const string CountryCodesFile = "country_codes.csv";

    private const string ResourcePrefix = "FraudStream.ReferenceData.";

    /// <summary>Offset and DST rule used for a callee whose area code is unknown: US Eastern time.</summary>
    private const int DefaultUtcOffsetMinutes = -300;

    // Area codes, indexed by NPA (0-999).
    private const byte AreaKnown = 1;
    private const byte AreaDst = 2;
    private const byte AreaTollFree = 4;

    // NANP screens, indexed by NPA (0-999), so that most calls answer the two list checks with one byte.
    private const byte ScreenDoNotOriginate = 1; // some do-not-originate number has this area code
    private const byte ScreenHighRisk = 2; // a high-risk prefix covers +1 and this area code

    // High-risk prefixes and country calling codes, indexed by digits + length * Stride.
    private const int PrefixStride = 10_000;
    private const int MaxHighRiskPrefixDigits = 4; // also "1" and the NPA of a NANP number (the NANP screen relies on it)
    private const int MaxCallingCodeDigits = 3;

    private static readonly Lazy<ReferenceData> s_embedded = new(LoadEmbeddedCore);

    private static readonly CountryCode Canada = CountryCode.From("CA");

    private readonly byte[] _areaFlags = new byte[1000];
    private readonly short[] _areaOffsetMinutes = new short[1000];
    private readonly CountryCode[] _areaCountry = new CountryCode[1000];
    private readonly HashSet<ulong> _doNotOriginate = [];
    private readonly bool[] _highRisk = new bool[(MaxHighRiskPrefixDigits + 1) * PrefixStride];
    private readonly byte[] _nanpScreen = new byte[1000];

    // For a calling code: start and count of its countries in _callingCodeCountries; count 0 = not
    // assigned; a non-geographic code is assigned with no countries (start -1).
    private readonly int[] _callingCodeStart = new int[(MaxCallingCodeDigits + 1) * PrefixStride];
    private readonly byte[] _callingCodeCount = new byte[(MaxCallingCodeDigits + 1) * PrefixStride];
    private readonly List<CountryCode> _callingCodeCountries = [];
    private CountryCode[] _countries = [];

    private ReferenceData()
    {
    }

    /// <summary>The tables embedded in this assembly (loaded once).</summary>
    public static ReferenceData Embedded => s_embedded.Value;

    /// <summary>Geographic NANP area codes loaded.</summary>
    public int AreaCodeCount { get; private set; }

    /// <summary>Toll-free NANP codes loaded (800, 833, ...).</summary>
    public int TollFreeCodeCount { get; private set; }

    /// <summary>Numbers on the do-not-originate list.</summary>
    public int DoNotOriginateCount => _doNotOriginate.Count;

    /// <summary>Premium-rate or high-risk prefixes loaded.</summary>
    public int HighRiskPrefixCount { get; private set; }

    /// <summary>Country calling codes loaded (a shared code counts once).</summary>
    public int CallingCodeCount { get; private set; }

    /// <summary>Loads the four CSV files from <paramref name="directory"/> (same names as the embedded ones).</summary>
    public static ReferenceData LoadFromDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return Load(name => File.OpenRead(Path.Combine(directory, name)));
    }

    /// <summary>Whether <paramref name="number"/> is on the do-not-originate list.</summary>
    public bool IsDoNotOriginate(PhoneNumber number)
    {
        if (number.IsAnonymous)
        {
            return false;
        }
        var npa = number.Npa;
        return (npa < 0 || (_nanpScreen[npa] & ScreenDoNotOriginate) != 0) && _doNotOriginate.Contains(number.Key);
    }

    /// <summary>Whether <paramref name="number"/> starts with a premium-rate or high-risk calling code (or Caribbean NANP area code).</summary>
    public bool IsHighRiskCallingCode(PhoneNumber number)
    {
        var npa = number.Npa;
        if (npa >= 0)
        {
            return (_nanpScreen[npa] & ScreenHighRisk) != 0; // the prefixes below, answered once at load
        }
        // One Prefix call (a loop of divisions), then shorter prefixes by dropping digits.
        var digits = Math.Min(number.Length, MaxHighRiskPrefixDigits);
        var prefix = digits == 0 ? 0 : (int)number.Prefix(digits);
        for (; digits >= 1; digits--, prefix /= 10)
        {
            if (_highRisk[(digits * PrefixStride) + prefix])
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether <paramref name="number"/> is a NANP toll-free number (800, 833, 844, ...).</summary>
    public bool IsTollFree(PhoneNumber number)
    {
        var npa = number.Npa;
        return npa >= 0 && (_areaFlags[npa] & AreaTollFree) != 0;
    }

    /// <summary>The area code's country and time zone; false for unknown and toll-free codes.</summary>
    public bool TryGetAreaCode(int npa, out AreaCodeInfo info)
    {
        if ((uint)npa < 1000 && (_areaFlags[npa] & AreaKnown) != 0)
        {
            info = new AreaCodeInfo(npa, _areaCountry[npa], _areaOffsetMinutes[npa], (_areaFlags[npa] & AreaDst) != 0);
            return true;
        }
        info = default;
        return false;
    }

    /// <summary>
    /// Whether the caller ID's country is <paramref name="country"/>: for NANP numbers the area code's
    /// country (US or CA when the code is unknown or toll-free), otherwise any country of its E.164
    /// calling code. False for withheld numbers, non-geographic codes and unassigned codes.
    /// </summary>
    public bool IsNumberFromCountry(PhoneNumber number, CountryCode country)
    {
        if (number.IsAnonymous)
        {
            return false;
        }
        if (number.IsNanp)
        {
            var npa = number.Npa;
            if ((_areaFlags[npa] & AreaKnown) != 0)
            {
                return _areaCountry[npa] == country;
            }
            return country == CountryCode.UnitedStates || country == Canada;
        }
        // Calling codes are prefix-free, so at most one of the 1- to 3-digit prefixes is assigned.
        var digits = Math.Min(number.Length, MaxCallingCodeDigits);
        var prefix = (int)number.Prefix(digits);
        for (; digits >= 1; digits--, prefix /= 10)
        {
            var index = (digits * PrefixStride) + prefix;
            var count = _callingCodeCount[index];
            if (count != 0)
            {
                var start = _callingCodeStart[index];
                if (start < 0)
                {
                    return false;
                }
                foreach (var c in _countries.AsSpan(start, count))
                {
                    if (c == country)
                    {
                        return true;
                    }
                }
                return false;
            }
        }
        return false;
    }

    /// <summary>
    /// Local wall-clock time of <paramref name="number"/> at <paramref name="utcTicks"/>: the area code's
    /// standard offset plus one hour under US/Canadian DST rules (2007 onward) where observed; US
    /// Eastern time for numbers without a known geographic area code.
    /// </summary>
    public DateTime LocalTime(PhoneNumber number, long utcTicks)
    {
        int offsetMinutes;
        bool dst;
        var npa = number.Npa;
        if (npa >= 0 && (_areaFlags[npa] & AreaKnown) != 0)
        {
            offsetMinutes = _areaOffsetMinutes[npa];
            dst = (_areaFlags[npa] & AreaDst) != 0;
        }
        else
        {
            offsetMinutes = DefaultUtcOffsetMinutes;
            dst = true;
        }
        var standardTicks = Math.Clamp(utcTicks + (offsetMinutes * TimeSpan.TicksPerMinute), DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks);
        if (dst && UsDaylightSaving.IsInEffect(standardTicks))
        {
            standardTicks = Math.Min(standardTicks + TimeSpan.TicksPerHour, DateTime.MaxValue.Ticks);
        }
        return new DateTime(standardTicks, DateTimeKind.Unspecified);
    }

    private static ReferenceData LoadEmbeddedCore()
    {
        var assembly = typeof(ReferenceData).Assembly;
        return Load(name => OpenResource(assembly, name));
    }

    private static Stream OpenResource(Assembly assembly, string name) =>
        assembly.GetManifestResourceStream(ResourcePrefix + name)
        ?? throw new InvalidDataException($"embedded reference data {name} is missing from the assembly");

    private static ReferenceData Load(Func<string, Stream> open)
    {
        var data = new ReferenceData();
        ReadCsv(open, AreaCodesFile, "npa,kind,country,utc_offset_minutes,observes_dst,region", data.AddAreaCode);
        ReadCsv(open, DoNotOriginateFile, "number,agency,line", data.AddDoNotOriginate);
        ReadCsv(open, HighRiskCallingCodesFile, "prefix,region,source", data.AddHighRisk);
        ReadCsv(open, CountryCodesFile, "code,country", data.AddCallingCode);
        data._countries = [.. data._callingCodeCountries];
        data.ScreenNanpHighRisk();
        return data;
    }

    /// <summary>Reads comment lines (#), one header line that must match, then rows of plain comma-separated fields (no quoting).</summary>
    private static void ReadCsv(Func<string, Stream> open, string file, string header, Func<string[], bool> addRow)
    {
        using var stream = open(file);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        var lineNumber = 0;
        var sawHeader = false;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            if (!sawHeader)
            {
                if (line != header)
                {
                    ThrowBadFile(file, lineNumber, "unexpected header");
                }
                sawHeader = true;
                continue;
            }
            if (!addRow(line.Split(',')))
            {
                ThrowBadFile(file, lineNumber, "invalid row");
            }
        }
        if (!sawHeader)
        {
            ThrowBadFile(file, lineNumber, "no header");
        }
    }

    [DoesNotReturn]
    private static void ThrowBadFile(string file, int line, string problem) =>
        throw new InvalidDataException($"{file} line {line}: {problem}");

    private bool AddAreaCode(string[] f)
    {
        if (f.Length != 6 || !TryParseInt(f[0], 200, 999, out var npa) || _areaFlags[npa] != 0)
        {
            return false;
        }
        switch (f[1])
        {
            case "toll_free":
                _areaFlags[npa] = AreaTollFree;
                TollFreeCodeCount++;
                return true;
            case "geographic":
                if (!TryParseCountry(f[2], out var country)
                    || !TryParseInt(f[3], -720, 840, out var offset)
                    || f[4] is not ("0" or "1"))
                {
                    return false;
                }
                _areaCountry[npa] = country;
                _areaOffsetMinutes[npa] = (short)offset;
                _areaFlags[npa] = (byte)(AreaKnown | (f[4] == "1" ? AreaDst : 0));
                AreaCodeCount++;
                return true;
            default:
                return false;
        }
    }

    private bool AddDoNotOriginate(string[] f)
    {
        if (f.Length != 3)
        {
            return false;
        }
        var bytes = System.Text.Encoding.ASCII.GetBytes(f[0]);
        if (!PhoneNumber.TryParse(bytes, out var number) || number.IsAnonymous || !_doNotOriginate.Add(number.Key))
        {
            return false;
        }
        if (number.Npa >= 0)
        {
            _nanpScreen[number.Npa] |= ScreenDoNotOriginate;
        }
        return true;
    }

    /// <summary>
    /// For every NPA, whether a NANP number 1-NPA-xxx-xxxx starts with a high-risk prefix: its 4-digit prefix is
    /// 1000 + NPA, and the shorter ones drop digits from the right, as <see cref="IsHighRiskCallingCode"/> checks.
    /// </summary>
    private void ScreenNanpHighRisk()
    {
        for (var npa = 0; npa < _nanpScreen.Length; npa++)
        {
            var prefix = 1000 + npa;
            for (var digits = MaxHighRiskPrefixDigits; digits >= 1; digits--, prefix /= 10)
            {
                if (_highRisk[(digits * PrefixStride) + prefix])
                {
                    _nanpScreen[npa] |= ScreenHighRisk;
                    break;
                }
            }
        }
    }

    private bool AddHighRisk(string[] f)
    {
        if (f.Length != 3 || f[0].Length is 0 or > MaxHighRiskPrefixDigits
            || !TryParseInt(f[0], 0, PrefixStride - 1, out var prefix))
        {
            return false;
        }
        var index = (f[0].Length * PrefixStride) + prefix;
        if (_highRisk[index])
        {
            return false;
        }
        _highRisk[index] = true;
        HighRiskPrefixCount++;
        return true;
    }

    private bool AddCallingCode(string[] f)
    {
        if (f.Length != 2 || f[0].Length is 0 or > MaxCallingCodeDigits || f[0][0] == '0'
            || !TryParseInt(f[0], 1, 999, out var code))
        {
            return false;
        }
        var digits = f[0].Length;
        var index = (digits * PrefixStride) + code;
        // Calling codes are prefix-free: a code may not start with, or be the start of, another code.
        for (var d = 1; d <= MaxCallingCodeDigits; d++)
        {
            if (d == digits)
            {
                continue;
            }
            var other = d < digits ? f[0][..d] : null;
            if (other is not null && _callingCodeCount[(d * PrefixStride) + int.Parse(other, CultureInfo.InvariantCulture)] != 0)
            {
                return false;
            }
            if (d > digits)
            {
                var scale = (int)Math.Pow(10, d - digits);
                for (var longer = code * scale; longer < (code + 1) * scale; longer++)
                {
                    if (_callingCodeCount[(d * PrefixStride) + longer] != 0)
                    {
                        return false;
                    }
                }
            }
        }
        if (f[1] == "-")
        {
            if (_callingCodeCount[index] != 0)
            {
                return false;
            }
            _callingCodeStart[index] = -1;
            _callingCodeCount[index] = 1;
            CallingCodeCount++;
            return true;
        }
        if (!TryParseCountry(f[1], out var country))
        {
            return false;
        }
        if (_callingCodeCount[index] == 0)
        {
            _callingCodeStart[index] = _callingCodeCountries.Count;
            CallingCodeCount++;
        }
        else if (_callingCodeStart[index] < 0
                 || _callingCodeStart[index] + _callingCodeCount[index] != _callingCodeCountries.Count)
        {
            // A code's countries must be on consecutive rows.
            return false;
        }
        _callingCodeCountries.Add(country);
        _callingCodeCount[index]++;
        return true;
    }

    private static bool TryParseInt(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
        && value >= min && value <= max;

    private static bool TryParseCountry(string text, out CountryCode country)
    {
        if (text.Length == 2 && char.IsAsciiLetterUpper(text[0]) && char.IsAsciiLetterUpper(text[1]))
        {
            country = CountryCode.From(text[0], text[1]);
            return true;
        }
        country = default;
        return false;
    }
}
