using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace FraudStream.Kafka.Internal;

/// <summary>
/// The few librdkafka C functions the embedded broker needs (rdkafka.h and rdkafka_mock.h), bound to the
/// very native library Confluent.Kafka loaded, so that one copy of librdkafka serves both.
/// </summary>
/// <remarks>
/// A plain <c>[DllImport("librdkafka")]</c> is not enough: the package ships several builds of the library
/// (<c>librdkafka.so</c>, <c>centos8-librdkafka.so</c>, ...) and Confluent.Kafka falls back from one to the
/// next when one cannot load (on Debian 12 the default one needs a missing <c>libsasl2.so.3</c>). So the
/// library is found where Confluent.Kafka loaded it and each function is bound by address.
/// </remarks>
internal static unsafe class RdKafkaMock
{
    private static readonly Lock Gate = new();
    private static Functions? _functions;

    /// <summary>The bound functions; loads and binds them on first use.</summary>
    public static Functions Api
    {
        get
        {
            var functions = Volatile.Read(ref _functions);
            if (functions is not null)
            {
                return functions;
            }
            lock (Gate)
            {
                return _functions ??= Functions.Bind(LoadLibrary());
            }
        }
    }

    /// <summary>The path of the librdkafka build Confluent.Kafka loaded, or null when it cannot be told.</summary>
    public static string? LoadedLibraryPath { get; private set; }

    private static nint LoadLibrary()
    {
        try
        {
            _ = Library.Version; // makes Confluent.Kafka load its native library (its own fallback order)
        }
        catch (Exception ex) when (ex is DllNotFoundException or InvalidOperationException or BadImageFormatException)
        {
            ThrowLoadFailure("Confluent.Kafka could not load librdkafka: " + ex.Message, ex);
        }
        foreach (var candidate in Candidates())
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                if (NativeLibrary.TryGetExport(handle, "rd_kafka_mock_cluster_new", out _))
                {
                    LoadedLibraryPath = candidate;
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

    /// <summary>The loaded module first (Linux), then the package's native folders in Confluent.Kafka's order.</summary>
    private static IEnumerable<string> Candidates()
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
                    yield return path;
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
                yield return Path.Combine(root, "runtimes", $"{rid}-{arch}", "native", name);
                yield return Path.Combine(root, name);
            }
        }
    }

    [DoesNotReturn]
    private static void ThrowLoadFailure(string message, Exception? inner) =>
        throw new InvalidOperationException("Cannot start the embedded broker: " + message, inner);

    /// <summary>Function pointers into one loaded librdkafka.</summary>
    internal sealed class Functions
    {
        public required delegate* unmanaged[Cdecl]<nint> ConfNew { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int> ConfSet { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, void> ConfDestroy { get; init; }
        public required delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint> New { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, void> Destroy { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, int, nint> ClusterNew { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, void> ClusterDestroy { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, byte*> ClusterBootstraps { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, byte*, int, int, int> TopicCreate { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, int, int> BrokerSetDown { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, int, int> BrokerSetUp { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, int, int, int> BrokerSetRtt { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, short, nuint, int*, void> PushRequestErrorsArray { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, short, void> ClearRequestErrors { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, int, void> GroupInitialRebalanceDelayMs { get; init; }

        public static Functions Bind(nint library) => new()
        {
            ConfNew = (delegate* unmanaged[Cdecl]<nint>)Export(library, "rd_kafka_conf_new"),
            ConfSet = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int>)Export(library, "rd_kafka_conf_set"),
            ConfDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(library, "rd_kafka_conf_destroy"),
            New = (delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint>)Export(library, "rd_kafka_new"),
            Destroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(library, "rd_kafka_destroy"),
            ClusterNew = (delegate* unmanaged[Cdecl]<nint, int, nint>)Export(library, "rd_kafka_mock_cluster_new"),
            ClusterDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(library, "rd_kafka_mock_cluster_destroy"),
            ClusterBootstraps = (delegate* unmanaged[Cdecl]<nint, byte*>)Export(library, "rd_kafka_mock_cluster_bootstraps"),
            TopicCreate = (delegate* unmanaged[Cdecl]<nint, byte*, int, int, int>)Export(library, "rd_kafka_mock_topic_create"),
            BrokerSetDown = (delegate* unmanaged[Cdecl]<nint, int, int>)Export(library, "rd_kafka_mock_broker_set_down"),
            BrokerSetUp = (delegate* unmanaged[Cdecl]<nint, int, int>)Export(library, "rd_kafka_mock_broker_set_up"),
            BrokerSetRtt = (delegate* unmanaged[Cdecl]<nint, int, int, int>)Export(library, "rd_kafka_mock_broker_set_rtt"),
            PushRequestErrorsArray = (delegate* unmanaged[Cdecl]<nint, short, nuint, int*, void>)Export(library, "rd_kafka_mock_push_request_errors_array"),
            ClearRequestErrors = (delegate* unmanaged[Cdecl]<nint, short, void>)Export(library, "rd_kafka_mock_clear_request_errors"),
            GroupInitialRebalanceDelayMs = (delegate* unmanaged[Cdecl]<nint, int, void>)Export(library, "rd_kafka_mock_group_initial_rebalance_delay_ms"),
        };

        private static nint Export(nint library, string name) =>
            NativeLibrary.TryGetExport(library, name, out var address)
                ? address
                : throw new InvalidOperationException(
                    $"Cannot start the embedded broker: the loaded librdkafka has no '{name}' (a build without the mock cluster?)");
    }
}
