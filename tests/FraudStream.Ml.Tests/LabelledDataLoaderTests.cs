using System.Text;
using FraudStream.Features;
using FraudStream.Records;

namespace FraudStream.Ml.Tests;

public sealed class LabelledDataLoaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("fs-loader-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly string[] Lines =
    [
        """{"call_id":"c-1","start":"2026-11-27T14:00:00Z","caller":"+18008291040","callee":"+14155550199","orig_country":"IN","trunk":"gw-in-017","attest":"C","disposition":"answered","ring_ms":5200,"duration_s":412.5}""",
        """{"call_id":"c-2","start":"2026-11-27T14:00:05Z","caller":"+18008291040","callee":"+14155550100","orig_country":"IN","trunk":"gw-in-017","disposition":"no_answer","ring_ms":3000,"duration_s":0}""",
        """{"call_id":"c-3","start":"2026-11-27T14:00:09Z","caller":"+14155550123"}""",
        """{"call_id":"c-4","start":"2026-11-27T14:00:10Z","caller":"+14155550123","callee":"+14155550199","orig_country":"US","trunk":"us-1","attest":"A","disposition":"answered","ring_ms":4000,"duration_s":61}""",
        """{"call_id":"c-5","start":"2026-11-27T14:00:11Z","caller":"+14155550123","callee":"+14155550198","orig_country":"US","trunk":"us-1","attest":"A","disposition":"busy","ring_ms":100,"duration_s":0}""",
    ];

    private void Write(string labels)
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "calls.ndjson"), string.Join("\r\n", Lines) + "\n");
        File.WriteAllText(Path.Combine(_dir.FullName, "labels.csv"), labels);
    }

    [Fact]
    public async Task Loads_valid_labelled_calls_in_file_order_with_the_serving_featurizer()
    {
        // c-3 is invalid (missing fields); c-5 has no label but still feeds the featurizer's history.
        Write("call_id,is_fraud,scheme,campaign\nc-1,1,government_impersonation,irs-1\nc-2,1,government_impersonation,irs-1\nc-3,1,x,\nc-4,0,legit_domestic,\n");
        var data = await LabelledDataLoader.LoadAsync([_dir.FullName]);

        Assert.Equal(3, data.Count);
        var source = Assert.Single(data.Sources);
        Assert.Equal(new DataSource(_dir.FullName, 3, 1, 1, 2, UnmatchedLabels: 1), source); // c-3's label: its record is invalid
        Assert.Equal([true, true, false], data.Labels);
        Assert.Equal(["government_impersonation", "government_impersonation", "legit_domestic"], data.Schemes);
        Assert.Equal(["irs-1", "irs-1", null], data.Campaigns);
        Assert.Equal(FeatureSchema.Current.Names, data.FeatureNames);

        var featurizer = Featurizer.CreateDefault();
        var expected = new float[FeatureSchema.Current.Count];
        var row = 0;
        foreach (var line in Lines)
        {
            if (!CallRecordParser.TryParse(Encoding.UTF8.GetBytes(line), out var record, out _))
                continue;
            featurizer.Featurize(in record, expected);
            if (record.CallId.ToString() == "c-5")
                continue;
            Assert.Equal(expected, data.Row(row).ToArray());
            Assert.Equal(record.StartTicks, data.StartTicks[row]);
            row++;
        }
        Assert.Equal(3, row);
    }

    [Fact]
    public async Task Label_rows_that_match_no_call_are_counted_and_reported_as_a_warning()
    {
        // c-9 and c-10 are nowhere in the calls (labels of a longer file, or of another day).
        Write("call_id,is_fraud,scheme,campaign\nc-1,1,government_impersonation,irs-1\nc-4,0,legit_domestic,\nc-9,0,legit_domestic,\nc-10,1,wangiri,w-1\n");
        using var log = new StringWriter();

        var data = await LabelledDataLoader.LoadAsync([_dir.FullName], log);

        Assert.Equal(2, data.Count);
        Assert.Equal(2, Assert.Single(data.Sources).UnmatchedLabels);
        var warning = Assert.Single(log.ToString().Split('\n'), l => l.StartsWith("warning:", StringComparison.Ordinal));
        Assert.Equal($"warning: {_dir.FullName}: 2 of the 4 rows of labels.csv match no valid call in calls.ndjson (the 1 invalid records may account for some)", warning.TrimEnd());
    }

    [Fact]
    public async Task No_warning_when_every_label_row_matches_a_call()
    {
        Write("call_id,is_fraud,scheme,campaign\nc-1,1,government_impersonation,irs-1\nc-4,0,legit_domestic,\n");
        using var log = new StringWriter();

        var data = await LabelledDataLoader.LoadAsync([_dir.FullName], log);

        Assert.Equal(0, Assert.Single(data.Sources).UnmatchedLabels);
        Assert.DoesNotContain("warning:", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_without_labels_is_refused()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "calls.ndjson"), Lines[0]);
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => LabelledDataLoader.LoadAsync([_dir.FullName]));
        Assert.EndsWith("no labels.csv", ex.Message, StringComparison.Ordinal);
    }
}
