using System.Buffers;
using System.Runtime.CompilerServices;

namespace FraudStream.Records.Internal;

/// <summary>The JSON type of a value, as known from its first token.</summary>
internal enum JsonKind : byte
{
    String,
    Number,
    True,
    False,
    Null,
    Object,
    Array,
}

/// <summary>
/// A validating JSON tokenizer over one complete UTF-8 record (already checked to be valid UTF-8). It
/// never throws for bad bytes: a method returns false and <see cref="Error"/> says why, in a static
/// string that never quotes the input. Malformed input is the normal case on a dead-letter stream,
/// so it must cost no more than well-formed input (Utf8JsonReader throws a JsonException instead).
/// </summary>
/// <remarks>
/// A scalar token (string, number, <c>true</c>/<c>false</c>/<c>null</c>) is read whole before the
/// caller looks at its type or value; a number or literal must end at white space, <c>,</c>,
/// <c>}</c>, <c>]</c> or the end of the input. A container's type is known at its opening bracket.
/// </remarks>
internal ref struct JsonScanner
{
    public const string Empty = "record is empty";
    public const string Truncated = "record ends before its JSON value is complete";
    public const string UnexpectedCharacter = "unexpected character where a JSON value should start";
    public const string TrailingData = "unexpected data after the JSON value";
    public const string ControlCharacter = "unescaped control character in a string";
    public const string InvalidEscape = "invalid escape sequence in a string";
    public const string InvalidNumber = "invalid number";
    public const string InvalidLiteral = "invalid literal (expected true, false or null)";
    public const string ExpectedFieldName = "expected a field name in double quotes";
    public const string ExpectedColon = "expected ':' after a field name";
    public const string ExpectedCommaOrBrace = "expected ',' or '}' after a field value";
    public const string ExpectedCommaOrBracket = "expected ',' or ']' after an array element";

    /// <summary>Bytes that end the fast scan of a string: the quote, the backslash and control characters.</summary>
    private static readonly SearchValues<byte> StringSpecial = SearchValues.Create(
    [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F,
        (byte)'"', (byte)'\\',
    ]);

    private readonly ReadOnlySpan<byte> _json;
    private int _pos;

    public JsonScanner(ReadOnlySpan<byte> json)
    {
        _json = json;
        _pos = 0;
        Error = null;
    }

    /// <summary>Why the last failed call failed (a static string), or null.</summary>
    public string? Error { get; private set; }

    public readonly bool AtEnd => _pos >= _json.Length;

    /// <summary>The byte at the position; only when not <see cref="AtEnd"/>.</summary>
    public readonly byte Current => _json[_pos];

    public void Advance() => _pos++;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SkipWhitespace()
    {
        var json = _json;
        var i = _pos;
        while ((uint)i < (uint)json.Length && IsWhitespace(json[i]))
        {
            i++;
        }
        _pos = i;
    }

    /// <summary>Records <paramref name="error"/> and returns false.</summary>
    public bool Fail(string error)
    {
        Error = error;
        return false;
    }

    /// <summary>
    /// Reads the string token that starts at the position (a <c>"</c>); <paramref name="content"/> is the
    /// bytes between the quotes, escapes not decoded.
    /// </summary>
    public bool ScanString(out ReadOnlySpan<byte> content, out bool hasEscapes)
    {
        var json = _json;
        var start = _pos + 1;
        var i = start;
        hasEscapes = false;
        content = default;
        while (true)
        {
            var k = json[i..].IndexOfAny(StringSpecial);
            if (k < 0)
            {
                _pos = json.Length;
                return Fail(Truncated);
            }
            i += k;
            var b = json[i];
            if (b == (byte)'"')
            {
                content = json[start..i];
                _pos = i + 1;
                return true;
            }
            if (b != (byte)'\\')
            {
                _pos = i;
                return Fail(ControlCharacter);
            }
            hasEscapes = true;
            if (!SkipEscape(json, ref i))
            {
                _pos = i;
                return false;
            }
        }
    }

    // The rare path of a string: one escape sequence, starting at its backslash.
    private bool SkipEscape(ReadOnlySpan<byte> json, ref int i)
    {
        if (i + 1 >= json.Length)
        {
            return Fail(Truncated);
        }
        switch (json[i + 1])
        {
            case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                i += 2;
                return true;
            case (byte)'u':
                for (var j = i + 2; j < i + 6; j++)
                {
                    if (j >= json.Length)
                    {
                        return Fail(Truncated);
                    }
                    if (!char.IsAsciiHexDigit((char)json[j]))
                    {
                        return Fail(InvalidEscape);
                    }
                }
                i += 6;
                return true;
            default:
                return Fail(InvalidEscape);
        }
    }

    /// <summary>Reads the number token that starts at the position (<c>-</c> or a digit).</summary>
    /// <param name="token">The whole token.</param>
    /// <param name="isInteger">No fraction and no exponent.</param>
    public bool ScanNumber(out ReadOnlySpan<byte> token, out bool isInteger)
    {
        var json = _json;
        var i = _pos;
        token = default;
        isInteger = true;
        if (json[i] == (byte)'-')
        {
            i++;
        }
        if (i >= json.Length)
        {
            return Fail(Truncated);
        }
        if (json[i] == (byte)'0')
        {
            i++;
        }
        else if (IsDigit(json[i]))
        {
            i = SkipDigits(json, i + 1);
        }
        else
        {
            return Fail(InvalidNumber);
        }
        if (i < json.Length && json[i] == (byte)'.')
        {
            isInteger = false;
            if (!RequireDigits(json, ref i))
            {
                return false;
            }
        }
        if (i < json.Length && (json[i] | 0x20) == (byte)'e')
        {
            isInteger = false;
            if (i + 1 < json.Length && json[i + 1] is (byte)'+' or (byte)'-')
            {
                i++;
            }
            if (!RequireDigits(json, ref i))
            {
                return false;
            }
        }
        if (i < json.Length && !IsDelimiter(json[i]))
        {
            return Fail(InvalidNumber);
        }
        token = json[_pos..i];
        _pos = i;
        return true;
    }

    // i is at the '.', 'e', '+' or '-' before one or more required digits.
    private bool RequireDigits(ReadOnlySpan<byte> json, ref int i)
    {
        i++;
        if (i >= json.Length)
        {
            return Fail(Truncated);
        }
        if (!IsDigit(json[i]))
        {
            return Fail(InvalidNumber);
        }
        i = SkipDigits(json, i + 1);
        return true;
    }

    /// <summary>Reads <c>true</c>, <c>false</c> or <c>null</c> at the position (a <c>t</c>, <c>f</c> or <c>n</c>).</summary>
    public bool ScanLiteral(out JsonKind kind)
    {
        kind = Current switch
        {
            (byte)'t' => JsonKind.True,
            (byte)'f' => JsonKind.False,
            _ => JsonKind.Null,
        };
        var literal = kind switch
        {
            JsonKind.True => "true"u8,
            JsonKind.False => "false"u8,
            _ => "null"u8,
        };
        var rest = _json[_pos..];
        if (rest.Length < literal.Length)
        {
            return Fail(literal.StartsWith(rest) ? Truncated : InvalidLiteral);
        }
        if (!rest.StartsWith(literal) || (rest.Length > literal.Length && !IsDelimiter(rest[literal.Length])))
        {
            return Fail(InvalidLiteral);
        }
        _pos += literal.Length;
        return true;
    }

    /// <summary>
    /// Reads the scalar token at the position, or only the opening bracket of an object or array (whose
    /// type is then known; the rest is not read). The position must not be at the end.
    /// </summary>
    public bool ScanValueStart(out JsonKind kind, out ReadOnlySpan<byte> token, out bool hasEscapes)
    {
        token = default;
        hasEscapes = false;
        switch (Current)
        {
            case (byte)'"':
                kind = JsonKind.String;
                return ScanString(out token, out hasEscapes);
            case (byte)'{':
                kind = JsonKind.Object;
                return true;
            case (byte)'[':
                kind = JsonKind.Array;
                return true;
            case (byte)'t' or (byte)'f' or (byte)'n':
                return ScanLiteral(out kind);
            case (byte)'-' or (>= (byte)'0' and <= (byte)'9'):
                kind = JsonKind.Number;
                return ScanNumber(out token, out _);
            default:
                kind = default;
                return Fail(UnexpectedCharacter);
        }
    }

    /// <summary>Reads and validates one whole JSON value of any depth, starting at the position.</summary>
    public bool SkipValue()
    {
        SkipWhitespace();
        if (!AtEnd && Current is not ((byte)'{' or (byte)'['))
        {
            return ScanValueStart(out _, out _, out _); // a scalar needs no container stack
        }
        // Not a `using` variable: that would be read-only, and Push on it would change a copy.
        var stack = new ContainerStack();
        try
        {
            return SkipValue(ref stack);
        }
        finally
        {
            stack.Dispose();
        }
    }

    private bool SkipValue(ref ContainerStack stack)
    {
        while (true)
        {
            // At the start of a value.
            SkipWhitespace();
            if (AtEnd)
            {
                return Fail(Truncated);
            }
            switch (Current)
            {
                case (byte)'{':
                    _pos++;
                    SkipWhitespace();
                    if (!AtEnd && Current == (byte)'}')
                    {
                        _pos++;
                        break;
                    }
                    stack.Push(isObject: true);
                    if (!ScanFieldName())
                    {
                        return false;
                    }
                    continue;
                case (byte)'[':
                    _pos++;
                    SkipWhitespace();
                    if (!AtEnd && Current == (byte)']')
                    {
                        _pos++;
                        break;
                    }
                    stack.Push(isObject: false);
                    continue;
                default:
                    if (!ScanValueStart(out _, out _, out _))
                    {
                        return false;
                    }
                    break;
            }

            // A value has ended: close the containers it ends, up to the next value.
            while (true)
            {
                if (stack.Depth == 0)
                {
                    return true;
                }
                SkipWhitespace();
                if (AtEnd)
                {
                    return Fail(Truncated);
                }
                var b = _json[_pos++];
                var inObject = stack.TopIsObject;
                if (b == (byte)',')
                {
                    if (inObject && !ScanFieldName())
                    {
                        return false;
                    }
                    break;
                }
                if (b == (inObject ? (byte)'}' : (byte)']'))
                {
                    stack.Pop();
                    continue;
                }
                _pos--;
                return Fail(inObject ? ExpectedCommaOrBrace : ExpectedCommaOrBracket);
            }
        }
    }

    /// <summary>Skips white space, then reads a field name and its colon, ending after the colon.</summary>
    public bool ScanFieldName()
    {
        SkipWhitespace();
        if (AtEnd)
        {
            return Fail(Truncated);
        }
        if (Current != (byte)'"')
        {
            return Fail(ExpectedFieldName);
        }
        return ScanString(out _, out _) && ScanColon();
    }

    /// <summary>Skips white space, then reads the colon after a field name.</summary>
    public bool ScanColon()
    {
        SkipWhitespace();
        if (AtEnd)
        {
            return Fail(Truncated);
        }
        if (Current != (byte)':')
        {
            return Fail(ExpectedColon);
        }
        _pos++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool IsDelimiter(byte b) =>
        b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)',' or (byte)'}' or (byte)']';

    private static int SkipDigits(ReadOnlySpan<byte> json, int i)
    {
        while ((uint)i < (uint)json.Length && IsDigit(json[i]))
        {
            i++;
        }
        return i;
    }

    /// <summary>
    /// Decodes the escapes of a validated string's <paramref name="content"/> into <paramref name="destination"/>.
    /// A <c>\u</c> escape of a non-ASCII character becomes the byte 0xFF, which no contract value or
    /// field name accepts (every one of them is ASCII). Returns the length, or -1 when it does not fit.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> content, Span<byte> destination)
    {
        var n = 0;
        for (var i = 0; i < content.Length; i++)
        {
            if ((uint)n >= (uint)destination.Length)
            {
                return -1;
            }
            var b = content[i];
            if (b == (byte)'\\')
            {
                var e = content[++i];
                switch (e)
                {
                    case (byte)'b': b = (byte)'\b'; break;
                    case (byte)'f': b = (byte)'\f'; break;
                    case (byte)'n': b = (byte)'\n'; break;
                    case (byte)'r': b = (byte)'\r'; break;
                    case (byte)'t': b = (byte)'\t'; break;
                    case (byte)'u':
                        var code = (HexValue(content[i + 1]) << 12) | (HexValue(content[i + 2]) << 8)
                            | (HexValue(content[i + 3]) << 4) | HexValue(content[i + 4]);
                        b = code < 0x80 ? (byte)code : (byte)0xFF;
                        i += 4;
                        break;
                    default: b = e; break; // '"', '\\' and '/' stand for themselves
                }
            }
            destination[n++] = b;
        }
        return n;
    }

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
