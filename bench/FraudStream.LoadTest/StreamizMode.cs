using System.Buffers;
using System.Diagnostics;
using FraudStream.Alerts;
using FraudStream.Features;
using FraudStream.Pipeline;
using FraudStream.Records;
using FraudStream.Scoring;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Stream;

namespace FraudStream.LoadTest;

/// <summary>
/// (d) The same job as a Streamiz.Kafka.Net topology, the way a .NET team would build it on the Kafka Streams port:
/// one stream thread, FraudStream's parser, featurizer and model inside <c>MapValues</c>, alerts and dead letters
/// written by filters to their topics. Stateless (the featurizer state lives in the processor object), so the
/// topology needs no internal topics: the embedded broker has no admin topic creation.
/// </summary>
public static class StreamizMode
{
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(60);

    /// <summary>What one record became.</summary>
    private sealed record Outcome(int Kind, byte[]? Value)
    {
        public const int Scored = 0, Alert = 1, Dead = 2;
        public static readonly Outcome Nothing = new(Scored, null);
    }

    public static DrainResult? Run(LoadTestOptions options)
    {
        var scorer = new CallScorer(Featurizer.CreateDefault(), FraudModel.Load(FraudModel.DefaultPath()));
        var buffer = new ArrayBufferWriter<byte>(4096);
        var writer = new AlertWriter(buffer, scorer.Model.FeatureNames);
        long count = 0, alerts = 0, invalid = 0, first = 0;

        Outcome Score(byte[]? value, IRecordContext context)
        {
            if (Interlocked.Increment(ref count) == 1)
            {
                Interlocked.Exchange(ref first, Stopwatch.GetTimestamp());
            }
            if (value is null || !CallRecordParser.TryParse(value, out var record, out _))
            {
                invalid++;
                return new Outcome(Outcome.Dead, value ?? []);
            }
            scorer.Score(record, out var scored);
            if (!scored.Alerted)
            {
                return Outcome.Nothing;
            }
            alerts++;
            buffer.ResetWrittenCount();
            writer.Write(record, scored, scorer.Model.Id, AlertSource.Kafka(context.Topic, context.Partition, context.Offset), DateTime.UtcNow);
            return new Outcome(Outcome.Alert, buffer.WrittenSpan.ToArray());
        }

        var builder = new StreamBuilder();
        var outcomes = builder.Stream<byte[], byte[]>(options.Topic).MapValues((v, ctx) => Score(v, ctx));
        outcomes.Filter((_, o, _) => o.Kind == Outcome.Alert).MapValues((o, _) => o.Value).To(options.AlertsTopic);
        outcomes.Filter((_, o, _) => o.Kind == Outcome.Dead).MapValues((o, _) => o.Value).To(options.DeadLetterTopic);

        var config = new StreamConfig<ByteArraySerDes, ByteArraySerDes>
        {
            ApplicationId = options.Group,
            BootstrapServers = options.Bootstrap!,
            ClientId = "loadtest",
            NumStreamThreads = 1,
            Guarantee = ProcessingGuarantee.AT_LEAST_ONCE,
            CommitIntervalMs = 5000, // as the other modes' auto-commit
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
            AllowAutoCreateTopics = false,
            MaxPartitionFetchBytes = ClientSettings.MaxPartitionFetchBytes,
            FetchMaxBytes = ClientSettings.FetchMaxBytes,
            QueuedMinMessages = ClientSettings.QueuedMinMessages,
            FetchWaitMaxMs = ClientSettings.FetchWaitMaxMs,
            FetchQueueBackoffMs = ClientSettings.FetchQueueBackoffMs,
            EnableIdempotence = true,
            Acks = Confluent.Kafka.Acks.All,
            LingerMs = ClientSettings.LingerMs,
        };
        var stream = new KafkaStream(builder.Build(), config);
        try
        {
            stream.StartAsync().GetAwaiter().GetResult();
            var lastCount = -1L;
            var lastProgress = Stopwatch.GetTimestamp();
            while (Interlocked.Read(ref count) < options.Expect)
            {
                Thread.Sleep(5);
                var now = Interlocked.Read(ref count);
                if (now != lastCount)
                {
                    lastCount = now;
                    lastProgress = Stopwatch.GetTimestamp();
                }
                else if (Stopwatch.GetElapsedTime(lastProgress) > StallLimit)
                {
                    Console.Error.WriteLine($"streamiz: no progress for {StallLimit.TotalSeconds:F0} s after {now} records");
                    return null;
                }
            }
        }
#pragma warning disable CA1031 // whatever stops Streamiz here is reported and the mode marked NA
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine("streamiz: " + ex.GetType().Name + ": " + ex.Message);
            return null;
        }
        finally
        {
            stream.Dispose(); // flushes the producer and commits
        }
        var end = Stopwatch.GetTimestamp();
        return new DrainResult(Interlocked.Read(ref count), alerts, invalid, ChildRun.Seconds(Interlocked.Read(ref first), end));
    }
}
