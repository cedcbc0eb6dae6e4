using System.Runtime.InteropServices;

namespace FraudStream.Kafka.Internal;

/// <summary>
/// The few librdkafka C functions the embedded broker needs (rdkafka.h and rdkafka_mock.h), bound to the
/// very native library Confluent.Kafka loaded, so that one copy of librdkafka serves both.
/// </summary>
/// <remarks>The library is the one <see cref="RdKafkaLibrary"/> finds; each function is bound by address.</remarks>
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
                return _functions ??= Functions.Bind(Load());
            }
        }
    }

    private static nint Load()
    {
        try
        {
            return RdKafkaLibrary.Handle;
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException("Cannot start the embedded broker: " + ex.Message, ex.InnerException);
        }
    }

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
