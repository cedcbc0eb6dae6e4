using System.Text;
using FraudStream.Kafka.Internal;
using FraudStream.Records;

namespace FraudStream.Kafka.Tests;

/// <summary>Unit tests of the byte-level rewrite of <c>start</c> and <c>call_id</c> (no broker).</summary>
public sealed class RecordRewriterTests
{
    private const string Tail = "\"callee\":\"+14155550199\",\"orig_country\":\"US\",\"trunk\":\"gw-1\",\"disposition\":\"answered\",\"ring_ms\":1000,\"duration_s\":1}";

    [Fact]
    public void Rewrite_returns_the_line_itself_when_nothing_changes()
    {
        var line = Encoding.UTF8.GetBytes("{\"call_id\":\"c-1\",\"start\":\"2026-11-27T14:03:11.123Z\",\"caller\":\"+1415\"," + Tail);
        var rewriter = new RecordRewriter();

        Assert.False(rewriter.IsActive);
        Assert.True(Rewrite(rewriter, line) == line);
    }

    [Theory]
    // Shift of whole seconds keeps the form exactly.
    [InlineData("2026-11-27T14:03:11Z", 10_000_000L * 3600, "2026-11-27T15:03:11Z")]
    [InlineData("2026-11-27T14:03:11.1+00:00", 10_000_000L * 86400, "2026-11-28T14:03:11.1+00:00")]
    // A millisecond shift adds the digits it needs, never fewer than the original.
    [InlineData("2026-11-27T14:03:11Z", 10_000L * 1500, "2026-11-27T14:03:12.500Z")]
    [InlineData("2026-11-27T14:03:11.12345Z", 10_000L * 1, "2026-11-27T14:03:11.12445Z")]
    // Digits past 100 ns carry over.
    [InlineData("2026-12-31T23:59:59.999999999Z", 10_000L * 2, "2027-01-01T00:00:00.001999999Z")]
    // Negative shifts work too.
    [InlineData("2026-03-01T00:00:00.000Z", -10_000L, "2026-02-28T23:59:59.999Z")]
    public void Rewrite_shifts_start_keeping_its_form(string start, long shiftTicks, string expected)
    {
        var rewriter = new RecordRewriter { ShiftTicks = shiftTicks };
        var line = $"{{ \"call_id\" : \"c-1\", \"x\":{{\"start\":\"nested\"}}, \"start\" : \"{start}\" ,\"caller\":\"+1415\"," + Tail;

        Assert.Equal(line.Replace($"\"{start}\"", $"\"{expected}\"", StringComparison.Ordinal), Rewrite(rewriter, line));
    }

    [Fact]
    public void Rewrite_appends_the_pass_to_call_id_and_keeps_escapes_and_unknown_fields()
    {
        var rewriter = new RecordRewriter { Pass = 12 };
        var line = "{\"extra\":[{\"call_id\":\"no\"}],\"call\\u005Fid\":\"c-\\u0031\",\"start\":\"2026-11-27T14:03:11Z\",\"caller\":\"+1415\"," + Tail;

        Assert.Equal(line.Replace("c-\\u0031\"", "c-\\u0031~12\"", StringComparison.Ordinal), Rewrite(rewriter, line));
    }

    [Fact]
    public void Rewrite_leaves_start_alone_when_the_shift_leaves_the_calendar()
    {
        var rewriter = new RecordRewriter { ShiftTicks = DateTime.MaxValue.Ticks / 2, Pass = 2 };
        var line = "{\"call_id\":\"c\",\"start\":\"9000-01-01T00:00:00Z\",\"caller\":\"+1415\"," + Tail;

        Assert.Equal(line.Replace("\"c\"", "\"c~2\"", StringComparison.Ordinal), Rewrite(rewriter, line));
    }

    private static string Rewrite(RecordRewriter rewriter, string line) =>
        Encoding.UTF8.GetString(Rewrite(rewriter, Encoding.UTF8.GetBytes(line)));

    private static byte[] Rewrite(RecordRewriter rewriter, byte[] line)
    {
        Assert.True(CallRecordParser.TryParse(line, out var record, out var failure), failure.Detail);
        var result = rewriter.Rewrite(line, record);
        return result.Length == line.Length && result.Overlaps(line) ? line : result.ToArray();
    }
}
