using System.CommandLine;
using System.Diagnostics;
using FraudStream.Features;
using FraudStream.IO;
using FraudStream.Kafka;
using FraudStream.Pipeline;
using FraudStream.Records;

namespace FraudStream.Cli.Commands;

/// <summary><c>fraudstream score</c>: the service's parse, features and score path over an NDJSON file.</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input", "-i")
        {
            Description = "Call records, one JSON object per line (contracts.md section 1); - reads standard input.",
            Required = true,
        };
        var alerts = new Option<string>("--alerts", "-a")
        {
            Description = "Where to write one alert per alerted call (NDJSON); - writes standard output.",
            Required = true,
        };
        var dlq = new Option<string?>("--dlq")
        {
            Description = "Where to write one dead letter per invalid line [default: dead-letters.ndjson beside the alerts file, "
                + "or in the current folder when the alerts go to standard output; written only if a line is invalid].",
        };
        var model = new Option<string?>("--model", "-m")
        {
            Description = "Model file [default: the model shipped in models/default.zip].",
        };
        var threshold = ThresholdOption.Create();
        var caps = new StateCapOptions();
        var command = new Command("score", "Score a file of call records: writes alerts and dead letters; the last line of output is read=N valid=N invalid=N alerts=N.")
        {
            input, alerts, dlq, model, threshold,
        };
        caps.AddTo(command);
        command.SetAction(new Func<ParseResult, CancellationToken, Task<int>>((parse, ct) => RunAsync(
            parse.GetRequiredValue(input), parse.GetRequiredValue(alerts), parse.GetValue(dlq),
            parse.GetValue(model), parse.GetValue(threshold), caps.Read(parse), ct)));
        return command;
    }

    private static async Task<int> RunAsync(
        string input, string alertsPath, string? dlqPath, string? modelPath, float? threshold, FeaturizerOptions state, CancellationToken ct)
    {
        if (input != "-" && !File.Exists(input))
        {
            throw new CliException($"input file not found: {input}");
        }
        var model = ModelFiles.Load(modelPath);
        var dlqDefault = dlqPath is null;
        dlqPath ??= Path.Combine(alertsPath == "-" ? "." : Path.GetDirectoryName(Path.GetFullPath(alertsPath))!, "dead-letters.ndjson");
        // The default file only when a line is invalid, unless one is there already: an earlier run's would otherwise
        // stand beside this run's alerts as if it were this run's.
        var dlqWhenNeeded = dlqDefault && !File.Exists(dlqPath);
        using var stop = new StopSignal(ct);
        var watch = Stopwatch.StartNew();
        var scorer = new CallScorer(new Featurizer(ReferenceData.Embedded, state), model, threshold);
        await using var alertFile = OutputFile.Open(alertsPath, whenNeeded: false);
        await using var deadLetterFile = OutputFile.Open(dlqPath, dlqWhenNeeded);
        await using var deadLetters = new DeadLetterFileWriter(deadLetterFile, leaveOpen: true);
        var fileScorer = new FileScorer(scorer, input, alertFile, deadLetters);
        Console.Error.WriteLine($"scoring {input} with model {model.Id} (threshold {scorer.Threshold})");
        using (new Timer(_ => Console.Error.WriteLine($"  read {fileScorer.Read:N0} lines, {fileScorer.Alerts:N0} alerts"), null, 5000, 5000))
        {
            // On Ctrl+C the outputs are dropped (OutputFile) and the scorer is never flushed into them. A file's read sees
            // the token and is awaited to its end, so nothing writes into the outputs as they are dropped. A read of
            // standard input does not see it while it waits for input: stop waiting for it; should it go on, the dropped
            // outputs refuse its writes.
            var reading = NdjsonLineReader.ReadFileAsync(input, fileScorer, stop.Token);
            await (input == "-" ? reading.WaitAsync(stop.Token) : reading).ConfigureAwait(false);
        }
        fileScorer.Flush();
        await deadLetters.DisposeAsync().ConfigureAwait(false);
        alertFile.Commit();
        deadLetterFile.Commit();
        watch.Stop();
        var stats = scorer.Featurizer.GetStats();
        Console.Error.WriteLine(
            $"scored {fileScorer.Valid:N0} calls in {watch.Elapsed.TotalSeconds:F1} s " +
            $"({fileScorer.Read / Math.Max(watch.Elapsed.TotalSeconds, 1e-9):N0} lines/s)");
        Console.Error.WriteLine(
            $"state: {stats.TotalKeys:N0} keys in {stats.TotalBytes / 1048576.0:N1} MiB (callers {stats.Callers.Keys:N0}, " +
            $"trunks {stats.Trunks.Keys:N0}, callees {stats.Callees.Keys:N0}, pairs {stats.Pairs.Keys:N0})");
        WriteState("callers", stats.Callers);
        WriteState("trunks", stats.Trunks);
        WriteState("callees", stats.Callees);
        WriteState("pairs", stats.Pairs);
        using (var process = Process.GetCurrentProcess())
        {
            // Tables that doubled leave their old arrays to the collector: the peak is above the state's size.
            Console.Error.WriteLine($"memory: peak working set {process.PeakWorkingSet64 / 1048576.0:N1} MiB");
        }
        Console.Error.WriteLine($"alerts: {fileScorer.Alerts:N0} ({fileScorer.VictimEngaged:N0} with an engaged victim) -> {alertsPath}");
        Console.Error.WriteLine($"dead letters: {fileScorer.Invalid:N0}{(deadLetterFile.Written ? " -> " + dlqPath : " (no file written)")}");
        Console.Out.WriteLine($"read={fileScorer.Read} valid={fileScorer.Valid} invalid={fileScorer.Invalid} alerts={fileScorer.Alerts}");
        return 0;
    }

    /// <summary>One kind of state on standard error: keys against the cap, the table's size, bytes per key, evictions.</summary>
    private static void WriteState(string kind, StateKindStats s) => Console.Error.WriteLine(
        $"  {kind}: {s.Keys:N0} keys (cap {s.MaxKeys:N0}) in {s.Slots:N0} slots of {s.EntryBytes} B = {s.Bytes / 1048576.0:N1} MiB, " +
        $"{s.BytesPerKey:N1} B/key; evicted {s.CapEvictions:N0} at the cap, {s.IdleEvictions:N0} idle");

    /// <summary>
    /// An output that never looks finished before it is: a new file, or one that has content, is written under a
    /// temporary name beside it and renamed over it by <see cref="Commit"/>; disposed without a commit (a failure,
    /// Ctrl+C), the temporary file is removed and the old file, if any, is left as it was. An existing empty file
    /// (or a device such as /dev/null, or a FIFO, which report no length) is written in place and emptied again on
    /// failure; <c>-</c> is standard output. When opened <c>whenNeeded</c>, nothing is created until the first write.
    /// </summary>
    private sealed class OutputFile : Stream
    {
        private const int BufferSize = 1 << 16;

        private readonly string _path;
        private readonly string? _temp;
        private Stream? _stream;
        private bool _committed;
        private bool _disposed;

        /// <param name="path">The output as the user named it.</param>
        /// <param name="temp">The temporary file written in its place, or null to write in place.</param>
        /// <param name="stream">An open stream (standard output), or null to create the file when needed.</param>
        private OutputFile(string path, string? temp, Stream? stream)
        {
            _path = path;
            _temp = temp;
            _stream = stream;
        }

        /// <summary>Whether the output exists (it was written, or is standard output).</summary>
        public bool Written => _stream is not null;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public static OutputFile Open(string path, bool whenNeeded)
        {
            if (path == "-")
                return new OutputFile(path, null, Console.OpenStandardOutput());
            if (Directory.Exists(path))
                throw new CliException($"cannot write {path}: it is a folder");
            // In place: an existing empty file, a device or a FIFO (which report no length), and anything reached through a
            // symbolic link (/dev/stdout, a link to a device, a pipe or a file), which is written through as `>` does.
            var inPlace = FileReplacement.IsLink(path) || (File.Exists(path) && new FileInfo(path).Length == 0);
            var output = new OutputFile(path, inPlace ? null : FileReplacement.TemporaryName(path), null);
            if (!whenNeeded)
                output.Create();
            return output;
        }

        /// <summary>Puts what was written in place under the output's own name.</summary>
        public void Commit()
        {
            try
            {
                _stream?.Flush();
                if (_temp is not null && _stream is not null)
                {
                    _stream.Dispose();
                    FileReplacement.Publish(_temp, _path);
                }
                _committed = true; // not before: a commit that failed is dropped like any failed output
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw CliException.CannotWrite(_path, ex);
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_disposed, this); // a write after a drop would create the file again
            if (buffer.IsEmpty)
                return;
            var stream = _stream ?? Create();
            try
            {
                stream.Write(buffer);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw CliException.CannotWrite(_path, ex); // a full disk names the user's file, not the temporary one
            }
        }

        public override void Flush()
        {
            try
            {
                _stream?.Flush();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw CliException.CannotWrite(_path, ex);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _disposed = true;
            if (disposing && _stream is not null && !_committed && _path != "-")
                Drop();
            else if (disposing)
                _stream?.Dispose();
            base.Dispose(disposing);
        }

        private Stream Create()
        {
            try
            {
                _stream = new FileStream(_temp ?? _path, FileMode.Create, FileAccess.Write, FileShare.Read, BufferSize);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw CliException.CannotWrite(_path, ex);
            }
            return _stream;
        }

        /// <summary>Best effort: the process is ending with an error already, which this must not hide.</summary>
        private void Drop()
        {
            try
            {
                if (_temp is null)
                    _stream!.SetLength(0);
            }
            catch (Exception ex) when (ex is IOException or NotSupportedException or ObjectDisposedException or InvalidOperationException)
            {
                // A device or a FIFO cannot be emptied.
            }
            try
            {
                _stream!.Dispose();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The buffer may not reach the file; the file is dropped anyway.
            }
            if (_temp is not null)
                FileReplacement.DeleteQuietly(_temp);
        }
    }
}
