using System.Net;
using System.Net.Sockets;
using FraudStream.Features;
using FraudStream.Kafka.Processing;
using FraudStream.Pipeline;
using FraudStream.Scoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace FraudStream.Service;

/// <summary>
/// <c>fraudstream run</c> as an object: the <see cref="StreamProcessor"/> on its own thread (one per stream thread,
/// <see cref="ServiceSettings.Threads"/>), Kestrel serving
/// <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>, and the model file watched for hot reload.
/// </summary>
public sealed class ProcessorService
{
    private readonly ServiceSettings _settings;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<Uri> _metricsUri = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Loads the model and builds the processor; nothing connects until <see cref="RunAsync"/>.</summary>
    /// <exception cref="ModelLoadException">The model file is corrupt or does not fit the feature schema.</exception>
    public ProcessorService(ServiceSettings settings, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _settings = settings;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("FraudStream.Service");
        foreach (var key in settings.UnknownKeys)
        {
            ServiceLog.UnknownSetting(_logger, key);
        }
        var model = FraudModel.Load(settings.ModelPath);
        Scorers = StreamThreads.CreateScorers(settings.Threads, model, settings.Featurizer, settings.Threshold);
        Metrics = new FraudStreamMetrics(Prometheus.Metrics.NewCustomRegistry(), settings.Processor.InputTopic);
        Metrics.SetModel(model.Id, DateTimeOffset.UtcNow);
        ServiceLog.ModelLoaded(_logger, model.Id, settings.ModelPath, Scorer.Threshold);
        ServiceLog.IfTreesNotCompiled(_logger, model);
        Processor = new StreamThreads(settings.Processor, Scorers, Metrics, loggerFactory);
        Reloader = new ModelReloader(settings.ModelPath, Scorers, Metrics, _logger, settings.ModelCheckInterval);
    }

    /// <summary>Each stream thread's scorer, in order.</summary>
    public IReadOnlyList<CallScorer> Scorers { get; }

    /// <summary>The first stream thread's scorer (the only one by default).</summary>
    public CallScorer Scorer => Scorers[0];

    public FraudStreamMetrics Metrics { get; }

    public StreamThreads Processor { get; }

    public ModelReloader Reloader { get; }

    /// <summary>Completes with <c>http://HOST:PORT/metrics</c> once Kestrel listens (the actual port when 0 was asked).</summary>
    public Task<Uri> MetricsUri => _metricsUri.Task;

    /// <summary>Serves the endpoints and runs the processor until it stops (see <see cref="StreamProcessor.Run"/>).</summary>
    public async Task<ProcessorResult> RunAsync(CancellationToken cancellationToken)
    {
        WebApplication? app = null;
        try
        {
            app = BuildWebApp(); // inside: whoever awaits MetricsUri learns of a failure here too
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                // An address in use (IOException) or not of this machine (SocketException): one line says which.
                throw new IOException($"cannot listen on {_settings.MetricsHost}:{_settings.MetricsPort}: {ex.Message}", ex);
            }
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var uri = new Uri(address.TrimEnd('/') + "/metrics");
            ServiceLog.Listening(_logger, uri.ToString());
            _metricsUri.TrySetResult(uri);
            Reloader.Start();
            return await Task.Factory.StartNew(
                () => Processor.Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _metricsUri.TrySetException(ex);
            throw;
        }
        finally
        {
            Reloader.Dispose();
            if (app is not null)
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private WebApplication BuildWebApp()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(_loggerFactory);
        // Not the host's console lifetime: it would take SIGINT and SIGTERM too, stop the endpoints at the first and
        // swallow every later one. The command's own StopSignal stops the processor, and a second signal ends the process.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            var host = _settings.MetricsHost;
            if (IPAddress.TryParse(host, out var ip))
            {
                options.Listen(ip, _settings.MetricsPort);
            }
            else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                options.Listen(IPAddress.Loopback, _settings.MetricsPort);
            }
            else
            {
                throw new FormatException($"MetricsHost must be an IP address or localhost, not '{host}'");
            }
        });
        var app = builder.Build();
        app.UseRouting();
        app.MapMetrics("/metrics", Metrics.Registry);
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () =>
        {
            var health = Processor.Health;
            if (health.Ready)
            {
                return Results.Text("ready\n");
            }
            var why = health.Stopping ? (health.Problem is { } problem ? "stopping: " + problem : "stopping")
                : health.Problem ?? (!health.Assigned ? "no partitions assigned" : "not producing");
            return Results.Text("not ready: " + why + "\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }

    /// <summary>A host lifetime that listens for nothing: the endpoints start and stop with <see cref="RunAsync"/>.</summary>
    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
