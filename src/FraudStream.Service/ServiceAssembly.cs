namespace FraudStream.Service;

/// <summary>Marks the service assembly (its version is FraudStream's build version).</summary>
public static class ServiceAssembly
{
    public static string Version { get; } =
        typeof(ServiceAssembly).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
