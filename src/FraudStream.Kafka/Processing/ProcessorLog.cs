using Microsoft.Extensions.Logging;

namespace FraudStream.Kafka.Processing;

/// <summary>
/// The processor's log events (ids 3000-3099). Their names and ids are a contract with whoever alerts on
/// them: add, never rename. Nothing here is logged per record, and no message carries a phone number or payload.
/// </summary>
internal static partial class ProcessorLog
{
    [LoggerMessage(3000, LogLevel.Information, "Processor starting: group {Group}, input {Input}, alerts {Alerts}, dead letters {DeadLetters}, model {Model}")]
    public static partial void Starting(ILogger logger, string group, string input, string alerts, string deadLetters, string model);

    [LoggerMessage(3001, LogLevel.Information, "Partitions assigned: {Partitions}")]
    public static partial void PartitionsAssigned(ILogger logger, string partitions);

    [LoggerMessage(3002, LogLevel.Information, "Partitions revoked: {Partitions} (their positions committed, or stored for the close to commit, after {InFlight} in-flight records settled)")]
    public static partial void PartitionsRevoked(ILogger logger, string partitions, int inFlight);

    [LoggerMessage(3003, LogLevel.Warning, "Partitions lost: {Partitions} (another member may process their uncommitted records again)")]
    public static partial void PartitionsLost(ILogger logger, string partitions);

    [LoggerMessage(3004, LogLevel.Information, "Partition {Partition}: history rebuilt from {Records} records before offset {Committed} in {Milliseconds:F0} ms")]
    public static partial void RebuildFinished(ILogger logger, int partition, long records, long committed, double milliseconds);

    [LoggerMessage(3005, LogLevel.Warning, "Kafka {Client} error {Code}: {Reason}")]
    public static partial void ClientError(ILogger logger, string client, string code, string reason);

