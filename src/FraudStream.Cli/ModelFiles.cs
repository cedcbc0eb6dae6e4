using FraudStream.Scoring;

namespace FraudStream.Cli;

/// <summary>Finds and loads models for the commands; the default model ships beside the program.</summary>
internal static class ModelFiles
{
    /// <summary>The given path, else the shipped model (<see cref="FraudModel.DefaultPath"/>).</summary>
    public static string Resolve(string? path) => string.IsNullOrEmpty(path) ? FraudModel.DefaultPath() : path;

    /// <summary>Loads a model; a missing, corrupt or incompatible file is a one-line <see cref="CliException"/>.</summary>
    public static FraudModel Load(string? path)
    {
        var resolved = Resolve(path);
        if (!File.Exists(resolved))
        {
            throw new CliException($"model file not found: {resolved}" + (path is null ? " (pass --model)" : ""));
        }
        try
        {
            return FraudModel.Load(resolved);
        }
        catch (ModelLoadException ex)
        {
            throw new CliException(ex.Message);
        }
    }
}
