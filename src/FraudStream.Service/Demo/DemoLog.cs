using System.Text;
using Microsoft.Extensions.Logging;

namespace FraudStream.Service.Demo;

/// <summary>
/// Keeps the latest log lines for the live view (which owns the terminal, so logs cannot go to it directly):
/// a logger provider for the service's logs and a <see cref="TextWriter"/> for the replayer's.
/// </summary>
public sealed class DemoLog : ILoggerProvider
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();
    private readonly int _keep;
    private readonly LogLevel _minimum;

    /// <summary>Keeps the latest <paramref name="keep"/> lines at <paramref name="minimum"/> or above.</summary>
    public DemoLog(int keep = 3, LogLevel minimum = LogLevel.Information)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        _keep = keep;
        _minimum = minimum;
        Writer = new LineWriter(this);
    }

    /// <summary>A writer whose lines join the log (for <see cref="Kafka.ReplayOptions.Log"/>).</summary>
    public TextWriter Writer { get; }

    /// <summary>The latest lines, oldest first.</summary>
    public IReadOnlyList<string> Lines()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    /// <summary>Adds one line, stamped with the time of day (UTC).</summary>
    public void Add(string line)
    {
        var stamped = DateTime.UtcNow.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " " + line.ReplaceLineEndings(" ");
        lock (_gate)
        {
            _lines.Enqueue(stamped);
            while (_lines.Count > _keep)
            {
                _lines.Dequeue();
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() => Writer.Dispose();

    private sealed class Logger(DemoLog owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var level = logLevel switch
            {
                LogLevel.Warning => "warn: ",
                LogLevel.Error or LogLevel.Critical => "error: ",
                _ => "",
            };
            owner.Add(level + formatter(state, exception) + (exception is null ? "" : " (" + exception.Message + ")"));
        }
    }

    /// <summary>Collects written text into lines.</summary>
    private sealed class LineWriter(DemoLog owner) : TextWriter
    {
        private readonly StringBuilder _pending = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_pending)
            {
                if (value == '\n')
                {
                    owner.Add(_pending.ToString().TrimEnd('\r'));
                    _pending.Clear();
                }
                else
                {
                    _pending.Append(value);
                }
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_pending)
            {
                owner.Add(_pending.Append(value).ToString().TrimEnd('\r'));
                _pending.Clear();
            }
        }
    }
}
