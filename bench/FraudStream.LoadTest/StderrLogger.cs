using Microsoft.Extensions.Logging;

namespace FraudStream.LoadTest;

/// <summary>The child processor's log on standard error (which passes through the harness), one line per entry.</summary>
public sealed class StderrLogger(LogLevel minimum) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.Error.WriteLine($"  processor {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
        }
    }
}
