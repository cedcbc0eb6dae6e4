namespace FraudStream.Records;

/// <summary>Parses one call record (contracts.md section 1). Implemented in the parser work item.</summary>
public static partial class CallRecordParser
{
    /// <summary>Longest valid record or line, without its line ending.</summary>
    public const int MaxRecordBytes = 65_536;
}
