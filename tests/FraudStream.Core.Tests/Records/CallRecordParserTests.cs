using FraudStream.Records;
using static FraudStream.Core.Tests.Records.RecordSamples;

namespace FraudStream.Core.Tests.Records;

public sealed class CallRecordParserTests
{
    private static ParseFailure Parse(string json) => Parse(Utf8(json));

    private static ParseFailure Parse(byte[] utf8)
    {
        var ok = CallRecordParser.TryParse(utf8, out _, out var failure);
        Assert.Equal(ok, failure.Error == RecordError.None);
        return failure;
    }

    private static CallRecord ParseValid(string json)
    {
        var ok = CallRecordParser.TryParse(Utf8(json), out var record, out var failure);
        Assert.True(ok, $"{failure.Code} {failure.Field}: {failure.Detail}");
        Assert.Equal(default, failure);
        return record;
    }

    [Fact]
    public void Parse_reads_every_field_of_the_contract_example()
    {
        var r = ParseValid(Valid);
        Assert.Equal("c-000000001", r.CallId.ToString());
        Assert.Equal("2026-11-27T14:03:11.123Z", r.StartText.ToString());
        Assert.Equal(new DateTime(2026, 11, 27, 14, 3, 11, 123, DateTimeKind.Utc).Ticks, r.StartTicks);
        Assert.Equal(DateTimeKind.Utc, r.Start.Kind);
        Assert.Equal(PhoneNumber.Parse("+18008291040"), r.Caller);
        Assert.Equal(PhoneNumber.Parse("+14155550199"), r.Callee);
        Assert.Equal(CountryCode.From("IN"), r.OrigCountry);
        Assert.Equal("gw-in-017", r.Trunk.ToString());
        Assert.Equal(Attestation.C, r.Attest);
        Assert.Equal(Disposition.Answered, r.Disposition);
        Assert.Equal(5200, r.RingMs);
        Assert.Equal(412.5, r.DurationS);
    }

    [Fact]
    public void Parse_accepts_fields_in_any_order_and_any_whitespace()
    {
        const string json = " \t\r\n{ \"duration_s\" :\n412.5 ,\t\"ring_ms\"\r\n:5200,\"disposition\":\"answered\",\"attest\":\"C\",\"trunk\":\"gw-in-017\","
            + "\"orig_country\":\"IN\",\"callee\":\"+14155550199\",\"caller\":\"+18008291040\",\"start\":\"2026-11-27T14:03:11.123Z\",\"call_id\":\"c-000000001\"\n}\r\n\t ";
        var r = ParseValid(json);
        Assert.Equal(ParseValid(Valid).CallId, r.CallId);
        Assert.Equal(5200, r.RingMs);
        Assert.Equal(412.5, r.DurationS);
    }

    [Fact]
    public void Parse_compares_names_and_values_after_unescaping()
    {
        var json = With(("caller", "\"\\u002B1800829\\u0031040\""), ("trunk", "\"gw\\/in\\u002d017\""), ("call_id", "\"c-\\\"q\\\\\\u0041\""))
            .Replace("\"orig_country\"", "\"\\u006Frig_country\"", StringComparison.Ordinal)
            .Replace("\"disposition\":\"answered\"", "\"disposition\":\"\\u0061nswered\"", StringComparison.Ordinal)
            .Replace("\"start\":\"2026", "\"st\\u0061rt\":\"\\u0032026", StringComparison.Ordinal);
        var r = ParseValid(json);
        Assert.Equal(PhoneNumber.Parse("+18008291040"), r.Caller);
        Assert.Equal("gw/in-017", r.Trunk.ToString());
        Assert.Equal("c-\"q\\A", r.CallId.ToString());
        Assert.Equal("2026-11-27T14:03:11.123Z", r.StartText.ToString());
        Assert.Equal(CountryCode.From("IN"), r.OrigCountry);
        Assert.Equal(Disposition.Answered, r.Disposition);
    }

    [Fact]
    public void Parse_ignores_unknown_fields_whatever_they_contain()
    {
        var deep = new string('[', 200) + "{\"a\":[1,{}]}" + new string(']', 200);
        var json = With(
            ("x_object", "{\"caller\":1,\"nested\":{\"a\":[1,2.5e-3,\"s\\u00e9\",true,false,null,{}],\"b\":[]}}"),
            ("x_array", "[[],[{}],\"caller\",-0.0E+1]"),
            ("x_deep", deep),
            ("x_string", "\"caf\u00e9 \\ud83d\\ude00 \\\"\""),
            ("x_null", "null"),
            ("x_dupe", "1"),
            ("CALLER", "true"),
            ("caller ", "1"));
        json = json[..^1] + ",\"x_dupe\":2}";
        var r = ParseValid(json);
        Assert.Equal(PhoneNumber.Parse("+18008291040"), r.Caller);
    }

