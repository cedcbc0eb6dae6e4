using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using FraudStream.Kafka.Internal;

namespace FraudStream.Kafka;

/// <summary>
/// A Kafka cluster of 1 to 3 brokers inside this process, listening on loopback: librdkafka's mock cluster,
/// which speaks the real Kafka protocol, so any Kafka client can use it.
/// </summary>
/// <remarks>
/// It is for tests, demos and replays on one machine, not for production. Its limits: each partition keeps
/// only about 5 MiB (older messages are dropped); no transactions, no OffsetsForTimes, no admin
/// CreateTopics/DeleteTopics (create topics with <see cref="CreateTopic"/>); topics a client auto-creates
/// get 4 partitions. Setting a broker down disconnects it but does not move partition leaders.
/// All members are thread-safe.
/// </remarks>
public sealed unsafe class EmbeddedBroker : IDisposable
{
    /// <summary>The most brokers a cluster may have.</summary>
    public const int MaxBrokers = 3;

    /// <summary>The most partitions one topic may have.</summary>
    public const int MaxPartitions = 1024;

    /// <summary>The longest topic name Kafka accepts.</summary>
    public const int MaxTopicNameLength = 249;

    /// <summary>The most requests one call of <see cref="PushRequestErrors"/> may fail.</summary>
    public const int MaxInjectedErrors = 100_000;

    private const int AllBrokers = -1;
    private const int ErrorTextSize = 512;

    /// <summary>
    /// The Kafka request types (API keys) the embedded broker serves, with their protocol names: the requests
    /// clients send it, and so the ones <see cref="PushRequestErrors"/> can fail. Any other key would never match.
    /// </summary>
    public static IReadOnlyDictionary<short, string> ApiKeys { get; } = new Dictionary<short, string>
    {
        [0] = "Produce",
        [1] = "Fetch",
        [2] = "ListOffsets",
        [3] = "Metadata",
        [8] = "OffsetCommit",
        [9] = "OffsetFetch",
        [10] = "FindCoordinator",
        [11] = "JoinGroup",
        [12] = "Heartbeat",
        [13] = "LeaveGroup",
        [14] = "SyncGroup",
        [18] = "ApiVersions",
        [22] = "InitProducerId",
        [23] = "OffsetForLeaderEpoch",
        [24] = "AddPartitionsToTxn",
        [25] = "AddOffsetsToTxn",
        [26] = "EndTxn",
        [28] = "TxnOffsetCommit",
        [68] = "ConsumerGroupHeartbeat",
        [71] = "GetTelemetrySubscriptions",
        [72] = "PushTelemetry",
        [76] = "ShareGroupHeartbeat",
        [78] = "ShareFetch",
        [79] = "ShareAcknowledge",
    }.AsReadOnly();

    private readonly Lock _gate = new();
    private readonly RdKafkaMock.Functions _api;
    private readonly Dictionary<string, int> _topics = new(StringComparer.Ordinal);
    private nint _handle;
    private nint _cluster;

