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

    public static IConsumer<TKey, TValue> Wrap(IConsumer<TKey, TValue> inner)
    {
        var proxy = Create<IConsumer<TKey, TValue>, ForwardingConsumer<TKey, TValue>>();
        ((ForwardingConsumer<TKey, TValue>)(object)proxy)._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
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