    [Fact]
    public void Parse_accepts_a_record_of_exactly_65536_bytes()
    {
        var padding = CallRecordParser.MaxRecordBytes - Valid.Length;
        var json = Valid + new string(' ', padding);
        Assert.Equal(CallRecordParser.MaxRecordBytes, json.Length);
        ParseValid(json);
        Assert.Equal(RecordError.TooLarge, Parse(json + " ").Error);
    }

    public static TheoryData<string, string> ValidRecords => new()
    {
        { "attest null", With("attest", "null") },
        { "attest absent", With("attest", null) },
        { "attest A", With("attest", "\"A\"") },
        { "attest B", With("attest", "\"B\"") },
        { "anonymous caller", With("caller", "\"anonymous\"") },
        { "one-digit number", With("callee", "\"+0\"") },
        { "15-digit number", With("caller", "\"+123456789012345\"") },
        { "leap day", With("start", "\"2024-02-29T00:00:00Z\"") },
        { "leap day of 2000", With("start", "\"2000-02-29T23:59:59Z\"") },
        { "9-digit fraction", With("start", "\"2026-11-27T14:03:11.123456789Z\"") },
        { "1-digit fraction", With("start", "\"2026-11-27T14:03:11.1Z\"") },
        { "+00:00 offset", With("start", "\"2026-11-27T14:03:11+00:00\"") },
        { "fraction and +00:00", With("start", "\"2026-11-27T14:03:11.5+00:00\"") },
        { "first instant", With("start", "\"0001-01-01T00:00:00Z\"") },
        { "last instant", With("start", "\"9999-12-31T23:59:59.999999999Z\"") },
        { "64-byte call id", With("call_id", "\"" + new string('x', 64) + "\"") },
        { "every printable byte", With("trunk", "\"!#$%&'()*+,-./0123456789:;<=>?@AZ[]^_`az{|}~\"") },
        { "escaped quote and backslash", With("trunk", "\"\\\"\\\\\"") },
        { "ring_ms 0", With("ring_ms", "0") },
        { "ring_ms -0", With("ring_ms", "-0") },
        { "ring_ms 600000", With("ring_ms", "600000") },
        { "duration_s 0", With("duration_s", "0") },
        { "duration_s 86400", With("duration_s", "86400") },
        { "duration_s 86400.000", With("duration_s", "86400.000") },
        { "duration_s 8.64e4", With("duration_s", "8.64E+4") },
        { "duration_s 864000e-1", With("duration_s", "864000e-1") },
        { "duration_s just below 86400, rounding to it", With("duration_s", "86399.999999999999") },
        { "duration_s just below 86400 in exponent form", With("duration_s", "8.6399999999999999e4") },
        { "duration_s -0.0", With("duration_s", "-0.0") },
        { "duration_s with exponent", With("duration_s", "1.5e2") },
        { "no_answer with duration 0", With(("disposition", "\"no_answer\""), ("duration_s", "0")) },
        { "busy with duration 0.0", With(("disposition", "\"busy\""), ("duration_s", "0.0")) },
        { "failed with duration 0e5", With(("disposition", "\"failed\""), ("duration_s", "0e5")) },
        { "rejected with duration -0", With(("disposition", "\"rejected\""), ("duration_s", "-0")) },
        { "duration before an unanswered disposition", "{\"duration_s\":0,\"disposition\":\"busy\"," + Valid[1..].Replace(",\"disposition\":\"answered\"", "", StringComparison.Ordinal).Replace(",\"duration_s\":412.5", "", StringComparison.Ordinal) },
    };

    [Theory]
    [MemberData(nameof(ValidRecords))]
    public void Parse_accepts_valid_record(string name, string json)
    {
        Assert.NotNull(name);
        ParseValid(json);
    }

