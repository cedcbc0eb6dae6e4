using System.Globalization;
using FraudStream.Features;
using FraudStream.Kafka.Processing;
using FraudStream.Pipeline;
using Microsoft.Extensions.Configuration;

namespace FraudStream.Service;

/// <summary>How the console logs: one plain line per event, or one JSON object per event.</summary>
public enum LogFormat
{
    Plain,
    Json,
}

/// <summary>
/// The settings of <c>fraudstream run</c>, from (lowest to highest precedence) defaults, <c>appsettings.json</c>,
/// environment variables <c>FRAUDSTREAM__KEY</c>, and the command line. Keys are case-insensitive; the
/// <c>Kafka</c> section holds librdkafka properties passed through to both clients (see <see cref="KafkaPropertyName"/>).
/// </summary>
public sealed record ServiceSettings
{
    /// <summary>The prefix of the environment variables read (<c>FRAUDSTREAM__BOOTSTRAP</c>, <c>FRAUDSTREAM__KAFKA__SASL_MECHANISM</c>...).</summary>
    public const string EnvironmentPrefix = "FRAUDSTREAM__";

    public const int DefaultMetricsPort = 9464;

    /// <summary>The largest state cap accepted (<c>MaxCallers</c>...): one featurizer table holds at most 2^30 slots, filled to 75%.</summary>
    public const int MaxStateKeys = 805_306_368;

    public required ProcessorOptions Processor { get; init; }

    /// <summary>
    /// Top-level keys of the settings file or of <c>FRAUDSTREAM__</c> variables that name no setting (a misspelt
    /// <c>StopWhenIlde</c>): ignored, and logged as a warning when the service starts.
    /// </summary>
    public IReadOnlyList<string> UnknownKeys { get; init; } = [];

    /// <summary>The model file (resolved by the caller).</summary>
    public required string ModelPath { get; init; }

    public float? Threshold { get; init; }

    /// <summary>Where Kestrel listens for <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>: an IP address or <c>localhost</c>.</summary>
    public string MetricsHost { get; init; } = "0.0.0.0";

    /// <summary>0 picks a free port.</summary>
    public int MetricsPort { get; init; } = DefaultMetricsPort;

    public LogFormat LogFormat { get; init; } = LogFormat.Plain;

    /// <summary>How often the model file is checked when no file-system event comes.</summary>
    public TimeSpan ModelCheckInterval { get; init; } = DefaultModelCheckInterval;

    private static readonly TimeSpan DefaultModelCheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>Each check reads the file's time and size, and hashes it when they changed: more often would only load the disk.</summary>
    private static readonly TimeSpan MinModelCheckInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>A day: the file-system watcher sees most replacements at once, and .NET's timers stop at about 49 days.</summary>
    private static readonly TimeSpan MaxModelCheckInterval = TimeSpan.FromDays(1);

    /// <summary>
    /// Sizing of the featurizer's state: the caps <c>MaxCallers</c>, <c>MaxTrunks</c>, <c>MaxCallees</c>, <c>MaxPairs</c>,
    /// for the whole process (with several <see cref="Threads"/>, each thread gets its share: <see cref="FeaturizerOptions.SharedOver"/>).
    /// </summary>
    public FeaturizerOptions Featurizer { get; init; } = new();

    /// <summary>
    /// Stream threads (<see cref="StreamThreads"/>): each a processor with its own consumer in the group and its own
    /// state, over the partitions the group gives it. 1, the default, keeps every partition's history together.
    /// </summary>
    public int Threads { get; init; } = 1;


