using System.Security.Cryptography;
using System.Text;
using FraudStream.Features.Internal;

namespace FraudStream.Features;

/// <summary>
/// The ordered list of feature names the featurizer writes, with a hash that identifies it: a model
/// records the hash it was trained with and refuses a featurizer whose schema differs.
/// </summary>
public sealed class FeatureSchema
{
    /// <summary>Bumped whenever a feature's meaning changes without its name changing.</summary>
    public const string CurrentVersion = "fraudstream-features-2";

    private readonly Dictionary<string, int> _index;

    /// <summary>Builds a schema; names must be unique, non-empty snake_case (a-z, 0-9, _).</summary>
    public FeatureSchema(string version, IEnumerable<string> names)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentNullException.ThrowIfNull(names);
        Version = version;
        string[] list = [.. names];
        _index = new Dictionary<string, int>(list.Length, StringComparer.Ordinal);
        for (var i = 0; i < list.Length; i++)
        {
            if (!IsSnakeCase(list[i]))
            {
                throw new ArgumentException($"feature name at {i} is not snake_case", nameof(names));
            }
            if (!_index.TryAdd(list[i], i))
            {
                throw new ArgumentException($"feature name '{list[i]}' appears twice", nameof(names));
            }
        }
        Names = list.AsReadOnly();
        Hash = ComputeHash(version, list);
    }

    /// <summary>The schema the featurizer of this build writes.</summary>
    public static FeatureSchema Current { get; } = new(CurrentVersion, FeatureIndex.Names);

    public string Version { get; }

    /// <summary>Feature names in the order the featurizer writes them.</summary>
    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>Lower-case hex SHA-256 of the version and the ordered names (one per line).</summary>
    public string Hash { get; }

    /// <summary>Position of <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    private static string ComputeHash(string version, string[] names)
    {
        var text = new StringBuilder(version).Append('\n');
        foreach (var name in names)
        {
            text.Append(name).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static bool IsSnakeCase(string name)
    {
        if (string.IsNullOrEmpty(name) || !char.IsAsciiLetterLower(name[0]) || name[^1] == '_')
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '_')
            {
                return false;
            }
        }
        return !name.Contains("__", StringComparison.Ordinal);
    }
}
