using System.Text.Unicode;
using FraudStream.Records.Internal;

namespace FraudStream.Records;

/// <summary>Parses one call record (contracts.md section 1) without allocating and without throwing.</summary>
/// <remarks>
/// <para><c>too_large</c> and <c>invalid_utf8</c> are checked first; otherwise the error is that of the
/// first problem met reading left to right, token by token: a string, number or literal is read whole
/// (so a malformed token is <c>invalid_json</c>) before its type and value are checked, and an object
/// or array is known by its opening bracket (so <c>{"ring_ms":[</c> is <c>bad_type</c>). A duplicate
/// contract field is met at its name. <c>duration_s</c> on an unanswered call is met at whichever of
/// <c>disposition</c> and <c>duration_s</c> comes second. Missing fields are met at the end, after
/// the trailing bytes were found to be white space; the first missing one in contract order is reported.</para>
/// <para>It is a hand-written validating tokenizer, not Utf8JsonReader, because that reader throws a
/// JsonException on malformed input and a dead-letter stream of garbage must cost no exception per record.</para>
/// </remarks>
public static partial class CallRecordParser
{
    /// <summary>Longest valid record or line, without its line ending.</summary>
    public const int MaxRecordBytes = 65_536;

    /// <summary>The failure of a record or line over <see cref="MaxRecordBytes"/> (for a line the reader cut short).</summary>
    public static ParseFailure TooLargeFailure { get; } =
        new(RecordError.TooLarge, RecordField.None, FailureDetails.TooLarge);

    private const uint RequiredFields =
        (1u << (int)RecordField.CallId) | (1u << (int)RecordField.Start) | (1u << (int)RecordField.Caller)
        | (1u << (int)RecordField.Callee) | (1u << (int)RecordField.OrigCountry) | (1u << (int)RecordField.Trunk)
        | (1u << (int)RecordField.Disposition) | (1u << (int)RecordField.RingMs) | (1u << (int)RecordField.DurationS);

    private const uint DispositionAndDuration = (1u << (int)RecordField.Disposition) | (1u << (int)RecordField.DurationS);

    /// <summary>
    /// Parses one record. True with <paramref name="record"/> filled and <paramref name="failure"/> default
    /// when it is valid; false with the error otherwise (then <paramref name="record"/> is partly filled
    /// and must not be used). Never throws and never allocates.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out CallRecord record, out ParseFailure failure)
    {
        record = default;
        if (utf8.Length > MaxRecordBytes)
        {
            failure = TooLargeFailure;
            return false;
        }
        if (!Utf8.IsValid(utf8))
        {
            return Fail(RecordError.InvalidUtf8, RecordField.None, FailureDetails.InvalidUtf8, out failure);
        }
        var scanner = new JsonScanner(utf8);
        scanner.SkipWhitespace();
        if (scanner.AtEnd)
        {
            return InvalidJson(JsonScanner.Empty, out failure);
        }
        return scanner.Current == (byte)'{'
            ? ParseObject(ref scanner, ref record, out failure)
            : ParseNonObject(ref scanner, out failure);
    }

    /// <summary>Parses one record; throws nothing. For callers that only need the verdict.</summary>
    public static ParseFailure Validate(ReadOnlySpan<byte> utf8)
    {
        TryParse(utf8, out _, out var failure);
        return failure;
    }

    private static bool ParseObject(ref JsonScanner scanner, ref CallRecord record, out ParseFailure failure)
    {
        Span<byte> scratch = stackalloc byte[AsciiId.Capacity];
        var seen = 0u;
        var durationIsZero = true;
        scanner.Advance(); // '{'
        scanner.SkipWhitespace();
        if (!scanner.AtEnd && scanner.Current == (byte)'}')
        {
            scanner.Advance();
        }
        else
        {
            while (true)
            {
                scanner.SkipWhitespace();
                if (scanner.AtEnd)
                {
                    return InvalidJson(JsonScanner.Truncated, out failure);
                }
                if (scanner.Current != (byte)'"')
                {
                    return InvalidJson(JsonScanner.ExpectedFieldName, out failure);
                }
                if (!scanner.ScanString(out var name, out var nameEscaped))
                {
                    return InvalidJson(scanner.Error, out failure);
                }
                var field = nameEscaped ? MatchEscapedName(name, scratch) : FieldValues.MatchName(name);
                if (field != RecordField.None)
                {
                    var bit = 1u << (int)field;
                    if ((seen & bit) != 0)
                    {
                        return Fail(RecordError.DuplicateField, field, FailureDetails.Duplicate(field), out failure);
                    }
                    seen |= bit;
                }
                if (!scanner.ScanColon())
                {
                    return InvalidJson(scanner.Error, out failure);
                }
                scanner.SkipWhitespace();
                if (scanner.AtEnd)
                {
                    return InvalidJson(JsonScanner.Truncated, out failure);
                }
                if (field == RecordField.None)
                {
                    if (!scanner.SkipValue())
                    {
                        return InvalidJson(scanner.Error, out failure);
                    }
                }
                else
                {
                    if (!ReadField(ref scanner, field, ref record, scratch, ref durationIsZero, out failure))
                    {
                        return false;
                    }
                    if ((seen & DispositionAndDuration) == DispositionAndDuration
                        && field is RecordField.Disposition or RecordField.DurationS
                        && !durationIsZero && record.Disposition != Disposition.Answered)
                    {
                        return Fail(RecordError.BadValue, RecordField.DurationS, FailureDetails.DurationOnUnansweredCall, out failure);
                    }
                }
                scanner.SkipWhitespace();
                if (scanner.AtEnd)
                {
                    return InvalidJson(JsonScanner.Truncated, out failure);
                }
                var separator = scanner.Current;
                scanner.Advance();
                if (separator == (byte)'}')
                {
                    break;
                }
                if (separator != (byte)',')
                {
                    return InvalidJson(JsonScanner.ExpectedCommaOrBrace, out failure);
                }
            }
        }

        scanner.SkipWhitespace();
        if (!scanner.AtEnd)
        {
            return InvalidJson(JsonScanner.TrailingData, out failure);
        }
        if ((seen & RequiredFields) != RequiredFields)
        {
            var missing = FirstMissing(seen);
            return Fail(RecordError.MissingField, missing, FailureDetails.Missing(missing), out failure);
        }
        failure = default;
        return true;
    }

