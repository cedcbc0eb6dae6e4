using System.Text;
using FraudStream.IO;

namespace FraudStream.Core.Tests.IO;

public sealed class FileReplacementTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fraudstream-replace-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void A_written_file_replaces_the_old_one_and_leaves_no_temporary_file()
    {
        var path = Path.Combine(_directory.FullName, "sub", "model.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "old");

        FileReplacement.Write(path, stream => stream.Write("new"u8));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["model.zip"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void The_folder_is_created_when_missing()
    {
        var path = Path.Combine(_directory.FullName, "a", "b", "model.zip");

        FileReplacement.Write(path, stream => stream.Write("x"u8));

        Assert.Equal("x", File.ReadAllText(path));
    }

    [Fact]
    public void A_write_that_fails_keeps_the_old_file_and_deletes_its_temporary_file()
    {
        var path = Path.Combine(_directory.FullName, "model.zip");
        File.WriteAllText(path, "old");
        string? seen = null;

        var ex = Assert.Throws<IOException>(() => FileReplacement.Write(path, stream =>
        {
            seen = ((FileStream)stream).Name;
            stream.Write("half"u8);
            throw new IOException("disk full");
        }));

        Assert.Equal("disk full", ex.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.NotNull(seen);
        Assert.False(File.Exists(seen), "the temporary file was left behind");
        Assert.Equal(["model.zip"], _directory.GetFiles().Select(f => f.Name));
    }

    [Fact]
    public void A_symbolic_link_is_replaced_by_the_new_file_and_the_file_it_pointed_to_is_left_as_it_was()
    {
        // What `train --out` through a link does (its help and docs/model.md say so): a released model that a link
        // pointed to is never overwritten in place.
        var released = Path.Combine(_directory.FullName, "v7.zip");
        File.WriteAllText(released, "released");
        var link = Path.Combine(_directory.FullName, "current.zip");
        File.CreateSymbolicLink(link, "v7.zip");

        FileReplacement.Write(link, stream => stream.Write("new"u8));

        Assert.False(FileReplacement.IsLink(link));
        Assert.Equal("new", File.ReadAllText(link));
        Assert.Equal("released", File.ReadAllText(released));
    }

    [Fact]
    public void A_symbolic_link_is_told_from_a_file_even_when_it_points_nowhere()
    {
        var file = Path.Combine(_directory.FullName, "file");
        File.WriteAllText(file, "x");
        var link = Path.Combine(_directory.FullName, "link");
        File.CreateSymbolicLink(link, "file");
        var dangling = Path.Combine(_directory.FullName, "dangling");
        File.CreateSymbolicLink(dangling, "nothing-here");

        Assert.True(FileReplacement.IsLink(link));
        Assert.True(FileReplacement.IsLink(dangling));
        Assert.False(FileReplacement.IsLink(file));
        Assert.False(FileReplacement.IsLink(Path.Combine(_directory.FullName, "missing")));
    }

    [Fact]
    public void Each_write_has_a_hidden_temporary_name_of_its_own_beside_the_file()
    {
        var path = Path.Combine("models", "current.zip");

        var first = FileReplacement.TemporaryName(path);
        var second = FileReplacement.TemporaryName(path);

        Assert.NotEqual(first, second);
        Assert.Equal("models", Path.GetDirectoryName(first));
        Assert.Matches(@"^\.current\.zip\.[0-9a-f]{12}\.tmp$", Path.GetFileName(first));
    }

    [Theory]
    [InlineData("models/current.zip")]
    [InlineData("current.zip")]
    [InlineData("/var/lib/fraudstream/$1 models/cur[rent].zip")]
    public void A_message_naming_a_temporary_file_names_the_final_file_instead(string path)
    {
        var full = Path.GetFullPath(path);
        var relative = FileReplacement.TemporaryName(path);
        var absolute = Path.GetFullPath(FileReplacement.TemporaryName(path));
        var message = new StringBuilder()
            .Append("Could not find a part of the path '").Append(absolute).Append("'. ")
            .Append("No space left on device : '").Append(relative).Append("'.")
            .ToString();

        var rewritten = FileReplacement.WithFinalName(message, path);

        Assert.Equal($"Could not find a part of the path '{full}'. No space left on device : '{path}'.", rewritten);
    }

    [Fact]
    public void A_message_without_a_temporary_name_is_left_as_it_is()
    {
        const string message = "Access to the path '/models/.current.zip.tmp' is denied.";

        Assert.Equal(message, FileReplacement.WithFinalName(message, "/models/current.zip"));
    }

    [Fact]
    public void Deleting_a_file_that_is_not_there_is_no_error()
    {
        FileReplacement.DeleteQuietly(Path.Combine(_directory.FullName, "never-written"));
    }
}
