using System.CommandLine;
using System.Globalization;
using FraudStream.Pipeline;

namespace FraudStream.Cli.Commands;

/// <summary>
/// <c>--threshold</c>: an alert threshold instead of the model's own, shared by <c>score</c>, <c>evaluate</c> and
/// <c>demo</c> (<c>run</c> reads it as the <c>Threshold</c> setting). A number from 0 to 1 written the invariant way:
/// <c>0,5</c> is refused rather than read as 5 with a thousands separator; NaN, the infinities and a sign (<c>-0</c>
/// would be printed in every alert) are refused too.
/// </summary>
internal static class ThresholdOption
{
    public const string Error = "--threshold must be a number from 0 to 1";

    public static Option<float?> Create(string description = "Alert threshold instead of the model's own (0-1).") => new("--threshold")
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (float.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent
                    | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var value)
                && CallScorer.IsValidThreshold(value))
            {
                return value;
            }
            result.AddError(Error);
            return null;
        },
    };
}
