using FraudStream.Records;
using static FraudStream.Core.Tests.Records.RecordSamples;

namespace FraudStream.Core.Tests.Records;

/// <summary>The per-record path is held to 0 allocated bytes, valid or not.</summary>
public sealed class CallRecordParserAllocationTests
{
    public static TheoryData<string, string> Records => new()
    {
        { "valid", Valid },
        { "valid with escapes and unknown fields", With(("caller", "\"\\u002B18008291040\""), ("x", "{\"a\":[1,2,{\"b\":\"\\u00e9\"}]}")) },
        { "valid with nesting past the inline stack", With("x", new string('[', 300) + new string(']', 300)) },
        { "invalid json", Valid[..^3] },
        { "not an object", "[1,2,3]" },
        { "duplicate", With("caller", "\"+1\",\"caller\":\"+1\"") },
        { "missing", With("callee", null) },
        { "bad type", With("ring_ms", "\"1\"") },
        { "bad value", With(("disposition", "\"busy\""), ("duration_s", "3")) },
        { "invalid utf8", "{\"a\":\"\uD800\"}" },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void Parse_allocates_nothing(string name, string json)
    {
        Assert.NotNull(name);
        var bytes = Utf8(json); // a lone surrogate becomes EF BF BD, so the last case is valid UTF-8 JSON
        if (name == "invalid utf8")
        {
            bytes = [(byte)'{', (byte)'"', 0xC3, (byte)'"', (byte)'}'];
        }
        var expected = CallRecordParser.TryParse(bytes, out _, out var first);
        for (var i = 0; i < 100; i++)
        {
            CallRecordParser.TryParse(bytes, out _, out _);
        }

        var agree = 0;
        var allocated = Allocations.LeastOfThree(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                if (CallRecordParser.TryParse(bytes, out _, out var failure) == expected && failure.Error == first.Error)
                {
                    agree++;
                }
            }
        });

        Assert.Equal(3000, agree);
        Assert.Equal(0, allocated);
    }
}