    private static bool ReadField(
        ref JsonScanner scanner, RecordField field, ref CallRecord record, scoped Span<byte> scratch,
        ref bool durationIsZero, out ParseFailure failure)
    {
        if (!scanner.ScanValueStart(out var kind, out var token, out var escaped))
        {
            return InvalidJson(scanner.Error, out failure);
        }
        failure = default;
        switch (field)
        {
            case RecordField.RingMs:
                if (kind != JsonKind.Number)
                {
                    return BadType(field, out failure);
                }
                // A fraction or an exponent (5.0, 5e3) makes it not an integer: a bad value, not a bad type.
                return (token.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0 && FieldValues.TryParseRingMs(token, out record.RingMs))
                    || BadValue(field, out failure);
            case RecordField.DurationS:
                if (kind != JsonKind.Number)
                {
                    return BadType(field, out failure);
                }
                return FieldValues.TryParseDurationS(token, out record.DurationS, out durationIsZero)
                    || BadValue(field, out failure);
            case RecordField.Attest when kind == JsonKind.Null:
                record.Attest = Attestation.None;
                return true;
        }

        if (kind != JsonKind.String)
        {
            return BadType(field, out failure);
        }
        scoped ReadOnlySpan<byte> value = token;
        if (escaped)
        {
            // Every valid value fits in 64 bytes unescaped; a longer one is invalid whatever it holds.
            var length = JsonScanner.Unescape(token, scratch);
            if (length < 0)
            {
                return BadValue(field, out failure);
            }
            value = scratch[..length];
        }

        var valid = field switch
        {
            RecordField.CallId => FieldValues.IsPrintableId(value) && record.CallId.TrySet(value),
            RecordField.Trunk => FieldValues.IsPrintableId(value) && record.Trunk.TrySet(value),
            RecordField.Start => StartTime.TryParse(value, out record.StartTicks) && record.StartText.TrySet(value),
            RecordField.Caller => PhoneNumber.TryParse(value, out record.Caller),
            RecordField.Callee => PhoneNumber.TryParse(value, out record.Callee) && !record.Callee.IsAnonymous,
            RecordField.OrigCountry => FieldValues.TryParseCountry(value, out record.OrigCountry),
            RecordField.Attest => FieldValues.TryParseAttestation(value, out record.Attest),
            RecordField.Disposition => FieldValues.TryParseDisposition(value, out record.Disposition),
            _ => false,
        };
        return valid || BadValue(field, out failure);
    }

    // The rare path: a field name with escapes, decoded before it is matched (no contract name is over 12 bytes).
    private static RecordField MatchEscapedName(ReadOnlySpan<byte> name, Span<byte> scratch)
    {
        var length = JsonScanner.Unescape(name, scratch[..16]);
        return length < 0 ? RecordField.None : FieldValues.MatchName(scratch[..length]);
    }

    private static RecordField FirstMissing(uint seen)
    {
        for (var field = RecordField.CallId; field <= RecordField.DurationS; field++)
        {
            var bit = 1u << (int)field;
            if ((RequiredFields & bit) != 0 && (seen & bit) == 0)
            {
                return field;
            }
        }
        return RecordField.None;
    }

    private static bool ParseNonObject(ref JsonScanner scanner, out ParseFailure failure)
    {
        if (!scanner.SkipValue())
        {
            return InvalidJson(scanner.Error, out failure);
        }
        scanner.SkipWhitespace();
        return scanner.AtEnd
            ? Fail(RecordError.NotObject, RecordField.None, FailureDetails.NotObject, out failure)
            : InvalidJson(JsonScanner.TrailingData, out failure);
    }

    private static bool InvalidJson(string? detail, out ParseFailure failure) =>
        Fail(RecordError.InvalidJson, RecordField.None, detail ?? JsonScanner.UnexpectedCharacter, out failure);

    private static bool BadType(RecordField field, out ParseFailure failure) =>
        Fail(RecordError.BadType, field, FailureDetails.BadType(field), out failure);

    private static bool BadValue(RecordField field, out ParseFailure failure) =>
        Fail(RecordError.BadValue, field, FailureDetails.BadValue(field), out failure);

    private static bool Fail(RecordError error, RecordField field, string detail, out ParseFailure failure)
    {
        failure = new ParseFailure(error, field, detail);
        return false;
    }
}
