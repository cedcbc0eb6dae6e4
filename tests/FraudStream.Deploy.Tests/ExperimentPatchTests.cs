namespace FraudStream.Deploy.Tests;

/// <summary>
/// The experiments kept as patches (bench/experiments) still apply to the code they change, as docs/performance.md
/// says they do: a patch that no longer applies is found when the code moves, not when someone needs it.
/// </summary>
public sealed class ExperimentPatchTests
{
    [Theory]
    [InlineData("bench/experiments/fetch-thread.patch")]
    public void The_kept_patch_applies_to_the_current_code(string patch)
    {
        var git = Tool.Require("git", "git");
        Assert.True(File.Exists(Repository.PathOf(patch)), $"{patch} is missing");

        var (exit, output) = Tool.Run(git, ["apply", "--check", patch], TimeSpan.FromSeconds(60));

        Assert.True(exit == 0,
            $"{patch} no longer applies. To refresh it: in a scratch clone, 'git apply -3 {patch}', resolve the conflicts, " +
            $"build and test, then save 'git diff --cached' over the patch.\n{output}");
    }
}
