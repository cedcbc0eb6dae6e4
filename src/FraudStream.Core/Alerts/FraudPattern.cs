namespace FraudStream.Alerts;

/// <summary>The likely scheme behind an alerted call (contracts.md section 2), from <see cref="PatternRules"/>.</summary>
public enum FraudPattern : byte
{
    Unknown = 0,
    GovernmentImpersonation,
    TechSupport,
    NeighborSpoofing,
    Wangiri,
    RobocallBurst,
}

public static class FraudPatterns
{
    private static readonly string[] Names =
    [
        "unknown", "government_impersonation", "tech_support", "neighbor_spoofing", "wangiri", "robocall_burst",
    ];

    /// <summary>Every pattern's wire name, indexed by <see cref="FraudPattern"/>.</summary>
    public static ReadOnlySpan<string> AllNames => Names;

    public static string Name(FraudPattern pattern) => Names[(int)pattern];
}
