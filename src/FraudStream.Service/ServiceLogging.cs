using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace FraudStream.Service;

/// <summary>Console logging on standard error (standard output is kept for the summary line), plain or JSON.</summary>
public static class ServiceLogging
{
    /// <summary>A logger factory writing to standard error in <paramref name="format"/>.</summary>
    public static ILoggerFactory Create(LogFormat format, LogLevel minimum = LogLevel.Information) =>
        LoggerFactory.Create(builder => Configure(builder, format, minimum));

    public static void Configure(ILoggingBuilder builder, LogFormat format, LogLevel minimum = LogLevel.Information)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.SetMinimumLevel(minimum);
        builder.AddFilter("Microsoft", LogLevel.Warning);
        builder.AddConsole(o =>
        {
            o.FormatterName = format == LogFormat.Json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple;
            o.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        if (format == LogFormat.Json)
        {
            builder.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
    }
}
