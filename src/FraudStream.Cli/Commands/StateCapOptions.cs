using System.CommandLine;
using System.Globalization;
using FraudStream.Features;
using FraudStream.Service;

namespace FraudStream.Cli.Commands;

/// <summary>
/// The featurizer's state caps as options (<c>--max-callers</c>, <c>--max-callees</c>, <c>--max-pairs</c>,
/// <c>--max-trunks</c>), shared by <c>score</c> and <c>run</c>. A cap bounds memory: tables grow as keys
/// arrive, and at the cap the least recently seen key of a small sample makes room for a new one.
/// </summary>
internal sealed class StateCapOptions
{
    private static readonly FeaturizerOptions Defaults = new();

    public StateCapOptions()
    {
        Callers = Create("--max-callers", "caller numbers", Defaults.MaxCallers);
        Callees = Create("--max-callees", "callee numbers", Defaults.MaxCallees);
        Pairs = Create("--max-pairs", "caller-callee pairs", Defaults.MaxPairs);
        Trunks = Create("--max-trunks", "trunks", Defaults.MaxTrunks);
    }

    public Option<int?> Callers { get; }

    public Option<int?> Callees { get; }

    public Option<int?> Pairs { get; }

    public Option<int?> Trunks { get; }

    /// <summary>Adds the four options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Callers);
        command.Options.Add(Callees);
        command.Options.Add(Pairs);
        command.Options.Add(Trunks);
    }

    /// <summary>The featurizer options the command line asks for (defaults where an option is absent).</summary>
    public FeaturizerOptions Read(ParseResult parse) => new()
    {
        MaxCallers = parse.GetValue(Callers) ?? Defaults.MaxCallers,
        MaxCallees = parse.GetValue(Callees) ?? Defaults.MaxCallees,
        MaxPairs = parse.GetValue(Pairs) ?? Defaults.MaxPairs,
        MaxTrunks = parse.GetValue(Trunks) ?? Defaults.MaxTrunks,
    };

    /// <summary>The caps given on the command line as settings keys (<c>MaxCallers</c>...) for <see cref="ServiceSettings"/>.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Overrides(ParseResult parse)
    {
        foreach (var (key, option) in new[] { ("MaxCallers", Callers), ("MaxCallees", Callees), ("MaxPairs", Pairs), ("MaxTrunks", Trunks) })
        {
            if (parse.GetValue(option) is { } value)
            {
                yield return new(key, value.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>An option taking a whole number from 1 to <see cref="ServiceSettings.MaxStateKeys"/>; anything else is a parse error.</summary>
    private static Option<int?> Create(string name, string what, int defaultValue) => new(name)
    {
        Description = string.Create(CultureInfo.InvariantCulture,
            $"Most {what} whose history is kept (1 to {ServiceSettings.MaxStateKeys}); at the cap the least recently seen is forgotten [default: {defaultValue}]."),
        HelpName = "N",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= ServiceSettings.MaxStateKeys)
            {
                return value;
            }
            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number from 1 to {ServiceSettings.MaxStateKeys}"));
            return null;
        },
    };
}
