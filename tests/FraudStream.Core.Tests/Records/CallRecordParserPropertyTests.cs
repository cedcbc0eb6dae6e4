using System.Text.Json;
using CsCheck;
using FraudStream.Records;
using static FraudStream.Core.Tests.Records.RecordSamples;

namespace FraudStream.Core.Tests.Records;

/// <summary>
/// The parser never throws and always classifies, checked on arbitrary bytes and on mutations of valid
/// records, against System.Text.Json as the oracle for well-formedness.
/// </summary>
public sealed class CallRecordParserPropertyTests
{
    private static readonly JsonDocumentOptions OracleOptions = new() { MaxDepth = 100_000 };

    /// <summary>Bytes that mutations insert: JSON structure, digits, escapes and a few awkward ones.</summary>
    private static readonly byte[] Alphabet = Utf8("{}[]\":,\\ \t\r\n0123456789.eE+-tfnrulsabAZ/u\u00e9");

    private static void AssertClassifies(byte[] bytes)
    {
        var ok = CallRecordParser.TryParse(bytes, out var record, out var failure);
        if (ok)
        {
            Assert.Equal(default, failure);
            Assert.InRange(record.CallId.Length, 1, 64);
            Assert.InRange(record.Trunk.Length, 1, 64);
            Assert.InRange(record.RingMs, 0, 600_000);
            Assert.InRange(record.DurationS, 0, 86_400);
            Assert.True(record.DurationS == 0 || record.Disposition == Disposition.Answered);
            Assert.False(record.Callee.IsAnonymous);
        }
        else
        {
            Assert.InRange((int)failure.Error, (int)RecordError.TooLarge, (int)RecordError.BadValue);
            Assert.Contains(failure.Code, RecordErrors.AllCodes[1..].ToArray());
            Assert.False(string.IsNullOrEmpty(failure.Detail));
            Assert.Equal(failure.Error is RecordError.DuplicateField or RecordError.MissingField or RecordError.BadType or RecordError.BadValue,
                failure.Field != RecordField.None);
            foreach (var digits in PhoneDigits)
            {
                Assert.DoesNotContain(digits, failure.Detail, StringComparison.Ordinal);
            }
        }
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            Assert.Equal(RecordError.InvalidUtf8, failure.Error);
            return;
        }

