using System.CommandLine;

namespace FraudStream.Cli.Commands;

/// <summary>
/// <c>-X</c>/<c>--kafka name=value</c>, repeatable: librdkafka properties passed through, shared by <c>run</c> and
/// <c>replay</c>. librdkafka itself checks the names and values.
/// </summary>
internal sealed class KafkaPropertyOption(string description)
{
    public Option<string[]> Option { get; } = new("--kafka", "-X")
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The properties given, in order, as name and value; a wrong command line without a name or '='.</summary>
    public IEnumerable<KeyValuePair<string, string>> Properties(ParseResult parse)
    {
        foreach (var property in parse.GetValue(Option) ?? [])
        {
            var eq = property.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw CliException.Usage($"--kafka takes name=value, not '{property}'");
            }
            yield return new(property[..eq].Trim(), property[(eq + 1)..]);
        }
    }
}
