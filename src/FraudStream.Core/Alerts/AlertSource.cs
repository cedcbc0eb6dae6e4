namespace FraudStream.Alerts;

/// <summary>Where an alerted record came from: a Kafka topic-partition-offset, or a file and line.</summary>
public readonly struct AlertSource
{
    private AlertSource(string name, int partition, long position, bool isFile)
    {
        Name = name;
        Partition = partition;
        Position = position;
        IsFile = isFile;
    }

    /// <summary>The topic, or the file path as given.</summary>
    public string Name { get; }

    public int Partition { get; }

    /// <summary>The offset, or the line number counted from 1.</summary>
    public long Position { get; }

    public bool IsFile { get; }

    public static AlertSource File(string path, long line) => new(path, 0, line, isFile: true);

    public static AlertSource Kafka(string topic, int partition, long offset) => new(topic, partition, offset, isFile: false);
}
