using System.Collections.Concurrent;
using FraudStream.Features;
using FraudStream.Pipeline;
using FraudStream.Scoring;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace FraudStream.Service.Tests;

/// <summary>The model file's watch, checked by hand (no timer, no watcher): what it logs and what it keeps scoring with.</summary>
public sealed class ModelReloaderTests(ITestOutputHelper output)
{
    [Fact]
    public void A_deleted_model_file_is_logged_once_and_so_is_its_return_while_the_model_in_force_goes_on()
    {
        var dir = Directory.CreateTempSubdirectory("fraudstream-model-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.zip");
            File.Copy(KafkaHarness.DefaultModelPath, path);
            var model = FraudModel.Load(path);
            var scorer = new CallScorer(new Featurizer(ReferenceData.Embedded, new FeaturizerOptions()), model);
            var logs = new ConcurrentQueue<string>();
            using var loggers = KafkaHarness.Logs(output, logs);
            using var reloader = new ModelReloader(path, [scorer], new FraudStreamMetrics(Prometheus.Metrics.NewCustomRegistry(), KafkaHarness.Input),
                loggers.CreateLogger("FraudStream.Service"), TimeSpan.FromHours(1));
            var gone = $"Warning [4007] Model file {path} is gone; still scoring with {model.Id}, which a file put there replaces";
            var back = $"Information [4008] Model file {path} is there again (loaded if it differs from the model in force)";

            // Missing at one check only: a writer's delete-then-write, not worth a warning.
            File.Delete(path);
            reloader.Check();
            File.Copy(KafkaHarness.DefaultModelPath, path);
            reloader.Check();
            Assert.Empty(logs);

            // Missing at two checks in a row: said once, however long it lasts.
            File.Move(path, path + ".away");
            reloader.Check();
            Assert.Empty(logs);
            reloader.Check();
            reloader.Check();
            Assert.Equal(new[] { gone }, logs);
            Assert.Same(model, scorer.Model);

            // Put back with the same content: its return is said, and nothing is loaded.
            File.Move(path + ".away", path);
            reloader.Check();
            reloader.Check();
            Assert.Equal(new[] { gone, back }, logs);
            Assert.Same(model, scorer.Model);
            Assert.Equal(0, reloader.Reloads);
            Assert.Equal(0, reloader.Failures);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
