namespace FraudStream.Records;

/// <summary>
/// One valid call record (contracts.md section 1), parsed without allocation. It owns fixed-size
/// copies of its ids, so it stays valid after the buffer it was parsed from is reused.
/// </summary>
public struct CallRecord
{
    /// <summary><c>call_id</c>, unescaped: 1-64 printable ASCII bytes.</summary>
    public AsciiId CallId;

    /// <summary><c>start</c> exactly as received (after unescaping), for copying into alerts.</summary>
    public AsciiId StartText;

    /// <summary><c>start</c> as UTC ticks (100 ns since 0001-01-01, as <see cref="DateTime.Ticks"/>).</summary>
    public long StartTicks;

    /// <summary><c>caller</c>: the presented number, or anonymous.</summary>
    public PhoneNumber Caller;

    /// <summary><c>callee</c>: the dialled number (never anonymous).</summary>
    public PhoneNumber Callee;

    /// <summary><c>orig_country</c>: two upper-case ASCII letters.</summary>
    public CountryCode OrigCountry;

    /// <summary><c>trunk</c>, unescaped: 1-64 printable ASCII bytes.</summary>
    public AsciiId Trunk;

    public Attestation Attest;

    public Disposition Disposition;

    /// <summary><c>ring_ms</c>: 0 to 600,000.</summary>
    public int RingMs;

    /// <summary><c>duration_s</c>: 0 to 86,400; 0 unless answered.</summary>
    public double DurationS;

    public readonly DateTime Start => new(StartTicks, DateTimeKind.Utc);
}

/// <summary>An ISO 3166-1 alpha-2 shaped code, two upper-case ASCII letters packed in 16 bits.</summary>
public readonly record struct CountryCode(ushort Value)
{
    public static readonly CountryCode UnitedStates = From("US");

    public static CountryCode From(char first, char second) => new((ushort)((first << 8) | second));

    public static CountryCode From(string code) =>
        code.Length == 2 && char.IsAsciiLetterUpper(code[0]) && char.IsAsciiLetterUpper(code[1])
            ? From(code[0], code[1])
            : throw new FormatException("a country code is two upper-case letters");

    public char First => (char)(Value >> 8);

    public char Second => (char)(Value & 0xFF);

    public override string ToString() => string.Create(2, Value, static (span, v) =>
    {
        span[0] = (char)(v >> 8);
        span[1] = (char)(v & 0xFF);
    });
}
