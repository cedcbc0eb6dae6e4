namespace FraudStream.Records.Internal;

/// <summary>
/// The human-readable details of parse failures: static strings that name the field and never quote
/// the payload (they travel in dead-letter headers and files).
/// </summary>
internal static class FailureDetails
{
    public const string TooLarge = "record is longer than 65536 bytes";
    public const string InvalidUtf8 = "record is not valid UTF-8";
    public const string NotObject = "record is a JSON value but not an object";
    public const string DurationOnUnansweredCall = "duration_s must be 0 unless disposition is answered";

    public static string Missing(RecordField field) => field switch
    {
        RecordField.CallId => "call_id is required",
        RecordField.Start => "start is required",
        RecordField.Caller => "caller is required",
        RecordField.Callee => "callee is required",
        RecordField.OrigCountry => "orig_country is required",
        RecordField.Trunk => "trunk is required",
        RecordField.Disposition => "disposition is required",
        RecordField.RingMs => "ring_ms is required",
        RecordField.DurationS => "duration_s is required",
        _ => "a required field is missing",
    };

    public static string Duplicate(RecordField field) => field switch
    {
        RecordField.CallId => "call_id appears more than once",
        RecordField.Start => "start appears more than once",
        RecordField.Caller => "caller appears more than once",
        RecordField.Callee => "callee appears more than once",
        RecordField.OrigCountry => "orig_country appears more than once",
        RecordField.Trunk => "trunk appears more than once",
        RecordField.Attest => "attest appears more than once",
        RecordField.Disposition => "disposition appears more than once",
        RecordField.RingMs => "ring_ms appears more than once",
        RecordField.DurationS => "duration_s appears more than once",
        _ => "a field appears more than once",
    };

    public static string BadType(RecordField field) => field switch
    {
        RecordField.CallId => "call_id must be a string",
        RecordField.Start => "start must be a string",
        RecordField.Caller => "caller must be a string",
        RecordField.Callee => "callee must be a string",
        RecordField.OrigCountry => "orig_country must be a string",
        RecordField.Trunk => "trunk must be a string",
        RecordField.Attest => "attest must be a string or null",
        RecordField.Disposition => "disposition must be a string",
        RecordField.RingMs => "ring_ms must be a number",
        RecordField.DurationS => "duration_s must be a number",
        _ => "a field has the wrong JSON type",
    };

    public static string BadValue(RecordField field) => field switch
    {
        RecordField.CallId => "call_id must be 1 to 64 printable ASCII characters (no space)",
        RecordField.Start => "start must be YYYY-MM-DDTHH:MM:SS, optionally . and 1 to 9 digits, then Z or +00:00, a real date and time",
        RecordField.Caller => "caller must be + and 1 to 15 digits, or anonymous",
        RecordField.Callee => "callee must be + and 1 to 15 digits",
        RecordField.OrigCountry => "orig_country must be two upper-case ASCII letters",
        RecordField.Trunk => "trunk must be 1 to 64 printable ASCII characters (no space)",
        RecordField.Attest => "attest must be A, B, C or null",
        RecordField.Disposition => "disposition must be answered, no_answer, busy, failed or rejected",
        RecordField.RingMs => "ring_ms must be an integer from 0 to 600000",
        RecordField.DurationS => "duration_s must be a number from 0 to 86400",
        _ => "a field has an invalid value",
    };
}
