using System.Runtime.CompilerServices;

// The service tests drive the processor's merge and per-record path directly (allocation and ordering checks).
[assembly: InternalsVisibleTo("FraudStream.Service.Tests")]

// The micro-benchmarks time the event-time merge on its own.
[assembly: InternalsVisibleTo("FraudStream.Benchmarks")]
