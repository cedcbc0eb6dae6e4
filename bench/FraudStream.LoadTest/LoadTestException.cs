namespace FraudStream.LoadTest;

/// <summary>A run that cannot go on for a reason the user can act on: the harness prints its message and exits with 1.</summary>
public sealed class LoadTestException(string message) : Exception(message);
