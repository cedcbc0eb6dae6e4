using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace FraudStream.Deploy.Tests;

/// <summary>The repository's files, as the deployment reads them.</summary>
internal static partial class Repository
{
    /// <summary>The repository root (recorded at build time: the test output may live elsewhere).</summary>
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>The built <c>fraudstream</c> program, copied beside the tests.</summary>
    public static string Program
    {
        get
        {
            var program = Path.Combine(AppContext.BaseDirectory, "fraudstream.dll");
            Assert.True(File.Exists(program), $"fraudstream.dll is not beside the tests ({program})");
            return program;
        }
    }

    /// <summary>The metrics of contracts.md section 6: name to type (counter, gauge, histogram).</summary>
    public static IReadOnlyDictionary<string, string> ContractMetrics { get; } = ReadContractMetrics();

    private static Dictionary<string, string> ReadContractMetrics()
    {
        var text = Read("docs/contracts.md");
        var section = text[text.IndexOf("## 6. Metrics", StringComparison.Ordinal)..];
        var metrics = MetricRow().Matches(section).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.True(metrics.Count >= 15, "contracts.md section 6 lists the metrics");
        return metrics;
    }

    [GeneratedRegex(@"^\| `(fraudstream_[a-z_]+)` \| (counter|gauge|histogram)", RegexOptions.Multiline)]
    private static partial Regex MetricRow();
}

/// <summary>Debian tools the tests run; a missing one fails the test and names its package.</summary>
internal static class Tool
{
    public static string Require(string command, string debianPackage)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, command);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        Assert.Fail($"'{command}' is not installed: apt-get install --no-install-recommends {debianPackage} (scripts/test.sh does it)");
        return command;
    }

    /// <summary>How every test starts a program: all three standard streams redirected (UTF-8), arguments as a list, extra environment.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }
        return start;
    }

    /// <summary>Runs a program to its end; returns its exit code and standard output and error together.</summary>
    public static (int Exit, string Output) Run(string program, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = StartInfo(program, args, environment, workingDirectory ?? Repository.Root);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(program)} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>YAML files read into plain objects: mappings, lists and strings.</summary>
internal static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    /// <summary>Every document of a YAML file (relative to the repository root).</summary>
    public static List<Dictionary<object, object?>> Documents(string relative)
    {
        using var reader = new StringReader(Repository.Read(relative));
        var parser = new Parser(reader);
        parser.Consume<StreamStart>();
        var documents = new List<Dictionary<object, object?>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            var document = Deserializer.Deserialize<object?>(parser);
            Assert.True(document is Dictionary<object, object?>, $"{relative}: every document is a mapping");
            documents.Add((Dictionary<object, object?>)document!);
        }
        return documents;
    }

    public static Dictionary<object, object?> Document(string relative) => Assert.Single(Documents(relative));

    /// <summary>The node at a path of mapping keys; fails the test naming the path when it is not there.</summary>
    public static object Get(object? node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            Assert.True(current is Dictionary<object, object?> map && map.TryGetValue(key, out current) && current is not null,
                $"no '{string.Join('.', path)}' (at '{key}')");
        }
        return current!;
    }

    public static object? Find(object? node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not Dictionary<object, object?> map || !map.TryGetValue(key, out current))
            {
                return null;
            }
        }
        return current;
    }

    public static Dictionary<object, object?> Map(object? node, params string[] path) =>
        Assert.IsType<Dictionary<object, object?>>(Get(node, path));

    public static List<object?> List(object? node, params string[] path) => Assert.IsType<List<object?>>(Get(node, path));

    public static string Text(object? node, params string[] path) => Assert.IsType<string>(Get(node, path));

    /// <summary>A mapping's string values by string key (an environment block, a ConfigMap's data).</summary>
    public static Dictionary<string, string> Strings(object? node, params string[] path) =>
        Map(node, path).ToDictionary(e => (string)e.Key, e => Assert.IsType<string>(e.Value));
}
