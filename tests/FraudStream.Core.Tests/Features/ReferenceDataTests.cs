using FraudStream.Features;
using FraudStream.Records;

namespace FraudStream.Core.Tests.Features;

public sealed class ReferenceDataTests
{
    private static readonly ReferenceData Data = ReferenceData.Embedded;

    [Fact]
    public void Embedded_tables_load_with_expected_counts()
    {
        Assert.Equal(428, Data.AreaCodeCount);
        Assert.Equal(7, Data.TollFreeCodeCount);
        Assert.Equal(19, Data.DoNotOriginateCount);
        Assert.Equal(24, Data.HighRiskPrefixCount);
        Assert.Equal(212, Data.CallingCodeCount);
    }

    [Theory]
    [InlineData("+18008291040", true)] // IRS
    [InlineData("+18007721213", true)] // SSA
    [InlineData("+18003755283", true)] // USCIS
    [InlineData("+18008291041", false)]
    [InlineData("+12025550100", false)]
    [InlineData("anonymous", false)]
    public void Do_not_originate_list_holds_the_agencies_inbound_numbers(string number, bool listed) =>
        Assert.Equal(listed, Data.IsDoNotOriginate(PhoneNumber.Parse(number)));

    [Theory]
    [InlineData("+22245123456", true)] // Mauritania
    [InlineData("+882123456789", true)] // international networks
    [InlineData("+37361234567", true)] // Moldova
    [InlineData("+18765551234", true)] // Jamaica
    [InlineData("+18095551234", true)] // Dominican Republic
    [InlineData("+14155550199", false)]
    [InlineData("+919812345678", false)]
    [InlineData("+1876", true)] // a prefix-only number still starts with the code
    [InlineData("anonymous", false)]
    public void High_risk_calling_codes_are_recognised(string number, bool risky) =>
        Assert.Equal(risky, Data.IsHighRiskCallingCode(PhoneNumber.Parse(number)));

    [Theory]
    [InlineData("+919812345678", "IN", true)]
    [InlineData("+919812345678", "US", false)]
    [InlineData("+14155550199", "US", true)]
    [InlineData("+14155550199", "CA", false)]
    [InlineData("+14165550199", "CA", true)]
    [InlineData("+18008291040", "US", true)] // toll-free: US or CA
    [InlineData("+18008291040", "CA", true)]
    [InlineData("+18008291040", "IN", false)]
    [InlineData("+18765551234", "JM", true)]
    [InlineData("+18765551234", "US", false)]
    [InlineData("+77011234567", "KZ", true)] // +7 is shared by RU and KZ
    [InlineData("+447700900123", "JE", true)]
    [InlineData("+882123456789", "DE", false)] // non-geographic
    [InlineData("anonymous", "US", false)]
    public void Caller_country_is_taken_from_the_area_code_or_calling_code(string number, string country, bool matches) =>
        Assert.Equal(matches, Data.IsNumberFromCountry(PhoneNumber.Parse(number), CountryCode.From(country)));

    [Fact]
    public void Area_code_table_knows_zones_and_dst()
    {
        Assert.True(Data.TryGetAreaCode(212, out var nyc));
        Assert.Equal((-300, true), (nyc.UtcOffsetMinutes, nyc.ObservesDst));
        Assert.True(Data.TryGetAreaCode(602, out var phoenix));
        Assert.Equal((-420, false), (phoenix.UtcOffsetMinutes, phoenix.ObservesDst));
        Assert.True(Data.TryGetAreaCode(709, out var newfoundland));
        Assert.Equal(-210, newfoundland.UtcOffsetMinutes);
        Assert.True(Data.TryGetAreaCode(306, out var saskatchewan));
        Assert.False(saskatchewan.ObservesDst);
        Assert.Equal(CountryCode.From("CA"), saskatchewan.Country);
        Assert.False(Data.TryGetAreaCode(800, out _)); // toll-free has no zone
        Assert.False(Data.TryGetAreaCode(999, out _));
        Assert.True(Data.IsTollFree(PhoneNumber.Parse("+18885550100")));
        Assert.False(Data.IsTollFree(PhoneNumber.Parse("+12125550100")));
    }

