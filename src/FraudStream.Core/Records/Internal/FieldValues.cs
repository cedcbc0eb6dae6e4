using System.Globalization;
using FraudStream.Pipeline;

namespace FraudStream.Records.Internal;

/// <summary>The value rules of the contract fields, over unescaped bytes or number tokens.</summary>
internal static class FieldValues
{
    public const int MaxRingMs = 600_000;
    public const double MaxDurationS = 86_400;

    /// <summary>The contract field a field name (unescaped) stands for, or <see cref="RecordField.None"/>.</summary>
    public static RecordField MatchName(ReadOnlySpan<byte> name) => name.Length switch
    {
        5 when name.SequenceEqual("start"u8) => RecordField.Start,
        5 when name.SequenceEqual("trunk"u8) => RecordField.Trunk,
        6 when name.SequenceEqual("caller"u8) => RecordField.Caller,
        6 when name.SequenceEqual("callee"u8) => RecordField.Callee,
        6 when name.SequenceEqual("attest"u8) => RecordField.Attest,
        7 when name.SequenceEqual("call_id"u8) => RecordField.CallId,
        7 when name.SequenceEqual("ring_ms"u8) => RecordField.RingMs,
        10 when name.SequenceEqual("duration_s"u8) => RecordField.DurationS,
        11 when name.SequenceEqual("disposition"u8) => RecordField.Disposition,
        12 when name.SequenceEqual("orig_country"u8) => RecordField.OrigCountry,
        _ => RecordField.None,
    };

