using System.Runtime.CompilerServices;
using Confluent.Kafka;
using FraudStream.Records;

namespace FraudStream.Kafka.Processing;

/// <summary>
/// The consumed message as the processor needs it, filled in place straight from librdkafka's buffer (by the
/// processor's direct poll, or by the deserializers below when it consumes through Confluent.Kafka's <c>Consume</c>): the parsed record (which owns fixed-size copies of its ids), or for an invalid record its
/// error and a copy of its bytes for the dead letter; then where it came from. Pooled: an instance waits in its
/// partition's merge buffer until processed, then is reused for a later message.
/// </summary>
public sealed class InboundCall
{
    private const int InlineKeyBytes = 32;

    // Keys are phone numbers: they fit inline, so a pooled instance is one object; a longer key gets an array.
    private InlineKey _inlineKey;
    private byte[]? _longKey;
    private int _keyLength;
    private CallRecord _record;

    /// <summary>True when the message had no key (null, not empty).</summary>
    public bool KeyIsNull { get; private set; }

    /// <summary>The key's bytes (empty when null).</summary>
    public ReadOnlySpan<byte> Key => _keyLength <= InlineKeyBytes
        ? ((ReadOnlySpan<byte>)_inlineKey)[.._keyLength]
        : _longKey.AsSpan(0, _keyLength);

    /// <summary>True when the value is a valid call record (<see cref="Record"/> holds it).</summary>
    public bool IsValid { get; private set; }

    /// <summary>The parsed record; meaningful only when <see cref="IsValid"/>.</summary>
    public ref readonly CallRecord Record => ref _record;

    /// <summary>Why the value is invalid; default when valid.</summary>
    public ParseFailure Failure { get; private set; }

    /// <summary>A copy of an invalid value's bytes (null for a null value or a valid record).</summary>
    public byte[]? InvalidValue { get; private set; }

    /// <summary>The input partition and offset it was consumed from.</summary>
    public int Partition { get; private set; }

    public long Offset { get; private set; }

    /// <summary>The topic the client reported (null when it did not), and the message's headers (dead letters keep them).</summary>
    public string? Topic { get; private set; }

    public Headers? Headers { get; private set; }

    /// <summary>When it was consumed (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
    public long ConsumedAt { get; private set; }

    /// <summary>The event-time order of the merge: the call's start, or <see cref="long.MinValue"/> for an invalid record (no history to disturb).</summary>
    public long MergeKey => IsValid ? _record.StartTicks : long.MinValue;

    internal void SetSource(string? topic, int partition, long offset, Headers? headers) =>
        SetSource(topic, partition, offset, headers, System.Diagnostics.Stopwatch.GetTimestamp());

    /// <summary>Where it came from, consumed at <paramref name="consumedAt"/> (one reading for the messages taken together).</summary>
    internal void SetSource(string? topic, int partition, long offset, Headers? headers, long consumedAt)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Headers = headers;
        ConsumedAt = consumedAt;
    }

    /// <summary>Drops the references a buffered message held (headers, invalid bytes) before the instance is reused.</summary>
    internal void Clear()
    {
        Headers = null;
        Topic = null;
        InvalidValue = null;
    }

    /// <summary>A copy of the key for a message to produce (rare path: alerts use the caller, dead letters this).</summary>
    public byte[]? KeyToArray() => KeyIsNull ? null : Key.ToArray();

    internal void SetKey(ReadOnlySpan<byte> data, bool isNull)
    {
        KeyIsNull = isNull;
        _keyLength = data.Length;
        if (data.Length <= InlineKeyBytes)
        {
            data.CopyTo(_inlineKey);
            return;
        }
        if (_longKey is null || data.Length > _longKey.Length)
        {
            _longKey = new byte[Math.Max(data.Length, 2 * InlineKeyBytes)]; // rare: keys are phone numbers
        }
        data.CopyTo(_longKey);
    }

    internal void SetValue(ReadOnlySpan<byte> data, bool isNull)
    {
        // A null value parses as empty input: invalid_json, dead-lettered with a null value.
        if (CallRecordParser.TryParse(data, out _record, out var failure))
        {
            IsValid = true;
            Failure = default;
            InvalidValue = null;
            return;
        }
        IsValid = false;
        Failure = failure;
        InvalidValue = isNull ? null : data.ToArray(); // rare path: the dead letter needs the bytes after the buffer is gone
    }

    [InlineArray(InlineKeyBytes)]
    private struct InlineKey
    {
        private byte _element;
    }

    /// <summary>
    /// The instances of one consumer: the poll (or the deserializers) fill <see cref="Staging"/>; the consume loop then takes it
    /// (<see cref="TakeStaging"/>) into a merge buffer and returns it when processed (<see cref="Return"/>).
    /// Allocates only while the buffers grow to their working size.
    /// </summary>
    internal sealed class Pool
    {
        private readonly Stack<InboundCall> _free = new();

        public InboundCall Staging { get; private set; } = new();

        /// <summary>Hands over the instance just filled and stages a fresh one for the next message.</summary>
        public InboundCall TakeStaging()
        {
            var taken = Staging;
            Staging = _free.Count > 0 ? _free.Pop() : new InboundCall();
            return taken;
        }

        public void Return(InboundCall call)
        {
            call.Clear();
            _free.Push(call);
        }
    }

    /// <summary>Fills the key of the staged <see cref="InboundCall"/>; never throws.</summary>
    internal sealed class KeyDeserializer(Pool pool) : IDeserializer<InboundCall>
    {
        public InboundCall Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            var target = pool.Staging;
            target.SetKey(data, isNull);
            return target;
        }
    }

    /// <summary>Parses the value into the staged <see cref="InboundCall"/>; never throws (bad bytes are data).</summary>
    internal sealed class ValueDeserializer(Pool pool) : IDeserializer<InboundCall>
    {
        public InboundCall Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            var target = pool.Staging;
            target.SetValue(data, isNull);
            return target;
        }
    }
}
