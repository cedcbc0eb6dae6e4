using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
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
/// stays Confluent.Kafka's (subscribe, pause, offsets, close). An exception thrown by one of the consumer's handlers
/// cannot cross librdkafka's frames: Confluent.Kafka keeps it and <c>Consume</c> throws it after the poll, and so
/// does <see cref="Poll"/>. The handle and that kept exception are internal members of Confluent.Kafka's consumer:
/// <see cref="TryCreate"/> says why when they cannot be had (another version of the package), and the caller then
/// uses <c>Consume</c>.
/// </para>
/// </remarks>
internal sealed unsafe class DirectPoll : IDisposable
{
    /// <summary>librdkafka's <c>RD_KAFKA_RESP_ERR__PARTITION_EOF</c>: a partition's end was reached.</summary>
    public const int PartitionEof = (int)ErrorCode.Local_PartitionEOF;

    /// <summary>The most messages <see cref="TakeReady"/> takes at once.</summary>
    public const int BatchSize = 64;

    private const int ErrorTextSize = 512;

    private readonly SafeHandle _handle;
    private readonly nint _client;
    private readonly Functions _api;
    private readonly IClient _consumer;
    private readonly Func<IClient, Exception?> _takeHandlerException;
    private readonly nint _queue;
    private readonly Message** _taken;
    private bool _disposed;

    private DirectPoll(IClient consumer, SafeHandle handle, Func<IClient, Exception?> takeHandlerException, Functions api)
    {
        _consumer = consumer;
        _handle = handle;
        _takeHandlerException = takeHandlerException;
        _api = api;
        var added = false;
        handle.DangerousAddRef(ref added); // librdkafka's handle outlives this, whenever the consumer is disposed
        _client = handle.DangerousGetHandle();
        _queue = api.QueueGetConsumer(_client);
        _taken = (Message**)NativeMemory.AllocZeroed(BatchSize, (nuint)sizeof(Message*));
    }

