using FraudStream.Scoring;
using Microsoft.Extensions.Logging;

namespace FraudStream.Service;

/// <summary>The service's log events (ids 4000-4099): add, never rename. No phone number or payload is ever logged.</summary>
internal static partial class ServiceLog
{
    [LoggerMessage(4000, LogLevel.Information, "Metrics and health at {Url} (/metrics, /healthz, /readyz)")]
    public static partial void Listening(ILogger logger, string url);

    [LoggerMessage(4006, LogLevel.Warning, "Setting {Key} is not one FraudStream knows, and is ignored (from the settings file or FRAUDSTREAM__ variables; the keys are listed in docs/operations.md, Configuration)")]
    public static partial void UnknownSetting(ILogger logger, string key);

    [LoggerMessage(4001, LogLevel.Information, "Model {Model} loaded from {Path} (threshold {Threshold})")]
    public static partial void ModelLoaded(ILogger logger, string model, string path, float threshold);

    [LoggerMessage(4002, LogLevel.Information, "Model reloaded: {OldModel} -> {NewModel} from {Path}")]
    public static partial void ModelReloaded(ILogger logger, string oldModel, string newModel, string path);

    [LoggerMessage(4003, LogLevel.Error, "Model file {Path} refused, still scoring with {Model}: {Reason}")]
    public static partial void ModelRefused(ILogger logger, string path, string model, string reason);

    [LoggerMessage(4004, LogLevel.Warning, "Model file {Path} cannot be watched ({Reason}); checking it every {Seconds:F0} s")]
    public static partial void WatchFailed(ILogger logger, string path, string reason, double seconds);

    [LoggerMessage(4005, LogLevel.Warning, "Model {Model}: {Detail}")]
    public static partial void TreesNotCompiled(ILogger logger, string model, string detail);

    [LoggerMessage(4007, LogLevel.Warning, "Model file {Path} is gone; still scoring with {Model}, which a file put there replaces")]
    public static partial void ModelFileGone(ILogger logger, string path, string model);

    [LoggerMessage(4008, LogLevel.Information, "Model file {Path} is there again (loaded if it differs from the model in force)")]
    public static partial void ModelFileBack(ILogger logger, string path);

    /// <summary>Says so (event 4005) when a model just loaded will be scored without all its trees compiled to code.</summary>
    public static void IfTreesNotCompiled(ILogger logger, FraudModel model)
    {
        if (model.Ensemble.UncompiledTreesWarning() is { } detail)
            TreesNotCompiled(logger, model.Id, detail);
    }
}
