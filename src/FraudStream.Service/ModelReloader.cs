using System.Security.Cryptography;
using FraudStream.Pipeline;
using FraudStream.Scoring;
using Microsoft.Extensions.Logging;

namespace FraudStream.Service;

/// <summary>
/// Swaps the scorers' model (one per stream thread) when its file is replaced, without stopping: a <see cref="FileSystemWatcher"/>
/// reacts at once, and a periodic check of the file's time, size and SHA-256 catches what the watcher misses
/// (network file systems, replaced directories). A corrupt or incompatible file is refused (logged and
/// counted); the running model stays until a good file appears. So it does when the file is deleted: once it is
/// missing at two checks in a row (not a writer's delete-then-write), that is logged, and so is its return.
/// </summary>
public sealed class ModelReloader : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly string _path;
    private readonly CallScorer[] _scorers;
    private readonly FraudStreamMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private FileSystemWatcher? _watcher;
    private (DateTime Time, long Length) _stamp;
    private byte[] _hash = [];
    private int _missingChecks;
    private bool _disposed;

    /// <param name="path">The model file in force (already loaded into <paramref name="scorers"/>).</param>
    /// <param name="interval">How often the fallback check runs.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive, or longer than a timer can wait (about 49 days).</exception>
    public ModelReloader(string path, IReadOnlyList<CallScorer> scorers, FraudStreamMetrics metrics, ILogger logger, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(scorers);
        ArgumentOutOfRangeException.ThrowIfZero(scorers.Count);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(interval, TimeSpan.FromMilliseconds(uint.MaxValue - 1));
        _path = Path.GetFullPath(path);
        _scorers = [.. scorers];
        _metrics = metrics;
        _logger = logger;
        _interval = interval;
        _stamp = Stamp();
        _hash = HashOrEmpty();
        _timer = new Timer(_ => Check(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Models swapped in so far.</summary>
    public int Reloads { get; private set; }

    /// <summary>Files refused so far.</summary>
    public int Failures { get; private set; }

    /// <summary>Starts watching.</summary>
    public void Start()
    {
        try
        {
            var watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, _) => Soon();
            watcher.Created += (_, _) => Soon();
            watcher.Renamed += (_, _) => Soon();
            watcher.Deleted += (_, _) => Soon();
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            ServiceLog.WatchFailed(_logger, _path, ex.Message, _interval.TotalSeconds);
        }
        _timer.Change(_interval, _interval);
    }

    /// <summary>Checks the file now: reloads it if its content changed.</summary>
    public void Check()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            var stamp = Stamp();
            if (stamp.Length < 0)
            {
                // Missing: for a moment while a writer replaces it, or deleted. The model in force goes on either way.
                if (_missingChecks < 2 && ++_missingChecks == 2)
                {
                    ServiceLog.ModelFileGone(_logger, _path, _scorers[0].Model.Id);
                }
                return;
            }
            if (_missingChecks >= 2)
            {
                ServiceLog.ModelFileBack(_logger, _path);
            }
            _missingChecks = 0;
            if (stamp == _stamp)
            {
                return; // unchanged
            }
            var hash = HashOrEmpty();
            _stamp = stamp;
            if (hash.Length == 0 || hash.AsSpan().SequenceEqual(_hash))
            {
                return; // touched, same content
            }
            _hash = hash;
            var old = _scorers[0].Model;
            try
            {
                var model = FraudModel.Load(_path);
                foreach (var scorer in _scorers)
                {
                    scorer.SwapModel(model);
                }
                _metrics.SetModel(model.Id, DateTimeOffset.UtcNow);
                Reloads++;
                ServiceLog.ModelReloaded(_logger, old.Id, model.Id, _path);
                ServiceLog.IfTreesNotCompiled(_logger, model);
            }
            catch (Exception ex) when (ex is ModelLoadException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                Failures++;
                _metrics.ModelReloadFailed();
                ServiceLog.ModelRefused(_logger, _path, old.Id, ex.Message);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
        _watcher?.Dispose();
        _timer.Dispose();
    }

    /// <summary>Writers replace a file in steps: check once the events have been quiet for a moment.</summary>
    private void Soon()
    {
        try
        {
            _timer.Change(Debounce, _interval);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private (DateTime Time, long Length) Stamp()
    {
        try
        {
            var info = new FileInfo(_path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (default, -1);
        }
        catch (IOException)
        {
            return (default, -1);
        }
    }

    private byte[] HashOrEmpty()
    {
        try
        {
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return SHA256.HashData(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
