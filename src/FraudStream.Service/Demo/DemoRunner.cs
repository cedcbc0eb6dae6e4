using System.Diagnostics;
using FraudStream.Kafka;
using FraudStream.Kafka.Processing;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace FraudStream.Service.Demo;

/// <summary>What <see cref="DemoRunner"/> runs.</summary>
public sealed record DemoOptions
{
    /// <summary>The default pace of the traffic, calls per second.</summary>
    public const double DefaultRate = 3000;

    /// <summary>The model file (resolved by the caller).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Alert threshold instead of the model's own.</summary>
    public float? Threshold { get; init; }

    /// <summary>Calls per second.</summary>
    public double Rate { get; init; } = DefaultRate;

    /// <summary>How long the traffic runs; null: until stopped.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Share of records made invalid, for the dead-letter topic.</summary>
    public double InvalidShare { get; init; } = 0.001;

    /// <summary>The generator's seed for the first chunk (chunk k uses seed + k - 1).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Port of <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>; 0 picks a free one.</summary>
    public int MetricsPort { get; init; } = ServiceSettings.DefaultMetricsPort;

    /// <summary>Address the metrics endpoint binds.</summary>
    public string MetricsHost { get; init; } = "127.0.0.1";

    /// <summary>Partitions of the input topic: the embedded broker keeps only ~5 MiB per partition.</summary>
    public int InputPartitions { get; init; } = 32;

