using Confluent.Kafka;
using FraudStream.Records;

namespace FraudStream.Kafka.Processing;

/// <summary>
/// The consumed message as the processor needs it, filled in place by <see cref="KeyDeserializer"/> and
/// <see cref="ValueDeserializer"/> straight from librdkafka's buffer: the parsed record (which owns fixed-size
/// copies of its ids), or for an invalid record its error and a copy of its bytes for the dead letter.
/// One instance per consumer, overwritten by each message: valid until the next consume.
/// </summary>
public sealed class InboundCall
{
    private const int InitialKeyBytes = 128;

    private byte[] _key = new byte[InitialKeyBytes];
    private int _keyLength;
    private CallRecord _record;

    /// <summary>True when the message had no key (null, not empty).</summary>
    public bool KeyIsNull { get; private set; }

    /// <summary>The key's bytes (empty when null).</summary>
    public ReadOnlySpan<byte> Key => _key.AsSpan(0, _keyLength);

    /// <summary>True when the value is a valid call record (<see cref="Record"/> holds it).</summary>
    public bool IsValid { get; private set; }

    /// <summary>The parsed record; meaningful only when <see cref="IsValid"/>.</summary>
    public ref readonly CallRecord Record => ref _record;

    /// <summary>Why the value is invalid; default when valid.</summary>
    public ParseFailure Failure { get; private set; }

    /// <summary>A copy of an invalid value's bytes (null for a null value or a valid record).</summary>
    public byte[]? InvalidValue { get; private set; }

    /// <summary>A copy of the key for a message to produce (rare path: alerts use the caller, dead letters this).</summary>
    public byte[]? KeyToArray() => KeyIsNull ? null : Key.ToArray();

    private void SetKey(ReadOnlySpan<byte> data, bool isNull)
    {
        KeyIsNull = isNull;
        if (data.Length > _key.Length)
        {
            _key = new byte[Math.Max(data.Length, _key.Length * 2)]; // rare: keys are phone numbers
        }
        data.CopyTo(_key);
        _keyLength = data.Length;
    }

    private void SetValue(ReadOnlySpan<byte> data, bool isNull)
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

    /// <summary>Fills the key of the shared <see cref="InboundCall"/>; never throws.</summary>
    public sealed class KeyDeserializer(InboundCall target) : IDeserializer<InboundCall>
    {
        public InboundCall Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            target.SetKey(data, isNull);
            return target;
        }
    }

    /// <summary>Parses the value into the shared <see cref="InboundCall"/>; never throws (bad bytes are data).</summary>
    public sealed class ValueDeserializer(InboundCall target) : IDeserializer<InboundCall>
    {
        public InboundCall Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            target.SetValue(data, isNull);
            return target;
        }
    }
}