    /// <summary>Builds the layered configuration: an optional JSON file, the environment, then the command line's values.</summary>
    /// <param name="jsonFile">A settings file; null reads <c>appsettings.json</c> in the working directory if there is one.</param>
    /// <exception cref="FileNotFoundException">The settings file named is not there.</exception>
    /// <exception cref="InvalidDataException">A settings file is not valid JSON; the message says where and why.</exception>
    public static IConfiguration BuildConfiguration(string? jsonFile, IEnumerable<KeyValuePair<string, string?>> commandLine)
    {
        var builder = new ConfigurationBuilder();
        if (jsonFile is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(jsonFile), optional: false, reloadOnChange: false);
        }
        else
        {
            builder.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(commandLine);
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException ex) when (ex.InnerException is not null)
        {
            // "Failed to load configuration from file 'F'." alone: the causes below it say what and where
            // ("Could not parse the JSON file.", then the JSON reader's "... LineNumber: 2 | BytePositionInLine: 10.",
            // which counts from 0: said here as an editor counts, from 1).
            var causes = new List<string> { ex.Message.TrimEnd('.') };
            for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
            {
                var message = inner.Message;
                if (inner is System.Text.Json.JsonException { LineNumber: { } line, BytePositionInLine: { } position })
                {
                    var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
                    message = string.Create(CultureInfo.InvariantCulture,
                        $"{(at >= 0 ? message[..at] : message).TrimEnd('.')} (line {line + 1}, byte {position + 1} of the line)");
                }
                causes.Add(message.TrimEnd('.'));
            }
            throw new InvalidDataException(string.Join(": ", causes), ex);
        }
    }

    /// <summary>
    /// Has librdkafka check the Kafka settings, before anything starts (it would refuse a wrong property or value only
    /// when the run builds its clients). Apart from <see cref="From"/>, which only reads: librdkafka also checks what
    /// the settings name, such as the CA file of <c>ssl.ca.location</c>, which exists only where the service runs.
    /// </summary>
    /// <exception cref="FormatException">A setting refused; the message names it when one alone is to blame.</exception>
    public void CheckKafkaSettings()
    {
        try
        {
            StreamProcessor.CheckKafkaSettings(Processor);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException(ex.Message + " (a Kafka setting: -X, FRAUDSTREAM__KAFKA__..., or the \"Kafka\" section of the settings file)", ex);
        }
    }

    /// <summary>The address to serve the metrics on: an IP address or <c>localhost</c> (a name would need a lookup to listen).</summary>
    private static string MetricsHostFrom(IConfiguration config)
    {
        var host = config["MetricsHost"] ?? "0.0.0.0";
        return System.Net.IPAddress.TryParse(host, out _) || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            ? host
            : throw new FormatException($"{Named("MetricsHost")} must be an IP address or localhost, not '{host}'");
    }

    /// <summary>Reads the settings; <paramref name="resolveModel"/> turns the configured model path (or null) into the file to load.</summary>
    /// <exception cref="FormatException">A value has the wrong form; the message names the key.</exception>
    public static ServiceSettings From(IConfiguration config, Func<string?, string> resolveModel)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(resolveModel);
        var bootstrap = config["Bootstrap"];
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            throw new FormatException("the bootstrap servers are not set (--bootstrap, FRAUDSTREAM__BOOTSTRAP or \"Bootstrap\" in appsettings.json)");
        }
        var kafka = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in config.GetSection("Kafka").GetChildren())
        {
            if (entry.Value is not null)
            {
                kafka[KafkaPropertyName(entry.Key)] = entry.Value;
            }
        }
        var defaults = new ProcessorOptions { BootstrapServers = bootstrap };
        var processor = defaults with
        {
            GroupId = config["Group"] ?? defaults.GroupId,
            InputTopic = config["Input"] ?? defaults.InputTopic,
            AlertsTopic = config["Alerts"] ?? defaults.AlertsTopic,
            DeadLetterTopic = config["Dlq"] ?? defaults.DeadLetterTopic,
            KafkaSettings = kafka,
            RebuildRecords = Int(config, "RebuildRecords") ?? defaults.RebuildRecords,
            FatalTimeout = Duration(config, "FatalTimeout") ?? defaults.FatalTimeout,
            StopWhenIdle = Duration(config, "StopWhenIdle"),
            DrainTimeout = Duration(config, "DrainTimeout") ?? defaults.DrainTimeout,
            WarmUp = Duration(config, "WarmUp") ?? defaults.WarmUp,
            AlertThread = Bool(config, "AlertThread") ?? defaults.AlertThread,
            DeliveryStall = Duration(config, "DeliveryStall") ?? defaults.DeliveryStall,
            SummaryInterval = Duration(config, "SummaryInterval") ?? defaults.SummaryInterval,
        };
        try
        {
            processor.Validate();
        }
        catch (ArgumentException ex)
        {
            // The exception names a property of ProcessorOptions: the message names the setting and its option instead.
            var message = ex.ParamName is { } name ? ex.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : ex.Message;
            var key = ex.ParamName switch
            {
                nameof(ProcessorOptions.BootstrapServers) => "Bootstrap",
                nameof(ProcessorOptions.GroupId) => "Group",
                nameof(ProcessorOptions.InputTopic) => "Input",
                nameof(ProcessorOptions.AlertsTopic) => "Alerts",
                nameof(ProcessorOptions.DeadLetterTopic) => "Dlq",
                var other => other,
            };
            throw new FormatException(key is not null && Options.ContainsKey(key) ? $"{Named(key)}: {message}" : message, ex);
        }
        var threshold = Float(config, "Threshold");
        if (threshold is { } t && !CallScorer.IsValidThreshold(t))
        {
            throw new FormatException($"{Named("Threshold")} must be between 0 and 1, not '{config["Threshold"]}'");
        }
        var port = Int(config, "MetricsPort") ?? DefaultMetricsPort;
        if (port is < 0 or > 65535)
        {
            throw new FormatException($"{Named("MetricsPort")} must be 0 to 65535, not '{config["MetricsPort"]}'");
        }
        var modelCheck = Duration(config, "ModelCheckInterval") ?? DefaultModelCheckInterval;
        if (modelCheck < MinModelCheckInterval || modelCheck > MaxModelCheckInterval)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                $"{Named("ModelCheckInterval")} must be from {MinModelCheckInterval.TotalMilliseconds}ms to {MaxModelCheckInterval.TotalHours}h, not '{config["ModelCheckInterval"]}'"));
        }
        var threads = Int(config, "Threads") ?? 1;
        if (threads is < 1 or > StreamThreads.MaxThreads)
        {
            throw new FormatException($"{Named("Threads")} must be from 1 to {StreamThreads.MaxThreads}, not '{config["Threads"]}'");
        }
        var format = config["LogFormat"] switch
        {
            null or "" => LogFormat.Plain,
            var f when f.Equals("plain", StringComparison.OrdinalIgnoreCase) => LogFormat.Plain,
            var f when f.Equals("json", StringComparison.OrdinalIgnoreCase) => LogFormat.Json,
            var f => throw new FormatException($"{Named("LogFormat")} must be plain or json, not '{f}'"),
        };
        return new ServiceSettings
        {
            Processor = processor,
            ModelPath = resolveModel(config["Model"]),
            Threshold = threshold,
            MetricsHost = MetricsHostFrom(config),
            MetricsPort = port,
            LogFormat = format,
            ModelCheckInterval = modelCheck,
            Featurizer = StateCaps(config),
            Threads = threads,
            UnknownKeys = [.. config.GetChildren().Select(c => c.Key)
                .Where(k => !Options.ContainsKey(k) && !k.Equals("Kafka", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.OrdinalIgnoreCase)],
        };
    }

    /// <summary>The featurizer's options with the state caps the configuration sets; the others keep their defaults.</summary>
    private static FeaturizerOptions StateCaps(IConfiguration config)
    {
        var defaults = new FeaturizerOptions();
        return new FeaturizerOptions
        {
            MaxCallers = StateCap(config, "MaxCallers") ?? defaults.MaxCallers,
            MaxTrunks = StateCap(config, "MaxTrunks") ?? defaults.MaxTrunks,
            MaxCallees = StateCap(config, "MaxCallees") ?? defaults.MaxCallees,
            MaxPairs = StateCap(config, "MaxPairs") ?? defaults.MaxPairs,
        };
    }

    private static int? StateCap(IConfiguration config, string key)
    {
        var text = config[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= MaxStateKeys
            ? value
            : throw new FormatException($"{Named(key)} must be a whole number from 1 to {MaxStateKeys}, not '{text}'");
    }

    /// <summary>The command-line option of each setting that has one (errors name both: the value may come from any source).</summary>
    private static readonly Dictionary<string, string> Options = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Bootstrap"] = "--bootstrap", ["Group"] = "--group", ["Input"] = "--input", ["Alerts"] = "--alerts", ["Dlq"] = "--dlq",
        ["Model"] = "--model", ["Threshold"] = "--threshold", ["MetricsPort"] = "--metrics-port", ["MetricsHost"] = "--metrics-host",
        ["StopWhenIdle"] = "--stop-when-idle", ["RebuildRecords"] = "--rebuild-records", ["FatalTimeout"] = "--fatal-timeout",
        ["LogFormat"] = "--log-format", ["MaxCallers"] = "--max-callers", ["MaxCallees"] = "--max-callees", ["MaxPairs"] = "--max-pairs",
        ["MaxTrunks"] = "--max-trunks", ["DrainTimeout"] = "--drain-timeout", ["WarmUp"] = "", ["ModelCheckInterval"] = "",
        ["AlertThread"] = "", ["Threads"] = "--threads", ["DeliveryStall"] = "--delivery-stall", ["SummaryInterval"] = "--summary-interval",
    };

    /// <summary>A setting as errors name it: <c>StopWhenIdle (--stop-when-idle)</c>, or the bare key when no option sets it.</summary>
    public static string Named(string key) =>
        Options.TryGetValue(key, out var option) && option.Length > 0 ? $"{key} ({option})" : key;

    /// <summary>
    /// The librdkafka property a key of the <c>Kafka</c> section names: lower-cased, with <c>_</c> read as <c>.</c>,
    /// because environment variable names cannot portably hold dots (<c>FRAUDSTREAM__KAFKA__SASL_MECHANISM</c> is
    /// <c>sasl.mechanism</c>). Dotted keys (<c>"sasl.mechanism"</c> in JSON) pass through. No librdkafka property has
    /// an underscore in its name.
    /// </summary>
    public static string KafkaPropertyName(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.ToLowerInvariant().Replace('_', '.');
    }

    /// <summary>A duration: seconds as a number (<c>30</c>, <c>0.5</c>) or with a unit (<c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        var (number, scale) = t.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (t[..^2], 0.001)
            : t.EndsWith('s') || t.EndsWith('S') ? (t[..^1], 1.0)
            : t.EndsWith('m') || t.EndsWith('M') ? (t[..^1], 60.0)
            : t.EndsWith('h') || t.EndsWith('H') ? (t[..^1], 3600.0)
            : (t, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0
            || value * scale >= TimeSpan.MaxValue.TotalSeconds)
        {
            throw new FormatException($"'{text}' is not a duration (seconds, or a number with ms, s, m or h)");
        }
        return TimeSpan.FromSeconds(value * scale);
    }

    private static TimeSpan? Duration(IConfiguration config, string key)
    {
        var text = config[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            return ParseDuration(text);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{Named(key)}: {ex.Message}", ex);
        }
    }

    private static int? Int(IConfiguration config, string setting)
    {
        var text = config[setting];
        var key = Named(setting);
        return string.IsNullOrWhiteSpace(text) ? null
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
            : throw new FormatException($"{key}: '{text}' is not a whole number");
    }

    private static bool? Bool(IConfiguration config, string key)
    {
        var text = config[key];
        return string.IsNullOrWhiteSpace(text) ? null
            : bool.TryParse(text.Trim(), out var value) ? value
            : throw new FormatException($"{Named(key)}: '{text}' is not true or false");
    }

    private static float? Float(IConfiguration config, string key)
    {
        var text = config[key];
        // NaN and the infinities parse, and compare false with every bound: they are not numbers a setting can take.
        return string.IsNullOrWhiteSpace(text) ? null
            : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && float.IsFinite(value) ? value
            : throw new FormatException($"{Named(key)}: '{text}' is not a number");
    }
}
