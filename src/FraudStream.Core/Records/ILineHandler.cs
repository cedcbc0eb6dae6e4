namespace FraudStream.Records;

/// <summary>Receives the lines of an NDJSON stream, in order, from <see cref="NdjsonLineReader"/>.</summary>
public interface ILineHandler
{
    /// <summary>
    /// One line without its line ending (LF, or CR LF). <paramref name="line"/> is valid only during the
    /// call. When <paramref name="tooLarge"/> is true the line was longer than
    /// <see cref="CallRecordParser.MaxRecordBytes"/> and <paramref name="line"/> holds its first 65,536 bytes.
    /// </summary>
    void OnLine(ReadOnlySpan<byte> line, long lineNumber, bool tooLarge);
}
