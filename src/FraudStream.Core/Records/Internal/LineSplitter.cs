using System.Buffers;

namespace FraudStream.Records.Internal;

/// <summary>
/// The synchronous half of <see cref="NdjsonLineReader"/>: cuts the lines out of each buffer the pipe
/// returns (spans cannot live across an await) and keeps the state between buffers.
/// </summary>
internal sealed class LineSplitter<THandler> : IDisposable
    where THandler : ILineHandler
{
    private const int Max = CallRecordParser.MaxRecordBytes;

    // A field, not a copy: a struct handler keeps its state across calls.
    private THandler _handler;
    private byte[]? _joined;
    private bool _startChecked;
    private bool _skippingToLineFeed;

    public LineSplitter(THandler handler) => _handler = handler;

    /// <summary>Lines passed to the handler so far.</summary>
    public long Lines { get; private set; }

    /// <summary>Passes every complete line of <paramref name="buffer"/> on; returns how far it consumed.</summary>
    public SequencePosition Process(ReadOnlySequence<byte> buffer, bool isCompleted)
    {
        if (!_startChecked)
        {
            if (!isCompleted && buffer.Length < 3 && IsBomPrefix(buffer))
            {
                return buffer.Start; // too short to tell yet
            }
            _startChecked = true;
            if (buffer.Length >= 3 && IsBomPrefix(buffer.Slice(0, 3)))
            {
                buffer = buffer.Slice(3);
            }
        }

        var reader = new SequenceReader<byte>(buffer);
        while (!reader.End)
        {
            if (_skippingToLineFeed)
            {
                if (!reader.TryAdvanceTo((byte)'\n'))
                {
                    reader.AdvanceToEnd();
                    break;
                }
                _skippingToLineFeed = false;
                continue;
            }
            if (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                if (line.Length > 0 && LastByte(line) == (byte)'\r')
                {
                    line = line.Slice(0, line.Length - 1);
                }
                Emit(line);
                continue;
            }

            var rest = reader.UnreadSequence;
            if (isCompleted)
            {
                Emit(rest); // the last line, without a line ending: a lone CR stays
                reader.AdvanceToEnd();
                break;
            }
            // Too long even if the next byte is the LF after a CR: pass its start on and skip the rest.
            if (rest.Length > Max + 1 || (rest.Length == Max + 1 && LastByte(rest) != (byte)'\r'))
            {
                Emit(rest);
                _skippingToLineFeed = true;
                reader.AdvanceToEnd();
            }
            break;
        }
        return reader.Position;
    }

    private void Emit(ReadOnlySequence<byte> line)
    {
        var tooLarge = line.Length > Max;
        if (tooLarge)
        {
            line = line.Slice(0, Max);
        }
        var number = ++Lines;
        if (line.IsSingleSegment)
        {
            _handler.OnLine(line.FirstSpan, number, tooLarge);
        }
        else
        {
            // The rare path: a line across segments is joined in one buffer, reused for every such line.
            _joined ??= ArrayPool<byte>.Shared.Rent(Max);
            line.CopyTo(_joined);
            _handler.OnLine(_joined.AsSpan(0, (int)line.Length), number, tooLarge);
        }
    }

    private static byte LastByte(ReadOnlySequence<byte> sequence) =>
        sequence.IsSingleSegment ? sequence.FirstSpan[^1] : sequence.Slice(sequence.Length - 1).FirstSpan[0];

    // Whether the buffer (at most 3 bytes) is the start of a UTF-8 byte-order mark.
    private static bool IsBomPrefix(ReadOnlySequence<byte> buffer)
    {
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        Span<byte> head = stackalloc byte[3];
        var n = (int)Math.Min(buffer.Length, 3);
        buffer.Slice(0, n).CopyTo(head);
        return bom.StartsWith(head[..n]);
    }

    public void Dispose()
    {
        if (_joined is not null)
        {
            ArrayPool<byte>.Shared.Return(_joined);
            _joined = null;
        }
    }
}