    [Fact]
    public void Parse_reads_start_ticks_exactly()
    {
        Assert.Equal(new DateTime(2024, 2, 29, 0, 0, 0, DateTimeKind.Utc).Ticks, ParseValid(With("start", "\"2024-02-29T00:00:00Z\"")).StartTicks);
        Assert.Equal(new DateTime(2026, 11, 27, 14, 3, 11, DateTimeKind.Utc).Ticks + 1_234_567, ParseValid(With("start", "\"2026-11-27T14:03:11.123456789Z\"")).StartTicks);
        Assert.Equal(new DateTime(2026, 11, 27, 14, 3, 11, DateTimeKind.Utc).Ticks + 5_000_000, ParseValid(With("start", "\"2026-11-27T14:03:11.5+00:00\"")).StartTicks);
        Assert.Equal(DateTime.MaxValue.Ticks, ParseValid(With("start", "\"9999-12-31T23:59:59.999999999Z\"")).StartTicks);
        Assert.Equal(0, ParseValid(With("start", "\"0001-01-01T00:00:00Z\"")).StartTicks);
        Assert.Equal("2026-11-27T14:03:11+00:00", ParseValid(With("start", "\"2026-11-27T14:03:11+00:00\"")).StartText.ToString());
    }

    [Fact]
    public void Parse_reads_attest_anonymous_and_numbers()
    {
        Assert.Equal(Attestation.None, ParseValid(With("attest", "null")).Attest);
        Assert.Equal(Attestation.None, ParseValid(With("attest", null)).Attest);
        Assert.Equal(Attestation.A, ParseValid(With("attest", "\"A\"")).Attest);
        Assert.True(ParseValid(With("caller", "\"anonymous\"")).Caller.IsAnonymous);
        Assert.Equal(0, ParseValid(With("ring_ms", "-0")).RingMs);
        Assert.Equal(600_000, ParseValid(With("ring_ms", "600000")).RingMs);
        Assert.Equal(150, ParseValid(With("duration_s", "1.5e2")).DurationS);
        Assert.Equal(86_400, ParseValid(With("duration_s", "8.64E+4")).DurationS);
        Assert.Equal(0, ParseValid(With("duration_s", "-0.0")).DurationS);
    }

    [Theory]
    [InlineData("86399.999999999999", 86_400, -1)]
    [InlineData("8.6399999999999999e4", 86_400, -1)]
    [InlineData("86400.0000000000", 86_400, 0)]
    [InlineData("864000e-1", 86_400, 0)]
    [InlineData("299.99999999999999", 300, -1)]
    [InlineData("2.9999999999999999e2", 300, -1)]
    [InlineData("300.00000000000001", 300, 0)]
    [InlineData("300", 300, 0)]
    [InlineData("3e2", 300, 0)]
    public void A_duration_that_rounds_to_a_contract_bound_keeps_its_side_of_it(string token, double bound, int side)
    {
        // The double nearest to each of these is the bound itself; below it, the value is kept just under the bound,
        // so that "86400 at most" and "300 s or more" give the number's own answer.
        var duration = ParseValid(With("duration_s", token)).DurationS;
        Assert.Equal(side < 0 ? Math.BitDecrement(bound) : bound, duration);
        Assert.Equal(side >= 0, duration >= bound);
        Assert.Equal(Disposition.Rejected, ParseValid(With(("disposition", "\"rejected\""), ("duration_s", "0"))).Disposition);
    }

