using System.IO.Pipelines;
using FraudStream.Records.Internal;

namespace FraudStream.Records;

/// <summary>
/// Splits an NDJSON stream into lines over System.IO.Pipelines: without copying when a line lies in one
/// buffer segment, into one reused buffer when it spans segments, and without buffering more than the
/// first 65,536 bytes of an over-long line (the rest is skipped up to its LF).
/// </summary>
/// <remarks>
/// A UTF-8 byte-order mark at the very start is skipped. Only the CR of a CR LF is stripped. A blank line
/// is passed as an empty line (it is a record, <c>invalid_json</c>). A last line without a line ending
/// is a line; the empty text after a final LF is not.
/// </remarks>
public static class NdjsonLineReader
{
    /// <summary>The buffer size asked of the pipe when reading a file or standard input.</summary>
    public const int ReadBufferSize = 64 * 1024;

    /// <summary>
    /// Reads <paramref name="reader"/> to its end, passing every line to <paramref name="handler"/>; returns
    /// the number of lines (line numbers count from 1). It does not complete <paramref name="reader"/>.
    /// A read cancelled with <see cref="PipeReader.CancelPendingRead"/> stops it early.
    /// </summary>
    public static async Task<long> ReadAllAsync<THandler>(
        PipeReader reader, THandler handler, CancellationToken cancellationToken = default)
        where THandler : ILineHandler
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (handler is null)
        {
            throw new ArgumentNullException(nameof(handler));
        }
        using var splitter = new LineSplitter<THandler>(handler);
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = splitter.Process(buffer, result.IsCompleted);
            reader.AdvanceTo(consumed, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return splitter.Lines;
            }
        }
    }

    /// <summary>Opens a file, or standard input for <c>-</c>, as a pipe; completing the reader closes it.</summary>
    public static PipeReader Open(string pathOrDash)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathOrDash);
        var stream = pathOrDash == "-"
            ? Console.OpenStandardInput()
            : new FileStream(pathOrDash, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read,
                BufferSize = 0, // the pipe is the buffer
                Options = FileOptions.SequentialScan,
            });
        return PipeReader.Create(stream, new StreamPipeReaderOptions(
            bufferSize: ReadBufferSize, minimumReadSize: ReadBufferSize / 4, leaveOpen: false));
    }

    /// <summary>Reads every line of a file, or standard input for <c>-</c>; returns the number of lines.</summary>
    public static async Task<long> ReadFileAsync<THandler>(
        string pathOrDash, THandler handler, CancellationToken cancellationToken = default)
        where THandler : ILineHandler
    {
        var reader = Open(pathOrDash);
        try
        {
            return await ReadAllAsync(reader, handler, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }
}
