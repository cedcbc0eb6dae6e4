namespace FraudStream.Records;

/// <summary>
/// A phone number as the contract allows it: <c>+</c> then 1 to 15 digits, or <c>anonymous</c>.
/// Held as a number and a digit count (leading zeros matter), so it costs no allocation and makes a
/// 64-bit key.
/// </summary>
public readonly struct PhoneNumber : IEquatable<PhoneNumber>
{
    /// <summary>Most digits after the <c>+</c> (E.164).</summary>
    public const int MaxDigits = 15;

    /// <summary>The withheld caller ID, written <c>anonymous</c>.</summary>
    public static PhoneNumber Anonymous => default;

    private readonly ulong _digits;
    private readonly byte _length;

    public PhoneNumber(ulong digits, int length)
    {
        if ((uint)(length - 1) >= MaxDigits)
        {
            throw new ArgumentOutOfRangeException(nameof(length), "a phone number has 1 to 15 digits");
        }
        _digits = digits;
        _length = (byte)length;
    }

    public bool IsAnonymous => _length == 0;

    /// <summary>The digits after the <c>+</c> as a number (0 when anonymous).</summary>
    public ulong Digits => _digits;

    /// <summary>How many digits follow the <c>+</c> (0 when anonymous).</summary>
    public int Length => _length;

    /// <summary>A key unique to this number: the digit count in the top byte, the digits below.</summary>
    public ulong Key => ((ulong)_length << 56) | _digits;

    /// <summary>A North American Numbering Plan number: <c>+1</c> and ten digits.</summary>
    public bool IsNanp => _length == 11 && _digits / 10_000_000_000UL == 1;

    /// <summary>The NANP area code (NPA), or -1 if this is not a NANP number.</summary>
    public int Npa => IsNanp ? (int)(_digits / 10_000_000 % 1000) : -1;

    /// <summary>The NANP area code and exchange (NPA-NXX) as six digits, or -1.</summary>
    public int NpaNxx => IsNanp ? (int)(_digits / 10_000 % 1_000_000) : -1;

    /// <summary>The first <paramref name="count"/> digits as a number (for country-code look-ups), or -1.</summary>
    public long Prefix(int count)
    {
        if (count <= 0 || count > _length)
        {
            return -1;
        }
        var divisor = 1UL;
        for (var i = 0; i < _length - count; i++)
        {
            divisor *= 10;
        }
        return (long)(_digits / divisor);
    }

    /// <summary>Bytes needed to write the number as text (<c>+</c> and digits, or <c>anonymous</c>).</summary>
    public int TextLength => _length == 0 ? 9 : _length + 1;

    /// <summary>Writes the contract's text form: <c>+</c> and the digits, or <c>anonymous</c>.</summary>
    public bool TryFormat(Span<byte> destination, out int written)
    {
        if (_length == 0)
        {
            written = 9;
            return "anonymous"u8.TryCopyTo(destination);
        }
        written = _length + 1;
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }
        destination[0] = (byte)'+';
        var value = _digits;
        for (var i = _length; i >= 1; i--)
        {
            destination[i] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }
        return true;
    }

    /// <summary>Parses the contract's text form; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out PhoneNumber number)
    {
        number = default;
        if (text.SequenceEqual("anonymous"u8))
        {
            return true;
        }
        if (text.Length < 2 || text.Length > MaxDigits + 1 || text[0] != (byte)'+')
        {
            return false;
        }
        ulong digits = 0;
        for (var i = 1; i < text.Length; i++)
        {
            var d = (uint)(text[i] - '0');
            if (d > 9)
            {
                return false;
            }
            digits = digits * 10 + d;
        }
        number = new PhoneNumber(digits, text.Length - 1);
        return true;
    }

    /// <summary>Parses a number written as text (for tests and tools, not the hot path).</summary>
    public static PhoneNumber Parse(string text)
    {
        Span<byte> buffer = stackalloc byte[MaxDigits + 1];
        var n = System.Text.Encoding.UTF8.GetBytes(text.AsSpan(0, Math.Min(text.Length, buffer.Length)), buffer);
        if (text.Length > buffer.Length || !TryParse(buffer[..n], out var number))
        {
            throw new FormatException("not a phone number: expected + and 1-15 digits, or anonymous");
        }
        return number;
    }

    public bool Equals(PhoneNumber other) => Key == other.Key;

    public override bool Equals(object? obj) => obj is PhoneNumber other && Equals(other);

    public override int GetHashCode() => Key.GetHashCode();

    public static bool operator ==(PhoneNumber left, PhoneNumber right) => left.Equals(right);

    public static bool operator !=(PhoneNumber left, PhoneNumber right) => !left.Equals(right);

    /// <summary>Allocates a string: for tests and tools only, never for logs (phone numbers are not logged).</summary>
    public override string ToString()
    {
        Span<byte> buffer = stackalloc byte[MaxDigits + 1];
        TryFormat(buffer, out var written);
        return System.Text.Encoding.ASCII.GetString(buffer[..written]);
    }
}