    public static TheoryData<string, string, RecordError, RecordField> InvalidRecords => new()
    {
        // invalid_json
        { "empty", "", RecordError.InvalidJson, RecordField.None },
        { "only white space", " \t\r\n", RecordError.InvalidJson, RecordField.None },
        { "open brace", "{", RecordError.InvalidJson, RecordField.None },
        { "name only", "{\"call_id\"", RecordError.InvalidJson, RecordField.None },
        { "no value", "{\"call_id\":}", RecordError.InvalidJson, RecordField.None },
        { "no colon", "{\"call_id\" \"x\"}", RecordError.InvalidJson, RecordField.None },
        { "unquoted name", "{call_id:\"x\"}", RecordError.InvalidJson, RecordField.None },
        { "single quotes", "{'call_id':'x'}", RecordError.InvalidJson, RecordField.None },
        { "trailing comma", Valid[..^1] + ",}", RecordError.InvalidJson, RecordField.None },
        { "missing comma", Valid.Replace(",\"start\"", " \"start\"", StringComparison.Ordinal), RecordError.InvalidJson, RecordField.None },
        { "trailing data", Valid + " x", RecordError.InvalidJson, RecordField.None },
        { "two objects", Valid + Valid, RecordError.InvalidJson, RecordField.None },
        { "truncated", Valid[..^1], RecordError.InvalidJson, RecordField.None },
        { "truncated in a string", Valid[..20], RecordError.InvalidJson, RecordField.None },
        { "invalid escape", With("trunk", "\"gw\\x\""), RecordError.InvalidJson, RecordField.None },
        { "short unicode escape", With("trunk", "\"gw\\u12\""), RecordError.InvalidJson, RecordField.None },
        { "raw control character", With("trunk", "\"gw\u0001\""), RecordError.InvalidJson, RecordField.None },
        { "raw tab in string", With("trunk", "\"gw\tx\""), RecordError.InvalidJson, RecordField.None },
        { "leading zero", With("ring_ms", "05200"), RecordError.InvalidJson, RecordField.None },
        { "plus sign", With("ring_ms", "+5200"), RecordError.InvalidJson, RecordField.None },
        { "lone minus", With("ring_ms", "-"), RecordError.InvalidJson, RecordField.None },
        { "dot without digits", With("duration_s", "1."), RecordError.InvalidJson, RecordField.None },
        { "leading dot", With("duration_s", ".5"), RecordError.InvalidJson, RecordField.None },
        { "exponent without digits", With("duration_s", "1e"), RecordError.InvalidJson, RecordField.None },
        { "hex number", With("ring_ms", "0x10"), RecordError.InvalidJson, RecordField.None },
        { "NaN", With("duration_s", "NaN"), RecordError.InvalidJson, RecordField.None },
        { "Infinity", With("duration_s", "Infinity"), RecordError.InvalidJson, RecordField.None },
        { "number run into letters", With("caller", "1x"), RecordError.InvalidJson, RecordField.None },
        { "literal run into letters", With("caller", "truex"), RecordError.InvalidJson, RecordField.None },
        { "misspelt literal", With("attest", "nul"), RecordError.InvalidJson, RecordField.None },
        { "capitalised literal", With("attest", "Null"), RecordError.InvalidJson, RecordField.None },
        { "comment", "/**/" + Valid, RecordError.InvalidJson, RecordField.None },
        { "malformed unknown field", With("x", "[1,2}"), RecordError.InvalidJson, RecordField.None },
        { "malformed nested unknown field", With("x", "{\"a\":{\"b\" 1}}"), RecordError.InvalidJson, RecordField.None },
        { "unclosed unknown array", "{\"x\":[[[", RecordError.InvalidJson, RecordField.None },
        { "truncated array", "[1,2", RecordError.InvalidJson, RecordField.None },
        { "array and trailing data", "[1,2] x", RecordError.InvalidJson, RecordField.None },
        { "bare word", "hello", RecordError.InvalidJson, RecordField.None },
        { "byte-order mark", "\uFEFF" + Valid, RecordError.InvalidJson, RecordField.None },
        { "truncated string value", "{\"ring_ms\":\"5", RecordError.InvalidJson, RecordField.None },
        { "valid fields then truncated", Valid[..Valid.IndexOf(",\"duration_s\"", StringComparison.Ordinal)], RecordError.InvalidJson, RecordField.None },
        { "missing fields and trailing data", "{} x", RecordError.InvalidJson, RecordField.None },

        // not_object
        { "empty array", "[]", RecordError.NotObject, RecordField.None },
        { "array of the record", " [" + Valid + "] ", RecordError.NotObject, RecordField.None },
        { "string", "\"call\"", RecordError.NotObject, RecordField.None },
        { "number", "42", RecordError.NotObject, RecordField.None },
        { "null", "null", RecordError.NotObject, RecordField.None },
        { "true", "true", RecordError.NotObject, RecordField.None },

        // duplicate_field
        { "caller twice", With("caller", "\"+18008291040\",\"caller\":\"+18008291040\""), RecordError.DuplicateField, RecordField.Caller },
        { "duplicate via escaped name", Valid[..^1] + ",\"\\u0063aller\":\"+18008291040\"}", RecordError.DuplicateField, RecordField.Caller },
        { "attest null then A", With("attest", "null,\"attest\":\"A\""), RecordError.DuplicateField, RecordField.Attest },
        { "duration twice", Valid[..^1] + ",\"duration_s\":1", RecordError.DuplicateField, RecordField.DurationS },
        { "duplicate before a later bad value", With(("call_id", "\"a\",\"call_id\":\"b\""), ("caller", "\"x\"")), RecordError.DuplicateField, RecordField.CallId },

        // missing_field, the first in contract order
        { "empty object", "{}", RecordError.MissingField, RecordField.CallId },
        { "no call_id", With("call_id", null), RecordError.MissingField, RecordField.CallId },
        { "no start", With("start", null), RecordError.MissingField, RecordField.Start },
        { "no caller", With("caller", null), RecordError.MissingField, RecordField.Caller },
        { "no callee", With("callee", null), RecordError.MissingField, RecordField.Callee },
        { "no orig_country", With("orig_country", null), RecordError.MissingField, RecordField.OrigCountry },
        { "no trunk", With("trunk", null), RecordError.MissingField, RecordField.Trunk },
        { "no disposition", With("disposition", null), RecordError.MissingField, RecordField.Disposition },
        { "no ring_ms", With("ring_ms", null), RecordError.MissingField, RecordField.RingMs },
        { "no duration_s", With("duration_s", null), RecordError.MissingField, RecordField.DurationS },
        { "no callee nor ring_ms", With(("ring_ms", null), ("callee", null)), RecordError.MissingField, RecordField.Callee },
        { "name differs in case", With(("caller", null), ("Caller", "\"+18008291040\"")), RecordError.MissingField, RecordField.Caller },

        // bad_type
        { "call_id number", With("call_id", "123"), RecordError.BadType, RecordField.CallId },
        { "start number", With("start", "20261127"), RecordError.BadType, RecordField.Start },
        { "caller number", With("caller", "18008291040"), RecordError.BadType, RecordField.Caller },
        { "callee true", With("callee", "true"), RecordError.BadType, RecordField.Callee },
        { "orig_country null", With("orig_country", "null"), RecordError.BadType, RecordField.OrigCountry },
        { "trunk object", With("trunk", "{\"a\":1}"), RecordError.BadType, RecordField.Trunk },
        { "attest number", With("attest", "1"), RecordError.BadType, RecordField.Attest },
        { "attest false", With("attest", "false"), RecordError.BadType, RecordField.Attest },
        { "attest array", With("attest", "[\"A\"]"), RecordError.BadType, RecordField.Attest },
        { "disposition null", With("disposition", "null"), RecordError.BadType, RecordField.Disposition },
        { "ring_ms string", With("ring_ms", "\"5200\""), RecordError.BadType, RecordField.RingMs },
        { "ring_ms true", With("ring_ms", "true"), RecordError.BadType, RecordField.RingMs },
        { "duration_s string", With("duration_s", "\"412.5\""), RecordError.BadType, RecordField.DurationS },
        { "duration_s null", With("duration_s", "null"), RecordError.BadType, RecordField.DurationS },
        { "bad type then truncated", "{\"ring_ms\":\"5\"", RecordError.BadType, RecordField.RingMs },
        { "bad type object then truncated", "{\"ring_ms\":{\"a\":", RecordError.BadType, RecordField.RingMs },
        { "bad type then malformed", "{\"caller\":true x", RecordError.BadType, RecordField.Caller },
        { "bad type before missing fields", "{\"callee\":1}", RecordError.BadType, RecordField.Callee },

        // bad_value
        { "empty call_id", With("call_id", "\"\""), RecordError.BadValue, RecordField.CallId },
        { "65-byte call_id", With("call_id", "\"" + new string('x', 65) + "\""), RecordError.BadValue, RecordField.CallId },
        { "escaped 65-byte call_id", With("call_id", "\"\\u0078" + new string('x', 64) + "\""), RecordError.BadValue, RecordField.CallId },
        { "call_id with a space", With("call_id", "\"c 1\""), RecordError.BadValue, RecordField.CallId },
        { "call_id with an escaped space", With("call_id", "\"c\\u00201\""), RecordError.BadValue, RecordField.CallId },
        { "call_id with an escaped newline", With("call_id", "\"c\\n\""), RecordError.BadValue, RecordField.CallId },
        { "call_id with DEL", With("call_id", "\"c\u007F\""), RecordError.BadValue, RecordField.CallId },
        { "call_id non-ASCII", With("call_id", "\"caf\u00e9\""), RecordError.BadValue, RecordField.CallId },
        { "call_id escaped non-ASCII", With("call_id", "\"caf\\u00e9\""), RecordError.BadValue, RecordField.CallId },
        { "empty trunk", With("trunk", "\"\""), RecordError.BadValue, RecordField.Trunk },
        { "trunk with a space", With("trunk", "\"gw 1\""), RecordError.BadValue, RecordField.Trunk },
        { "start without zone", With("start", "\"2026-11-27T14:03:11\""), RecordError.BadValue, RecordField.Start },
        { "start lower-case z", With("start", "\"2026-11-27T14:03:11z\""), RecordError.BadValue, RecordField.Start },
        { "start lower-case t", With("start", "\"2026-11-27t14:03:11Z\""), RecordError.BadValue, RecordField.Start },
        { "start with a space", With("start", "\"2026-11-27 14:03:11Z\""), RecordError.BadValue, RecordField.Start },
        { "start other offset", With("start", "\"2026-11-27T14:03:11+01:00\""), RecordError.BadValue, RecordField.Start },
        { "start -00:00", With("start", "\"2026-11-27T14:03:11-00:00\""), RecordError.BadValue, RecordField.Start },
        { "start +0000", With("start", "\"2026-11-27T14:03:11+0000\""), RecordError.BadValue, RecordField.Start },
        { "start 29 February of a common year", With("start", "\"2026-02-29T00:00:00Z\""), RecordError.BadValue, RecordField.Start },
        { "start 29 February 1900", With("start", "\"1900-02-29T00:00:00Z\""), RecordError.BadValue, RecordField.Start },
        { "start 31 November", With("start", "\"2026-11-31T00:00:00Z\""), RecordError.BadValue, RecordField.Start },
        { "start month 13", With("start", "\"2026-13-01T00:00:00Z\""), RecordError.BadValue, RecordField.Start },
        { "start month 0", With("start", "\"2026-00-01T00:00:00Z\""), RecordError.BadValue, RecordField.Start },
        { "start day 0", With("start", "\"2026-01-00T00:00:00Z\""), RecordError.BadValue, RecordField.Start },
        { "start year 0", With("start", "\"0000-01-01T00:00:00Z\""), RecordError.BadValue, RecordField.Start },
        { "start hour 24", With("start", "\"2026-11-27T24:00:00Z\""), RecordError.BadValue, RecordField.Start },
        { "start minute 60", With("start", "\"2026-11-27T14:60:00Z\""), RecordError.BadValue, RecordField.Start },
        { "start leap second", With("start", "\"2016-12-31T23:59:60Z\""), RecordError.BadValue, RecordField.Start },
        { "start 10-digit fraction", With("start", "\"2026-11-27T14:03:11.1234567890Z\""), RecordError.BadValue, RecordField.Start },
        { "start dot without digits", With("start", "\"2026-11-27T14:03:11.Z\""), RecordError.BadValue, RecordField.Start },
        { "start comma fraction", With("start", "\"2026-11-27T14:03:11,5Z\""), RecordError.BadValue, RecordField.Start },
        { "start one-digit month", With("start", "\"2026-1-27T14:03:11Z\""), RecordError.BadValue, RecordField.Start },
        { "start without seconds", With("start", "\"2026-11-27T14:03Z\""), RecordError.BadValue, RecordField.Start },
        { "start five-digit year", With("start", "\"12026-11-27T14:03:11Z\""), RecordError.BadValue, RecordField.Start },
        { "start sign in a field", With("start", "\"2026-+1-27T14:03:11Z\""), RecordError.BadValue, RecordField.Start },
        { "start text after zone", With("start", "\"2026-11-27T14:03:11ZZ\""), RecordError.BadValue, RecordField.Start },
        { "start date only", With("start", "\"2026-11-27\""), RecordError.BadValue, RecordField.Start },
        { "caller 16 digits", With("caller", "\"+1234567890123456\""), RecordError.BadValue, RecordField.Caller },
        { "caller without plus", With("caller", "\"18008291040\""), RecordError.BadValue, RecordField.Caller },
        { "caller plus only", With("caller", "\"+\""), RecordError.BadValue, RecordField.Caller },
        { "caller with a space", With("caller", "\"+1 8008291040\""), RecordError.BadValue, RecordField.Caller },
        { "caller with a dash", With("caller", "\"+1-8008291040\""), RecordError.BadValue, RecordField.Caller },
        { "caller Anonymous", With("caller", "\"Anonymous\""), RecordError.BadValue, RecordField.Caller },
        { "caller anonymous and a space", With("caller", "\"anonymous \""), RecordError.BadValue, RecordField.Caller },
        { "caller empty", With("caller", "\"\""), RecordError.BadValue, RecordField.Caller },
        { "callee anonymous", With("callee", "\"anonymous\""), RecordError.BadValue, RecordField.Callee },
        { "callee 16 digits", With("callee", "\"+1234567890123456\""), RecordError.BadValue, RecordField.Callee },
        { "callee full-width digit", With("callee", "\"+1\uFF10\""), RecordError.BadValue, RecordField.Callee },
        { "orig_country lower case", With("orig_country", "\"in\""), RecordError.BadValue, RecordField.OrigCountry },
        { "orig_country three letters", With("orig_country", "\"IND\""), RecordError.BadValue, RecordField.OrigCountry },
        { "orig_country one letter", With("orig_country", "\"I\""), RecordError.BadValue, RecordField.OrigCountry },
        { "orig_country digit", With("orig_country", "\"I1\""), RecordError.BadValue, RecordField.OrigCountry },
        { "attest empty", With("attest", "\"\""), RecordError.BadValue, RecordField.Attest },
        { "attest D", With("attest", "\"D\""), RecordError.BadValue, RecordField.Attest },
        { "attest lower case", With("attest", "\"a\""), RecordError.BadValue, RecordField.Attest },
        { "attest AB", With("attest", "\"AB\""), RecordError.BadValue, RecordField.Attest },
        { "attest string null", With("attest", "\"null\""), RecordError.BadValue, RecordField.Attest },
        { "disposition upper case", With("disposition", "\"ANSWERED\""), RecordError.BadValue, RecordField.Disposition },
        { "disposition unknown", With("disposition", "\"voicemail\""), RecordError.BadValue, RecordField.Disposition },
        { "disposition empty", With("disposition", "\"\""), RecordError.BadValue, RecordField.Disposition },
        { "ring_ms 5.0", With("ring_ms", "5.0"), RecordError.BadValue, RecordField.RingMs },
        { "ring_ms 5e3", With("ring_ms", "5e3"), RecordError.BadValue, RecordField.RingMs },
        { "ring_ms 0E0", With("ring_ms", "0E0"), RecordError.BadValue, RecordField.RingMs },
        { "ring_ms -1", With("ring_ms", "-1"), RecordError.BadValue, RecordField.RingMs },
        { "ring_ms 600001", With("ring_ms", "600001"), RecordError.BadValue, RecordField.RingMs },
        { "ring_ms 1000000", With("ring_ms", "1000000"), RecordError.BadValue, RecordField.RingMs },
        { "ring_ms huge", With("ring_ms", "99999999999999999999999999"), RecordError.BadValue, RecordField.RingMs },
        { "duration_s -1", With("duration_s", "-1"), RecordError.BadValue, RecordField.DurationS },
        { "duration_s -0.001", With("duration_s", "-0.001"), RecordError.BadValue, RecordField.DurationS },
        { "duration_s tiny negative", With("duration_s", "-1e-400"), RecordError.BadValue, RecordField.DurationS },
        { "duration_s 86400.5", With("duration_s", "86400.5"), RecordError.BadValue, RecordField.DurationS },
        { "duration_s just above 86400", With("duration_s", "86400.0000000000000000001"), RecordError.BadValue, RecordField.DurationS },
        { "duration_s just above 86400 in exponent form", With("duration_s", "8.64000000000000000000001e4"), RecordError.BadValue, RecordField.DurationS },
        { "duration_s 1e5", With("duration_s", "1e5"), RecordError.BadValue, RecordField.DurationS },
        { "duration_s 1e400", With("duration_s", "1e400"), RecordError.BadValue, RecordField.DurationS },
        { "duration on a busy call", With(("disposition", "\"busy\""), ("duration_s", "1")), RecordError.BadValue, RecordField.DurationS },
        { "tiny duration on a busy call", With(("disposition", "\"busy\""), ("duration_s", "1e-400")), RecordError.BadValue, RecordField.DurationS },
        { "duration on a no_answer call", With(("disposition", "\"no_answer\""), ("duration_s", "0.5")), RecordError.BadValue, RecordField.DurationS },
        { "duration before an unanswered disposition", "{\"duration_s\":3,\"disposition\":\"failed\",\"ring_ms\":\"x\"}", RecordError.BadValue, RecordField.DurationS },
        { "bad value then truncated", "{\"caller\":\"x\"", RecordError.BadValue, RecordField.Caller },
        { "bad value before a duplicate", With(("caller", "\"x\""), ("trunk", "\"a\",\"trunk\":\"b\"")), RecordError.BadValue, RecordField.Caller },
        { "bad value before malformed JSON", With(("call_id", "\"\""), ("duration_s", "1.")), RecordError.BadValue, RecordField.CallId },
        { "bad value in the first field before bad type", With(("call_id", "\" \""), ("ring_ms", "\"1\"")), RecordError.BadValue, RecordField.CallId },
    };