    [Theory]
    [InlineData("+12125550100", "2026-01-15T15:00:00", "2026-01-15T10:00:00")] // New York, winter
    [InlineData("+12125550100", "2026-07-15T15:00:00", "2026-07-15T11:00:00")] // New York, summer
    [InlineData("+16025550100", "2026-07-15T19:00:00", "2026-07-15T12:00:00")] // Phoenix: no DST
    [InlineData("+18085550100", "2026-07-15T22:00:00", "2026-07-15T12:00:00")] // Honolulu
    [InlineData("+17095550100", "2026-01-15T12:00:00", "2026-01-15T08:30:00")] // St. John's, UTC-3:30
    [InlineData("+14155550100", "2026-07-15T19:00:00", "2026-07-15T12:00:00")] // San Francisco, PDT
    [InlineData("+12125550100", "2026-03-08T06:59:00", "2026-03-08T01:59:00")] // last minute of EST
    [InlineData("+12125550100", "2026-03-08T07:00:00", "2026-03-08T03:00:00")] // first minute of EDT
    [InlineData("+12125550100", "2026-11-01T05:59:00", "2026-11-01T01:59:00")] // last minute of EDT
    [InlineData("+12125550100", "2026-11-01T06:00:00", "2026-11-01T01:00:00")] // back to EST
    [InlineData("+18005550100", "2026-07-15T15:00:00", "2026-07-15T11:00:00")] // toll-free: Eastern
    [InlineData("+919812345678", "2026-01-15T15:00:00", "2026-01-15T10:00:00")] // not NANP: Eastern
    public void Local_time_follows_the_area_code_zone_and_us_dst(string number, string utc, string expected)
    {
        var start = DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        var local = Data.LocalTime(PhoneNumber.Parse(number), start.Ticks);
        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), local);
    }

    [Fact]
    public void Directory_load_reads_the_same_tables_and_reports_bad_rows_by_line()
    {
        var directory = Directory.CreateTempSubdirectory("fraudstream-refdata-");
        try
        {
            CopyEmbeddedTables(directory.FullName);
            var loaded = ReferenceData.LoadFromDirectory(directory.FullName);
            Assert.Equal(Data.AreaCodeCount, loaded.AreaCodeCount);
            Assert.Equal(Data.DoNotOriginateCount, loaded.DoNotOriginateCount);
            Assert.Equal(Data.HighRiskPrefixCount, loaded.HighRiskPrefixCount);
            Assert.Equal(Data.CallingCodeCount, loaded.CallingCodeCount);

            var dno = Path.Combine(directory.FullName, ReferenceData.DoNotOriginateFile);
            var lines = File.ReadAllLines(dno).ToList();
            lines.Add("not-a-number,agency,line");
            File.WriteAllLines(dno, lines);
            var error = Assert.Throws<InvalidDataException>(() => ReferenceData.LoadFromDirectory(directory.FullName));
            Assert.Contains($"line {lines.Count}", error.Message, StringComparison.Ordinal);

            lines.RemoveAt(lines.Count - 1);
            lines.Add(lines[^1]); // a duplicate number
            File.WriteAllLines(dno, lines);
            Assert.Throws<InvalidDataException>(() => ReferenceData.LoadFromDirectory(directory.FullName));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Nanp_numbers_are_screened_for_high_risk_codes_as_their_four_digit_prefix_is()
    {
        // A NANP number is answered from a per-area-code screen; "+1NPA" alone takes the general prefix walk.
        for (var npa = 0; npa < 1000; npa++)
        {
            var number = new PhoneNumber((10_000_000_000UL + ((ulong)npa * 10_000_000)) + 5_550_100, 11);
            var prefixOnly = new PhoneNumber(1000 + (ulong)npa, 4);
            Assert.True(number.IsNanp);
            Assert.Equal(Data.IsHighRiskCallingCode(prefixOnly), Data.IsHighRiskCallingCode(number));
        }
    }

    [Fact]
    public void Do_not_originate_screen_passes_every_listed_number_and_non_nanp_ones()
    {
        var directory = Directory.CreateTempSubdirectory("fraudstream-refdata-");
        try
        {
            CopyEmbeddedTables(directory.FullName);
            var dno = Path.Combine(directory.FullName, ReferenceData.DoNotOriginateFile);
            File.AppendAllLines(dno, ["+442079460000,an agency abroad,help line", "+15035550123,a local agency,help line"]);
            var loaded = ReferenceData.LoadFromDirectory(directory.FullName);
            Assert.True(loaded.IsDoNotOriginate(PhoneNumber.Parse("+442079460000")));
            Assert.False(loaded.IsDoNotOriginate(PhoneNumber.Parse("+442079460001")));
            Assert.True(loaded.IsDoNotOriginate(PhoneNumber.Parse("+15035550123")));
            Assert.False(loaded.IsDoNotOriginate(PhoneNumber.Parse("+15035550124"))); // screened in, not listed
            Assert.False(loaded.IsDoNotOriginate(PhoneNumber.Parse("+15045550123"))); // screened out
            var listed = File.ReadLines(dno).Where(l => l.StartsWith('+')).Select(l => PhoneNumber.Parse(l.Split(',')[0])).ToList();
            Assert.Equal(Data.DoNotOriginateCount + 2, listed.Count);
            Assert.All(listed, number => Assert.True(loaded.IsDoNotOriginate(number)));
            Assert.All(listed.SkipLast(2), number => Assert.True(Data.IsDoNotOriginate(number)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_embedded_file_starts_with_source_comments()
    {
        var assembly = typeof(ReferenceData).Assembly;
        foreach (var file in new[] { ReferenceData.AreaCodesFile, ReferenceData.DoNotOriginateFile, ReferenceData.HighRiskCallingCodesFile, ReferenceData.CountryCodesFile })
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream("FraudStream.ReferenceData." + file)!);
            Assert.StartsWith("# ", reader.ReadLine(), StringComparison.Ordinal);
        }
    }

    /// <summary>Writes the embedded reference tables into <paramref name="directory"/> as their files.</summary>
    private static void CopyEmbeddedTables(string directory)
    {
        var assembly = typeof(ReferenceData).Assembly;
        foreach (var file in new[] { ReferenceData.AreaCodesFile, ReferenceData.DoNotOriginateFile, ReferenceData.HighRiskCallingCodesFile, ReferenceData.CountryCodesFile })
        {
            using var resource = assembly.GetManifestResourceStream("FraudStream.ReferenceData." + file)!;
            using var output = File.Create(Path.Combine(directory, file));
            resource.CopyTo(output);
        }
    }
}
