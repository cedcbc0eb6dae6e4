namespace FraudStream.Records;

/// <summary>Why a call record is invalid: the closed list of contracts.md section 1.</summary>
public enum RecordError : byte
{
    None = 0,
    TooLarge,
    InvalidUtf8,
    InvalidJson,
    NotObject,
    DuplicateField,
    MissingField,
    BadType,
    BadValue,
}

/// <summary>The contract fields of a call record, in the order of contracts.md section 1.</summary>
public enum RecordField : byte
{
    None = 0,
    CallId,
    Start,
    Caller,
    Callee,
    OrigCountry,
    Trunk,
    Attest,
    Disposition,
    RingMs,
    DurationS,
}

/// <summary>An invalid record's error: a stable code, the field it concerns and a human-readable detail
/// (a static string: it names the field and never quotes the payload).</summary>
public readonly record struct ParseFailure(RecordError Error, RecordField Field, string Detail)
{
    /// <summary>The contract's code for <see cref="Error"/>, such as <c>missing_field</c>.</summary>
    public string Code => RecordErrors.Code(Error);
}

public static class RecordErrors
{
    /// <summary>Every error code, indexed by <see cref="RecordError"/> (index 0 is unused).</summary>
    public static ReadOnlySpan<string> AllCodes => Codes;

    private static readonly string[] Codes =
    [
        "none", "too_large", "invalid_utf8", "invalid_json", "not_object",
        "duplicate_field", "missing_field", "bad_type", "bad_value",
    ];

    private static readonly string[] FieldNames =
    [
        "", "call_id", "start", "caller", "callee", "orig_country",
        "trunk", "attest", "disposition", "ring_ms", "duration_s",
    ];

    public static string Code(RecordError error) => Codes[(int)error];

    /// <summary>The field's name as written in the JSON record, such as <c>duration_s</c>.</summary>
    public static string FieldName(RecordField field) => FieldNames[(int)field];

    public static bool TryParseCode(ReadOnlySpan<char> code, out RecordError error)
    {
        for (var i = 1; i < Codes.Length; i++)
        {
            if (code.SequenceEqual(Codes[i]))
            {
                error = (RecordError)i;
                return true;
            }
        }
        error = RecordError.None;
        return false;
    }
}