    [Theory]
    [MemberData(nameof(InvalidRecords))]
    public void Parse_classifies_invalid_record(string name, string json, RecordError error, RecordField field)
    {
        var failure = Parse(json);
        Assert.True(error == failure.Error && field == failure.Field, $"{name}: expected {error}/{field}, got {failure.Error}/{failure.Field} ({failure.Detail})");
        Assert.False(string.IsNullOrEmpty(failure.Detail));
        if (field != RecordField.None)
        {
            Assert.Contains(RecordErrors.FieldName(field), failure.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_rejects_duration_on_unanswered_call()
    {
        var failure = Parse(With(("disposition", "\"busy\""), ("duration_s", "12")));
        Assert.Equal(new ParseFailure(RecordError.BadValue, RecordField.DurationS, "duration_s must be 0 unless disposition is answered"), failure);
        Assert.Equal("bad_value", failure.Code);
    }

    [Fact]
    public void Parse_reports_missing_field_with_the_contract_detail()
    {
        var failure = Parse(With("caller", null));
        Assert.Equal("missing_field", failure.Code);
        Assert.Equal("caller is required", failure.Detail);
    }

    [Fact]
    public void Parse_reports_ring_ms_range_with_a_named_detail()
    {
        Assert.Equal("ring_ms must be an integer from 0 to 600000", Parse(With("ring_ms", "5.0")).Detail);
    }

    [Fact]
    public void Parse_rejects_a_record_over_65536_bytes_before_anything_else()
    {
        var bytes = new byte[CallRecordParser.MaxRecordBytes + 1];
        bytes.AsSpan().Fill(0xFF); // invalid UTF-8 too: too_large wins
        Assert.Equal(RecordError.TooLarge, Parse(bytes).Error);
        Assert.Equal("too_large", Parse(bytes).Code);
    }

    public static TheoryData<string, byte[]> InvalidUtf8 => new()
    {
        { "0xFF in a value", Splice(Valid, "gw-in-017", [0x67, 0xFF]) },
        { "overlong slash", Splice(Valid, "gw-in-017", [0xC0, 0xAF]) },
        { "encoded surrogate", Splice(Valid, "gw-in-017", [0xED, 0xA0, 0x80]) },
        { "above U+10FFFF", Splice(Valid, "gw-in-017", [0xF4, 0x90, 0x80, 0x80]) },
        { "lone continuation byte", Splice(Valid, "gw-in-017", [0x80]) },
        { "truncated sequence at the end", [.. Utf8("{\"a\":1}"), 0xE2, 0x82] },
        { "before malformed JSON", [(byte)'{', (byte)'"', 0xFF] },
        { "in an unknown field of a record that is otherwise fine", Splice(With("x", "\"X\""), "\"X\"", [(byte)'"', 0xFE, (byte)'"']) },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void Parse_rejects_invalid_utf8_before_json(string name, byte[] bytes)
    {
        Assert.NotNull(name);
        var failure = Parse(bytes);
        Assert.Equal(RecordError.InvalidUtf8, failure.Error);
        Assert.Equal(RecordField.None, failure.Field);
    }

    [Fact]
    public void Parse_reports_every_strict_prefix_of_a_valid_record_as_invalid_json()
    {
        var bytes = Utf8(Valid);
        for (var n = 0; n < bytes.Length; n++)
        {
            var failure = Parse(bytes.AsSpan(0, n).ToArray());
            Assert.True(failure.Error == RecordError.InvalidJson, $"prefix of {n} bytes: {failure.Error} {failure.Field}");
        }
    }

    [Fact]
    public void Parse_details_never_contain_the_payload_phone_digits()
    {
        var inputs = new List<string>();
        foreach (var row in InvalidRecords)
        {
            inputs.Add((string)row[1]);
        }
        inputs.Add(With(("caller", "18008291040"), ("callee", "\"+14155550199x\"")));
        inputs.Add(With("callee", "\"+141555501990000000\""));
        inputs.Add(With("caller", "\"+18008291040\",\"caller\":\"+18008291040\""));
        inputs.Add(With("disposition", "\"+14155550199\""));
        inputs.Add(With("trunk", "\"+1 4155550199\""));
        inputs.Add(With("x", "+14155550199"));
        inputs.Add("[\"+14155550199\"");
        foreach (var json in inputs)
        {
            var failure = Parse(json);
            foreach (var digits in PhoneDigits)
            {
                Assert.DoesNotContain(digits, failure.Detail, StringComparison.Ordinal);
            }
            Assert.DoesNotContain("4155550199", failure.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_failure_field_names_the_contract_field()
    {
        foreach (var field in Enum.GetValues<RecordField>())
        {
            if (field == RecordField.None)
            {
                continue;
            }
            var failure = Parse(With(RecordErrors.FieldName(field), "[]"));
            Assert.Equal(RecordError.BadType, failure.Error);
            Assert.Equal(field, failure.Field);
            Assert.StartsWith(RecordErrors.FieldName(field) + " ", failure.Detail, StringComparison.Ordinal);
        }
    }

    private static byte[] Splice(string json, string find, byte[] replacement)
    {
        var bytes = Utf8(json);
        var at = json.IndexOf(find, StringComparison.Ordinal); // ASCII before it: char index = byte index
        return [.. bytes.AsSpan(0, at), .. replacement, .. bytes.AsSpan(at + find.Length)];
    }
}
