using System.Runtime.CompilerServices;

namespace FraudStream.Alerts;

/// <summary>One reason toward fraud: a feature, its value, and its contribution in raw score units.</summary>
public readonly record struct AlertReason(int Feature, float Value, float Contribution);

/// <summary>The outcome of scoring one call; the reasons and pattern are filled only when it is alerted.</summary>
public struct ScoredCall
{
    /// <summary>Most reasons an alert carries (contracts.md section 2).</summary>
    public const int MaxReasons = 5;

    public double Score;
    public float Threshold;
    public bool Alerted;
    public FraudPattern Pattern;
    public bool VictimEngaged;
    public int ReasonCount;
    public ReasonBuffer Reasons;

    [InlineArray(MaxReasons)]
    public struct ReasonBuffer
    {
        private AlertReason _element;
    }
}
