using FraudStream.Scoring;

namespace FraudStream.Cli;

/// <summary>Finds and loads models for the commands; the default model ships beside the program.</summary>
internal static class ModelFiles
{
    /// <summary>The given path, else the shipped model (<see cref="FraudModel.DefaultPath"/>).</summary>
    public static string Resolve(string? path) => string.IsNullOrEmpty(path) ? FraudModel.DefaultPath() : path;

    /// <summary>
    /// Loads a model; a missing, corrupt or incompatible file is a one-line <see cref="CliException"/>. Warns when its
    /// trees will not run as compiled code (<see cref="WarnIfTreesNotCompiled"/>).
    /// </summary>
    public static FraudModel Load(string? path)
    {
        var resolved = Resolve(path);
        if (!File.Exists(resolved))
        {
            throw new CliException($"model file not found: {resolved}" + (path is null ? " (pass --model)" : ""));
        }
        FraudModel model;
        try
        {
            model = FraudModel.Load(resolved);
        }
        catch (ModelLoadException ex)
        {
            throw new CliException(ex.Message);
        }
        WarnIfTreesNotCompiled(model);
        return model;
    }

    /// <summary>
    /// A warning on standard error when not all of <paramref name="model"/>'s trees run as compiled code: those walked
    /// node by node are scored about half as fast, here and in the service (which logs event 4005).
    /// </summary>
    public static void WarnIfTreesNotCompiled(FraudModel model)
    {
        if (model.Ensemble.UncompiledTreesWarning() is { } detail)
        {
            Console.Error.WriteLine($"warning: model {model.Id}: {detail}");
        }
    }
}