    /// <summary>Starts a cluster of <paramref name="brokerCount"/> brokers with ids 1 to <paramref name="brokerCount"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokerCount"/> is not 1 to 3.</exception>
    /// <exception cref="InvalidOperationException">librdkafka could not be loaded or the cluster could not start.</exception>
    public EmbeddedBroker(int brokerCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokerCount, MaxBrokers);
        _api = RdKafkaMock.Api;
        BrokerCount = brokerCount;
        _handle = NewHandle(_api);
        _cluster = _api.ClusterNew(_handle, brokerCount);
        if (_cluster == 0)
        {
            _api.Destroy(_handle);
            _handle = 0;
            ThrowStartFailure("librdkafka could not create the mock cluster (no free loopback port?)");
        }
        var bootstraps = _api.ClusterBootstraps(_cluster);
        Bootstrap = bootstraps is null ? "" : Marshal.PtrToStringUTF8((nint)bootstraps) ?? "";
        if (Bootstrap.Length == 0)
        {
            Dispose();
            ThrowStartFailure("the mock cluster reported no listener address");
        }
    }

    /// <summary>How many brokers the cluster has (ids 1 to this).</summary>
    public int BrokerCount { get; }

    /// <summary>The value for a client's <c>bootstrap.servers</c>: <c>127.0.0.1:PORT</c> per broker, comma-separated.</summary>
    public string Bootstrap { get; }

    /// <summary>Topics created with <see cref="CreateTopic"/>, with their partition counts.</summary>
    public IReadOnlyDictionary<string, int> CreatedTopics
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_topics, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// Creates a topic with <paramref name="partitions"/> partitions, replicated on every broker
    /// (replication factor = <see cref="BrokerCount"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a legal Kafka topic name, or the partition count is not 1 to 1024.</exception>
    /// <exception cref="InvalidOperationException">The topic exists already (created here or auto-created by a client).</exception>
    public void CreateTopic(string name, int partitions)
    {
        ValidateTopicName(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitions, MaxPartitions);
        var utf8 = Encoding.UTF8.GetBytes(name + "\0");
        lock (_gate)
        {
            var cluster = Cluster();
            int err;
            fixed (byte* topic = utf8)
            {
                err = _api.TopicCreate(cluster, topic, partitions, BrokerCount);
            }
            if (err != 0)
            {
                ThrowNativeFailure($"cannot create topic '{name}'", err);
            }
            _topics[name] = partitions;
        }
    }

    /// <summary>Disconnects broker <paramref name="brokerId"/> and refuses new connections; leaders do not move.</summary>
    public void SetBrokerDown(int brokerId) => SetBrokerState(CheckBrokerId(brokerId), up: false);

    /// <summary>Lets broker <paramref name="brokerId"/> accept connections again.</summary>
    public void SetBrokerUp(int brokerId) => SetBrokerState(CheckBrokerId(brokerId), up: true);

    /// <summary>Sets every broker down (see <see cref="SetBrokerDown"/>).</summary>
    public void SetAllBrokersDown() => SetBrokerState(AllBrokers, up: false);

    /// <summary>Sets every broker up (see <see cref="SetBrokerUp"/>).</summary>
    public void SetAllBrokersUp() => SetBrokerState(AllBrokers, up: true);

    /// <summary>
    /// Makes broker <paramref name="brokerId"/> answer every request <paramref name="milliseconds"/> late (0 for no
    /// delay): a slow network or an overloaded broker.
    /// </summary>
    public void SetRoundTripDelay(int brokerId, int milliseconds)
    {
        CheckBrokerId(brokerId);
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        lock (_gate)
        {
            var err = _api.BrokerSetRtt(Cluster(), brokerId, milliseconds);
            if (err != 0)
            {
                ThrowNativeFailure($"cannot delay broker {brokerId}", err);
            }
        }
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> requests of Kafka protocol type <paramref name="apiKey"/>
    /// (0 Produce, 1 Fetch, 3 Metadata, 8 OffsetCommit, 11 JoinGroup, ...) fail with <paramref name="error"/>,
    /// on whichever broker gets them. <see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection.
    /// </summary>
    /// <exception cref="ArgumentException">An api key not in <see cref="ApiKeys"/>, an unknown error code,
    /// <see cref="ErrorCode.NoError"/>, or a count not 1 to 100,000.</exception>
    public void PushRequestErrors(short apiKey, ErrorCode error, int count)
    {
        ValidateApiKey(apiKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxInjectedErrors);
        if (!IsInjectableError(error))
        {
            throw new ArgumentException($"{(int)error} is not an error to inject: a Kafka error code above 0, or Local_Transport", nameof(error));
        }
        var errors = new int[count];
        Array.Fill(errors, (int)error);
        lock (_gate)
        {
            var cluster = Cluster();
            fixed (int* first = errors)
            {
                _api.PushRequestErrorsArray(cluster, apiKey, (nuint)count, first);
            }
        }
    }

    /// <summary>Drops the errors still waiting to be injected into requests of type <paramref name="apiKey"/>.</summary>
    /// <exception cref="ArgumentException">An api key not in <see cref="ApiKeys"/>.</exception>
    public void ClearRequestErrors(short apiKey)
    {
        ValidateApiKey(apiKey);
        lock (_gate)
        {
            _api.ClearRequestErrors(Cluster(), apiKey);
        }
    }

    /// <summary>
    /// Sets the brokers' <c>group.initial.rebalance.delay.ms</c>: how long a new consumer group waits for more
    /// members before its first assignment (0 makes tests fast).
    /// </summary>
    public void SetInitialRebalanceDelay(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        lock (_gate)
        {
            _api.GroupInitialRebalanceDelayMs(Cluster(), milliseconds);
        }
    }

    /// <summary>Stops the brokers: clients connected to it see the connection close. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster != 0)
            {
                _api.ClusterDestroy(_cluster);
                _cluster = 0;
            }
            if (_handle != 0)
            {
                _api.Destroy(_handle);
                _handle = 0;
            }
        }
    }

    /// <summary>True when <paramref name="name"/> is a legal Kafka topic name: 1-249 of <c>a-z A-Z 0-9 . _ -</c>, not <c>.</c> or <c>..</c>.</summary>
    public static bool IsLegalTopicName(string? name) =>
        name is { Length: > 0 and <= MaxTopicNameLength } and not "." and not ".."
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>
    /// True for the errors <see cref="PushRequestErrors"/> can inject: a Kafka protocol error (a defined code above 0),
    /// or <see cref="ErrorCode.Local_Transport"/>, which makes the broker drop the connection. Other librdkafka
    /// (local, negative) codes never come from a broker.
    /// </summary>
    public static bool IsInjectableError(ErrorCode error) =>
        error == ErrorCode.Local_Transport || ((int)error > 0 && Enum.IsDefined(error));

    /// <summary>
    /// Reads a request type as its number (<c>0</c>) or its protocol name (<c>Produce</c>, any case); false unless it
    /// is one of <see cref="ApiKeys"/>.
    /// </summary>
    public static bool TryParseApiKey(string? text, out short apiKey)
    {
        apiKey = -1;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        if (char.IsAsciiDigit(text[0]))
        {
            return short.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out apiKey)
                && ApiKeys.ContainsKey(apiKey);
        }
        foreach (var (key, name) in ApiKeys)
        {
            if (name.Equals(text, StringComparison.OrdinalIgnoreCase))
            {
                apiKey = key;
                return true;
            }
        }
        return false;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> unless <paramref name="name"/> is a legal topic name (see <see cref="IsLegalTopicName"/>).</summary>
    public static void ValidateTopicName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsLegalTopicName(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a legal topic name (1-{MaxTopicNameLength} characters of a-z A-Z 0-9 . _ -, not '.' or '..')",
                nameof(name));
        }
    }

    private static void ValidateApiKey(short apiKey)
    {
        if (!ApiKeys.ContainsKey(apiKey))
        {
            throw new ArgumentException(
                $"{apiKey} is not a request type the embedded broker serves ({string.Join(", ", ApiKeys.Select(k => $"{k.Key} {k.Value}"))})",
                nameof(apiKey));
        }
    }

    private void SetBrokerState(int brokerId, bool up)
    {
        lock (_gate)
        {
            var cluster = Cluster();
            var err = up ? _api.BrokerSetUp(cluster, brokerId) : _api.BrokerSetDown(cluster, brokerId);
            if (err != 0)
            {
                ThrowNativeFailure($"cannot set broker {(brokerId == AllBrokers ? "all" : brokerId)} {(up ? "up" : "down")}", err);
            }
        }
    }

    private int CheckBrokerId(int brokerId)
    {
        if (brokerId < 1 || brokerId > BrokerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"broker ids are 1 to {BrokerCount}");
        }
        return brokerId;
    }

    private nint Cluster()
    {
        ObjectDisposedException.ThrowIf(_cluster == 0, this);
        return _cluster;
    }

    private static nint NewHandle(RdKafkaMock.Functions api)
    {
        var conf = api.ConfNew();
        var errorText = stackalloc byte[ErrorTextSize];
        // Quiet: the bare handle has no bootstrap servers of its own and would say so at notice level.
        SetConf(api, conf, "log_level"u8, "3"u8, errorText);
        SetConf(api, conf, "client.id"u8, "fraudstream-embedded-broker"u8, errorText);
        var handle = api.New(0 /* RD_KAFKA_PRODUCER */, conf, errorText, ErrorTextSize);
        if (handle == 0)
        {
            api.ConfDestroy(conf); // rd_kafka_new takes the conf only when it succeeds
            ThrowStartFailure("rd_kafka_new failed: " + Marshal.PtrToStringUTF8((nint)errorText));
        }
        return handle;
    }

    private static void SetConf(RdKafkaMock.Functions api, nint conf, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, byte* errorText)
    {
        Span<byte> n = stackalloc byte[64];
        Span<byte> v = stackalloc byte[64];
        name.CopyTo(n);
        n[name.Length] = 0;
        value.CopyTo(v);
        v[value.Length] = 0;
        fixed (byte* pn = n)
        fixed (byte* pv = v)
        {
            if (api.ConfSet(conf, pn, pv, errorText, ErrorTextSize) != 0 /* RD_KAFKA_CONF_OK */)
            {
                api.ConfDestroy(conf);
                ThrowStartFailure("rd_kafka_conf_set failed: " + Marshal.PtrToStringUTF8((nint)errorText));
            }
        }
    }

    [DoesNotReturn]
    private static void ThrowStartFailure(string reason) =>
        throw new InvalidOperationException("Cannot start the embedded broker: " + reason);

    [DoesNotReturn]
    private static void ThrowNativeFailure(string what, int err) =>
        throw new InvalidOperationException($"{what}: {new Error((ErrorCode)err).Reason} ({(ErrorCode)err})");
}
