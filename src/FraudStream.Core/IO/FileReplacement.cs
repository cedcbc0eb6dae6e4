using System.Text.RegularExpressions;

namespace FraudStream.IO;

/// <summary>
/// Writes a file under a temporary name beside it and renames it over the final name when it is complete, so that
/// a reader sees the earlier file or the whole new one, never a partial one. The temporary name is hidden and
/// unique to the call, so two writers of the same file do not write into each other's temporary file. A path that is a
/// symbolic link is replaced like a file (the link's own target is left as it was); callers that must write through a
/// link, to a device or a pipe, write in place instead (see <see cref="IsLink"/>).
/// </summary>
/// <remarks>
/// A process killed outright (SIGKILL) can leave a temporary file behind, never a partial file under the final name.
/// The traffic generator keeps its own copy of this idea: it shares no code with the rest of FraudStream by design
/// (docs/traffic-generator.md).
/// </remarks>
public static class FileReplacement
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>, creating its folder if needed. The file appears
    /// (or replaces the old one) only once <paramref name="write"/> has returned; on an exception, the old file stays
    /// as it was and the temporary file is deleted.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        var temporary = TemporaryName(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                write(stream);
            Publish(temporary, path);
        }
        finally
        {
            DeleteQuietly(temporary);
        }
    }

    /// <summary>Whether <paramref name="path"/> is a symbolic link (to anything, or to nothing yet).</summary>
    public static bool IsLink(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A hidden name beside <paramref name="path"/>, unique to this call, that no reader takes for the finished file.</summary>
    public static string TemporaryName(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Path.Combine(Path.GetDirectoryName(path) ?? "",
            "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
    }

    /// <summary>
    /// <paramref name="message"/> (an exception's, say) with every temporary name of <paramref name="path"/> that
    /// <see cref="TemporaryName"/> gives replaced by <paramref name="path"/> itself: the user knows the file by that name.
    /// </summary>
    public static string WithFinalName(string message, string path)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrEmpty(path);
        // The folder part of the name, relative or full, is the same for both: only the file's own name differs.
        var name = Path.GetFileName(path);
        var temporary = Regex.Escape("." + name + ".") + "[0-9a-f]{12}" + Regex.Escape(".tmp");
        return Regex.Replace(message, temporary, name.Replace("$", "$$", StringComparison.Ordinal));
    }

    /// <summary>Renames the finished <paramref name="temporary"/> file over <paramref name="path"/>, in one step.</summary>
    public static void Publish(string temporary, string path) => File.Move(temporary, path, overwrite: true);

    /// <summary>
    /// Deletes <paramref name="path"/> if it is there, ignoring I/O and permission errors: cleaning up after a failure
    /// must not hide the failure.
    /// </summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path); // no error when it is not there (renamed, or never created)
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort.
        }
    }
}
