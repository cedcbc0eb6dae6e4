namespace FraudStream.Ml;

/// <summary>What one labelled data folder gave: its valid, labelled calls and what was skipped; <paramref name="UnmatchedLabels"/>
/// counts the label rows whose call id is on no valid call record.</summary>
public sealed record DataSource(string Directory, long Rows, long InvalidRecords, long UnlabelledRecords, long FraudRows, long UnmatchedLabels = 0);

/// <summary>
/// Featurized, labelled calls in file order, one row per valid call: the feature vector (row-major, as the
/// serving featurizer computed it), the label, the traffic class, the campaign, the start time and the source.
/// </summary>
public sealed class LabelledData
{
    private readonly List<float> _features = [];
    private readonly List<bool> _labels = [];
    private readonly List<string> _schemes = [];
    private readonly List<string?> _campaigns = [];
    private readonly List<long> _startTicks = [];
    private readonly List<int> _sources = [];
    private readonly List<DataSource> _sourceInfo = [];
    private float[]? _featureArray;

    public LabelledData(IReadOnlyList<string> featureNames)
    {
        ArgumentNullException.ThrowIfNull(featureNames);
        FeatureNames = [.. featureNames];
    }

    public IReadOnlyList<string> FeatureNames { get; }

    public int FeatureCount => FeatureNames.Count;

    public int Count => _labels.Count;

    public IReadOnlyList<DataSource> Sources => _sourceInfo;

    public IReadOnlyList<bool> Labels => _labels;

    public IReadOnlyList<string> Schemes => _schemes;

    public IReadOnlyList<string?> Campaigns => _campaigns;

    public IReadOnlyList<long> StartTicks => _startTicks;

    /// <summary>Index into <see cref="Sources"/> of each row's folder.</summary>
    public IReadOnlyList<int> SourceIndex => _sources;

    /// <summary>The feature vector of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Row(int row)
    {
        _featureArray ??= [.. _features];
        return _featureArray.AsSpan(row * FeatureCount, FeatureCount);
    }

    /// <summary>Appends one row of the source being added (see <see cref="EndSource"/>).</summary>
    public void Add(ReadOnlySpan<float> features, CallLabel label, long startTicks)
    {
        if (features.Length != FeatureCount)
            throw new ArgumentException("the vector does not have the schema's length", nameof(features));
        _featureArray = null;
        foreach (var f in features)
            _features.Add(f);
        _labels.Add(label.IsFraud);
        _schemes.Add(label.Scheme);
        _campaigns.Add(label.Campaign);
        _startTicks.Add(startTicks);
        _sources.Add(_sourceInfo.Count);
    }

    /// <summary>Closes the rows added since the previous source as coming from <paramref name="directory"/>.</summary>
    public void EndSource(string directory, long invalidRecords, long unlabelledRecords, long unmatchedLabels = 0)
    {
        var first = 0;
        for (var i = _sources.Count - 1; i >= 0; i--)
        {
            if (_sources[i] != _sourceInfo.Count)
            {
                first = i + 1;
                break;
            }
        }
        long fraud = 0;
        for (var i = first; i < _labels.Count; i++)
        {
            if (_labels[i])
                fraud++;
        }
        _sourceInfo.Add(new DataSource(directory, _labels.Count - first, invalidRecords, unlabelledRecords, fraud, unmatchedLabels));
    }
}
