using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using FraudStream.Kafka.Internal;
using FraudStream.Records;

namespace FraudStream.Kafka;

/// <summary>
/// Produces an NDJSON file of call records to a Kafka topic, one message per line, as traffic would arrive:
/// key = the record's <c>caller</c> (null when it has no valid one), value = the line's bytes, through an
/// idempotent producer (<c>acks=all</c>), optionally paced, rebased to now, and looped.
/// </summary>
/// <remarks>
/// Invalid lines are sent unchanged so the processor dead-letters them. Valid lines are sent byte for byte
/// unless <see cref="ReplayOptions.RebaseToNow"/> or a second pass changes their <c>start</c> and
/// <c>call_id</c> (see <see cref="RecordRewriter"/>). Pass N &gt; 1 of a loop shifts <c>start</c> by N - 1
/// times the file's time span (earliest to latest start, plus the mean gap between calls) and appends
/// <c>~N</c> to <c>call_id</c>, so event time keeps moving forward and alert ids stay unique.
/// Lines over 65,536 bytes cannot be read whole and are skipped (counted).
/// </remarks>
public sealed class CallReplayer
{
    private const int MaxLoggedProblems = 10;
    private const int MaxCachedKeys = 1 << 16;
    private static readonly TimeSpan RepeatWindow = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(250);

    private readonly ReplayOptions _options;
    private readonly RepeatFilter _clientLog;
    private long _lines;
    private long _sent;
    private long _reports;
    private long _waitingSince;
    private volatile bool _brokersDown;
    private volatile string? _error;
    private long _produced;
    private long _failed;
    private long _skipped;
    private int _pass;
    private int _loggedProblems;

