using FraudStream.Scoring;

namespace FraudStream.Cli;

/// <summary>Finds and loads models for the commands; the default model ships beside the program.</summary>
internal static class ModelFiles
{
    /// <summary>The default model, relative to the program's folder or the working directory.</summary>
    public const string DefaultRelativePath = "models/default.zip";

    /// <summary>The given path, else the default model beside the program, else ./models/default.zip.</summary>
    public static string Resolve(string? path)
    {
        if (!string.IsNullOrEmpty(path))
        {
            return path;
        }
        var besideProgram = Path.Combine(AppContext.BaseDirectory, DefaultRelativePath);
        return File.Exists(besideProgram) ? besideProgram : Path.GetFullPath(DefaultRelativePath);
    }

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
