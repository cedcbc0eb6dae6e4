using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FraudStream.Records;

/// <summary>
/// Writes file dead letters (contracts.md section 3): one JSON object per invalid line, such as
/// <c>{"source":"calls.ndjson:17","error":"missing_field","detail":"caller is required","raw_base64":"..."}</c>.
/// Buffered; no allocation per line once warm. Not thread-safe.
/// </summary>
public sealed class DeadLetterFileWriter : IDisposable, IAsyncDisposable
{
    /// <summary>Buffered bytes that trigger a write to the stream.</summary>
    public const int FlushThreshold = 64 * 1024;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Plain text such as "+" and "'" in details stays readable; the output is a file, never HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold + (4 * CallRecordParser.MaxRecordBytes / 3) + 4096);
    private readonly Utf8JsonWriter _json;
    private byte[] _source = new byte[256];
    private string? _sourcePath;
    private int _sourcePathLength;
    private bool _disposed;

    /// <summary>Writes to <paramref name="stream"/>; disposing this disposes it unless <paramref name="leaveOpen"/>.</summary>
    public DeadLetterFileWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _json = new Utf8JsonWriter(_buffer, WriterOptions);
    }

    /// <summary>Creates (or truncates) the file at <paramref name="path"/>; <c>-</c> is standard output.</summary>
    public static DeadLetterFileWriter Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return path == "-"
            ? new DeadLetterFileWriter(Console.OpenStandardOutput())
            : new DeadLetterFileWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0));
    }

    /// <summary>Dead letters written so far.</summary>
    public long Count { get; private set; }

    /// <summary>
    /// Writes one dead letter. <paramref name="source"/> is the input path as given, <paramref name="line"/>
    /// the line number from 1, <paramref name="raw"/> the line's bytes without its line ending (at most
    /// the first 65,536), and <paramref name="truncated"/> is set for a <c>too_large</c> line.
    /// </summary>
    public void Write(string source, long line, in ParseFailure failure, ReadOnlySpan<byte> raw, bool truncated)
    {
        ArgumentNullException.ThrowIfNull(source);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _json.WriteStartObject();
        _json.WriteString("source"u8, SourceText(source, line));
        _json.WriteString("error"u8, failure.Code);
        _json.WriteString("detail"u8, failure.Detail);
        _json.WriteBase64String("raw_base64"u8, raw);
        if (truncated)
        {
            _json.WriteBoolean("truncated"u8, true);
        }
        _json.WriteEndObject();
        _json.Flush(); // into the buffer, not the stream
        _json.Reset();
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        Count++;
        if (_buffer.WrittenCount >= FlushThreshold)
        {
            WriteBuffer();
        }
    }

    // "<path>:<line>" in UTF-8; the path is encoded once while it stays the same string.
    private ReadOnlySpan<byte> SourceText(string path, long line)
    {
        if (!ReferenceEquals(path, _sourcePath))
        {
            var needed = Encoding.UTF8.GetMaxByteCount(path.Length) + 21;
            if (_source.Length < needed)
            {
                _source = new byte[needed];
            }
            _sourcePathLength = Encoding.UTF8.GetBytes(path, _source);
            _sourcePath = path;
        }
        _source[_sourcePathLength] = (byte)':';
        line.TryFormat(_source.AsSpan(_sourcePathLength + 1), out var digits, default, System.Globalization.CultureInfo.InvariantCulture);
        return _source.AsSpan(0, _sourcePathLength + 1 + digits);
    }

    /// <summary>Writes the buffered dead letters to the stream and flushes it.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WriteBuffer();
        _stream.Flush();
    }

    /// <inheritdoc cref="Flush"/>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await WriteBufferAsync(cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void WriteBuffer()
    {
        if (_buffer.WrittenCount > 0)
        {
            _stream.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
    }

    private async ValueTask WriteBufferAsync(CancellationToken cancellationToken)
    {
        if (_buffer.WrittenCount > 0)
        {
            await _stream.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            _buffer.ResetWrittenCount();
        }
    }

    /// <summary>Flushes, then closes the stream unless it was left open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            WriteBuffer();
            _stream.Flush();
        }
        finally
        {
            _disposed = true;
            _json.Dispose();
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            await WriteBufferAsync(default).ConfigureAwait(false);
            await _stream.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _disposed = true;
            await _json.DisposeAsync().ConfigureAwait(false);
            if (!_leaveOpen)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
