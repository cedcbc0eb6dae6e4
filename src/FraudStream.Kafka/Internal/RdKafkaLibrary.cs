using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace FraudStream.Kafka.Internal;

/// <summary>
/// The librdkafka native library that Confluent.Kafka loaded, for the C functions FraudStream calls itself (the
/// embedded broker's, <see cref="RdKafkaMock"/>, and the consumer's poll, <see cref="DirectPoll"/>), so that one
/// copy of librdkafka serves both.
/// </summary>
/// <remarks>
/// A plain <c>[DllImport("librdkafka")]</c> is not enough: the package ships several builds of the library
/// (<c>librdkafka.so</c>, <c>centos8-librdkafka.so</c>, ...) and Confluent.Kafka falls back from one to the
/// next when one cannot load (on Debian 12 the default one needs a missing <c>libsasl2.so.3</c>). So the
/// library is found where Confluent.Kafka loaded it.
/// </remarks>
internal static class RdKafkaLibrary
{
    private static readonly Lock Gate = new();
    private static nint _handle;

    /// <summary>The loaded library's handle, for <see cref="NativeLibrary.TryGetExport"/>; loads it on first use.</summary>
    /// <exception cref="InvalidOperationException">When Confluent.Kafka cannot load it, or it is not found.</exception>
    public static nint Handle
    {
        get
        {
            var handle = Volatile.Read(ref _handle);
            if (handle != 0)
            {
                return handle;
            }
            lock (Gate)
            {
                if (_handle == 0)
                {
                    Volatile.Write(ref _handle, Load());
                }
                return _handle;
            }
        }
    }

    /// <summary>
    /// The path of the librdkafka build Confluent.Kafka loaded, found among the process's modules (Linux); null when
    /// it could not be told, and <see cref="Handle"/> is then the package's build found by name, which may be another
    /// copy of the library than Confluent.Kafka's.
    /// </summary>
    public static string? LoadedPath { get; private set; }

    private static nint Load()
    {
        try
        {
            _ = Library.Version; // makes Confluent.Kafka load its native library (its own fallback order)
        }
        catch (Exception ex) when (ex is DllNotFoundException or InvalidOperationException or BadImageFormatException)
        {
            ThrowLoadFailure("Confluent.Kafka could not load librdkafka: " + ex.Message, ex);
        }
        foreach (var (candidate, loaded) in Candidates())
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                if (NativeLibrary.TryGetExport(handle, "rd_kafka_version", out _))
                {
                    LoadedPath = loaded ? candidate : null;
                    return handle;
                }
                NativeLibrary.Free(handle);
            }
        }
        if (NativeLibrary.TryLoad("librdkafka", typeof(Library).Assembly, null, out var fallback))
        {
            return fallback;
        }
        ThrowLoadFailure("the librdkafka native library that Confluent.Kafka loaded was not found", null);
        return 0;
    }

    /// <summary>The loaded module first (Linux; <c>Loaded</c>), then the package's native folders in Confluent.Kafka's order.</summary>
    private static IEnumerable<(string Path, bool Loaded)> Candidates()
    {
        if (OperatingSystem.IsLinux())
        {
            string[] maps;
            try
            {
                maps = File.ReadAllLines("/proc/self/maps");
            }
            catch (IOException)
            {
                maps = [];
            }
            catch (UnauthorizedAccessException)
            {
                maps = [];
            }
            foreach (var line in maps)
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0)
                {
                    continue;
                }
                var path = line[slash..];
                var name = Path.GetFileName(path);
                if (name.Contains("librdkafka", StringComparison.Ordinal) && name.Contains(".so", StringComparison.Ordinal))
                {
                    yield return (path, true);
                }
            }
        }
        string[] names = OperatingSystem.IsWindows() ? ["librdkafka.dll"]
            : OperatingSystem.IsMacOS() ? ["librdkafka.dylib"]
            : ["centos8-librdkafka.so", "librdkafka.so", "alpine-librdkafka.so"];
        var rid = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var roots = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(Library).Assembly.Location) ?? "" };
        foreach (var root in roots.Where(r => r.Length > 0).Distinct(StringComparer.Ordinal))
        {
            foreach (var name in names)
            {
                yield return (Path.Combine(root, "runtimes", $"{rid}-{arch}", "native", name), false);
                yield return (Path.Combine(root, name), false);
            }
        }
    }

    [DoesNotReturn]
    private static void ThrowLoadFailure(string message, Exception? inner) =>
        throw new InvalidOperationException(message, inner);
}