    /// <summary>
    /// A direct poll of <paramref name="consumer"/>'s handle, or null with <paramref name="whyNot"/> when its
    /// librdkafka handle cannot be reached (then use its <c>Consume</c>).
    /// </summary>
    public static DirectPoll? TryCreate<TKey, TValue>(IConsumer<TKey, TValue> consumer, out string? whyNot)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        if (consumer.GetType().Assembly != typeof(Handle).Assembly)
        {
            // A wrapper: polling the handle underneath would go around it (and around what its callbacks keep).
            whyNot = $"the consumer, a {consumer.GetType()}, is not Confluent.Kafka's own";
            return null;
        }
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
        if (TakeHandlerException(consumer.GetType()) is not { } takeHandlerException)
        {
            whyNot = $"the consumer, a {consumer.GetType()}, keeps no handlerException field (Confluent.Kafka {typeof(Handle).Assembly.GetName().Version})";
            return null;
        }
        Functions api;
        try
        {
            var library = RdKafkaLibrary.Handle;
            if (RdKafkaLibrary.LoadedPath is null)
            {
                whyNot = "the librdkafka that Confluent.Kafka loaded is not found among the process's modules";
                return null;
            }
            api = Functions.Bind(library);
        }
        catch (InvalidOperationException ex)
        {
            whyNot = ex.Message;
            return null;
        }
        whyNot = null;
        return new DirectPoll(consumer, handle, takeHandlerException, api);
    }

    /// <summary>
    /// Reads and clears the exception the consumer's callbacks kept for <c>Consume</c> to throw (its private field
    /// <c>handlerException</c>), compiled once; null when the type has no such field.
    /// </summary>
    private static Func<IClient, Exception?>? TakeHandlerException(Type consumerType)
    {
        var field = consumerType.GetField("handlerException", BindingFlags.Instance | BindingFlags.NonPublic);
        if (field is null || field.FieldType != typeof(Exception))
        {
            return null;
        }
        var client = Expression.Parameter(typeof(IClient), "consumer");
        var kept = Expression.Field(Expression.Convert(client, consumerType), field);
        var taken = Expression.Variable(typeof(Exception), "taken");
        var none = Expression.Constant(null, typeof(Exception));
        var body = Expression.Block(
            typeof(Exception),
            [taken],
            Expression.Assign(taken, kept),
            Expression.IfThen(Expression.NotEqual(taken, none), Expression.Assign(kept, none)),
            taken);
        return Expression.Lambda<Func<IClient, Exception?>>(body, client).Compile();
    }

    /// <summary>
    /// The next message or event, waiting up to <paramref name="milliseconds"/>; null when none came. The message
    /// must be given back to <see cref="Destroy"/> once read (its bytes live until then). Throws what a handler of
    /// the consumer threw during the poll, as <c>Consume</c> does.
    /// </summary>
    public Message* Poll(int milliseconds)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var message = _api.ConsumerPoll(_client, milliseconds);
        if (_takeHandlerException(_consumer) is { } handlerException)
        {
            if (message is not null)
            {
                _api.MessageDestroy(message);
            }
            ExceptionDispatchInfo.Throw(handlerException);
        }
        return message;
    }

    /// <summary>
    /// Takes the messages and events the client has ready, up to <see cref="BatchSize"/>, without waiting
    /// (<c>rd_kafka_consume_batch_queue</c> on the consumer's queue, the one <see cref="Poll"/> reads); 0 when none is
    /// ready. They are <see cref="Taken"/>(0) to <see cref="Taken"/>(count - 1), in the order <see cref="Poll"/> would have
    /// returned them, each to be given back to <see cref="Destroy"/>. One call for many messages: librdkafka's
    /// bookkeeping (its clock reads) and the native call are paid once for all of them.
    /// </summary>
    /// <remarks>
    /// The callbacks run inside, as in <see cref="Poll"/>, but a rebalance's callback may run after some messages were
    /// taken: librdkafka then drops those of the partitions it stops fetching (outdated, a barrier in the queue), and
    /// a caller should still skip any of a partition it no longer owns.
    /// </remarks>
    public int TakeReady()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_queue == 0)
        {
            return 0; // a consumer without a group has no consumer queue: Poll alone
        }
        var count = (int)Math.Max(0, _api.ConsumeBatchQueue(_queue, 0, _taken, BatchSize));
        if (_takeHandlerException(_consumer) is { } handlerException)
        {
            for (var i = 0; i < count; i++)
            {
                _api.MessageDestroy(_taken[i]);
            }
            ExceptionDispatchInfo.Throw(handlerException);
        }
        return count;
    }

    /// <summary>A message of the last <see cref="TakeReady"/>.</summary>
    public Message* Taken(int index) => _taken[index];

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
        // librdkafka's text for the message's error: its payload, or the error's name (rd_kafka_message_errstr).
        var reason = Marshal.PtrToStringUTF8((nint)_api.MessageErrstr(message));
        return new Error(code, string.IsNullOrEmpty(reason) ? code.GetReason() : reason, isFatal: false);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_queue != 0)
            {
                _api.QueueDestroy(_queue);
            }
            NativeMemory.Free(_taken);
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
        public required delegate* unmanaged[Cdecl]<Message*, byte*> MessageErrstr { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, nint> QueueGetConsumer { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, void> QueueDestroy { get; init; }
        public required delegate* unmanaged[Cdecl]<nint, int, Message**, nuint, nint> ConsumeBatchQueue { get; init; }

        public static Functions Bind(nint library) => _bound ??= new()
        {
            ConsumerPoll = (delegate* unmanaged[Cdecl]<nint, int, Message*>)Export(library, "rd_kafka_consumer_poll"),
            MessageDestroy = (delegate* unmanaged[Cdecl]<Message*, void>)Export(library, "rd_kafka_message_destroy"),
            MessageHeaders = (delegate* unmanaged[Cdecl]<Message*, nint*, int>)Export(library, "rd_kafka_message_headers"),
            HeaderGetAll = (delegate* unmanaged[Cdecl]<nint, nuint, byte**, byte**, nuint*, int>)Export(library, "rd_kafka_header_get_all"),
            FatalError = (delegate* unmanaged[Cdecl]<nint, byte*, nuint, int>)Export(library, "rd_kafka_fatal_error"),
            MessageErrstr = (delegate* unmanaged[Cdecl]<Message*, byte*>)Export(library, "rd_kafka_message_errstr"),
            QueueGetConsumer = (delegate* unmanaged[Cdecl]<nint, nint>)Export(library, "rd_kafka_queue_get_consumer"),
            QueueDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(library, "rd_kafka_queue_destroy"),
            ConsumeBatchQueue = (delegate* unmanaged[Cdecl]<nint, int, Message**, nuint, nint>)Export(library, "rd_kafka_consume_batch_queue"),
        };

        private static nint Export(nint library, string name) =>
            NativeLibrary.TryGetExport(library, name, out var address)
                ? address
                : throw new InvalidOperationException($"the loaded librdkafka has no '{name}'");
    }
}
