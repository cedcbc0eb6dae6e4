namespace FraudStream.LoadTest;

/// <summary>Finds the shipped model: models/default.zip beside the program, or up the folder tree.</summary>
public static class ModelPath
{
    public static string Default()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "models", "default.zip");
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException("models/default.zip not found beside the load test or above it");
    }
}
