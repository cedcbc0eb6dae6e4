using System.Buffers;
using System.Text.Json;
using FraudStream.Records;

namespace FraudStream.Kafka.Internal;

/// <summary>
/// Rewrites a valid call record's <c>start</c> (shifted by <see cref="ShiftTicks"/>) and <c>call_id</c>
/// (<c>~N</c> appended for pass N &gt; 1) in place in its bytes: everything else (field order, white space,
/// escapes, unknown fields) stays byte for byte.
/// </summary>
/// <remarks>
/// Only records the core parser accepted come here, so the JSON is well-formed and Utf8JsonReader (used to
/// find the two values' positions) does not throw. The new <c>start</c> keeps the old one's form: the same
/// zone suffix and at least as many fraction digits (more only when the shift needs them).
/// </remarks>
internal sealed class RecordRewriter
{
    private const int YmdHmsLength = 19; // "YYYY-MM-DDTHH:MM:SS"
    private const int MaxFractionDigits = 9;
    private const int TickDigits = 7;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = CallRecordParser.MaxRecordBytes };

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private byte[] _suffix = [];
    private int _pass = 1;
    private int _shiftDigits;
    private long _shiftTicks;

    /// <summary>Added to every <c>start</c>.</summary>
    public long ShiftTicks
    {
        get => _shiftTicks;
        set
        {
            _shiftTicks = value;
            _shiftDigits = value % TimeSpan.TicksPerSecond == 0 ? 0
                : value % TimeSpan.TicksPerMillisecond == 0 ? 3
                : value % (TimeSpan.TicksPerMillisecond / 1000) == 0 ? 6 : TickDigits;
        }
    }

    /// <summary>The pass number: from 2 on, <c>~N</c> is appended to every <c>call_id</c>.</summary>
    public int Pass
    {
        get => _pass;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _pass = value;
            _suffix = value == 1 ? [] : System.Text.Encoding.ASCII.GetBytes("~" + value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>True when records change at all (a shift, or a pass after the first).</summary>
    public bool IsActive => _shiftTicks != 0 || _pass > 1;

    /// <summary>
    /// The bytes to send for <paramref name="line"/>, a record the parser accepted as <paramref name="record"/>:
    /// the line itself when nothing changes, else the rewritten copy (valid until the next call).
    /// </summary>
    public ReadOnlySpan<byte> Rewrite(ReadOnlySpan<byte> line, in CallRecord record)
    {
        if (!IsActive)
        {
            return line;
        }
        Span<byte> start = stackalloc byte[YmdHmsLength + 1 + MaxFractionDigits + 6];
        var startLength = _shiftTicks == 0 ? -1 : FormatShiftedStart(record, start);
        _buffer.ResetWrittenCount();
        var reader = new Utf8JsonReader(line, ReaderOptions);
        var copied = 0;
        try
        {
            reader.Read(); // '{'
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isStart = startLength >= 0 && reader.ValueTextEquals("start"u8);
                var isCallId = _suffix.Length > 0 && reader.ValueTextEquals("call_id"u8);
                reader.Read();
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.String || !(isStart || isCallId))
                {
                    continue;
                }
                var open = checked((int)reader.TokenStartIndex); // the opening quote
                var close = open + 1 + reader.ValueSpan.Length;   // the closing quote (ValueSpan is the raw text)
                if (isStart)
                {
                    _buffer.Write(line[copied..(open + 1)]);
                    _buffer.Write(start[..startLength]);
                }
                else
                {
                    _buffer.Write(line[copied..close]);
                    _buffer.Write(_suffix);
                }
                copied = close;
            }
        }
        catch (JsonException)
        {
            // Unreachable for a record the core parser accepted; should the two ever disagree, send it unchanged.
            return line;
        }
        _buffer.Write(line[copied..]);
        return _buffer.WrittenSpan;
    }

    /// <summary>
    /// Writes the record's start plus the shift in the same form as the original text; -1 when the result
    /// would fall outside years 0001-9999 (then <c>start</c> is left as it was).
    /// </summary>
    private int FormatShiftedStart(in CallRecord record, Span<byte> destination)
    {
        var ticks = record.StartTicks + _shiftTicks;
        if (ticks < 0 || ticks > DateTime.MaxValue.Ticks)
        {
            return -1;
        }
        var text = record.StartText.Span;
        var digits = 0;
        if (text[YmdHmsLength] == (byte)'.')
        {
            while (YmdHmsLength + 1 + digits < text.Length && char.IsAsciiDigit((char)text[YmdHmsLength + 1 + digits]))
            {
                digits++;
            }
        }
        var zone = text[(YmdHmsLength + (digits > 0 ? 1 + digits : 0))..];
        var outDigits = Math.Max(digits, _shiftDigits);
        var time = new DateTime(ticks, DateTimeKind.Utc);
        if (!time.TryFormat(destination, out var written, "yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))
        {
            return -1;
        }
        if (outDigits > 0)
        {
            destination[written++] = (byte)'.';
            var fraction = ticks % TimeSpan.TicksPerSecond;
            for (int i = 0, scale = 1_000_000; i < Math.Min(outDigits, TickDigits); i++, scale /= 10)
            {
                destination[written++] = (byte)('0' + (fraction / scale % 10));
            }
            if (outDigits > TickDigits)
            {
                // The parser truncates past 100 ns; the shift is whole ticks, so those digits carry over as they were.
                text.Slice(YmdHmsLength + 1 + TickDigits, outDigits - TickDigits).CopyTo(destination[written..]);
                written += outDigits - TickDigits;
            }
        }
        zone.CopyTo(destination[written..]);
        return written + zone.Length;
    }
}