    /// <summary><c>call_id</c> and <c>trunk</c>: 1 to 64 bytes, each 0x21-0x7E.</summary>
    public static bool IsPrintableId(ReadOnlySpan<byte> value) =>
        value.Length is >= 1 and <= AsciiId.Capacity && !value.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E);

    public static bool TryParseCountry(ReadOnlySpan<byte> value, out CountryCode country)
    {
        if (value.Length == 2 && char.IsAsciiLetterUpper((char)value[0]) && char.IsAsciiLetterUpper((char)value[1]))
        {
            country = CountryCode.From((char)value[0], (char)value[1]);
            return true;
        }
        country = default;
        return false;
    }

    public static bool TryParseAttestation(ReadOnlySpan<byte> value, out Attestation attestation)
    {
        attestation = value.Length == 1
            ? value[0] switch
            {
                (byte)'A' => Attestation.A,
                (byte)'B' => Attestation.B,
                (byte)'C' => Attestation.C,
                _ => Attestation.None,
            }
            : Attestation.None;
        return attestation != Attestation.None;
    }

    public static bool TryParseDisposition(ReadOnlySpan<byte> value, out Disposition disposition)
    {
        if (value.SequenceEqual("answered"u8))
        {
            disposition = Disposition.Answered;
        }
        else if (value.SequenceEqual("no_answer"u8))
        {
            disposition = Disposition.NoAnswer;
        }
        else if (value.SequenceEqual("busy"u8))
        {
            disposition = Disposition.Busy;
        }
        else if (value.SequenceEqual("failed"u8))
        {
            disposition = Disposition.Failed;
        }
        else if (value.SequenceEqual("rejected"u8))
        {
            disposition = Disposition.Rejected;
        }
        else
        {
            disposition = default;
            return false;
        }
        return true;
    }

    /// <summary><c>ring_ms</c>: a well-formed JSON integer token (no fraction, no exponent), 0 to 600,000.</summary>
    public static bool TryParseRingMs(ReadOnlySpan<byte> token, out int value)
    {
        value = 0;
        var digits = token[0] == (byte)'-' ? token[1..] : token;
        // JSON has no leading zeros, so more than 6 digits is at least 1,000,000.
        if (digits.Length > 6)
        {
            return false;
        }
        foreach (var d in digits)
        {
            value = (value * 10) + (d - '0');
        }
        // "-0" is the integer 0; any other negative is out of range.
        return (digits.Length == token.Length || value == 0) && value <= MaxRingMs;
    }

    /// <summary>
    /// <c>duration_s</c>: a well-formed JSON number token from 0 to 86,400, compared exactly (not after
    /// rounding to a double). <paramref name="isZero"/> is exact too: every digit of the significand is 0.
    /// </summary>
    public static bool TryParseDurationS(ReadOnlySpan<byte> token, out double value, out bool isZero)
    {
        isZero = SignificandIsZero(token, out var significantDigits);
        if (isZero)
        {
            value = 0;
            return true;
        }
        if (token[0] == (byte)'-')
        {
            value = 0;
            return false;
        }
        if (!TryParseShortDecimal(token, out value)
            && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }
        if (value > MaxDurationS)
        {
            return false;
        }
        // A number that rounds to exactly one of the contract's bounds (86400, the range's end; 300, an engaged
        // victim's) may lie on either side of it, within half a unit in the last place: its digits tell which. One
        // above 86400 is out of range; one below a bound is kept as the double just below it, so that comparing the
        // value with the bound gives the number's own answer (86399.999999999999 is in range, 299.99999999999999
        // is not 300 s or more).
        if (value == MaxDurationS || value == CallScorer.VictimEngagedSeconds)
        {
            var order = CompareDigits(significantDigits, value == MaxDurationS ? "864"u8 : "3"u8);
            if (order > 0 && value == MaxDurationS)
            {
                return false;
            }
            if (order < 0)
            {
                value = Math.BitDecrement(value);
            }
        }
        return true;
    }

    /// <summary>
    /// Orders a number's significant digits against a bound's (its digits before the trailing zeros) when the number
    /// rounded to that bound: both then have their first digit in the same place, so the first digit that differs
    /// decides ('.' is not a digit; a shorter side counts as followed by zeros).
    /// </summary>
    private static int CompareDigits(ReadOnlySpan<byte> digits, ReadOnlySpan<byte> bound)
    {
        var i = 0;
        foreach (var b in digits)
        {
            if (b == (byte)'.')
            {
                continue;
            }
            var expected = i < bound.Length ? bound[i] : (byte)'0';
            i++;
            if (b != expected)
            {
                return b < expected ? -1 : 1;
            }
        }
        return bound[Math.Min(i, bound.Length)..].IndexOfAnyExcept((byte)'0') >= 0 ? -1 : 0;
    }

    private static readonly double[] PowersOf10 =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    // The fast path for the usual 412.5: at most 15 digits and no exponent. The digits make an integer
    // below 2^53 and 10^k is exact, so one division is correctly rounded (Clinger's fast path).
    private static bool TryParseShortDecimal(ReadOnlySpan<byte> token, out double value)
    {
        value = 0;
        ulong mantissa = 0;
        var digits = 0;
        var fractionDigits = -1;
        foreach (var b in token)
        {
            if (b == (byte)'.')
            {
                fractionDigits = 0;
                continue;
            }
            var d = (uint)(b - '0');
            if (d > 9 || ++digits > 15)
            {
                return false; // an exponent, or too many digits: the general parser
            }
            mantissa = (mantissa * 10) + d;
            if (fractionDigits >= 0)
            {
                fractionDigits++;
            }
        }
        value = mantissa / PowersOf10[Math.Max(fractionDigits, 0)];
        return true;
    }

    // The significand (before any exponent) is all zeros; else its digits from the first non-zero one.
    private static bool SignificandIsZero(ReadOnlySpan<byte> token, out ReadOnlySpan<byte> significantDigits)
    {
        var end = token.IndexOfAny((byte)'e', (byte)'E');
        var significand = end < 0 ? token : token[..end];
        var first = significand.IndexOfAnyInRange((byte)'1', (byte)'9');
        significantDigits = first < 0 ? default : significand[first..];
        return first < 0;
    }
}
