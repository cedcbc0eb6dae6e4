using System.Text.RegularExpressions;

namespace FraudStream.Deploy.Tests;

/// <summary>The Dockerfile: multi-stage, non-root, the default model inside; its publish command works here.</summary>
public sealed partial class DockerfileTests
{
    /// <summary>The Dockerfile's instructions (continuation lines joined), grouped by stage.</summary>
    private static List<List<(string Keyword, string Args)>> Stages()
    {
        var joined = Continuation().Replace(Repository.Read("Dockerfile"), " ");
        var stages = new List<List<(string, string)>>();
        foreach (var raw in joined.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = line[..space].ToUpperInvariant();
            var args = line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                stages.Add([]);
            }
            if (stages.Count > 0)
            {
                stages[^1].Add((keyword, args));
            }
        }
        return stages;
    }

    [Fact]
    public void Dockerfile_is_multi_stage_and_runs_as_a_non_root_user_on_the_aspnet_runtime()
    {
        var stages = Stages();
        Assert.True(stages.Count >= 2, "a build stage and a runtime stage");
        Assert.Contains("dotnet/sdk:", stages[0][0].Args, StringComparison.Ordinal);
        var runtime = stages[^1];
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:\$\{DOTNET_VERSION\}-[a-z]+-chiseled AS runtime$", runtime[0].Args);
        Assert.DoesNotContain(runtime, i => i.Keyword == "RUN"); // nothing installed into the small image
        var user = Assert.Single(runtime, i => i.Keyword == "USER").Args.Split(':');
        Assert.All(user, id => Assert.True(int.TryParse(id, out var n) && n > 0, "USER is a numeric non-root id (runAsNonRoot can check it)"));
        var entry = Assert.Single(runtime, i => i.Keyword == "ENTRYPOINT").Args;
        Assert.Equal("[\"dotnet\", \"/app/fraudstream.dll\"]", entry);
        var env = string.Join(' ', runtime.Where(i => i.Keyword == "ENV").Select(i => i.Args));
        Assert.Contains("FRAUDSTREAM__METRICSPORT=9464", env, StringComparison.Ordinal);
        Assert.Contains("9464", Assert.Single(runtime, i => i.Keyword == "EXPOSE").Args, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_copies_only_files_that_exist_and_the_context_keeps_them()
    {
        var ignore = Repository.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var (keyword, args) in Stages()[0].Where(i => i.Keyword == "COPY"))
        {
            var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[..^1])
            {
                Assert.True(File.Exists(Repository.PathOf(source)) || Directory.Exists(Repository.PathOf(source)), $"COPY {source}: no such file");
                var top = source.TrimEnd('/').Split('/')[0];
                Assert.DoesNotContain(top + "/", ignore);
            }
        }
        Assert.Contains("!models/default.zip", ignore);
        Assert.Contains("artifacts/", ignore);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Dockerfile_publish_command_succeeds_here_and_the_published_program_scores_with_its_model_Integration()
    {
        var build = Stages()[0];
        var dotnetRuns = build.Where(i => i.Keyword == "RUN" && i.Args.StartsWith("dotnet ", StringComparison.Ordinal)).Select(i => i.Args).ToList();
        Assert.Equal(2, dotnetRuns.Count); // restore, then publish
        var temp = Directory.CreateTempSubdirectory("fraudstream-publish-");
        try
        {
            var output = Path.Combine(temp.FullName, "app");
            foreach (var command in dotnetRuns)
            {
                var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
                var o = args.IndexOf("-o");
                if (o >= 0)
                {
                    Assert.Equal("/app", args[o + 1]); // where ENTRYPOINT looks
                    args[o + 1] = output;
                }
                var (exit, log) = Tool.Run("dotnet", [.. args, "--nologo", "-v", "q"], TimeSpan.FromMinutes(4));
                Assert.True(exit == 0, $"dotnet {string.Join(' ', args)} failed:\n{log}");
            }
            Assert.True(File.Exists(Path.Combine(output, "models", "default.zip")), "the default model is inside the published program");
            var program = Path.Combine(output, "fraudstream.dll");
            var data = Path.Combine(temp.FullName, "data");
            var (genExit, genLog) = Tool.Run("dotnet", [program, "generate", "--calls", "400", "--seed", "5", "--out", data], TimeSpan.FromSeconds(60));
            Assert.True(genExit == 0, genLog);
            // No --model: the program finds the model published beside it.
            var (exit2, scoreLog) = Tool.Run("dotnet", [program, "score", "--input", Path.Combine(data, "calls.ndjson"), "--alerts", Path.Combine(temp.FullName, "alerts.ndjson")],
                TimeSpan.FromSeconds(60), workingDirectory: temp.FullName);
            Assert.True(exit2 == 0, scoreLog);
            Assert.Matches(@"(?m)^read=400 valid=400 invalid=0 alerts=\d+$", scoreLog);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex Continuation();
}