    [LoggerMessage(3006, LogLevel.Error, "Delivery to {Topic} failed for input partition {Partition} offset {Offset}: {Code} {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, string topic, int partition, long offset, string code, string reason);

    [LoggerMessage(3007, LogLevel.Error, "Unhealthy: {Reason}; consumption stopped; giving up in {TimeoutSeconds:F0} s unless it clears")]
    public static partial void Failing(ILogger logger, string reason, double timeoutSeconds);

    [LoggerMessage(3008, LogLevel.Information, "Recovered from: {Reason}")]
    public static partial void Recovered(ILogger logger, string reason);

    [LoggerMessage(3009, LogLevel.Critical, "Giving up: {Message}")]
    public static partial void GivingUp(ILogger logger, string message);

    [LoggerMessage(3010, LogLevel.Information, "Stopping ({Reason}): waiting for {InFlight} in-flight alerts and dead letters")]
    public static partial void Stopping(ILogger logger, string reason, int inFlight);

    [LoggerMessage(3011, LogLevel.Information, "Stopped: consumed {Consumed}, valid {Valid}, invalid {Invalid}, alerts {Alerts}, history records re-read {Rebuilt}")]
    public static partial void Stopped(ILogger logger, long consumed, long valid, long invalid, long alerts, long rebuilt);

    [LoggerMessage(3012, LogLevel.Warning, "Offset commit failed ({Error}; partition@offset {Offsets}): {Reason}")]
    public static partial void CommitFailed(ILogger logger, string error, string offsets, string reason);

    [LoggerMessage(3013, LogLevel.Warning, "librdkafka {Client} {Facility}: {Message}")]
    public static partial void ClientLog(ILogger logger, string client, string facility, string message);

    [LoggerMessage(3014, LogLevel.Warning, "Partition {Partition}: no history rebuilt ({Reason})")]
    public static partial void RebuildSkipped(ILogger logger, int partition, string reason);

    [LoggerMessage(3015, LogLevel.Warning, "Stopped with {Unacknowledged} alerts or dead letters unacknowledged: {Uncommitted} records, from the first of them on in each partition, were not committed and will be processed again")]
    public static partial void UnsettledAtStop(ILogger logger, int unacknowledged, int uncommitted);

    [LoggerMessage(3016, LogLevel.Information, "The event-time merge went on without a partition {Times} times: its next record did not come within {Milliseconds:F0} ms (calls of different partitions were then scored slightly out of order)")]
    public static partial void MergeWentOn(ILogger logger, long times, double milliseconds);

    [LoggerMessage(3017, LogLevel.Information, "Warmed up on {Calls} synthetic calls in {Milliseconds:F0} ms ({Methods} methods compiled; {Ending})")]
    public static partial void WarmedUp(ILogger logger, long calls, double milliseconds, long methods, string ending);

    [LoggerMessage(3018, LogLevel.Warning, "Warm-up failed, going on without it (the first calls run slower)")]
    public static partial void WarmUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(3019, LogLevel.Warning, "Committing and leaving the group did not end within {Seconds:F0} s (is the group coordinator unreachable?); stopping without it: records after the last commit will be processed again, and the group reassigns the partitions after the session timeout")]
    public static partial void LeaveTimedOut(ILogger logger, double seconds);

    [LoggerMessage(3020, LogLevel.Critical, "Writing alerts failed on the alert thread; the alerts it did not write stay uncommitted")]
    public static partial void AlertThreadFailed(ILogger logger, Exception exception);

    [LoggerMessage(3021, LogLevel.Warning, "Partitions {Partitions}: no history rebuilt (their log starts were not asked: the assignment's queries took their {Seconds:F0} s)")]
    public static partial void RebuildSkippedLate(ILogger logger, string partitions, double seconds);

    [LoggerMessage(3022, LogLevel.Warning, "Consuming through Confluent.Kafka's Consume, which allocates a result for every message: the direct poll of the consumer's handle is not available ({Reason})")]
    public static partial void NoDirectPoll(ILogger logger, string reason);

    [LoggerMessage(3023, LogLevel.Warning, "Partition {Partition}: read again from {Offset}, where its assignment started (records taken together with a rebalance's callbacks were skipped)")]
    public static partial void Reread(ILogger logger, int partition, string offset);

    [LoggerMessage(3024, LogLevel.Information, "Partitions assigned while stopping: {Partitions} (given up again by the close, nothing read or committed)")]
    public static partial void AssignedWhileStopping(ILogger logger, string partitions);

    [LoggerMessage(3025, LogLevel.Warning, "The client's own offset commit (periodic, or as it gave partitions up) failed ({Error}; partition@offset {Offsets}): {Reason}")]
    public static partial void ClientCommitFailed(ILogger logger, string error, string offsets, string reason);

    [LoggerMessage(3026, LogLevel.Warning, "Not ready: {Problem} (the oldest, for partition {Partition} offset {Offset}, to {Topic}, waited {Seconds:F0} s; a refusal the producer retries is reported only when message.timeout.ms runs out)")]
    public static partial void DeliveriesStalled(ILogger logger, string problem, int partition, long offset, string topic, double seconds);

    [LoggerMessage(3027, LogLevel.Information, "In the last {Seconds:F0} s: consumed {Consumed} ({Rate:F0}/s), {Invalid} of them dead-lettered, {Alerts} alerts; {InFlight} alerts and dead letters in flight over {Partitions} partitions; since the start: consumed {TotalConsumed}, alerts {TotalAlerts}")]
    public static partial void Summary(ILogger logger, double seconds, long consumed, double rate, long invalid, long alerts, int inFlight, int partitions, long totalConsumed, long totalAlerts);

    [LoggerMessage(3028, LogLevel.Warning, "Invalid record at {Topic} partition {Partition} offset {Offset}, sent to {DeadLetterTopic}: {Error}: {Detail}")]
    public static partial void DeadLettered(ILogger logger, string topic, int partition, long offset, string deadLetterTopic, string error, string detail);
}