    /// <summary>The first chunk of traffic (short, so the demo starts fast); at least a minute.</summary>
    public TimeSpan FirstChunk { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Every later chunk, generated while the one before plays.</summary>
    public TimeSpan Chunk { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Where the chunks are written (and deleted once played); null: a new folder under the temp path.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Longest wait, once the traffic stops, for the processor to consume what was produced.</summary>
    public TimeSpan CatchUpTimeout { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>What a demo did: the processor's counts (its summary line) and the traffic's.</summary>
/// <param name="Processor">The processor's result.</param>
/// <param name="Produced">Records the broker acknowledged from the traffic.</param>
/// <param name="Failed">Records that could not be produced.</param>
/// <param name="Chunks">Generated chunks played (the last one perhaps in part).</param>
/// <param name="Elapsed">From the first record produced to the end.</param>
public sealed record DemoResult(ProcessorResult Processor, long Produced, long Failed, int Chunks, TimeSpan Elapsed);

/// <summary>
/// <c>fraudstream demo</c> as an object: an embedded broker, live traffic from the generator replayed at a steady
/// rate with <c>start</c> = now, the same <see cref="ProcessorService"/> as <c>fraudstream run</c> (metrics
/// included), and a consumer of the alert topic for the view.
/// </summary>
public sealed class DemoRunner
{
    private const string InputTopic = "calls", AlertsTopic = "fraud-alerts", DeadLetterTopic = "calls-dlq";
    private const int AlertPartitions = 4, DeadLetterPartitions = 2;
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(3);

    private readonly DemoOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly DemoLog? _log;
    private readonly Stopwatch _clock = new();
    private readonly Queue<(TimeSpan At, double Produced, double Consumed)> _samples = new();
    private ProcessorService? _service;
    private AlertFeed? _feed;
    private CallReplayer? _replayer;
    private long _producedBefore;
    private long _failedBefore;
    private int _chunk;
    private string _metricsUri = "";
    private string _bootstrap = "";
    private volatile string _phase = "starting";

    /// <summary>Checks the options; nothing starts until <see cref="RunAsync"/>.</summary>
    /// <param name="options">What to run.</param>
    /// <param name="loggerFactory">The service's logging.</param>
    /// <param name="log">When the live view owns the terminal: where the service's and the replayer's log lines go.</param>
    public DemoRunner(DemoOptions options, ILoggerFactory loggerFactory, DemoLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (!double.IsFinite(options.Rate) || options.Rate <= 0)
        {
            throw new ArgumentException("the rate must be a positive number of calls per second", nameof(options));
        }
        if (options.Duration is { } d && d <= TimeSpan.Zero)
        {
            throw new ArgumentException("the duration must be positive", nameof(options));
        }
        if (options.InvalidShare is < 0 or > 1 || double.IsNaN(options.InvalidShare))
        {
            throw new ArgumentException("the invalid share must be between 0 and 1", nameof(options));
        }
        _options = options;
        _loggerFactory = loggerFactory;
        _log = log;
    }

    /// <summary>Fires once <c>/metrics</c> listens, with its address.</summary>
    public event Action<Uri>? MetricsListening;

    /// <summary>Fires once the embedded broker listens, with its bootstrap address (for kcat or any other client).</summary>
    public event Action<string>? BrokerListening;

    /// <summary>
    /// Runs the demo, drawing the live view on the console when <paramref name="live"/>, else writing a progress
    /// line to <paramref name="progress"/> every <paramref name="progressInterval"/>. Stops when the duration
    /// is over or <paramref name="cancellationToken"/> fires: the traffic stops (flushed), the processor consumes
    /// what was produced, drains, commits and stops.
    /// </summary>
    /// <exception cref="Scoring.ModelLoadException">The model cannot be loaded.</exception>
    /// <exception cref="IOException">The metrics port cannot be bound.</exception>
    public async Task<DemoResult> RunAsync(bool live, TextWriter? progress, TimeSpan progressInterval, CancellationToken cancellationToken)
    {
        var run = RunCoreAsync(cancellationToken);
        if (live)
        {
            var display = AnsiConsole.Live(DemoView.Render(await FrameAsync().ConfigureAwait(false)));
            display.AutoClear = false;
            display.Overflow = VerticalOverflow.Ellipsis;
            display.Cropping = VerticalOverflowCropping.Bottom;
            await display.StartAsync(async context =>
            {
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(500, CancellationToken.None)).ConfigureAwait(false);
                    context.UpdateTarget(DemoView.Render(await FrameAsync().ConfigureAwait(false)));
                }
                context.Refresh();
            }).ConfigureAwait(false);
        }
        else if (progress is not null)
        {
            while (await Task.WhenAny(run, Task.Delay(progressInterval, CancellationToken.None)).ConfigureAwait(false) != run)
            {
                await progress.WriteLineAsync(DemoView.ProgressLine(await FrameAsync().ConfigureAwait(false))).ConfigureAwait(false);
            }
            if (run.IsCompletedSuccessfully)
            {
                await progress.WriteLineAsync(DemoView.ProgressLine(await FrameAsync().ConfigureAwait(false))).ConfigureAwait(false);
            }
        }
        return await run.ConfigureAwait(false);
    }

    /// <summary>The view's data now.</summary>
    public async Task<DemoFrame> FrameAsync()
    {
        var stats = _service is { } service ? await DemoStats.ReadAsync(service.Metrics.Registry).ConfigureAwait(false) : new DemoStats();
        var produced = Produced;
        var now = _clock.Elapsed;
        _samples.Enqueue((now, produced, stats.Consumed));
        while (_samples.Count > 2 && now - _samples.Peek().At > RateWindow)
        {
            _samples.Dequeue();
        }
        var first = _samples.Peek();
        var seconds = (now - first.At).TotalSeconds;
        return new DemoFrame
        {
            Elapsed = now,
            Rate = _options.Rate,
            Produced = produced,
            ProducedPerSecond = seconds > 0.2 ? (produced - first.Produced) / seconds : 0,
            ConsumedPerSecond = seconds > 0.2 ? (stats.Consumed - first.Consumed) / seconds : 0,
            Chunk = Volatile.Read(ref _chunk),
            MetricsUri = _metricsUri,
            Bootstrap = _bootstrap,
            Stats = stats,
            Latest = _feed?.Latest() ?? [],
            LatestEngaged = _feed?.LatestEngaged() ?? [],
            Log = _log?.Lines() ?? [],
            Phase = _phase,
        };
    }

    private long Produced => Interlocked.Read(ref _producedBefore) + (Volatile.Read(ref _replayer)?.Produced ?? 0);

    private async Task<DemoResult> RunCoreAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // let the caller draw while the broker starts
        var work = _options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"fraudstream-demo-{Environment.ProcessId}");
        using var broker = new EmbeddedBroker(brokerCount: 1);
        broker.SetInitialRebalanceDelay(0);
        broker.CreateTopic(InputTopic, _options.InputPartitions);
        broker.CreateTopic(AlertsTopic, AlertPartitions);
        broker.CreateTopic(DeadLetterTopic, DeadLetterPartitions);
        _bootstrap = broker.Bootstrap;
        BrokerListening?.Invoke(broker.Bootstrap);

        var settings = new ServiceSettings
        {
            Processor = new ProcessorOptions
            {
                BootstrapServers = broker.Bootstrap,
                GroupId = "fraudstream-demo",
                InputTopic = InputTopic,
                AlertsTopic = AlertsTopic,
                DeadLetterTopic = DeadLetterTopic,
            },
            ModelPath = _options.ModelPath,
            Threshold = _options.Threshold,
            MetricsHost = _options.MetricsHost,
            MetricsPort = _options.MetricsPort,
        };
        var service = new ProcessorService(settings, _loggerFactory);
        _service = service;
        using var stopProcessor = new CancellationTokenSource();
        using var stopFeed = new CancellationTokenSource();
        using var stopTraffic = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var processing = service.RunAsync(stopProcessor.Token);
        Task? reading = null;
        try
        {
            var uri = await service.MetricsUri.ConfigureAwait(false);
            _metricsUri = uri.ToString();
            MetricsListening?.Invoke(uri);

            _feed = new AlertFeed(broker.Bootstrap, AlertsTopic, AlertPartitions);
            var feed = _feed;
            reading = Task.Factory.StartNew(() => feed.Run(stopFeed.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            _phase = "generating traffic";
            var traffic = new DemoTraffic(_options.Rate, _options.InvalidShare, _options.Seed, work);
            await PlayAsync(traffic, broker.Bootstrap, stopTraffic).ConfigureAwait(false);

            _phase = "stopping: consuming what was produced";
            var deadline = Stopwatch.StartNew();
            while (service.Processor.Consumed < Produced && deadline.Elapsed < _options.CatchUpTimeout && !processing.IsCompleted)
            {
                await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _phase = "stopping: draining, committing";
            await stopProcessor.CancelAsync().ConfigureAwait(false);
            ProcessorResult? result = null;
            try
            {
                result = await processing.ConfigureAwait(false);
            }
            finally
            {
                if (result is not null && _feed is { } feed)
                {
                    var deadline = Stopwatch.StartNew();
                    while (feed.Read < result.Alerts && deadline.Elapsed < TimeSpan.FromSeconds(3))
                    {
                        await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                await stopFeed.CancelAsync().ConfigureAwait(false);
                if (reading is not null)
                {
                    await reading.ConfigureAwait(false);
                }
                _feed?.Dispose();
                TryDelete(work);
            }
        }
        _phase = "stopped";
        var final = await processing.ConfigureAwait(false);
        return new DemoResult(final, Produced, Interlocked.Read(ref _failedBefore), Volatile.Read(ref _chunk), _clock.Elapsed);
    }

    /// <summary>Generates chunk after chunk (the next one while the current one plays) and replays each at the rate.</summary>
    private async Task PlayAsync(DemoTraffic traffic, string bootstrap, CancellationTokenSource stop)
    {
        var start = DateTime.UtcNow;
        var played = TimeSpan.Zero;
        Task<ChunkFile>? next = Task.Run(() => traffic.Generate(1, start, _options.FirstChunk), CancellationToken.None);
        try
        {
            for (var k = 1; ; k++)
            {
                if (next is null)
                {
                    return;
                }
                ChunkFile chunk;
                try
                {
                    chunk = await next.WaitAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                if (k == 1)
                {
                    _clock.Start();
                    if (_options.Duration is { } duration)
                    {
                        stop.CancelAfter(duration);
                    }
                }
                played += chunk.Length;
                // The next chunk is made while this one plays (none when this one outlasts the duration).
                var nextNumber = k + 1;
                next = _options.Duration is not { } limit || played < limit
                    ? Task.Run(() => traffic.Generate(nextNumber, chunk.Start + chunk.Length, _options.Chunk), CancellationToken.None)
                    : null;
                Volatile.Write(ref _chunk, k);
                _phase = "running";
                var replayer = new CallReplayer(new ReplayOptions
                {
                    BootstrapServers = bootstrap,
                    Topic = InputTopic,
                    InputPath = chunk.Path,
                    RatePerSecond = _options.Rate,
                    RebaseToNow = true,
                    Log = _log?.Writer ?? Console.Error,
                });
                Volatile.Write(ref _replayer, replayer);
                ReplayResult result;
                try
                {
                    result = await replayer.RunAsync(stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    // Counted before the replayer is dropped, so the total never goes back.
                    Interlocked.Add(ref _producedBefore, replayer.Produced);
                    Volatile.Write(ref _replayer, null);
                    TryDeleteFile(chunk.Path);
                }
                Interlocked.Add(ref _failedBefore, result.Failed);
                if (result.Stopped)
                {
                    return;
                }
            }
        }
        finally
        {
            // A chunk still being generated is left to finish on its own; its file goes with the folder.
            _ = next?.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // a chunk still being written: the temp folder is cleaned by the system
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
