namespace FraudStream.Traffic.Tests;

/// <summary><see cref="TrafficGenerator.GenerateToDirectory"/>: complete files under the final names, or none.</summary>
public sealed class OutputDirectoryTests : IDisposable
{
    private static readonly TrafficOptions Small = new() { Calls = 5_000, Seed = 31 };

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fraudstream-gen-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_complete_run_leaves_exactly_the_calls_and_the_labels()
    {
        TrafficGenerator.GenerateToDirectory(Small, _dir);

        Assert.Equal([TrafficGenerator.CallsFileName, TrafficGenerator.LabelsFileName], FileNames());
        var (calls, labels, _) = GeneratedTraffic.Raw(Small);
        Assert.Equal(calls, File.ReadAllBytes(Path.Combine(_dir, TrafficGenerator.CallsFileName)));
        Assert.Equal(labels, File.ReadAllBytes(Path.Combine(_dir, TrafficGenerator.LabelsFileName)));
    }

    [Theory]
    [InlineData("")] // cancelled before it starts
    [InlineData("generated")] // while sorting
    [InlineData("sorted by arrival")] // while writing
    public void A_cancelled_run_leaves_no_file_behind(string cancelAt)
    {
        using var cancel = new CancellationTokenSource();
        if (cancelAt.Length == 0)
            cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => TrafficGenerator.GenerateToDirectory(Small, _dir, Progress(cancel, cancelAt), cancel.Token));

        Assert.True(Directory.Exists(_dir));
        Assert.Empty(FileNames());
    }

    [Fact]
    public void A_cancelled_run_keeps_the_complete_files_of_an_earlier_run()
    {
        var earlier = Small with { Seed = 32 };
        TrafficGenerator.GenerateToDirectory(earlier, _dir);
        var (calls, labels, _) = GeneratedTraffic.Raw(earlier);
        using var cancel = new CancellationTokenSource();

        Assert.ThrowsAny<OperationCanceledException>(() => TrafficGenerator.GenerateToDirectory(Small, _dir, Progress(cancel, "sorted by arrival"), cancel.Token));

        Assert.Equal([TrafficGenerator.CallsFileName, TrafficGenerator.LabelsFileName], FileNames());
        Assert.Equal(calls, File.ReadAllBytes(Path.Combine(_dir, TrafficGenerator.CallsFileName)));
        Assert.Equal(labels, File.ReadAllBytes(Path.Combine(_dir, TrafficGenerator.LabelsFileName)));
    }

    private static Action<string> Progress(CancellationTokenSource cancel, string cancelAt) => message =>
    {
        if (cancelAt.Length > 0 && message.StartsWith(cancelAt, StringComparison.Ordinal))
            cancel.Cancel();
    };

    private string[] FileNames() =>
        [.. Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => n!)];
}
