using Microsoft.Extensions.Logging;

namespace FraudStream.LoadTest;

/// <summary>The child processor's log on standard error (which passes through the harness), one line per entry.</summary>
public sealed class StderrLogger(LogLevel minimum, string name = "processor") : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.Error.WriteLine($"  {name} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
        }
    }
}

/// <summary>
/// <see cref="StderrLogger"/>s for the stream threads: <c>processor</c>, or <c>processor.N</c> for thread N of several
/// (the categories <c>FraudStream.Processor[.N]</c> that <see cref="Kafka.Processing.StreamThreads"/> asks for).
/// </summary>
public sealed class StderrLoggerFactory(LogLevel minimum) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) =>
        new StderrLogger(minimum, categoryName.Replace("FraudStream.Processor", "processor", StringComparison.Ordinal));

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the harness's log goes to standard error only");

    public void Dispose()
    {
    }
}
