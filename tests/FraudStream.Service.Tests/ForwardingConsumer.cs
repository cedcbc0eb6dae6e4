using System.Reflection;
using Confluent.Kafka;

namespace FraudStream.Service.Tests;

/// <summary>
/// A consumer that forwards every call to Confluent.Kafka's: the kind of wrapper (tracing, metrics) that the direct
/// poll must refuse, since polling the handle underneath would go around it.
/// </summary>
public class ForwardingConsumer<TKey, TValue> : DispatchProxy
{
    private IConsumer<TKey, TValue>? _inner;
    private Action<MethodInfo>? _before;

    public static IConsumer<TKey, TValue> Wrap(IConsumer<TKey, TValue> inner) => Wrap(inner, null);

    /// <summary>A forwarder that calls <paramref name="before"/> with each method before forwarding it (to slow one down, say).</summary>
    public static IConsumer<TKey, TValue> Wrap(IConsumer<TKey, TValue> inner, Action<MethodInfo>? before)
    {
        var proxy = Create<IConsumer<TKey, TValue>, ForwardingConsumer<TKey, TValue>>();
        var forwarder = (ForwardingConsumer<TKey, TValue>)(object)proxy;
        forwarder._inner = inner;
        forwarder._before = before;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        _before?.Invoke(targetMethod);
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
