using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace FraudStream.Kafka.Internal;

/// <summary>
/// Polls a Confluent.Kafka consumer's messages straight from its librdkafka handle (<c>rd_kafka_consumer_poll</c>),
/// for a caller that reads each message's bytes in place and keeps nothing of it.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="IConsumer{TKey,TValue}.Consume(int)"/> does the same poll, then builds a result for every message: a
/// <see cref="ConsumeResult{TKey,TValue}"/>, its <see cref="Message{TKey,TValue}"/> and
/// <see cref="TopicPartitionOffset"/>, a boxed copy of librdkafka's message struct and, with headers on, an empty
/// <see cref="Headers"/>, about 250 bytes a message, besides a reference count on the handle for each of its three
/// native calls. Here a message is read through a pointer and nothing is allocated unless it has headers.
/// </para>
/// <para>
/// It is the same call on the same handle, so everything else is as with <c>Consume</c>: the rebalance, error and
/// log callbacks Confluent.Kafka registered run inside <see cref="Poll"/> on the calling thread, and the consumer
/// stays Confluent.Kafka's (subscribe, pause, offsets, close). The handle is an internal member of
/// Confluent.Kafka's <see cref="Handle"/>: <see cref="TryCreate"/> says why when it cannot be had (another version
/// of the package), and the caller then uses <c>Consume</c>.
/// </para>
/// </remarks>
internal sealed unsafe class DirectPoll : IDisposable
{
    /// <summary>librdkafka's <c>RD_KAFKA_RESP_ERR__PARTITION_EOF</c>: a partition's end was reached.</summary>
    public const int PartitionEof = (int)ErrorCode.Local_PartitionEOF;

    private const int ErrorTextSize = 512;

    private readonly SafeHandle _handle;
    private readonly nint _client;
    private readonly Functions _api;
    private bool _disposed;

    private DirectPoll(SafeHandle handle, Functions api)
    {
        _handle = handle;
        _api = api;
        var added = false;
        handle.DangerousAddRef(ref added); // librdkafka's handle outlives this, whenever the consumer is disposed
        _client = handle.DangerousGetHandle();
    }

    /// <summary>
    /// A direct poll of <paramref name="consumer"/>'s handle, or null with <paramref name="whyNot"/> when its
    /// librdkafka handle cannot be reached (then use its <c>Consume</c>).
    /// </summary>
    public static DirectPoll? TryCreate(IClient consumer, out string? whyNot)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var property = typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic);
        if (property?.GetValue(consumer.Handle) is not SafeHandle handle)
        {
            whyNot = $"Confluent.Kafka {typeof(Handle).Assembly.GetName().Version} has no Handle.LibrdkafkaHandle";
            return null;
        }
        if (handle.IsInvalid || handle.IsClosed)
        {
            whyNot = "the consumer's handle is closed";
            return null;
        }
        Functions api;
        try
        {
            api = Functions.Bind(RdKafkaLibrary.Handle);
        }
        catch (InvalidOperationException ex)
        {
            whyNot = ex.Message;
            return null;
        }
        whyNot = null;
        return new DirectPoll(handle, api);
    }

    /// <summary>
    /// The next message or event, waiting up to <paramref name="milliseconds"/>; null when none came. The message
    /// must be given back to <see cref="Destroy"/> once read (its bytes live until then).
    /// </summary>
    public Message* Poll(int milliseconds)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _api.ConsumerPoll(_client, milliseconds);
    }

    /// <summary>Frees a message from <see cref="Poll"/>.</summary>
    public void Destroy(Message* message) => _api.MessageDestroy(message);

    /// <summary>The message's headers, or null when it has none (as Confluent.Kafka reads them).</summary>
    public Headers? HeadersOf(Message* message)
    {
        nint headers;
        if (_api.MessageHeaders(message, &headers) != 0 || headers == 0)
        {
            return null;
        }
        Headers? result = null;
        for (nuint i = 0; ; i++)
        {
            byte* name;
            byte* value;
            nuint size;
            if (_api.HeaderGetAll(headers, i, &name, &value, &size) != 0)
            {
                break;
            }
            result ??= [];
            result.Add(Marshal.PtrToStringUTF8((nint)name) ?? "", value is null ? null : new ReadOnlySpan<byte>(value, checked((int)size)).ToArray());
        }
        return result;
    }

    /// <summary>
    /// The error a message reports (its <see cref="Message.Error"/> is not 0): librdkafka's text for it where the
    /// message carries one, and for a fatal error the underlying error, as Confluent.Kafka reports it.
    /// </summary>
    public Error ErrorOf(Message* message)
    {
        var code = (ErrorCode)message->Error;
        if (code == ErrorCode.Local_Fatal)
        {
            var text = stackalloc byte[ErrorTextSize];
            var fatal = (ErrorCode)_api.FatalError(_client, text, ErrorTextSize);
            return new Error(fatal == ErrorCode.NoError ? code : fatal, Marshal.PtrToStringUTF8((nint)text) ?? "", isFatal: true);
        }
        var reason = message->Payload is not null && message->Length > 0
            ? Encoding.UTF8.GetString(message->Payload, checked((int)message->Length))
            : code.GetReason();
        return new Error(code, reason, isFatal: false);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _handle.DangerousRelease();
        }
    }

    /// <summary>librdkafka's <c>rd_kafka_message_t</c> (rdkafka.h), read in place.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Message
    {
        /// <summary>Non-zero for an error or event (<see cref="PartitionEof"/>), whose payload is then its text.</summary>
        public int Error;
        public nint Topic;
        public int Partition;
        public byte* Payload;
        public nuint Length;
        public byte* Key;
        public nuint KeyLength;
        public long Offset;
        public nint Private;

        public readonly ReadOnlySpan<byte> KeySpan => Key is null ? default : new ReadOnlySpan<byte>(Key, checked((int)KeyLength));

        public readonly ReadOnlySpan<byte> Value => Payload is null ? default : new ReadOnlySpan<byte>(Payload, checked((int)Length));
    }

    /// <summary>The functions used, bound by address in the library Confluent.Kafka loaded.</summary>
    private sealed class Functions
    {
        private static Functions? _bound;

        public required delegate* unmanaged[Cdecl]<nint, int, Message*> ConsumerPoll { get; init; }
        public required delegate* unmanaged[Cdecl]<Message*, void> MessageDestroy { get; init; }
        public required delegate* unmanaged[Cdecl]<Message*, nint*, int> MessageHeaders { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, nuint, byte**, byte**, nuint*, int> HeaderGetAll { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, byte*, nuint, int> FatalError { get; init; }

        public static Functions Bind(nint library) => _bound ??= new()
        {
            ConsumerPoll = (delegate* unmanaged[Cdecl]<nint, int, Message*>)Export(library, "rd_kafka_consumer_poll"),
            MessageDestroy = (delegate* unmanaged[Cdecl]<Message*, void>)Export(library, "rd_kafka_message_destroy"),
            MessageHeaders = (delegate* unmanaged[Cdecl]<Message*, nint*, int>)Export(library, "rd_kafka_message_headers"),
            HeaderGetAll = (delegate* unmanaged[Cdecl]<nint, nuint, byte**, byte**, nuint*, int>)Export(library, "rd_kafka_header_get_all"),
            FatalError = (delegate* unmanaged[Cdecl]<nint, byte*, nuint, int>)Export(library, "rd_kafka_fatal_error"),
        };

        private static nint Export(nint library, string name) =>
            NativeLibrary.TryGetExport(library, name, out var address)
                ? address
                : throw new InvalidOperationException($"the loaded librdkafka has no '{name}'");
    }
}