        // System.Text.Json decides well-formedness independently.
        bool wellFormed;
        var isObject = false;
        try
        {
            using var doc = JsonDocument.Parse(bytes, OracleOptions);
            wellFormed = true;
            isObject = doc.RootElement.ValueKind == JsonValueKind.Object;
            if (ok)
            {
                Assert.Equal(doc.RootElement.GetProperty("call_id").GetString(), record.CallId.ToString());
                Assert.Equal(doc.RootElement.GetProperty("trunk").GetString(), record.Trunk.ToString());
                Assert.Equal(doc.RootElement.GetProperty("ring_ms").GetInt32(), record.RingMs);
            }
        }
        catch (JsonException)
        {
            wellFormed = false;
        }
        if (ok || failure.Error is RecordError.NotObject or RecordError.MissingField)
        {
            Assert.True(wellFormed, $"{failure.Error} but System.Text.Json rejects it");
        }
        if (wellFormed)
        {
            Assert.NotEqual(RecordError.InvalidJson, failure.Error);
            Assert.Equal(!isObject, failure.Error == RecordError.NotObject);
        }
    }

    [Fact]
    public void Parse_never_throws_on_arbitrary_bytes()
    {
        Gen.Byte.Array[0, 300].Sample(AssertClassifies, iter: 20_000);
    }

    [Fact]
    public void Parse_never_throws_on_json_like_bytes()
    {
        Gen.Int[0, Alphabet.Length - 1].Select(i => Alphabet[i]).Array[0, 60].Sample(AssertClassifies, iter: 20_000);
    }

    [Fact]
    public void Parse_never_throws_on_mutated_valid_records()
    {
        var seeds = new[]
        {
            Utf8(Valid),
            Utf8(With(("attest", "null"), ("x", "{\"a\":[1,{\"b\":null}],\"c\":\"\\u0041\"}"))),
            Utf8(With(("caller", "\"anonymous\""), ("disposition", "\"busy\""), ("duration_s", "0"))),
            Utf8(With("start", "\"2024-02-29T23:59:59.123456789+00:00\"")),
        };
        // A mutation: 0 replace, 1 insert, 2 delete, 3 truncate; at a position; with a byte.
        var mutation = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Int[0, Alphabet.Length - 1], Gen.Byte,
            (op, at, symbol, raw) => (op, at, symbol, raw));
        Gen.Select(Gen.Int[0, seeds.Length - 1], mutation.Array[1, 6], Gen.Bool)
            .Sample((seed, mutations, rawBytes) =>
            {
                var bytes = new List<byte>(seeds[seed]);
                foreach (var (op, at, symbol, raw) in mutations)
                {
                    var b = rawBytes ? raw : Alphabet[symbol];
                    var i = bytes.Count == 0 ? 0 : at % bytes.Count;
                    switch (op)
                    {
                        case 0 when bytes.Count > 0: bytes[i] = b; break;
                        case 1: bytes.Insert(i, b); break;
                        case 2 when bytes.Count > 0: bytes.RemoveAt(i); break;
                        case 3: bytes.RemoveRange(i, bytes.Count - i); break;
                    }
                }
                AssertClassifies([.. bytes]);
            }, iter: 50_000);
    }

    [Fact]
    public void Duration_parses_to_the_same_double_as_the_runtime()
    {
        string[] formats = ["R", "F0", "F1", "F3", "F6", "F9", "G17", "E5", "0.##############"];
        Gen.Select(Gen.Double[0, 86_400], Gen.Int[0, formats.Length - 1]).Sample((d, f) =>
        {
            var text = d.ToString(formats[f], System.Globalization.CultureInfo.InvariantCulture);
            var json = Utf8(With("duration_s", text));
            var expected = double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            var ok = CallRecordParser.TryParse(json, out var record, out var failure);
            Assert.Equal(expected <= 86_400, ok);
            if (ok)
            {
                Assert.Equal(expected, record.DurationS);
            }
            else
            {
                Assert.Equal(RecordField.DurationS, failure.Field);
            }
        }, iter: 20_000);
    }

    /// <summary>Inputs that once broke a parser of this kind, kept as regressions.</summary>
    public static TheoryData<byte[]> Regressions => new()
    {
        Array.Empty<byte>(),
        new byte[] { (byte)'"' },
        new byte[] { (byte)'"', (byte)'\\' },
        new byte[] { (byte)'"', (byte)'\\', (byte)'u', (byte)'0' },
        new byte[] { (byte)'-' },
        new byte[] { (byte)'0', (byte)'.' },
        new byte[] { (byte)'1', (byte)'e', (byte)'+' },
        new byte[] { (byte)'t', (byte)'r' },
        new byte[] { (byte)'{', (byte)'"', (byte)'"', (byte)':' },
        new byte[] { (byte)'{', (byte)'"', (byte)'\\', (byte)'u', (byte)'0', (byte)'0', (byte)'6', (byte)'3' },
        new byte[] { (byte)'[', (byte)',', (byte)']' },
        new byte[] { (byte)'{', (byte)'}', (byte)'}' },
        new byte[] { (byte)'{', (byte)'"', (byte)'s', (byte)'t', (byte)'a', (byte)'r', (byte)'t', (byte)'"', (byte)':', (byte)'"', (byte)'"', (byte)'}' },
        Utf8("{\"ring_ms\":-"),
        Utf8("{\"duration_s\":-0e"),
        Utf8("{\"start\":\"2026-11-27T14:03:11.\"}"),
        Utf8("{\"start\":\"0000-00-00T00:00:00Z\"}"),
        Utf8("{\"start\":\"9999-12-31T23:59:59.9999999999Z\"}"),
        Utf8("{\"callee\":\"anonymous\"}"),
        Utf8(new string('[', 70) + new string(']', 69)),
        Utf8(new string('[', 5000) + new string(']', 5000)),
        Utf8("{\"x\":" + new string('{', 3000)),
    };

    [Theory]
    [MemberData(nameof(Regressions))]
    public void Parse_regression_inputs_classify(byte[] bytes) => AssertClassifies(bytes);

    [Fact]
    public void Parse_accepts_nesting_deeper_than_the_inline_stack()
    {
        foreach (var depth in new[] { 63, 64, 65, 256, 257, 1000, 10_000 })
        {
            var nested = new string('[', depth * 3) + new string(']', depth * 3);
            Assert.True(CallRecordParser.TryParse(Utf8(With("x", nested)), out _, out var failure), $"{depth}: {failure.Detail}");
            var mixed = string.Concat(Enumerable.Repeat("{\"a\":[", depth / 2)) + string.Concat(Enumerable.Repeat("]}", depth / 2));
            Assert.True(CallRecordParser.TryParse(Utf8(With("x", mixed)), out _, out failure), $"{depth}: {failure.Detail}");
            var wrong = string.Concat(Enumerable.Repeat("{\"a\":[", depth / 2)) + "}" + string.Concat(Enumerable.Repeat("]}", depth / 2));
            Assert.Equal(RecordError.InvalidJson, CallRecordParser.Validate(Utf8(With("x", wrong))).Error);
        }
    }
}
