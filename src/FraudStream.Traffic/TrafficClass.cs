namespace FraudStream.Traffic;

/// <summary>The traffic classes of the traffic model; the label file names them with <see cref="TrafficClasses.Name"/>.</summary>
public enum TrafficClass : byte
{
    LegitDomestic,
    LegitBusiness,
    LegitAlerts,
    LegitInternationalFamily,
    LegitOffshoreService,
    GovernmentImpersonation,
    TechSupport,
    NeighborSpoofing,
    Wangiri,
    RobocallBurst,
}

/// <summary>Names and fraud flags of the traffic classes.</summary>
public static class TrafficClasses
{
    private static readonly string[] Names =
    [
        "legit_domestic", "legit_business", "legit_alerts", "legit_international_family", "legit_offshore_service",
        "government_impersonation", "tech_support", "neighbor_spoofing", "wangiri", "robocall_burst",
    ];

    /// <summary>Every class, legitimate ones first.</summary>
    public static IReadOnlyList<TrafficClass> All { get; } = Enum.GetValues<TrafficClass>();

    /// <summary>The class name used in labels (<c>scheme</c> column), as in the traffic model.</summary>
    public static string Name(this TrafficClass value) => Names[(int)value];

    /// <summary>Whether calls of the class are fraudulent (<c>is_fraud</c> = 1).</summary>
    public static bool IsFraud(this TrafficClass value) => value >= TrafficClass.GovernmentImpersonation;

    /// <summary>The class with the given label name.</summary>
    public static bool TryParse(string name, out TrafficClass value)
    {
        int i = Array.IndexOf(Names, name);
        value = (TrafficClass)Math.Max(i, 0);
        return i >= 0;
    }
}
