namespace FraudStream.Records;

/// <summary>STIR/SHAKEN attestation; <see cref="None"/> is a null or absent <c>attest</c>.</summary>
public enum Attestation : byte
{
    None = 0,
    A,
    B,
    C,
}

public enum Disposition : byte
{
    Answered = 0,
    NoAnswer,
    Busy,
    Failed,
    Rejected,
}