    /// <summary>Checks the options; nothing starts until <see cref="RunAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public CallReplayer(ReplayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.BootstrapServers);
        ArgumentException.ThrowIfNullOrEmpty(options.InputPath);
        EmbeddedBroker.ValidateTopicName(options.Topic);
        if (options.RatePerSecond is { } rate && (!double.IsFinite(rate) || rate <= 0))
        {
            throw new ArgumentException("the rate must be a positive number of records per second", nameof(options));
        }
        if (options.MaxPasses is < 1)
        {
            throw new ArgumentException("the number of passes must be at least 1", nameof(options));
        }
        if (options.Loop && options.InputPath == "-")
        {
            throw new ArgumentException("looping needs a file: standard input can be read only once", nameof(options));
        }
        if (options.UnreachableTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("the unreachable timeout must be positive", nameof(options));
        }
        _options = options;
        _clientLog = new RepeatFilter(options.TimeProvider, RepeatWindow);
    }

    /// <summary>Lines read so far.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Records handed to the producer so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Records acknowledged so far.</summary>
    public long Produced => Interlocked.Read(ref _produced);

    /// <summary>Records failed so far.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Records handed to the producer and not yet acknowledged or failed.</summary>
    public long InFlight => Math.Max(0, Interlocked.Read(ref _sent) - Interlocked.Read(ref _reports));

    /// <summary>Client log and error lines held back as repeats of one written shortly before.</summary>
    public long SuppressedLogLines => _clientLog.Suppressed;

    /// <summary>The pass under way (from 1).</summary>
    public int Pass => Volatile.Read(ref _pass);

    /// <summary>
    /// Replays until the file ends (or every pass is done, or <paramref name="cancellationToken"/> fires), then
    /// waits for every record handed to the producer to be acknowledged or to fail. When no broker can be reached
    /// for <see cref="ReplayOptions.UnreachableTimeout"/> it stops, fails the records still waiting, and says why in
    /// <see cref="ReplayResult.Error"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A setting in <see cref="ReplayOptions.ProducerSettings"/> is not a valid librdkafka producer setting.</exception>
    public async Task<ReplayResult> RunAsync(CancellationToken cancellationToken = default)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = Stopwatch.StartNew();
        Interlocked.Exchange(ref _waitingSince, _options.TimeProvider.GetTimestamp());
        using var producer = BuildProducer(stopping);
        using var watchdog = _options.UnreachableTimeout is { } timeout
            ? new Timer(_ => WatchBrokers(timeout, stopping), null, WatchInterval, WatchInterval)
            : null;
        var sender = new LineSender(this, producer, stopping.Token);
        try
        {
            for (var pass = 1; ; pass++)
            {
                Volatile.Write(ref _pass, pass);
                sender.BeginPass(pass);
                var reader = NdjsonLineReader.Open(_options.InputPath);
                try
                {
                    await NdjsonLineReader.ReadAllAsync(reader, sender, stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    break;
                }
                finally
                {
                    await reader.CompleteAsync().ConfigureAwait(false);
                }
                var loop = _options.Loop || _options.MaxPasses > 1;
                if (stopping.IsCancellationRequested || !loop || pass == _options.MaxPasses || sender.PassLines == 0)
                {
                    break;
                }
                sender.EndFirstPass();
            }
        }
        finally
        {
            // Every record handed over gets its report (acknowledged, or failed after message.timeout.ms), unless
            // the watchdog gives up on the brokers meanwhile.
            while (_error is null && producer.Flush(TimeSpan.FromSeconds(1)) > 0)
            {
            }
            if (_error is not null)
            {
                // Disposing stops the thread that serves delivery reports (and drops the records): after it, the
                // records without a report are exactly the ones given up on, and count as failed.
                producer.Dispose();
                Interlocked.Add(ref _failed, InFlight);
                Interlocked.Exchange(ref _reports, Interlocked.Read(ref _sent));
            }
        }
        watch.Stop();
        return new ReplayResult(Lines, Produced, Failed, Interlocked.Read(ref _skipped), Pass, watch.Elapsed,
            stopping.IsCancellationRequested, _error);
    }

    /// <summary>
    /// Gives up when records have waited <paramref name="timeout"/> without a delivery report while librdkafka says
    /// every broker is down: a wrong bootstrap address otherwise costs message.timeout.ms (5 minutes).
    /// </summary>
    private void WatchBrokers(TimeSpan timeout, CancellationTokenSource stopping)
    {
        if (_error is not null || !_brokersDown || InFlight == 0)
        {
            return;
        }
        var waited = _options.TimeProvider.GetElapsedTime(Interlocked.Read(ref _waitingSince));
        if (waited < timeout)
        {
            return;
        }
        _error = string.Create(CultureInfo.InvariantCulture,
            $"no Kafka broker could be reached at {_options.BootstrapServers} for {waited.TotalSeconds:0} s; gave up on {InFlight} record(s) not yet delivered");
        try
        {
            stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended meanwhile.
        }
    }

    private IProducer<byte[]?, byte[]> BuildProducer(CancellationTokenSource stopping)
    {
        var settings = _options.ProducerSettings is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(_options.ProducerSettings, StringComparer.Ordinal);
        settings.TryAdd("linger.ms", "5");
        var config = new ProducerConfig(settings)
        {
            BootstrapServers = _options.BootstrapServers,
            ClientId = "fraudstream-replay",
            EnableIdempotence = true,
            Acks = Acks.All,
            DeliveryReportFields = "none", // the report's error is enough; do not copy keys and values back
        };
        var builder = new ProducerBuilder<byte[]?, byte[]>(config)
            .SetLogHandler((_, message) =>
            {
                if (message.Level <= SyslogLevel.Warning)
                {
                    WriteClientLog($"kafka: {message.Facility}: {message.Message}");
                }
            })
            .SetErrorHandler((_, error) =>
            {
                if (error.Code == ErrorCode.Local_AllBrokersDown)
                {
                    _brokersDown = true; // until a record is acknowledged
                }
                WriteClientLog($"kafka: {(error.IsFatal ? "fatal error: " : "")}{error.Reason}");
                if (error.IsFatal)
                {
                    stopping.Cancel(); // an idempotent producer cannot go on after a fatal error
                }
            });
        try
        {
            return builder.Build();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // librdkafka rejects an unknown name or a bad value in the extra settings (the client throws either).
            throw new ArgumentException("a producer setting is not valid: " + ex.Message, ex);
        }
    }

    private void WriteClientLog(string line)
    {
        if (_options.Log is { } log && _clientLog.Pass(line) is { } shown)
        {
            log.WriteLine(shown);
        }
    }

    private void ReportProblem(string message)
    {
        var count = Interlocked.Increment(ref _loggedProblems);
        if (count <= MaxLoggedProblems)
        {
            _options.Log?.WriteLine(count == MaxLoggedProblems ? message + " (further problems are only counted)" : message);
        }
    }

    /// <summary>The line handler: parses, keys, rewrites, paces and produces each line.</summary>
    private sealed class LineSender : ILineHandler
    {
        private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = CallRecordParser.MaxRecordBytes };

        private readonly CallReplayer _owner;
        private readonly IProducer<byte[]?, byte[]> _producer;
        private readonly CancellationToken _stopping;
        private readonly TokenBucket? _bucket;
        private readonly RecordRewriter _rewriter = new();
        private readonly Dictionary<ulong, byte[]> _keys = [];
        private readonly Action<DeliveryReport<byte[]?, byte[]>> _onDelivered;
        private long _rebaseTicks;
        private bool _rebased;
        private long _spanTicks;
        private long _minStart = long.MaxValue;
        private long _maxStart = long.MinValue;
        private long _validInFirstPass;

        public LineSender(CallReplayer owner, IProducer<byte[]?, byte[]> producer, CancellationToken stopping)
        {
            _owner = owner;
            _producer = producer;
            _stopping = stopping;
            _bucket = owner._options.RatePerSecond is { } rate ? new TokenBucket(rate) : null;
            _rebased = !owner._options.RebaseToNow;
            _onDelivered = OnDelivered;
        }

        public long PassLines { get; private set; }

        public void BeginPass(int pass)
        {
            PassLines = 0;
            _rewriter.Pass = pass;
            _rewriter.ShiftTicks = _rebaseTicks + ((pass - 1) * _spanTicks);
        }

        /// <summary>The loop's shift per pass: earliest to latest start plus the mean gap, in whole ms (1 s if none).</summary>
        public void EndFirstPass()
        {
            if (_validInFirstPass == 0)
            {
                return;
            }
            var span = _maxStart - _minStart;
            span += _validInFirstPass > 1 ? span / (_validInFirstPass - 1) : 0;
            span = span == 0 ? TimeSpan.TicksPerSecond
                : (span + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond;
            _spanTicks = span;
        }

        public void OnLine(ReadOnlySpan<byte> line, long lineNumber, bool tooLarge)
        {
            if (_stopping.IsCancellationRequested)
            {
                return; // the rest of the buffer after a stop
            }
            PassLines++;
            if (tooLarge)
            {
                Interlocked.Increment(ref _owner._lines);
                Interlocked.Increment(ref _owner._skipped);
                _owner.ReportProblem($"line {lineNumber} is longer than {CallRecordParser.MaxRecordBytes} bytes: skipped");
                return;
            }
            if (_bucket is not null && !_bucket.Take(_stopping))
            {
                return; // stopped while it waited for its turn: not sent, so not counted (lines = produced + failed + skipped)
            }
            byte[]? key;
            byte[] value;
            if (CallRecordParser.TryParse(line, out var record, out var failure))
            {
                Observe(record.StartTicks);
                key = KeyOf(record.Caller);
                value = _rewriter.Rewrite(line, record).ToArray();
            }
            else
            {
                // Malformed bytes have no caller to find; any other invalid record may still carry a valid one.
                key = failure.Error is RecordError.InvalidJson or RecordError.InvalidUtf8 or RecordError.TooLarge
                    ? null
                    : FindCaller(line);
                value = line.ToArray();
            }
            Produce(new Message<byte[]?, byte[]> { Key = key, Value = value }, lineNumber);
        }

        private void Observe(long startTicks)
        {
            if (!_rebased)
            {
                var now = _owner._options.TimeProvider.GetUtcNow().UtcTicks;
                _rebaseTicks = (long)Math.Round((now - startTicks) / (double)TimeSpan.TicksPerMillisecond) * TimeSpan.TicksPerMillisecond;
                _rewriter.ShiftTicks = _rebaseTicks;
                _rebased = true;
            }
            if (_rewriter.Pass == 1)
            {
                _validInFirstPass++;
                _minStart = Math.Min(_minStart, startTicks);
                _maxStart = Math.Max(_maxStart, startTicks);
            }
        }

        private void Produce(Message<byte[]?, byte[]> message, long lineNumber)
        {
            while (true)
            {
                try
                {
                    _producer.Produce(_owner._options.Topic, message, _onDelivered);
                    if (Interlocked.Increment(ref _owner._sent) - Interlocked.Read(ref _owner._reports) == 1)
                    {
                        // Nothing else waits: the wait for a delivery report starts now.
                        Interlocked.Exchange(ref _owner._waitingSince, _owner._options.TimeProvider.GetTimestamp());
                    }
                    Interlocked.Increment(ref _owner._lines);
                    return;
                }
                catch (ProduceException<byte[]?, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    if (_stopping.WaitHandle.WaitOne(5))
                    {
                        return; // stopped while the producer's queue was full: this line is not sent, nor counted
                    }
                }
                catch (KafkaException ex)
                {
                    Interlocked.Increment(ref _owner._lines);
                    Interlocked.Increment(ref _owner._failed);
                    _owner.ReportProblem($"line {lineNumber} could not be produced: {ex.Error.Reason}");
                    return;
                }
            }
        }

        private void OnDelivered(DeliveryReport<byte[]?, byte[]> report)
        {
            Interlocked.Exchange(ref _owner._waitingSince, _owner._options.TimeProvider.GetTimestamp());
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref _owner._failed);
                _owner.ReportProblem($"delivery failed: {report.Error.Reason} ({report.Error.Code})");
            }
            else
            {
                _owner._brokersDown = false;
                Interlocked.Increment(ref _owner._produced);
            }
            Interlocked.Increment(ref _owner._reports);
        }

        /// <summary>The caller as key bytes, cached: most traffic comes from callers met before.</summary>
        private byte[] KeyOf(PhoneNumber caller)
        {
            if (_keys.TryGetValue(caller.Key, out var key))
            {
                return key;
            }
            Span<byte> text = stackalloc byte[PhoneNumber.MaxDigits + 1];
            caller.TryFormat(text, out var written);
            key = text[..written].ToArray();
            if (_keys.Count >= MaxCachedKeys)
            {
                _keys.Clear();
            }
            _keys[caller.Key] = key;
            return key;
        }

        /// <summary>
        /// The top-level <c>caller</c> of an invalid but well-formed-looking record, if it is a valid number.
        /// Rare slow path: a JsonException here means the record is also malformed further on.
        /// </summary>
        private byte[]? FindCaller(ReadOnlySpan<byte> line)
        {
            try
            {
                var reader = new Utf8JsonReader(line, ReaderOptions);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return null;
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isCaller = reader.ValueTextEquals("caller"u8);
                    reader.Read();
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }
                    else if (isCaller)
                    {
                        Span<byte> text = stackalloc byte[64];
                        return reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length <= text.Length
                            && PhoneNumber.TryParse(text[..reader.CopyString(text)], out var caller)
                            ? KeyOf(caller)
                            : null;
                    }
                }
                return null;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return null; // malformed further on, or an escape that is not valid text
            }
        }
    }
}
